"""The host names the bot answers to (`ESSAYBOT_ALLOWED_HOSTS`).

A page on another site can make a browser send requests to the bot under that site's own
name, once its DNS points the name at the bot's address (DNS rebinding): the browser then
treats the bot as the page's own origin and lets the page read every answer. A request
naming a host the bot is not served under is refused before anything else reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.datastructures import Headers

from ..ops.responses import error

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["HostGuard", "HostPolicy", "host_name"]


def host_name(header: str) -> str:
    """The name in a `Host` header, without its port: `[::1]:80` is `::1`."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    return value.partition(":")[0] if value.count(":") == 1 else value


@dataclass(frozen=True)
class HostPolicy:
    names: tuple[str, ...]

    def allows(self, header: str) -> bool:
        return "*" in self.names or host_name(header) in self.names


class HostGuard:
    def __init__(self, app: ASGIApp, *, policy: HostPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or "*" in self.policy.names:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        # A trusted proxy's forwarded host is the name Gradio builds its URLs from.
        forwarded = (
            part for value in headers.getlist("x-forwarded-host") for part in value.split(",")
        )
        named = [headers.get("host", ""), *forwarded]
        if all(self.policy.allows(name) for name in named):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        refusal = error(
            400,
            "This bot is not served under the host name this request gives (its Host "
            "header); whoever runs the bot lists its names in ESSAYBOT_ALLOWED_HOSTS.",
        )
        await refusal(scope, receive, send)
