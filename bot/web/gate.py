"""The part of Gradio the chat page uses; every other Gradio route answers 404.

Gradio mounts some eighty routes: uploads, a file server for any path in its temporary
directory, a URL proxy, streams, monitoring, its own OpenAPI. The chat needs a handful.
The list below is what the page requests when driven in Chromium (`tests/test_browser.py`
asks, uses the chat's buttons and reloads, and fails on any request this gate refuses),
plus `config` and `info`, which `gradio_client` reads. A Gradio upgrade that adds routes
therefore opens nothing. Whatever Gradio answers past the gate leaves in the bot's error
shape when it is an error, and a failure inside Gradio is logged once, not twice.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.datastructures import Headers, MutableHeaders

from ..ops.responses import error

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Function", "GradioGate", "gradio_route_open", "is_json", "route_label"]

log = logging.getLogger(__name__)

_READ = re.compile(
    r"""/(config/?|theme\.css|favicon\.ico)?      # the page, its layout and theme
    |/(assets|static)/[\w./@+-]+                   # the front end's own files
    |/gradio_api/(queue/data|heartbeat/[\w-]+|info/?)""",
    re.VERBOSE,
)
# run/predict carries the page's small unqueued steps (restoring the textbox, saving the
# conversation); the chat itself runs only through the queue (`api_open=False`).
_WRITE = re.compile(r"/gradio_api/(queue/join|run/predict)")


def gradio_route_open(method: str, path: str) -> bool:
    """Whether the chat page may send `method path` to Gradio."""
    if "/." in path or "//" in path:  # no hidden files, no climbing out of a directory
        return False
    if method in ("GET", "HEAD"):
        return _READ.fullmatch(path) is not None
    return method == "POST" and _WRITE.fullmatch(path) is not None


# The open Gradio routes by name, a file or session named by what it is, not its name.
_GRADIO_ROUTES = (
    (re.compile(r"/(assets|static)/.*"), r"/\1/{file}"),
    (re.compile(r"/gradio_api/heartbeat/.*"), "/gradio_api/heartbeat/{session}"),
    (re.compile(r"/(config|gradio_api/info)/?"), r"/\1"),
    (re.compile(r"/(|theme\.css|favicon\.ico|gradio_api/(queue/(join|data)|run/predict))"), None),
)


def route_label(scope: Scope) -> str:
    """A request's route for the metrics: our own routes by their pattern, the open
    Gradio routes by name, anything else as one label, so that strangers' paths cannot
    multiply the series."""
    own = getattr(scope.get("route"), "path", None)
    if isinstance(own, str) and own:
        return own
    path = scope["path"].removeprefix(scope.get("root_path", "")) or "/"
    for pattern, label in _GRADIO_ROUTES:
        found = pattern.fullmatch(path)
        if found:
            return found.expand(label) if label else path
    return "{other}"


def is_json(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


@dataclass(frozen=True)
class Function:
    """What a call of one of the chat's Gradio functions must carry."""

    inputs: int
    # Events whose data Gradio reads by key (a thumb's `index` and `value`).
    reads_event: bool = False


# The events whose data Gradio hands a function as an EventData it builds from the keys.
_EVENTS_READ = frozenset({"like", "select", "example_select", "option_select", "retry", "undo"})


def function(inputs: int, triggers: Iterable[str]) -> Function:
    return Function(inputs, reads_event=bool(_EVENTS_READ & set(triggers)))


class GradioGate:
    """Let through what the chat page needs; answer everything else in the bot's shape.

    `functions` are the chat's Gradio functions by index: a request naming another, or
    carrying other than their inputs, is malformed. Gradio itself would fail on it with a
    500 and a trace in the log for each.
    """

    def __init__(self, app: ASGIApp, functions: Mapping[int, Function]) -> None:
        self.app = app
        self.functions = functions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # the page uses none
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root = scope.get("root_path", "")
        path = scope["path"].removeprefix(root) or "/"
        if not gradio_route_open(scope["method"], path):
            refusal = error(404, "There is no such page: the chat is at /, the API at /api/ask.")
            await refusal(scope, receive, send)
            return
        if scope["method"] == "POST" and not is_json(Headers(scope=scope).get("content-type", "")):
            # A JSON body makes a browser ask first (a preflight), so another site's page
            # cannot make the chat run a question with a plain form or text/plain post.
            refusal = error(415, "Send the body as JSON (Content-Type: application/json).")
            await refusal(scope, receive, send)
            return
        if scope["method"] == "POST":
            body = await _read_body(receive)
            if not self._names_a_function(body):
                await error(422, _ERRORS[422])(scope, receive, send)
                return
            receive = _replay(body, receive)
        # The page's own posts never fail inside Gradio; one that does was malformed.
        reply = _ErrorShape(send, failure=400 if scope["method"] == "POST" else 500)
        try:
            await self.app(scope, receive, reply)
        except Exception as exc:
            # Gradio has logged what it failed on; the parent app would log it again as a
            # second trace. (An event stream for a session Gradio does not know ends so.)
            log.warning("Gradio failed on %s %s (%s).", scope["method"], path, type(exc).__name__)
            if not reply.started:
                await reply(_failure_start(reply.failure))
            elif not reply.complete:
                await reply({"type": "http.response.body", "body": b"", "more_body": False})

    def _names_a_function(self, body: bytes) -> bool:
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, ValueError, RecursionError):
            return False
        if not isinstance(data, dict) or not isinstance(data.get("data", []), list):
            return False
        index = data.get("fn_index")
        if index is None:
            return True
        called = self.functions.get(index) if type(index) is int else None
        if called is None or len(data.get("data", [])) != called.inputs:
            return False
        event = data.get("event_data")
        if event is None:
            return True
        return isinstance(event, dict) and (
            not called.reads_event or ("index" in event and "value" in event)
        )


async def _read_body(receive: Receive) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    pending: list[Message] = [{"type": "http.request", "body": body}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


def _failure_start(status: int) -> Message:
    return {"type": "http.response.start", "status": status, "headers": []}


class _ErrorShape:
    """Pass Gradio's answers through, but an error in the bot's one shape: Gradio's own
    (`{"detail": ...}`, pydantic's details with the input echoed, a plain-text 500) would
    tell an anonymous client more than what to do."""

    def __init__(self, send: Send, *, failure: int) -> None:
        self.send = send
        self.failure = failure  # the status a failure inside Gradio is answered with
        self.started = False
        self.complete = False
        self.replacing = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            status = int(message["status"])
            if status >= 500 and status != 503:
                status = message["status"] = self.failure
            if status >= 400:
                self.replacing = True
                body = json.dumps(
                    {"error": _ERRORS.get(status, _ERRORS[500 if status >= 500 else 400])}
                ).encode()
                headers = MutableHeaders(scope=message)
                headers["content-type"] = "application/json"
                headers["content-length"] = str(len(body))
                if "content-encoding" in headers:
                    del headers["content-encoding"]
                await self.send(message)
                await self.send({"type": "http.response.body", "body": body})
                self.complete = True
                return
        if not self.replacing:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.complete = True
            await self.send(message)


_ERRORS = {
    400: "The chat could not read this request; reload the page.",
    404: "There is no such page: the chat is at /, the API at /api/ask.",
    405: "This page does not take that method.",
    422: "The chat could not read this request; reload the page.",
    500: "Something went wrong on the server; it has been logged.",
    503: "The bot is busy; please try again in a moment.",
}
