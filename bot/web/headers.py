"""Security headers on everything the bot serves.

`nosniff` and `no-referrer` everywhere: a quote's link leaks nothing of the reader's
page. Pages that set no policy of their own (the chat, which is Gradio's) get the
strictest one Gradio runs under: everything from the bot itself, nothing from elsewhere,
no plugins, no forms to other sites. Gradio's page needs inline scripts and styles (its
config and its components' styles are inline), `eval` (its HTML component renders
through a function built from a string: without it the full text fails to render) and
`data:`/`blob:` images and fonts.
The origin policy (`origins.py`) adds `frame-ancestors` after this layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.datastructures import MutableHeaders

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CHAT_POLICY", "SecurityHeaders"]

CHAT_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob:; "
    "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'"
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                html = headers.get("content-type", "").startswith("text/html")
                if html and "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = CHAT_POLICY
            await send(message)

        await self.app(scope, receive, with_headers)
