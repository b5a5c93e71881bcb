"""Debian's nginx in front of replicas, with the configuration deploy/ documents."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from .server import PROJECT, free_port, stop

SITE = PROJECT / "deploy" / "nginx-essaybot.conf"
_DOCUMENTED_PORTS = ("7861", "7862", "7863")
_DOCUMENTED_CERTIFICATES = "/etc/ssl/essaybot/"

_MAIN = """
daemon off;
master_process on;
worker_processes 1;
{user}
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {site};
}}
"""


def documented_name() -> str:
    """The bot's own name in the documented site (its first server_name but `_`), or
    localhost for a site that names none."""
    site = SITE.read_text(encoding="utf-8")
    names: list[str] = re.findall(r"^\s*server_name\s+([^;#]+);", site, re.MULTILINE)
    return next((n.split()[0] for n in names if n.split()[0] != "_"), "localhost")


@dataclass(frozen=True)
class Proxy:
    url: str  # plain HTTP on loopback, as a probe on the machine calls it
    name: str  # the bot's name in the site, which readers use
    https_port: int  # its TLS listener, answering for `name`
    certificate: Path  # self-signed for `name`: the CA a client trusts

    @property
    def https(self) -> str:
        """The bot's HTTPS address by name (a browser told the name is loopback)."""
        return f"https://{self.name}:{self.https_port}"


def site_for(ports: Sequence[int], listen: int, tls: int, certificates: str) -> str:
    """The documented site with its replicas' ports, its listen addresses (80 on `listen`,
    443 on `tls`) and its certificates' directory swapped; nothing else."""
    site = SITE.read_text(encoding="utf-8")
    if len(ports) != len(_DOCUMENTED_PORTS):
        raise ValueError(f"the documented site has {len(_DOCUMENTED_PORTS)} replicas")
    for documented, port in zip(_DOCUMENTED_PORTS, ports, strict=True):
        site = site.replace(f"127.0.0.1:{documented}", f"127.0.0.1:{port}")
    site = re.sub(r"listen 80\b", f"listen 127.0.0.1:{listen}", site)
    site = re.sub(r"listen 443\b", f"listen 127.0.0.1:{tls}", site)
    return site.replace(_DOCUMENTED_CERTIFICATES, certificates)


def nginx_missing() -> str | None:
    if not shutil.which("nginx"):
        return "nginx is not installed (make nginx installs it)"
    if not shutil.which("openssl"):
        return "openssl is not installed (the site's TLS listener needs a certificate)"
    return None


def self_signed(directory: Path, name: str) -> Path:
    """A certificate for `name` and its key, as the site names them, in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    certificate = directory / "fullchain.pem"
    made = subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "2"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}"),
            *("-keyout", str(directory / "privkey.pem"), "-out", str(certificate)),
        ],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        raise RuntimeError(f"openssl made no certificate:\n{made.stderr}")
    return certificate


@contextmanager
def running_site(directory: Path, ports: Sequence[int]) -> Iterator[Proxy]:
    """nginx with the documented site on free loopback ports in front of `ports`, and a
    self-signed certificate for the site's name. Stopped afterwards."""
    directory.mkdir(parents=True, exist_ok=True)
    listen, tls = free_port(), free_port()
    name = documented_name()
    certificate = self_signed(directory / "tls", name)
    site = site_for(ports, listen, tls, f"{directory / 'tls'}/")
    (directory / "site.conf").write_text(site, encoding="utf-8")
    user = "user root root;" if os.geteuid() == 0 else ""
    main = _MAIN.format(dir=directory, site=directory / "site.conf", user=user)
    (directory / "nginx.conf").write_text(main, encoding="utf-8")
    check = subprocess.run(
        ["nginx", "-t", "-q", "-c", str(directory / "nginx.conf"), "-p", str(directory)],
        capture_output=True,
        text=True,
    )
    if check.returncode != 0:
        raise RuntimeError(f"nginx refused the configuration:\n{check.stderr}")
    process = subprocess.Popen(
        ["nginx", "-c", str(directory / "nginx.conf"), "-p", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{listen}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError((directory / "error.log").read_text()) from None
                time.sleep(0.1)
        yield Proxy(url, name, tls, certificate)
    finally:
        stop(process)


@contextmanager
def running_nginx(directory: Path, ports: Sequence[int]) -> Iterator[str]:
    """nginx on a free loopback port in front of `ports`; its URL. Stopped afterwards."""
    with running_site(directory, ports) as proxy:
        yield proxy.url


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: list[tuple[str, str]]

    def header(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


@dataclass
class Recorder:
    """An upstream that answers every request 200 and keeps what it received."""

    port: int
    received: list[Received] = field(default_factory=list)
    # How long it holds an event stream (/gradio_api/queue/data) open, as a replica does
    # while it answers; the most it held at once.
    hold: float = 5.0
    held: int = 0
    most_held: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self) -> list[str]:
        return [r.path for r in list(self.received)]

    def holding(self, change: int) -> None:
        with self.lock:
            self.held += change
            self.most_held = max(self.most_held, self.held)


class _Recording(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # head and body leave at once, as a replica's do
    server: _RecordingServer

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        recorder = self.server.recorder
        recorder.received.append(Received(self.command, self.path, list(self.headers.items())))
        if self.path.startswith("/gradio_api/queue/data"):
            recorder.holding(+1)
            time.sleep(recorder.hold)
            recorder.holding(-1)
        body = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_OPTIONS = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


class _RecordingServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # nginx may open hundreds at once
    recorder: Recorder


@contextmanager
def recording_upstream() -> Iterator[Recorder]:
    """A stand-in for the replicas on a free loopback port, to see what nginx sends them."""
    recorder = Recorder(free_port())
    server = _RecordingServer(("127.0.0.1", recorder.port), _Recording)
    server.recorder = recorder
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
