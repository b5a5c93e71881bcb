"""Pages on another origin: a static server for the sample intranet page, and a proxy."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from .server import PROJECT

EXAMPLE = PROJECT / "examples" / "intranet.html"
DOCUMENTED_BOT = "http://127.0.0.1:7860"


def intranet_page(directory: Path, bot_url: str) -> Path:
    """The sample page as a page owner would deploy it: with their bot's address."""
    directory.mkdir(parents=True, exist_ok=True)
    page = directory / "intranet.html"
    page.write_text(EXAMPLE.read_text(encoding="utf-8").replace(DOCUMENTED_BOT, bot_url))
    return page


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def _serving(server: ThreadingHTTPServer) -> Iterator[int]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def static_site(directory: Path) -> Iterator[int]:
    """Serve `directory` on a free loopback port; yields the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(directory)))
    with _serving(server) as port:
        yield port


_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "host",
    "content-encoding",
}


@contextmanager
def reverse_proxy(prefix: str, upstream: str) -> Iterator[int]:
    """A small reverse proxy: `prefix`/... on a free port goes to `upstream`/...

    Like a typical intranet front server, it strips the prefix and buffers responses.
    """
    client = httpx.Client(base_url=upstream, timeout=60)

    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _forward(self) -> None:
            if not (self.path == prefix or self.path.startswith(prefix + "/")):
                self.send_error(404, "outside the proxied prefix")
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            headers["X-Forwarded-Prefix"] = prefix
            upstream_path = self.path[len(prefix) :] or "/"
            response = client.request(self.command, upstream_path, content=body, headers=headers)
            payload = response.content
            self.send_response(response.status_code)
            for key, value in response.headers.items():
                if key.lower() not in _HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_OPTIONS = _forward

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    try:
        with _serving(server) as port:
            yield port
    finally:
        client.close()
