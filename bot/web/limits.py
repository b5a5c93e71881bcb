"""Limits on what one request may cost: its body's size and how slowly it may arrive.

Starlette's `RequestBodyLimitMiddleware` caps the size too, but answers in plain text and
has no read timeout; this layer answers in the bot's error shape, refuses an announced
length before reading a byte, and gives up on a body that stalls or trickles in (a slow
client holds a connection and a task for as long as it likes otherwise). Only the request body is
timed: after it, `receive` waits for the client to leave, as server-sent events must.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.datastructures import Headers

from ..ops.responses import error

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimits", "RequestLimits"]


@dataclass(frozen=True)
class BodyLimits:
    """How large a body may be, by route, and how long it may take to arrive."""

    # A question is at most a few thousand characters; anything far larger is not one.
    api_bytes: int = 64 * 1024
    # The chat posts its whole visible history with each question (quotes included): a
    # long conversation is a few hundred KB, never megabytes.
    other_bytes: int = 1024 * 1024
    # Seconds between two pieces of a body; a client on a slow link still sends every few.
    read_timeout: float = 10.0

    @property
    def total_timeout(self) -> float:
        """The whole body's deadline: a byte every few seconds must not hold a connection
        for hours."""
        return 3 * self.read_timeout

    def max_bytes(self, path: str) -> int:
        return self.api_bytes if path == "/api" or path.startswith("/api/") else self.other_bytes


class RequestLimits:
    """Read the body first, within its limits; the app then gets it whole, or never runs.

    Reading before the app runs means no refusal happens inside an app (Gradio's own
    error handler would answer it in another shape); a body is at most a megabyte.
    """

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.max_bytes(scope["path"])
        too_large = error(413, f"The request body is over {limit} bytes.")
        too_large.headers["Connection"] = "close"
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.limits.total_timeout
        while more:
            wait = min(self.limits.read_timeout, deadline - loop.time())
            try:
                message = await asyncio.wait_for(receive(), max(wait, 0.0))
            except TimeoutError:
                slow = error(408, "The request body arrived too slowly; send it again.")
                slow.headers["Connection"] = "close"
                await slow(scope, receive, send)
                return
            if message["type"] == "http.disconnect":
                return  # the client left before it finished asking
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await too_large(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body: Message | None = {"type": "http.request", "body": b"".join(chunks)}

        async def replay() -> Message:
            nonlocal body
            if body is None:
                return await receive()  # after the body: the client leaving, for SSE
            message, body = body, None
            return message

        await self.app(scope, replay, send)
