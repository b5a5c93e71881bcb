"""A real essaybot server on a free loopback port, for the tests that need one."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx

PROJECT = Path(__file__).resolve().parents[2]
# What a test client calls an app by: a loopback name, which a bot bound to loopback
# answers to (its host allow-list), as a browser on the machine would.
LOCAL = "http://localhost"


def index_command(seeds: Path, index_dir: Path, *extra: str) -> list[str]:
    """`essaybot index` for `seeds` into `index_dir`, as this checkout runs it."""
    return [
        sys.executable,
        "-m",
        "bot",
        "index",
        "--seeds",
        str(seeds),
        "--index-dir",
        str(index_dir),
        *extra,
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    url: str
    process: subprocess.Popen[bytes]
    netlog: Path
    output: Path

    def outside_connections(self) -> list[str]:
        return self.netlog.read_text().splitlines() if self.netlog.exists() else []


def wait_for_server(
    url: str, process: subprocess.Popen[bytes], output: Path, timeout: float = 120
) -> None:
    """Poll /healthz; if the server dies first, fail with what it printed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            printed = output.read_text(errors="replace")
            raise RuntimeError(f"server exited with {process.returncode}:\n{printed}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"server at {url} did not answer /healthz in {timeout} s")


def _cap_open_files(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))


@contextmanager
def running_server(
    tmp_path: Path,
    *args: str,
    env: dict[str, str] | None = None,
    open_files: int | None = None,
    port: int | None = None,
) -> Iterator[Server]:
    """Start `essaybot serve` on 127.0.0.1 with the network guard; stop it afterwards.

    `open_files` caps the server's file handles, hard limit included, as a small container
    would, so a test can reach the cap with a few hundred connections. `port` restarts a
    replica where it was (default: a free port); its output is added to the same log.
    """
    port = port or free_port()
    netlog = tmp_path / f"netguard-{port}.log"
    output = tmp_path / f"server-{port}.log"
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("ESSAYBOT_", "GRADIO_", "HF_"))
    }
    environment.update(
        PYTHONPATH=os.pathsep.join([str(PROJECT / "tests" / "support" / "netguard"), str(PROJECT)]),
        NETGUARD_LOG=str(netlog),
        # Questions and feedback in the test's directory, not the project's.
        ESSAYBOT_DATA_DIR=str(tmp_path / f"data-{port}"),
        # Tests ask many questions from one address; the rate limit's own tests set it.
        ESSAYBOT_RATE_LIMIT="",
    )
    environment.update(env or {})
    command = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with output.open("ab") as sink:
        process = subprocess.Popen(
            [*command, *args],
            cwd=PROJECT,
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
            preexec_fn=None if open_files is None else partial(_cap_open_files, open_files),
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(url, process, output)
        yield Server(url, process, netlog, output)
    finally:
        stop(process, timeout=15)


def stop(process: subprocess.Popen[Any], timeout: float = 10) -> None:
    """Stop a server the test started: asked first, killed when it does not go."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
