"""The small Unigram tokenizer gives the ids `tokenizers` gives, for every text it may meet."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from bot import Engine
from bot.embed.model import resolve_model
from bot.embed.unigram import UnigramTokenizer, read
from bot.ingest.folder import load_texts

PROJECT = Path(__file__).resolve().parent.parent

ODD = [
    "",
    " ",
    "  zwei  Leerzeichen  ",
    "ein\u00a0geschütztes\u00a0Leerzeichen",
    "Tab\tund\nZeile\r\nund\u2028Trenner",
    "\u200bnull\u200dbreit\ufeff",
    "Steuer\x01zeichen\x7f",
    "ﬁ Ligatur, Ⅻ, ①, ㍿, ㋿ (jünger als manche Unicode-Tabelle)",
    "Straße GROSS ß ÄÖÜ äöü",
    "Emoji 😀 👨‍👩‍👧 🦀🦀🦀",
    "中文 日本語 한국어 ᚠᛇᚻ ꙮ",
    "q\u0307 kombinierend, Ǆǅǆ",
    "a\u2581b (das Wortzeichen selbst)",
    "Sonder <mask> und <s>Tokens</s> mitten <unk> im <pad> Text",
    "x" * 3000,
    "ab" * 2000 + " Ende",
]


@pytest.fixture(scope="module")
def tokenizer_json(engine: Engine) -> Path:
    return (
        Path(resolve_model(engine.settings.model, engine.settings.model_cache)) / "tokenizer.json"
    )


@pytest.fixture(scope="module")
def reference(tokenizer_json: Path) -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(tokenizer_json))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


@pytest.fixture(scope="module")
def small(tokenizer_json: Path) -> UnigramTokenizer:
    tokenizer = read(tokenizer_json)
    assert tokenizer is not None, "the default model's tokenizer is a Unigram vocabulary"
    return tokenizer


def _evaluation_texts() -> list[str]:
    """Every evaluation text in paragraphs, and every evaluation question."""
    sets = json.loads((PROJECT / "evals" / "sets.json").read_text(encoding="utf-8"))
    samples = []
    for entry in sets.values():
        for text in load_texts(PROJECT / "evals" / entry["texts"]):
            samples += text.content.split("\n\n")
        questions = PROJECT / "evals" / entry["questions"]
        samples += [
            json.loads(line)["question"]
            for line in questions.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    return samples


def test_every_evaluation_text_and_question_gets_the_same_ids(
    small: UnigramTokenizer, reference: Tokenizer
) -> None:
    samples = _evaluation_texts()
    assert len(samples) > 1000
    ours = small.encode_batch(samples)
    theirs = [e.ids for e in reference.encode_batch(samples)]
    differ = [s[:60] for s, a, b in zip(samples, ours, theirs, strict=True) if a != b]
    assert differ == []


@pytest.mark.parametrize("text", ODD, ids=range(len(ODD)))
def test_odd_text_gets_the_same_ids(
    small: UnigramTokenizer, reference: Tokenizer, text: str
) -> None:
    assert small.encode(text) == reference.encode(text).ids


def test_a_long_text_is_cut_where_tokenizers_cuts_it(
    small: UnigramTokenizer, tokenizer_json: Path
) -> None:
    cutting = Tokenizer.from_file(str(tokenizer_json))
    cutting.enable_truncation(512)
    long = " ".join(_evaluation_texts()[:200])
    ids = small.encode(long, 512)
    assert len(ids) == 512
    assert ids == cutting.encode(long).ids


def test_a_tokenizer_of_another_kind_is_left_to_tokenizers(tmp_path: Path) -> None:
    word_pieces = tmp_path / "tokenizer.json"
    tokenizer = Tokenizer.from_str(
        json.dumps(
            {
                "version": "1.0",
                "model": {
                    "type": "WordPiece",
                    "unk_token": "[UNK]",
                    "continuing_subword_prefix": "##",
                    "max_input_chars_per_word": 100,
                    "vocab": {"[UNK]": 0, "a": 1},
                },
            }
        )
    )
    tokenizer.save(str(word_pieces))
    assert read(word_pieces) is None


def test_the_vocabulary_is_kept_in_a_quick_form_that_gives_the_same_ids(
    tokenizer_json: Path, reference: Tokenizer, tmp_path: Path
) -> None:
    copy = tmp_path / "tokenizer.json"
    copy.write_bytes(tokenizer_json.read_bytes())
    keep = tmp_path / "cache"
    first = read(copy, keep)
    (kept,) = keep.iterdir()
    again = read(copy, keep)  # from the kept form now
    assert first is not None and again is not None
    samples = _evaluation_texts()[:300] + ODD
    assert again.encode_batch(samples) == [e.ids for e in reference.encode_batch(samples)]
    # A changed file is read afresh, into a form of its own; the old form goes.
    os.utime(copy, ns=(copy.stat().st_atime_ns, copy.stat().st_mtime_ns + 1_000_000_000))
    assert read(copy, keep) is not None
    (renewed,) = keep.iterdir()
    assert renewed != kept and not kept.exists()


def test_a_damaged_quick_form_is_read_past(
    tokenizer_json: Path, reference: Tokenizer, tmp_path: Path
) -> None:
    keep = tmp_path / "cache"
    assert read(tokenizer_json, keep) is not None
    (kept,) = keep.iterdir()
    (kept / "pieces.marisa").write_bytes(b"half a file")
    tokenizer = read(tokenizer_json, keep)
    assert tokenizer is not None
    assert tokenizer.encode(ODD[3]) == reference.encode(ODD[3]).ids
    # ... and kept whole again for the next start.
    again = read(tokenizer_json, keep)
    assert again is not None and again.encode(ODD[3]) == reference.encode(ODD[3]).ids
    assert (kept / "pieces.marisa").read_bytes() != b"half a file"


def test_a_cache_that_cannot_be_written_only_costs_time(
    tokenizer_json: Path, reference: Tokenizer, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    tokenizer = read(tokenizer_json, blocker / "cache")
    assert tokenizer is not None
    assert tokenizer.encode(ODD[3]) == reference.encode(ODD[3]).ids
