"""A rate limit per client on what costs the bot work: questions and votes.

`limits` keeps the counts, in this process's memory by default, or in Redis when
`ESSAYBOT_REDIS_URL` names one, so replicas behind a proxy count each client together.
A client is its address as uvicorn sees it: behind a trusted proxy (`trusted_proxies`)
the address the proxy forwards. Over the limit: 429 with `Retry-After` and the bot's
error body, in the reader's language. If Redis is away, questions are let through with a
warning in the log: a limit that fails closed would turn Redis' outage into the bot's.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.datastructures import Headers

from ..languages import LANGUAGES
from .responses import error

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from .metrics import Metrics

__all__ = ["Limiter", "RateLimit", "RateLimits", "bucket", "too_many"]

log = logging.getLogger("essaybot.ratelimit")

# What a client is limited on, by method and path: a question asked through the API and a
# vote, each counted apart. The chat's questions are counted where the chat takes them
# (web/chat.py): its requests to Gradio's queue also carry the page's own loading steps.
_BUCKETS = {
    ("POST", "/api/ask"): "questions",
    ("POST", "/api/feedback"): "votes",
}


def bucket(method: str, path: str) -> str | None:
    """What a request counts against, or None when it is not limited."""
    return _BUCKETS.get((method, path))


@dataclass(frozen=True)
class RateLimit:
    """The limits (`limits`' notation, e.g. "60/minute;600/hour") and where counts live."""

    rules: str
    storage_url: str = ""

    @property
    def items(self) -> list[RateLimitItem]:
        return parse_many(self.rules) if self.rules.strip() else []


class Limiter:
    """Counts a client's requests; shared by the API's layer and the chat."""

    def __init__(self, limit: RateLimit, metrics: Metrics) -> None:
        self.items = limit.items
        self.metrics = metrics
        url = limit.storage_url
        storage = (
            storage_from_string(
                f"async+{url}",
                implementation="redispy",
                key_prefix="essaybot",
                socket_timeout=0.5,
                socket_connect_timeout=0.5,
            )
            if url
            else storage_from_string("async+memory://")
        )
        self.strategy = MovingWindowRateLimiter(cast("Storage", storage))
        self._warned = -math.inf

    async def wait(self, counted: str, client: str) -> int | None:
        """Count one request of `client` against `counted`: None if it is within every
        limit, else the seconds until the client may send it again."""
        try:
            for item in self.items:
                if not await self.strategy.hit(item, counted, client):
                    stats = await self.strategy.get_window_stats(item, counted, client)
                    self.metrics.rejected.labels("rate_limit").inc()
                    return max(1, math.ceil(stats.reset_time - time.time()))
        except Exception as exc:  # Redis away: let the question through, say so now and then
            now = time.monotonic()
            if now - self._warned > 60:
                self._warned = now
                log.warning("Rate limits are not counted (%s); questions go through.", exc)
        return None


def too_many(language: str, wait: int, counted: str = "questions") -> str:
    """What a client over the limit on `counted` is told, in `language`."""
    reason = "too many votes" if counted == "votes" else "too many"
    return LANGUAGES[language].rejections[reason].format(seconds=wait)


class RateLimits:
    """The API's layer: a request over the limit is answered 429 before any work."""

    def __init__(
        self, app: ASGIApp, *, limiter: Limiter, language: Callable[[Headers], str]
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.language = language

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.limiter.items:
            await self.app(scope, receive, send)
            return
        path = scope["path"].removeprefix(scope.get("root_path", ""))
        counted = bucket(scope["method"], path)
        if counted is not None:
            client = (scope.get("client") or ("unknown", 0))[0]
            wait = await self.limiter.wait(counted, client)
            if wait is not None:
                language = self.language(Headers(scope=scope))
                response = error(
                    429, too_many(language, wait, counted), headers={"Retry-After": str(wait)}
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
