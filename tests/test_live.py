"""A running server takes up a new index when `essaybot index` makes one live, and keeps
answering from the old one until then, or when the new one does not fit it."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx

from .conftest import SEEDS
from .support.server import index_command, running_server

ROWING = (
    "# Ruderclub Möwe\n\n"
    "Das Bootshaus des Ruderclubs Möwe steht am Nordufer des Sees. "
    "Der Schlüssel zum Bootshaus hängt beim Hausmeister.\n"
)


def _index(seeds: Path, index_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        index_command(seeds, index_dir, *extra),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _build(url: str) -> str:
    return str(httpx.get(f"{url}/healthz", timeout=10).json()["index"]["build"])


def _wait_for_build(url: str, other_than: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        build = _build(url)
        if build != other_than:
            return build
        time.sleep(0.5)
    return _build(url)


def _ask(url: str, question: str) -> dict[str, object]:
    reply = httpx.post(f"{url}/api/ask", json={"question": question}, timeout=30)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def test_a_new_index_goes_live_in_a_running_server_and_a_misfit_one_does_not(
    tmp_path: Path,
) -> None:
    seeds, index_dir = tmp_path / "seeds", tmp_path / "index"
    shutil.copytree(SEEDS, seeds)
    question = "Wo hängt der Schlüssel zum Bootshaus?"
    # Not watching the folder: the build that goes live is the one `essaybot index` wrote
    # (a watching server would race it with a build of its own; test_documents.py has that).
    serving = ("--seeds", str(seeds), "--index-dir", str(index_dir), "--watch", "false")
    with running_server(tmp_path, *serving) as server:
        first = _build(server.url)
        assert first.startswith("build-")
        assert _ask(server.url, question)["status"] != "answered"

        (seeds / "ruderclub.md").write_text(ROWING, encoding="utf-8")
        built = _index(seeds, index_dir)
        assert built.returncode == 0, built.stderr
        second = _wait_for_build(server.url, other_than=first)
        assert second != first
        answer = _ask(server.url, question)
        assert answer["status"] == "answered"
        assert "hängt beim Hausmeister" in str(answer["passages"])

        # An index made for another model goes live on disk, but this server cannot
        # answer from it: it keeps the one it has, and says so in its log.
        misfit = _index(seeds, index_dir, "--model", "all-MiniLM-L6-v2")
        assert misfit.returncode == 0, misfit.stderr
        time.sleep(5)
        assert _build(server.url) == second
        assert _ask(server.url, question)["status"] == "answered"
        assert "Still answering from index build " + second in server.output.read_text()
