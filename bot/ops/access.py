"""Optional access control, for intranets that must keep the bot to their own people.

Off by default: the bot quotes a text its owner chose to publish. Two switches, each
answering its own threat:

- `ESSAYBOT_API_TOKENS`: scripts and services on the network must present one of these
  tokens (`Authorization: Bearer ...`) to ask, through `/api/*` or the chat's Gradio
  routes; the pages themselves stay readable. Pages in a browser carry no token:
  the bot's own chat and widget, and pages of the allowed origins, pass by the `Origin`
  header the browser sets. A browser page cannot forge that header, a script can; so the
  tokens keep honest automation and other sites' pages out, not a determined insider.
  For that, use the second switch.
- `ESSAYBOT_USER_HEADER` (e.g. `X-Forwarded-User`): the intranet's sign-in proxy puts the
  signed-in reader's name in this header; every request must come through a trusted proxy
  (`ESSAYBOT_TRUSTED_PROXIES`) with the header set, or carry a token. A request that goes
  around the proxy to a replica's port is refused.

The probes (`/healthz`, `/readyz`) stay open for the proxy and the orchestrator.
`/metrics` (which names the libraries and their versions) is open with no switch on, for
a scraper on the machine; with tokens on, it takes a token too, which Prometheus sends
(`authorization` in its scrape config).

What stays readable without a token when tokens are on: the chat page and Gradio's
`/config` (they carry the whole text, as the page shows it) and the widget's files.
Tokens guard asking, not reading; a text that must stay private needs the sign-in header.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.datastructures import Headers

from ..languages import LANGUAGES
from .proxies import TrustedProxies
from .responses import error

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["Access", "AccessControl"]

_PROBES = frozenset({"/healthz", "/readyz"})


@dataclass(frozen=True)
class Access:
    """Who may ask: tokens for scripts, a proxy's user header for signed-in readers."""

    tokens: tuple[str, ...] = ()
    user_header: str = ""
    # Allowed page origins ("*": any page; then only the bot's own pages pass by origin).
    origins: tuple[str, ...] = ("*",)
    # The proxies whose user header is believed.
    proxies: TrustedProxies = field(default_factory=TrustedProxies)

    @property
    def on(self) -> bool:
        return bool(self.tokens or self.user_header)

    def has_token(self, headers: Headers) -> bool:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        offered = token.strip().encode()
        return any(hmac.compare_digest(offered, known.encode()) for known in self.tokens)

    def signed_in(self, headers: Headers, peer: str) -> bool:
        """The sign-in proxy vouches for the reader: its header, from a trusted address."""
        return bool(self.user_header and headers.get(self.user_header, "").strip()) and (
            self.proxies.trusts(peer)
        )

    def from_a_page(self, headers: Headers, own_origin: str) -> bool:
        """A browser on the bot's own page or an allowed page (by its `Origin`)."""
        origin = headers.get("origin", "")
        return bool(origin) and (
            origin == own_origin or ("*" not in self.origins and origin in self.origins)
        )

    def allows(self, method: str, path: str, headers: Headers, peer: str, own_origin: str) -> bool:
        if not self.on or path in _PROBES or self.has_token(headers):
            return True
        if path == "/metrics":
            # Behind the sign-in proxy alone, a scraper on the machine reads it as before
            # (nginx shuts it for readers); with tokens, a scraper sends one.
            return not self.tokens
        if self.user_header:
            return self.signed_in(headers, peer)
        # Tokens alone guard what asks (the API, and the chat's questions to Gradio, which
        # are POSTs); a browser page passes by its origin. Reading the pages stays open.
        asks = path.startswith("/api") or method not in ("GET", "HEAD")
        return not asks or self.from_a_page(headers, own_origin)


class AccessControl:
    def __init__(self, app: ASGIApp, *, access: Access, language: Callable[[Headers], str]) -> None:
        self.app = app
        self.access = access
        self.language = language

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.access.on:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path = scope["path"].removeprefix(scope.get("root_path", "")) or "/"
        # The address that connected (a proxy, or a client going around it), not the
        # client a trusted proxy names (KeepPeer).
        peer = (scope.get("essaybot.peer") or scope.get("client") or ("", 0))[0]
        own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"
        if self.access.allows(scope["method"], path, headers, peer, own):
            await self.app(scope, receive, send)
            return
        words = LANGUAGES[self.language(headers)].rejections
        response = error(
            401,
            words["sign in"] if self.access.user_header else words["token"],
            headers={"WWW-Authenticate": 'Bearer realm="essaybot"'},
        )
        await response(scope, receive, send)
