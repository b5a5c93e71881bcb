"""The index on disk: built from the real model, reused when current, rebuilt when not."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot import Engine, IndexCorrupt, IndexMissing, IndexStale, Settings, load_engine
from bot._types import Matrix
from bot.embed.model import model_identity
from bot.ingest.folder import load_texts
from bot.ingest.passages import split_passages
from bot.ingest.texts import Text
from bot.pipeline import ensure_index, manifest_for
from bot.store.index import passage_document, sentence_windows
from bot.store.storage import live_build, load_index

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
        (lambda d: (d / "manifest.json").unlink(), IndexCorrupt),
        (lambda d: (d.parent / "CURRENT").unlink(), IndexMissing),
    ],
    ids=["manifest", "faiss", "sentences", "passages", "no-manifest", "no-current"],
)
def test_a_damaged_index_is_refused_then_rebuilt(
    engine: Engine, tmp_path: Path, damage: object, error: type[Exception]
) -> None:
    directory = tmp_path / "index"
    identity = engine.model.identity
    ensure_index(engine.texts, engine.model, directory)
    damage(live_build(directory))  # type: ignore[operator]
    with pytest.raises(error, match=r"essaybot index|no index"):
        load_index(directory, manifest_for(engine.texts, identity))
    notes: list[str] = []
    rebuilt = ensure_index(engine.texts, engine.model, directory, notify=notes.append)
    assert len(rebuilt.passages) == 8 and len(notes) == 1
    load_index(directory, manifest_for(engine.texts, identity))  # whole again


def test_seeds_live_in_the_project(engine: Engine) -> None:
    assert [t.source for t in engine.texts] == ["open-source-grundlagenmodelle.txt"]
    assert SEEDS.is_dir()


def test_an_edited_passage_is_never_quoted_and_the_index_is_rebuilt(
    engine: Engine, tmp_path: Path
) -> None:
    directory = tmp_path / "index"
    ensure_index(engine.texts, engine.model, directory)
    build = live_build(directory)
    assert build is not None
    stored = json.loads((build / "passages.json").read_text(encoding="utf-8"))
    stored[5]["text"] = stored[5]["text"].replace("Open-Source", "GEFÄLSCHTE")
    (build / "passages.json").write_text(json.dumps(stored), encoding="utf-8")
    notes: list[str] = []
    index = ensure_index(engine.texts, engine.model, directory, notify=notes.append)
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
    build = live_build(index_dir)
    assert build is not None
    (build / "passages.faiss").unlink()
    os.mkfifo(build / "passages.faiss")  # reading it would block until a writer came
    result: list[Engine] = []
    loader = threading.Thread(
        target=lambda: result.append(_build(seeds_copy, index_dir, notes)), daemon=True
    )
    loader.start()
    loader.join(timeout=120)
    assert not loader.is_alive(), "start-up hung on the pipe"
    assert "not a regular file" in notes[-1]
    assert (live_build(index_dir) or index_dir / "none").joinpath("passages.faiss").is_file()
    assert len(result[0].index.passages) == 8


def test_a_killed_build_leaves_the_live_index_serving_and_is_cleared_by_the_next(
    seeds_copy: Path, tmp_path: Path
) -> None:
    notes: list[str] = []
    index_dir = tmp_path / "index"
    live = _build(seeds_copy, index_dir, notes).index
    killed = index_dir / ".building-k1ll3d"  # as a build killed halfway leaves it
    killed.mkdir()
    (killed / "passages.faiss").write_bytes(b"half a build")
    (index_dir / ".CURRENT.x7y8z9").write_text("build-")
    assert _build(seeds_copy, index_dir, notes).index.manifest == live.manifest
    assert len(notes) == 1  # loaded, not rebuilt
    (seeds_copy / "zusatz.md").write_text("# Zusatz\n\nEin neuer Absatz über Katzen.\n")
    _build(seeds_copy, index_dir, notes)
    assert not killed.exists() and not (index_dir / ".CURRENT.x7y8z9").exists()


def test_a_new_build_goes_live_whole_and_the_one_before_it_is_kept_until_the_next(
    engine: Engine, tmp_path: Path
) -> None:
    from bot.pipeline import build_and_save

    directory = tmp_path / "index"
    builds = []
    for _ in range(3):
        build_and_save(engine.texts, engine.model, directory)
        builds.append(live_build(directory))
    assert len(set(builds)) == 3
    first, second, third = builds
    assert first is not None and not first.exists()
    assert second is not None and second.exists()  # a reader may have just resolved it
    assert (directory / "CURRENT").read_text().strip() == (third or Path()).name


def test_reading_an_index_writes_nothing_beside_it(engine: Engine, tmp_path: Path) -> None:
    """Replicas open a shared index read-only."""
    directory = tmp_path / "index"
    ensure_index(engine.texts, engine.model, directory)

    def snapshot() -> dict[str, int]:
        return {str(p): p.stat().st_mtime_ns for p in sorted(directory.rglob("*"))}

    before = snapshot()
    ensure_index(engine.texts, engine.model, directory)
    assert snapshot() == before


def test_adding_a_text_encodes_that_text_alone(engine: Engine, tmp_path: Path) -> None:
    from bot.pipeline import build_and_save

    encoded: list[str] = []

    class Counting:
        identity = engine.model.identity

        def encode_queries(self, texts: Sequence[str]) -> Matrix:
            return engine.model.encode_queries(texts)

        def encode_documents(self, texts: Sequence[str], *, progress: object = None) -> Matrix:
            encoded.extend(texts)
            return engine.model.encode_documents(texts)

        def count_tokens(self, texts: Sequence[str]) -> int:
            return engine.model.count_tokens(texts)

    directory = tmp_path / "index"
    first = build_and_save(engine.texts, Counting(), directory)
    essay = len(encoded)
    added = Text("katzen.md", "# Katzen\n\nKatzen schlafen viel. Sie jagen Mäuse.\n")
    second = build_and_save((*engine.texts, added), Counting(), directory)
    assert encoded[essay:] == [
        "Katzen: Katzen schlafen viel. Sie jagen Mäuse.",
        "Katzen schlafen viel.",
        "Sie jagen Mäuse.",
        # The two windows are the whole paragraph, encoded once.
        "Katzen schlafen viel. Sie jagen Mäuse.",
    ]
    assert np.array_equal(
        second.sentence_vectors[: len(first.sentence_vectors)], first.sentence_vectors
    )


def test_a_build_stopped_halfway_goes_on_from_the_texts_it_finished(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import pipeline
    from bot.pipeline import build_and_save, build_index

    monkeypatch.setattr(pipeline, "STRINGS_PER_CALL", 1)  # a call of the model per text
    animals = ("Katzen", "Hunde", "Pferde")
    texts = tuple(
        Text(f"{a.lower()}.md", f"# {a}\n\n{a} schlafen viel. {a} fressen gern.\n") for a in animals
    )
    calls: list[Sequence[str]] = []

    class StoppedAfterTwo:
        identity = engine.model.identity

        def encode_queries(self, texts: Sequence[str]) -> Matrix:
            return engine.model.encode_queries(texts)

        def encode_documents(self, texts: Sequence[str], *, progress: object = None) -> Matrix:
            if len(calls) == 2:
                raise KeyboardInterrupt
            calls.append(texts)
            return engine.model.encode_documents(texts)

        def count_tokens(self, texts: Sequence[str]) -> int:
            return engine.model.count_tokens(texts)

    directory = tmp_path / "index"
    with pytest.raises(KeyboardInterrupt):
        build_and_save(texts, StoppedAfterTwo(), directory)
    assert [call[0].split(":")[0] for call in calls] == ["Katzen", "Hunde"]
    calls.clear()
    resumed = build_and_save(texts, StoppedAfterTwo(), directory)
    assert [call[0].split(":")[0] for call in calls] == ["Pferde"]
    # Each text's vectors stand in their rows as in a build in one go.
    whole = build_index(texts, engine.model)
    for field in ("sentence_vectors", "window_vectors", "passage_vectors"):
        assert np.allclose(getattr(resumed, field), getattr(whole, field), atol=1e-5)


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
