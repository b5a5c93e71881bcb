"""The FastAPI app: the JSON API, with the Gradio chat mounted at `/`.

Our own routes are registered before the mount, so `/api/ask` and `/healthz` are never
shadowed by Gradio. Every error leaves as `{"error": "..."}`; a bad request is a 4xx.
Around everything: the origin policy (`origins.py`) and the body limits (`limits.py`);
in front of Gradio, the gate that shuts the routes the chat does not use (`gate.py`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, StrictStr, ValidationError
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware

from ..answer.ask import ask
from ..embed.batching import MAX_BATCH, BatchingEmbedder
from ..errors import EssaybotError, QuestionRejected
from ..store.live import LiveEngine
from .gate import is_json
from .limits import BodyLimits, RequestLimits
from .origins import OriginGuard, OriginPolicy
from .responses import error
from .widget import add_widget_routes

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..engine import Engine

__all__ = ["create_app", "import_chat"]

log = logging.getLogger(__name__)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    question: StrictStr
    history: list[StrictStr] = []


_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_SEND = 'Send a JSON object like {"question": "Was ist ein Grundlagenmodell?"}'


def _parse_ask(content_type: str, raw: bytes) -> AskRequest:
    """The body as JSON, declared as JSON.

    The declaration matters: a browser sends a JSON body to another origin only after
    asking (a preflight), which the origin policy refuses for strangers; a form or
    text/plain post would run without asking.
    """
    if not is_json(content_type):
        raise HTTPException(
            415, f"Send the body as JSON with the header Content-Type: application/json. {_SEND}."
        )
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise HTTPException(400, f"The body is not valid JSON. {_SEND}.") from exc
    try:
        return AskRequest.model_validate(data)
    except ValidationError as exc:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise HTTPException(422, f"{_SEND} ({where}).") from exc


def _validation_message(exc: RequestValidationError) -> tuple[int, str]:
    where = "; ".join(str(e.get("msg")) for e in exc.errors())
    return 422, f"The request is not valid: {where}."


def _preferred_language(request: Request) -> str:
    """German when the client's Accept-Language ranks German first (the widget sends its
    own language), else English."""
    best, best_weight = "", 0.0
    for part in request.headers.get("accept-language", "").split(","):
        tag, *params = (piece.strip().lower() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    weight = float(param[2:])
                except ValueError:
                    weight = 0.0
        if tag and 0.0 < weight <= 1.0 and weight > best_weight:  # NaN fails every test
            best, best_weight = tag, weight
    return "de" if best == "de" or best.startswith("de-") else "en"


_LIMITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _askers() -> anyio.CapacityLimiter:
    """Questions answered at once: as many as make one batch of the model
    (embed/batching.py); one limiter per event loop, which is where its waiters live (a test
    client runs a loop per request)."""
    loop = asyncio.get_running_loop()
    limiter = _LIMITERS.get(loop)
    if limiter is None:
        limiter = _LIMITERS[loop] = anyio.CapacityLimiter(MAX_BATCH)
    return limiter


def create_app(engine: Engine, *, with_chat: bool = True) -> FastAPI:
    """Build the app for one loaded engine; tests build variants from their own settings."""
    settings = engine.settings
    # Questions asked at once, from the API and the chat, are encoded together; a new
    # index build is taken up while serving (store/live.py).
    live = LiveEngine(replace(engine, model=BatchingEmbedder(engine.model)))
    app = FastAPI(title="essaybot", docs_url=None, redoc_url=None, openapi_url=None)
    policy = OriginPolicy(settings.origins)
    app.add_middleware(RequestLimits, limits=BodyLimits(read_timeout=settings.request_timeout))
    # The plain class, where Gradio looks for it, so Gradio's own CORS layer steps back.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(policy.origins),
        allow_methods=list(policy.methods),
        allow_headers=list(policy.headers),
        allow_credentials=False,
        max_age=600,
    )
    app.add_middleware(OriginGuard, policy=policy)  # added last, so it runs first
    add_widget_routes(app)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error(*_validation_message(exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        return error(exc.status_code, str(exc.detail))

    @app.exception_handler(QuestionRejected)
    async def _rejected(request: Request, exc: QuestionRejected) -> JSONResponse:
        return error(422, exc.in_language(_preferred_language(request)))

    @app.exception_handler(EssaybotError)
    async def _unavailable(request: Request, exc: EssaybotError) -> JSONResponse:
        return error(503, str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("Unexpected error on %s", request.url.path)
        return error(500, "Something went wrong on the server; it has been logged.")

    @app.api_route("/healthz", methods=["GET", "HEAD"])
    async def healthz() -> dict[str, Any]:
        # On the event loop, not in the thread pool the questions fill: a monitor gets
        # its answer during a burst of questions.
        engine = live.engine
        return {
            "status": "ok",
            "model": engine.model_name,
            "passages": len(engine.index.passages),
            # Which build answers, so a deploy can see a new index go live.
            "index": {"build": engine.index.build, "built_at": engine.index.manifest.built_at},
        }

    @app.post("/api/ask")
    async def api_ask(request: Request) -> Any:
        body = _parse_ask(request.headers.get("content-type", ""), await request.body())
        try:
            # Encoding is CPU-bound: run it off the event loop, so /healthz and the rest keep
            # being served. The questions in flight share the model's batches; more than
            # a batch at once would only take the GIL from each other and the event loop.
            answer = await anyio.to_thread.run_sync(
                ask, body.question, live.engine, body.history, limiter=_askers()
            )
        except EssaybotError:
            raise  # mapped to 4xx/503 by the handlers above
        except Exception:
            # Answered here rather than by the outermost error handler, so the response
            # still passes the CORS middleware and a widget on another origin can read it.
            log.exception("Unexpected error answering %r", body.question[:200])
            return error(500, "Something went wrong on the server; it has been logged.")
        return answer.to_json()

    @app.api_route("/api/ask", methods=["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"])
    def api_ask_wrong_method() -> JSONResponse:
        response = error(405, f"Use POST for /api/ask. {_SEND}.")
        response.headers["Allow"] = "POST"
        return response

    @app.api_route("/api", methods=_ALL_METHODS)
    @app.api_route("/api/{rest:path}", methods=_ALL_METHODS)
    def api_unknown(rest: str = "") -> JSONResponse:
        # Without this, Gradio's mount at / would answer in its own error shape.
        return error(404, "There is no such API route; the API is POST /api/ask.")

    if with_chat:
        app = import_chat()(app, live)
    return app


def import_chat() -> Callable[[FastAPI, LiveEngine], FastAPI]:
    """Import Gradio and the chat (a second and more); `serve` does it while the model
    and the index load in another thread."""
    from .scratch import private_gradio_dir

    private_gradio_dir()  # before Gradio is imported: it reads the place at import
    from .chat import mount_chat

    return mount_chat
