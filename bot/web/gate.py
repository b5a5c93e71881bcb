"""The part of Gradio the chat page uses; every other Gradio route answers 404.

Gradio mounts some eighty routes: uploads, a file server for any path in its temporary
directory, a URL proxy, streams, monitoring, its own OpenAPI. The chat needs a handful.
The list below is what the page requests when driven in Chromium (`tests/test_attacks.py`
drives it and fails on any request this gate refuses), plus `config` and `info`, which
`gradio_client` reads. A Gradio upgrade that adds routes therefore opens nothing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from starlette.datastructures import Headers, MutableHeaders

from .responses import error

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["GradioGate", "gradio_route_open", "is_json"]

_READ = re.compile(
    r"""/(config/?|theme\.css|favicon\.ico)?      # the page, its layout and theme
    |/(assets|static)/[\w./@+-]+                   # the front end's own files
    |/gradio_api/(queue/data|heartbeat/[\w-]+|info/?)""",
    re.VERBOSE,
)
_WRITE = re.compile(r"/gradio_api/(queue/join|run/\w+)")


def gradio_route_open(method: str, path: str) -> bool:
    """Whether the chat page may send `method path` to Gradio."""
    if "/." in path or "//" in path:  # no hidden files, no climbing out of a directory
        return False
    if method in ("GET", "HEAD"):
        return _READ.fullmatch(path) is not None
    return method == "POST" and _WRITE.fullmatch(path) is not None


def is_json(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


class GradioGate:
    """Let through what the chat page needs; answer everything else in the bot's shape."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
        await self.app(scope, receive, _without_validation_details(send))


def _without_validation_details(send: Send) -> Send:
    """Gradio answers a malformed request with pydantic's details, the input echoed;
    an anonymous client gets one sentence instead."""
    replacing = False

    async def shaped(message: Message) -> None:
        nonlocal replacing
        if message["type"] == "http.response.start" and message["status"] == 422:
            replacing = True
            body = b'{"error":"The chat could not read this request; reload the page."}'
            headers = MutableHeaders(scope=message)
            headers["content-type"] = "application/json"
            headers["content-length"] = str(len(body))
            if "content-encoding" in headers:
                del headers["content-encoding"]
            await send(message)
            await send({"type": "http.response.body", "body": body})
        elif not replacing:
            await send(message)

    return shaped
