"""The Makefile's own targets as a new user runs them."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from .conftest import PROJECT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_demo_embed_stops_the_sample_page_when_the_bot_cannot_start(
    shared_index_dir: Path, tmp_path: Path
) -> None:
    """`make serve` already on the bot's port: the bot says so, the sample page's server
    stops with it, and make exits with an error instead of serving half a demo."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        demo_port = _free_port()
        env = {
            **os.environ,
            "ESSAYBOT_INDEX_DIR": str(shared_index_dir),
            "ESSAYBOT_DATA_DIR": str(tmp_path / "data"),
        }
        run = subprocess.run(
            ["make", "-s", "demo-embed", f"PORT={port}", f"DEMO_PORT={demo_port}"],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert run.returncode != 0
    assert "already in use" in run.stdout + run.stderr
    with socket.socket() as probe:  # nothing is left serving the sample page
        assert probe.connect_ex(("127.0.0.1", demo_port)) != 0
