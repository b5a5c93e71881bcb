"""Which other pages may use the bot: one origin policy for every response it sends.

`ESSAYBOT_ALLOWED_ORIGINS` rules three things: the CORS answer, `frame-ancestors`, and
nothing else may widen them. Starlette's plain `CORSMiddleware` sits on the parent app
because Gradio steps back only when that class *is* `CORSMiddleware` (an identity check in
`gradio.route_utils.CustomCORSMiddleware`); with a subclass, Gradio's own layer stays on
and echoes any Origin with credentials whenever Host is not localhost, which is every real
deployment. `OriginGuard` wraps everything: it answers a refused preflight in the bot's
error shape (the reasons are its own checks, not a library's message text) and strips any
Access-Control header an inner layer set for an origin the policy does not allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.datastructures import Headers, MutableHeaders

from ..ops.responses import error

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["OriginGuard", "OriginPolicy"]

# Headers a browser may send cross-origin without asking; the widget sends Accept-Language.
_SAFELISTED = frozenset({"accept", "accept-language", "content-language", "content-type"})


@dataclass(frozen=True)
class OriginPolicy:
    """The origins whose pages may frame the widget and read the bot's answers."""

    origins: tuple[str, ...]
    methods: tuple[str, ...] = ("GET", "POST")
    headers: tuple[str, ...] = ("Content-Type",)

    @property
    def any_origin(self) -> bool:
        return "*" in self.origins

    def allows(self, origin: str) -> bool:
        return self.any_origin or origin in self.origins

    def preflight_problems(self, request: Headers) -> tuple[str, ...]:
        """Why a browser's preflight is refused, in words for the page's developer."""
        problems = []
        if not self.allows(request.get("origin", "")):
            problems.append("this page's origin may not call the bot (ESSAYBOT_ALLOWED_ORIGINS)")
        if request.get("access-control-request-method", "") not in self.methods:
            problems.append(f"only {' and '.join(self.methods)} may be used")
        asked = request.get("access-control-request-headers", "")
        allowed = _SAFELISTED | {name.lower() for name in self.headers}
        if any(h.strip().lower() not in allowed for h in asked.split(",") if h.strip()):
            problems.append("only the Content-Type header may be sent")
        if "access-control-request-private-network" in request:
            problems.append("private-network requests are not allowed")
        return tuple(problems)

    @property
    def frame_ancestors(self) -> str:
        allowed = "*" if self.any_origin else " ".join(("'self'", *self.origins))
        return f"frame-ancestors {allowed}"


def _is_preflight(scope: Scope, request: Headers) -> bool:
    return (
        scope["method"] == "OPTIONS"
        and "origin" in request
        and "access-control-request-method" in request
    )


class OriginGuard:
    """The outermost layer: whatever an inner app says, the policy has the last word."""

    def __init__(self, app: ASGIApp, policy: OriginPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Headers(scope=scope)
        if _is_preflight(scope, request):
            problems = self.policy.preflight_problems(request)
            if problems:
                refusal = error(
                    400,
                    f"Cross-origin request refused: {'; '.join(problems)}.",
                    headers={"Vary": "Origin"},
                )
                await refusal(scope, receive, send)
                return
        origin = request.get("origin")
        readable = origin is not None and self.policy.allows(origin)

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name in {key.lower() for key in headers}:
                    # The bot never uses cookies or auth across origins: no credentials.
                    if name.startswith("access-control-") and (
                        not readable or name == "access-control-allow-credentials"
                    ):
                        del headers[name]
                policy = headers.get("content-security-policy")
                ancestors = self.policy.frame_ancestors
                headers["Content-Security-Policy"] = (
                    f"{policy}; {ancestors}" if policy else ancestors
                )
            await send(message)

        await self.app(scope, receive, guarded)
