"""One record per request: counted in the metrics and written as one log line.

A plain ASGI layer, not Starlette's BaseHTTPMiddleware, so the chat's event stream passes
through unbuffered. No client address is logged, and a question's text only when the
question log is on: the log holds nothing personal the owner did not ask to keep. A
route handler adds what it knows (an answer's status, the question) to the request's
state under `essaybot`, and this layer writes it with the rest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from .metrics import Metrics

__all__ = ["RequestRecorder", "note"]

log = logging.getLogger("essaybot.requests")


def note(state: Any, **facts: object) -> None:
    """Add `facts` to the request's log line (`state` is `request.state`)."""
    notes = getattr(state, "essaybot", None)
    if notes is None:
        notes = {}
        state.essaybot = notes
    notes.update(facts)


class RequestRecorder:
    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        label: Callable[[Scope], str],
        questions: bool,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.label = label
        self.questions = questions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before it answers

        async def recorded(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        scope.setdefault("state", {})
        try:
            await self.app(scope, receive, recorded)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = self.label(scope)
        # From a fixed set: a client may send any word as its method, and each would be a
        # series of its own.
        method = scope["method"] if scope["method"] in _METHODS else "other"
        self.metrics.requests.labels(route, method, str(status)).inc()
        self.metrics.request_seconds.labels(route).observe(seconds)
        facts: dict[str, object] = {
            "method": method,
            "route": route,
            "status": status,
            "ms": round(seconds * 1000, 1),
        }
        notes = dict(scope["state"].get("essaybot", {}))
        question = notes.pop("question", None)
        facts.update(notes)
        if self.questions and question is not None:
            facts["question"] = question
        # As text: "POST /api/ask 200 12.3 ms answer=answered question='...'"; as JSON
        # (ESSAYBOT_LOG_FORMAT=json) each fact is a field of its own.
        words = " ".join(f"{key}={value!r}" for key, value in facts.items() if key not in _HEAD)
        log.info(
            "%s %s %d %.1f ms%s",
            method,
            route,
            status,
            seconds * 1000,
            f" {words}" * bool(words),
            extra=facts,
        )


_HEAD = ("method", "route", "status", "ms")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
