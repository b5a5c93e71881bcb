"""The FastAPI app: the JSON API, with the Gradio chat mounted at `/`.

Our own routes are registered before the mount, so `/api/ask` and `/healthz` are never
shadowed by Gradio. Every error leaves as `{"error": "..."}`; a bad request is a 4xx.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, StrictStr, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from ..answer import ask
from ..errors import EssaybotError, QuestionRejected
from .widget import add_widget_routes

if TYPE_CHECKING:
    from starlette.datastructures import Headers

    from ..engine import Engine

__all__ = ["MAX_BODY_BYTES", "create_app"]

log = logging.getLogger(__name__)

# A question is at most a few thousand characters; anything far larger is not one.
MAX_BODY_BYTES = 64 * 1024
_BODY_HEADERS = frozenset({"content-length", "content-type"})


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    question: StrictStr
    history: list[StrictStr] = []


def error(status: int, message: str) -> JSONResponse:
    """The one error body the bot sends."""
    return JSONResponse({"error": message}, status_code=status)


class _BodyLimit(BaseHTTPMiddleware):
    """Refuse huge API bodies before reading them."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path.startswith("/api/"):
            length = request.headers.get("content-length", "")
            if length.isdigit() and int(length) > MAX_BODY_BYTES:
                return error(413, f"The request body is over {MAX_BODY_BYTES} bytes.")
        return await call_next(request)


_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_SEND = 'Send a JSON object like {"question": "Wer hat Stability AI verklagt?"}'


def _parse_ask(raw: bytes) -> AskRequest:
    """The body as JSON whatever its Content-Type: `curl -d` sends a form type by default."""
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


async def _read_limited(request: Request) -> bytes:
    """The body, refused past MAX_BODY_BYTES even when no Content-Length announced it."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise HTTPException(413, f"The request body is over {MAX_BODY_BYTES} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


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


class _FrameAncestors(BaseHTTPMiddleware):
    """Say which pages may frame the bot; the same origins as CORS, so one setting rules."""

    def __init__(self, app: Any, origins: tuple[str, ...]) -> None:
        super().__init__(app)
        allowed = "*" if "*" in origins else " ".join(("'self'", *origins))
        self.policy = f"frame-ancestors {allowed}"

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        policy = response.headers.get("content-security-policy")
        response.headers["Content-Security-Policy"] = (
            f"{policy}; {self.policy}" if policy else self.policy
        )
        return response


_PREFLIGHT_FAILURES = {
    "origin": "this page's origin may not call the bot (ESSAYBOT_ALLOWED_ORIGINS)",
    "method": "only GET and POST may be used",
    "headers": "only the Content-Type header may be sent",
    "private-network": "private-network requests are not allowed",
}


class _Cors(CORSMiddleware):
    """Starlette's CORS, with a refused preflight told in the bot's one error shape."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        # Starlette says which checks failed: "Disallowed CORS origin, method".
        failed = bytes(response.body).decode().removeprefix("Disallowed CORS ").split(", ")
        reasons = "; ".join(_PREFLIGHT_FAILURES.get(f, f) for f in failed)
        kept = {k: v for k, v in response.headers.items() if k not in _BODY_HEADERS}
        return JSONResponse(
            {"error": f"Cross-origin request refused: {reasons}."},
            status_code=response.status_code,
            headers=kept,
        )


def create_app(engine: Engine, *, with_chat: bool = True) -> FastAPI:
    """Build the app for one loaded engine; tests build variants from their own settings."""
    settings = engine.settings
    app = FastAPI(title="essaybot", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(_BodyLimit)
    app.add_middleware(_FrameAncestors, origins=settings.origins)
    # Added last, so it runs first: it answers preflights and takes CORS over from Gradio,
    # which would echo any Origin back with credentials.
    app.add_middleware(
        _Cors,
        allow_origins=list(settings.origins),
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
        allow_credentials=False,
        max_age=600,
    )
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
    def healthz() -> dict[str, Any]:
        return {
            "status": "ok",
            "model": engine.model_path,
            "passages": len(engine.index.passages),
        }

    @app.post("/api/ask")
    async def api_ask(request: Request) -> Any:
        body = _parse_ask(await _read_limited(request))
        try:
            # Encoding is CPU-bound: run it in the thread pool so the event loop keeps
            # serving and several questions are answered at once.
            answer = await run_in_threadpool(ask, body.question, engine, body.history)
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
        from .chat import mount_chat

        app = mount_chat(app, engine)
    return app
