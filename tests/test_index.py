"""The index on disk: built from the real model, reused when current, rebuilt when not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import Engine, IndexCorrupt, IndexMissing, IndexStale, Settings, load_engine
from bot.index import (
    ensure_index,
    load_index,
    manifest_for,
    passage_document,
    sentence_windows,
)
from bot.model import model_identity
from bot.passages import split_passages
from bot.texts import Text, load_texts

from .conftest import SEEDS


def test_the_manifest_records_texts_model_and_versions(engine: Engine) -> None:
    manifest = engine.index.manifest
    assert manifest.model == model_identity(engine.settings.model)
    assert manifest.passages == len(engine.index.passages) == 8
    assert manifest.dimension == 384
    assert set(manifest.versions) == {"essaybot", "sentence-transformers", "faiss-cpu"}
    assert manifest.texts_sha256 == manifest_for(engine.texts, manifest.model).texts_sha256


def _build(seeds: Path, index_dir: Path, notes: list[str]) -> Engine:
    return load_engine(Settings(seeds=seeds, index_dir=index_dir), notify=notes.append)


def test_a_missing_index_is_built_and_then_reused(seeds_copy: Path, tmp_path: Path) -> None:
    notes: list[str] = []
    first = _build(seeds_copy, tmp_path / "index", notes)
    assert len(notes) == 1 and notes[0].startswith("There is no index in")
    second = _build(seeds_copy, tmp_path / "index", notes)
    assert len(notes) == 1  # loaded, not rebuilt
    assert second.index.manifest == first.index.manifest


def test_a_changed_text_makes_the_index_stale_and_it_is_rebuilt(
    seeds_copy: Path, tmp_path: Path
) -> None:
    notes: list[str] = []
    _build(seeds_copy, tmp_path / "index", notes)
    (seeds_copy / "zusatz.md").write_text("# Zusatz\n\nEin neuer Absatz über Katzen.\n")
    texts = load_texts(seeds_copy)
    with pytest.raises(IndexStale, match="texts"):
        load_index(tmp_path / "index", manifest_for(texts, model_identity("all-MiniLM-L6-v2")))
    rebuilt = _build(seeds_copy, tmp_path / "index", notes)
    assert "does not match the current texts: building it now." in notes[-1]
    assert rebuilt.index.passages[-1].source == "zusatz.md"


def test_another_model_makes_the_index_stale(engine: Engine) -> None:
    directory = engine.settings.index_dir
    with pytest.raises(IndexStale, match="model"):
        load_index(directory, manifest_for(engine.texts, "some-other-model"))


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        (lambda d: (d / "manifest.json").write_text("{not json"), IndexCorrupt),
        (lambda d: (d / "passages.faiss").write_bytes(b"garbage"), IndexCorrupt),
        (lambda d: (d / "sentences.npy").unlink(), IndexCorrupt),
        (
            lambda d: (d / "passages.json").write_text(
                json.dumps(json.loads((d / "passages.json").read_text())[:-1])
            ),
            IndexCorrupt,
        ),
        (lambda d: (d / "manifest.json").unlink(), IndexMissing),
    ],
    ids=["manifest", "faiss", "sentences", "passages", "no-manifest"],
)
def test_a_damaged_index_is_refused_then_rebuilt(
    engine: Engine, tmp_path: Path, damage: object, error: type[Exception]
) -> None:
    directory = tmp_path / "index"
    identity = model_identity(engine.settings.model)
    ensure_index(engine.texts, engine.model, identity, directory)
    damage(directory)  # type: ignore[operator]
    with pytest.raises(error, match=r"essaybot index|no index"):
        load_index(directory, manifest_for(engine.texts, identity))
    notes: list[str] = []
    rebuilt = ensure_index(engine.texts, engine.model, identity, directory, notify=notes.append)
    assert len(rebuilt.passages) == 8 and len(notes) == 1
    load_index(directory, manifest_for(engine.texts, identity))  # whole again


def test_seeds_live_in_the_project(engine: Engine) -> None:
    assert [t.source for t in engine.texts] == ["open-source-grundlagenmodelle.txt"]
    assert SEEDS.is_dir()


def test_an_edited_passage_is_never_quoted_and_the_index_is_rebuilt(
    engine: Engine, tmp_path: Path
) -> None:
    directory = tmp_path / "index"
    identity = model_identity(engine.settings.model)
    ensure_index(engine.texts, engine.model, identity, directory)
    stored = json.loads((directory / "passages.json").read_text(encoding="utf-8"))
    stored[5]["text"] = stored[5]["text"].replace("Open-Source", "GEFÄLSCHTE")
    (directory / "passages.json").write_text(json.dumps(stored), encoding="utf-8")
    notes: list[str] = []
    index = ensure_index(engine.texts, engine.model, identity, directory, notify=notes.append)
    assert notes == [
        f"The index in {directory} cannot be read (¶6 differs from "
        "open-source-grundlagenmodelle.txt): building it now."
    ]
    assert all("GEFÄLSCHTE" not in passage.text for passage in index.passages)


def test_a_pipe_in_place_of_an_index_file_is_rebuilt_not_waited_on(
    seeds_copy: Path, tmp_path: Path
) -> None:
    import os
    import threading

    notes: list[str] = []
    index_dir = tmp_path / "index"
    _build(seeds_copy, index_dir, notes)
    (index_dir / "passages.faiss").unlink()
    os.mkfifo(index_dir / "passages.faiss")  # reading it would block until a writer came
    result: list[Engine] = []
    loader = threading.Thread(
        target=lambda: result.append(_build(seeds_copy, index_dir, notes)), daemon=True
    )
    loader.start()
    loader.join(timeout=120)
    assert not loader.is_alive(), "start-up hung on the pipe"
    assert "not a regular file" in notes[-1]
    assert (index_dir / "passages.faiss").is_file()
    assert len(result[0].index.passages) == 8


def test_a_killed_builds_temporary_files_are_removed(seeds_copy: Path, tmp_path: Path) -> None:
    notes: list[str] = []
    index_dir = tmp_path / "index"
    _build(seeds_copy, index_dir, notes)
    orphan = index_dir / ".passages.faiss.k1ll3d"  # as tempfile.mkstemp names them
    orphan.write_bytes(b"half a build")
    _build(seeds_copy, index_dir, notes)
    assert not orphan.exists()
    assert len(notes) == 1  # loaded, not rebuilt: cleaning needs no rebuild


def test_what_is_embedded_names_the_headings_and_the_lists_introduction() -> None:
    (text,) = (
        Text(
            "h.md",
            "# Handbuch\n\n## Erster Tag\n\nBitte bringen Sie Folgendes mit:\n"
            "- Ihren Personalausweis\n- Ihre Steuer-Identifikationsnummer\n- Ihre Bankverbindung",
        ),
    )
    (passage,) = split_passages(text)
    assert passage_document(passage).startswith("Handbuch \u203a Erster Tag: Bitte bringen")
    windows = sentence_windows(passage)
    # The last item's neighbours are items; its introduction is read with it all the same.
    assert windows[-1] == (
        "Bitte bringen Sie Folgendes mit:\n"
        "- Ihre Steuer-Identifikationsnummer\n- Ihre Bankverbindung"
    )
    # The first item already has the introduction as its neighbour: not read twice.
    assert windows[1].count("Bitte bringen") == 1
