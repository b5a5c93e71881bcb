"""Which peers may speak for a client: the reverse proxies the settings trust.

A trusted proxy names the reader (`X-Forwarded-For`), the reader's sign-in (the user
header) and the name it was reached by (`X-Forwarded-Host`, `X-Forwarded-Proto`). From
anyone else those headers are the client's own words: Gradio would build its page's URLs
from them, so they are dropped at the door.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import ip_address, ip_network
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["KeepPeer", "TrustedProxies"]

# Read by Gradio itself, which does not ask who sent them.
_FORWARDED_NAME = (b"x-forwarded-host", b"x-forwarded-proto")


@dataclass(frozen=True)
class TrustedProxies:
    """uvicorn's notation: addresses, networks, or "*"."""

    proxies: tuple[str, ...] = ("127.0.0.1",)

    def trusts(self, peer: str) -> bool:
        if "*" in self.proxies:
            return True
        try:
            address = ip_address(peer)
        except ValueError:
            return False
        for proxy in self.proxies:
            try:
                if address in ip_network(proxy, strict=False):
                    return True
            except ValueError:
                continue
        return False


class KeepPeer:
    """The outermost layer: keeps the address that connected, which access control checks
    the proxy by (the next layer replaces the client with the one a trusted proxy names),
    and drops the forwarded host and scheme of a peer that is not a trusted proxy."""

    def __init__(self, app: ASGIApp, *, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            peer = scope.get("client")
            scope["essaybot.peer"] = peer
            if not self.proxies.trusts(peer[0] if peer else ""):
                scope["headers"] = [
                    (name, value)
                    for name, value in scope["headers"]
                    if name.lower() not in _FORWARDED_NAME
                ]
        await self.app(scope, receive, send)
