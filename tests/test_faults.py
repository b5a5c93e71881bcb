"""Builds that go wrong leave the live index serving: killed with -9, run twice at once,
or out of disk space; the next build starts clean."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import Engine
from bot.ingest.folder import load_texts
from bot.pipeline import load_current
from bot.store.storage import live_build

from .support.server import PROJECT, index_command
from .support.services import unavailable

pytestmark = pytest.mark.server

# A text the essay's index has no vectors for: a build must encode it (some seconds here).
HANDBOOK = PROJECT / "evals" / "texts" / "handbook" / "handbuch.md"


@pytest.fixture
def live_index(engine: Engine, shared_index_dir: Path, tmp_path: Path) -> Path:
    """A copy of the essay's built index: the one that serves while a build goes wrong."""
    target = tmp_path / "index"
    shutil.copytree(shared_index_dir, target)
    return target


@pytest.fixture
def larger_seeds(seeds_copy: Path) -> Path:
    """The essay and a handbook whose passages are not encoded yet."""
    shutil.copy(HANDBOOK, seeds_copy / HANDBOOK.name)
    return seeds_copy


@dataclass
class Build:
    """`essaybot index` in a process of its own, what it says kept in a file."""

    process: subprocess.Popen[bytes]
    said: Path

    def errors(self) -> str:
        return self.said.read_text(encoding="utf-8", errors="replace")

    def finish(self, timeout: float = 300) -> int:
        return self.process.wait(timeout)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def build(seeds: Path, index: Path) -> Build:
    said = seeds.parent / f"build-{time.monotonic_ns()}.log"  # never on the full disk
    with said.open("wb") as log:
        process = subprocess.Popen(
            index_command(seeds, index),
            cwd=PROJECT,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    return Build(process, said)


def building(index: Path) -> bool:
    return any(p.name.startswith(".building-") for p in index.iterdir())


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
        # Its progress bar is up: the handbook's passages are being encoded.
        while "Encoding" not in running.errors():
            assert running.process.poll() is None, running.errors()
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.5)
        assert not building(live_index)
    else:
        while not building(live_index):
            assert running.process.poll() is None, "the build ended before it began writing"
            assert time.monotonic() < deadline
    assert running.process.poll() is None
    running.kill()
    still_serving(engine, live_index, before.name)

    again = build(larger_seeds, live_index)
    assert again.finish() == 0, again.errors()
    assert leftovers(live_index) == []
    texts = load_texts(larger_seeds)
    assert len(load_current(texts, engine.model, live_index).passages) > len(engine.index.passages)


def test_two_builds_at_once_take_turns_and_leave_one_whole_index(
    engine: Engine, live_index: Path, larger_seeds: Path
) -> None:
    first, second = build(larger_seeds, live_index), build(larger_seeds, live_index)
    for running in (first, second):
        assert running.finish() == 0, running.errors()
    texts = load_texts(larger_seeds)
    index = load_current(texts, engine.model, live_index)  # checked word for word
    assert len(index.passages) > len(engine.index.passages)
    assert leftovers(live_index) == []
    builds = [p for p in live_index.iterdir() if p.name.startswith("build-")]
    assert 1 <= len(builds) <= 2  # the live one, and the one before it for late readers


@contextmanager
def small_disk(directory: Path, holding: Path, room: int) -> Iterator[Path]:
    """A tmpfs at `directory` holding a copy of `holding`, with `room` bytes left: a disk
    that fills up."""
    directory.mkdir()

    def mount(*options: str) -> None:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(directory)],
            capture_output=True,
            text=True,
        )
        if mounted.returncode != 0:
            unavailable("A small disk (tmpfs)", str(directory), OSError(mounted.stderr.strip()))

    mount("size=64m")
    try:
        shutil.copytree(holding, directory / holding.name)
        mount("remount", f"size={shutil.disk_usage(directory).used + room}")
        yield directory / holding.name
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def test_a_full_disk_during_a_build_is_a_clear_error_and_the_old_index_stays(
    engine: Engine, shared_index_dir: Path, larger_seeds: Path, tmp_path: Path
) -> None:
    # Room for a few files, not for the handbook's vectors (hundreds of KB).
    with small_disk(tmp_path / "disk", shared_index_dir, room=64 * 1024) as index:
        before = live_build(index)
        assert before is not None
        failed = build(larger_seeds, index)
        assert failed.finish() == 1
        errors = failed.errors()
        assert "No space left on device" in errors
        assert "Free space on that disk" in errors and "still the live one" in errors
        assert "Traceback" not in errors
        still_serving(engine, index, before.name)
        assert leftovers(index) == []
