"""Serving over HTTP for months unattended: timeouts, a connection cap, a log that keeps calm.

uvicorn times out idle keep-alive connections but not a client that sends its request
head one byte at a time (slowloris) or opens a connection and says nothing: each holds a
file handle forever. `_PromptH11` closes a connection whose request head is not complete
within the timeout. `limit_concurrency` answers 503 beyond the connection cap, the open
file limit is raised to what the system allows, and `ThrottledLog` turns a flood of one
warning (a refused connection, an exhausted accept loop) into one line per kind a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import resource
import signal
import time
from typing import TYPE_CHECKING, Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from ..settings import Settings

__all__ = ["ThrottledLog", "raise_open_file_limit", "serve_app"]

_log = logging.getLogger("uvicorn.error")


class ThrottledLog(logging.Filter):
    """Let one warning of each kind through per interval, and say how many were held back.

    The kind is the logger and the message before its arguments: "Exceeded concurrency
    limit." from a thousand connections is one kind. The access log is not throttled: it
    is the record of every request, refused ones included.
    """

    def __init__(self, interval: float = 60.0) -> None:
        super().__init__()
        self.interval = interval
        self._last: dict[tuple[str, str], float] = {}
        self._held: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        # Refusals are warnings; an error is let through every time, except the accept
        # loop's (asyncio's "out of system resource"), which repeats for every connection.
        if record.levelno < logging.WARNING or (
            record.levelno > logging.WARNING and record.name != "asyncio"
        ):
            return True
        kind = (record.name, str(record.msg))
        now = time.monotonic()
        if now - self._last.get(kind, -self.interval) < self.interval:
            self._held[kind] = self._held.get(kind, 0) + 1
            return False
        self._last[kind] = now
        held = self._held.pop(kind, 0)
        if held:
            record.msg = f"{record.msg} ({held} more like this held back)"
        return True


def _log_config(form: str = "text") -> dict[str, Any]:
    """uvicorn's logging, throttled, with the root logger (asyncio, the bot) on the same
    handler, so an accept-loop error is throttled too rather than printed by lastResort.

    uvicorn's access log is off: the bot writes one line per request itself
    (ops/requests.py), with its latency and without the client's address. In `json`
    form every line, uvicorn's own included, is one JSON object.
    """
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"throttle": {"()": ThrottledLog}}
    config["handlers"]["default"]["filters"] = ["throttle"]
    config["root"] = {"handlers": ["default"], "level": "INFO"}
    if form == "json":
        config["formatters"]["default"] = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "timestamp": False,
        }
    return config


class _PromptH11(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request head is late."""

    head_timeout = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._head_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._await_head()

    def _await_head(self) -> None:
        self._stop_head_timer()
        self._waiting_after = self.cycle  # the head has come once another cycle starts
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._head_timer is not None and self.cycle is not self._waiting_after:
            self._stop_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        idle = self.cycle is None or self.cycle.response_complete  # no pipelined request
        if idle and not self.transport.is_closing():
            self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            _log.warning("Closed a connection that sent no complete request in time.")
            self.transport.close()


def raise_open_file_limit() -> None:
    """Use every file handle the system grants: each connection costs one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        # A container may refuse; the cap on connections still holds.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def serve_app(app: ASGIApp, settings: Settings) -> None:
    """Run `app` until stopped, with the limits the settings give."""
    raise_open_file_limit()
    # uvicorn stops gracefully on SIGTERM, then raises the signal again; with Python's
    # default handler that would end the process without its exit handlers (which remove
    # Gradio's directory). Exiting by SystemExit runs them.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    protocol = type("PromptH11", (_PromptH11,), {"head_timeout": settings.request_timeout})
    try:
        _run(app, settings, protocol)
    finally:
        state = getattr(app, "state", None)
        watch = getattr(state, "watch", None)
        if watch is not None:
            watch.stop()
        # The questions and votes still waiting are written before the process ends.
        journal = getattr(state, "journal", None)
        if journal is not None:
            journal.close()


def _run(app: ASGIApp, settings: Settings, protocol: type[asyncio.Protocol]) -> None:
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        http=protocol,
        log_config=_log_config(settings.log_format),
        log_level="info",
        access_log=False,
        limit_concurrency=settings.max_connections,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=10,
        server_header=False,
        # The app takes the client from a trusted proxy itself (web/app.py), keeping the
        # address that connected for access control.
        proxy_headers=False,
    )
