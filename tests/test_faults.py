"""Builds that go wrong leave the live index serving: killed with -9, run twice at once,
or out of disk space; the next build starts clean."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot import Engine
from bot.ingest.texts import load_texts
from bot.store.storage import live_build, load_current

from .support.server import PROJECT
from .support.services import unavailable

pytestmark = [pytest.mark.server, pytest.mark.slow]

REFERENCE = PROJECT / "evals" / "texts" / "developers-reference" / "developers-reference-de.md"


@pytest.fixture
def live_index(engine: Engine, shared_index_dir: Path, tmp_path: Path) -> Path:
    """A copy of the essay's built index: the one that serves while a build goes wrong."""
    target = tmp_path / "index"
    shutil.copytree(shared_index_dir, target)
    return target


@pytest.fixture
def larger_seeds(seeds_copy: Path) -> Path:
    """The essay and a 300 KB manual: a build that takes long enough to be interrupted."""
    shutil.copy(REFERENCE, seeds_copy / REFERENCE.name)
    return seeds_copy


def build(seeds: Path, index: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "index", "--seeds", str(seeds), "--index-dir", str(index)],
        cwd=PROJECT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def still_serving(engine: Engine, index: Path, build_name: str) -> None:
    """The build that was live is live, whole, and answers for the essay."""
    assert (live := live_build(index)) is not None and live.name == build_name
    loaded = load_current(engine.texts, engine.model, index)
    assert len(loaded.passages) == len(engine.index.passages)


def leftovers(index: Path) -> list[str]:
    return sorted(p.name for p in index.iterdir() if p.name.startswith((".building-", ".CURRENT")))


@pytest.mark.parametrize("when", ["encoding", "writing"])
def test_a_build_killed_with_minus_9_leaves_the_live_index_and_the_next_build_clean(
    engine: Engine, live_index: Path, larger_seeds: Path, when: str
) -> None:
    before = live_build(live_index)
    assert before is not None
    running = build(larger_seeds, live_index)
    deadline = time.monotonic() + 300
    if when == "encoding":
        time.sleep(8)  # the model is loaded; the manual's passages are being encoded
    else:
        while not any(p.name.startswith(".building-") for p in live_index.iterdir()):
            assert running.poll() is None, "the build ended before it began writing"
            assert time.monotonic() < deadline
    running.send_signal(signal.SIGKILL)
    running.communicate()
    still_serving(engine, live_index, before.name)

    again = build(larger_seeds, live_index)
    _, errors = again.communicate(timeout=600)
    assert again.returncode == 0, errors
    assert leftovers(live_index) == []
    texts = load_texts(larger_seeds)
    assert len(load_current(texts, engine.model, live_index).passages) > 100


def test_two_builds_at_once_take_turns_and_leave_one_whole_index(
    engine: Engine, live_index: Path, larger_seeds: Path
) -> None:
    first, second = build(larger_seeds, live_index), build(larger_seeds, live_index)
    for running in (first, second):
        _, errors = running.communicate(timeout=600)
        assert running.returncode == 0, errors
    texts = load_texts(larger_seeds)
    index = load_current(texts, engine.model, live_index)  # checked word for word
    assert len(index.passages) > 100
    assert leftovers(live_index) == []
    builds = [p for p in live_index.iterdir() if p.name.startswith("build-")]
    assert 1 <= len(builds) <= 2  # the live one, and the one before it for late readers


@contextmanager
def small_disk(directory: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `directory`: a disk that fills up."""
    directory.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        unavailable("A small disk (tmpfs)", str(directory), OSError(mounted.stderr.strip()))
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def test_a_full_disk_during_a_build_is_a_clear_error_and_the_old_index_stays(
    engine: Engine, shared_index_dir: Path, larger_seeds: Path, tmp_path: Path
) -> None:
    with small_disk(tmp_path / "disk", "2m") as disk:
        index = disk / "index"
        shutil.copytree(shared_index_dir, index)
        before = live_build(index)
        assert before is not None
        failed = build(larger_seeds, index)
        _, errors = failed.communicate(timeout=600)
        assert failed.returncode == 1
        assert "No space left on device" in errors
        assert "Free space on that disk" in errors and "still the live one" in errors
        assert "Traceback" not in errors
        still_serving(engine, index, before.name)
        assert leftovers(index) == []
