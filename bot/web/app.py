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
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import version
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import (
    BaseModel,
    ValidationError,
)
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from ..answer.examples import example_questions
from ..embed.batching import MAX_BATCH, BatchingEmbedder
from ..engine import index_folder
from ..errors import EssaybotError, QuestionRejected
from ..feedback.answer_ids import AnswerIds, deployment_key
from ..feedback.given import AnswersGiven
from ..feedback.journal import Journal
from ..feedback.records import Vote
from ..ingest.titles import title
from ..languages import LANGUAGES
from ..live import LiveEngine
from ..ops.access import Access, AccessControl
from ..ops.metrics import CONTENT_TYPE, Metrics
from ..ops.proxies import KeepPeer, TrustedProxies
from ..ops.ratelimit import Limiter, RateLimit, RateLimits
from ..ops.requests import RequestRecorder, note
from ..ops.responses import error, preferred_language
from ..search.question import clean_question
from ..watch import FolderWatch
from .desk import Desk
from .gate import is_json, route_label
from .headers import SecurityHeaders
from .heading import owner_title
from .hosts import HostGuard, HostPolicy
from .limits import BodyLimits, RequestLimits
from .originals import original_file
from .origins import OriginGuard, OriginPolicy
from .schema import (
    AboutResponse,
    AskRequest,
    AskResponse,
    FeedbackRequest,
    FeedbackResponse,
    errors,
    json_body,
)
from .widget import add_widget_routes

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..engine import Engine

__all__ = ["create_app", "import_chat"]

log = logging.getLogger(__name__)


M = TypeVar("M", bound=BaseModel)

_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_SEND = 'Send a JSON object like {"question": "Wie wird der Begriff Grundlagenmodell definiert?"}'
_SEND_VOTE = (
    'Send a JSON object like {"answer_id": "<id>", "helpful": false, "question": "<question>", '
    '"status": "<status>", "comment": "<optional, up to 500 characters>"}, with the id, '
    "question and status as POST /api/ask returned them"
)


def _parse(model: type[M], content_type: str, raw: bytes, send: str) -> M:
    """The body as JSON, declared as JSON.

    The declaration matters: a browser sends a JSON body to another origin only after
    asking (a preflight), which the origin policy refuses for strangers; a form or
    text/plain post would run without asking.
    """
    if not is_json(content_type):
        raise HTTPException(
            415, f"Send the body as JSON with the header Content-Type: application/json. {send}."
        )
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise HTTPException(400, f"The body is not valid JSON. {send}.") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise HTTPException(422, f"{send} ({where}).") from exc


def _validation_message(exc: RequestValidationError) -> tuple[int, str]:
    where = "; ".join(str(e.get("msg")) for e in exc.errors())
    return 422, f"The request is not valid: {where}."


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


def create_app(
    engine: Engine,
    *,
    with_chat: bool = True,
    journal: Journal | None = None,
    watch: bool = False,
) -> FastAPI:
    """Build the app for one loaded engine; tests build variants from their own settings.

    What readers ask and vote goes to `journal` (by default the database the settings
    name); `app.state.journal` holds it, for the server to close at the end. With `watch`,
    the texts folder is kept current (`app.state.watch`, stopped with the server).
    """
    settings = engine.settings
    if journal is None:
        journal = Journal(
            settings.database, keep_questions=settings.question_log, texts=settings.texts_folder
        )
    # Questions asked at once, from the API and the chat, are encoded together; a new
    # index build is taken up while serving (live.py).
    live = LiveEngine(replace(engine, model=BatchingEmbedder(engine.model)))
    metrics = Metrics(lambda: live.engine)
    limiter = Limiter(RateLimit(settings.rate_limit, settings.redis_url), metrics)
    ids = AnswerIds(deployment_key(settings.secret_key.get_secret_value(), settings.data_dir))
    desk = Desk(live, journal, metrics, limiter, ids, AnswersGiven())
    app = FastAPI(
        title="essaybot",
        summary="Answers questions about a text by quoting it.",
        version=version("essaybot"),
        docs_url=None,
        redoc_url=None,
        # For clients and for Schemathesis; no docs page, which would load from a CDN.
        openapi_url="/api/openapi.json",
    )
    app.state.journal = journal
    app.state.watch = None
    if watch:

        def rebuild() -> None:
            # The model as loaded, not the one that batches readers' questions.
            index_folder(settings, engine.model)
            live.look_now()

        app.state.watch = FolderWatch(settings.seeds, rebuild).start()
    policy = OriginPolicy(settings.origins)
    app.add_middleware(RequestLimits, limits=BodyLimits(read_timeout=settings.request_timeout))
    # Inside CORS and the headers: a 429 reaches a widget on an allowed page readably.
    app.add_middleware(RateLimits, limiter=desk.limiter, language=preferred_language)
    proxies = TrustedProxies(settings.proxies)
    access = Access(settings.tokens, settings.user_header, settings.origins, proxies)
    app.add_middleware(AccessControl, access=access, language=preferred_language)
    # Before anything reads the request: a name the bot is not served under (DNS rebinding).
    app.add_middleware(HostGuard, policy=HostPolicy(settings.hosts))
    app.add_middleware(SecurityHeaders)
    # The plain class, where Gradio looks for it, so Gradio's own CORS layer steps back.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(policy.origins),
        allow_methods=list(policy.methods),
        allow_headers=list(policy.headers),
        allow_credentials=False,
        max_age=600,
    )
    app.add_middleware(OriginGuard, policy=policy)
    # Outside the policies: it sees every request, the refused ones included.
    app.add_middleware(
        RequestRecorder, metrics=metrics, label=route_label, questions=settings.question_log
    )
    # The client as a trusted proxy names it, for the rate limits and the log; outside it,
    # the address that connected, for access control.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.proxies))
    app.add_middleware(KeepPeer, proxies=proxies)
    add_widget_routes(app, lambda: owner_title(settings, live.engine.texts))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error(*_validation_message(exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        return error(exc.status_code, str(exc.detail))

    @app.exception_handler(QuestionRejected)
    async def _rejected(request: Request, exc: QuestionRejected) -> JSONResponse:
        return error(422, exc.in_language(preferred_language(request.headers)))

    @app.exception_handler(EssaybotError)
    async def _unavailable(request: Request, exc: EssaybotError) -> JSONResponse:
        return error(503, str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("Unexpected error on %s", request.url.path)
        return error(500, "Something went wrong on the server; it has been logged.")

    # The probes and the metrics run on the event loop, not in the thread pool the
    # questions fill: a monitor gets its answer during a burst of questions.
    @app.api_route("/healthz", methods=["GET", "HEAD"], include_in_schema=False)
    async def healthz() -> dict[str, Any]:
        """Alive: the process answers. Names the model and the index for a person."""
        engine = live.engine
        return {
            "status": "ok",
            "model": engine.model_name,
            "passages": len(engine.index.passages),
            # Which build answers, so a deploy can see a new index go live.
            "index": {"build": engine.index.build, "built_at": engine.index.manifest.built_at},
            # The texts folder's files that are not served, and why: for the page owner.
            "skipped": [{"file": s.name, "reason": s.reason} for s in engine.skipped],
        }

    @app.api_route("/readyz", methods=["GET", "HEAD"], include_in_schema=False)
    async def readyz() -> JSONResponse:
        """Ready for questions: the model and an index are loaded. During a rebuild, the
        build that answers and the one being loaded beside it."""
        engine = live.engine
        ready = len(engine.index.passages) > 0
        return JSONResponse(
            {
                "ready": ready,
                "model": engine.model_name,
                "runtime": settings.runtime,
                "index": {
                    "build": engine.index.build,
                    "built_at": engine.index.manifest.built_at,
                    "passages": len(engine.index.passages),
                },
                "loading": live.loading or None,
            },
            status_code=200 if ready else 503,
        )

    @app.api_route("/files/{name}", methods=["GET", "HEAD"], include_in_schema=False)
    async def original(name: str) -> Response:
        """A text's original file, which a quote's link opens at its page."""
        engine = live.engine
        sources = {text.source for text in engine.texts}
        found = original_file(engine.settings.seeds, name, sources)
        if found is None:
            return error(404, "There is no such file; quotes link to the files they quote.")
        return found

    @app.api_route("/metrics", methods=["GET", "HEAD"], include_in_schema=False)
    async def prometheus_metrics() -> Response:
        # Rendered in a thread: however large, it never holds up the event loop.
        return Response(await anyio.to_thread.run_sync(metrics.exposition), media_type=CONTENT_TYPE)

    @app.post(
        "/api/ask",
        summary="Ask a question about the text",
        description="The answer quotes the text verbatim: its passages, with the sentences "
        "that matter marked, and how sure it is (`status`). `history` holds the earlier "
        "questions of the conversation, for a follow-up.",
        openapi_extra=json_body(AskRequest),
        responses={200: {"model": AskResponse}, **errors(400, 401, 413, 415, 422, 429, 503)},
    )
    async def api_ask(request: Request) -> Any:
        body = _parse(
            AskRequest, request.headers.get("content-type", ""), await request.body(), _SEND
        )
        note(request.state, question=body.question[: settings.max_question_chars])
        try:
            # Encoding is CPU-bound: run it off the event loop, so /healthz and the rest keep
            # being served. The questions in flight share the model's batches; more than
            # a batch at once would only take the GIL from each other and the event loop.
            answer, answer_id = await anyio.to_thread.run_sync(
                partial(desk.answer, channel="api"),
                body.question,
                body.history,
                limiter=_askers(),
            )
        except QuestionRejected as exc:
            note(request.state, rejected=exc.reason.replace(" ", "_"))
            raise  # mapped to a 422 in the asker's language by the handler above
        except EssaybotError:
            raise  # mapped to 503 by the handlers above
        except Exception:
            # Answered here rather than by the outermost error handler, so the response
            # still passes the CORS middleware and a widget on another origin can read it.
            log.exception("Unexpected error answering %r", body.question[:200])
            return error(500, "Something went wrong on the server; it has been logged.")
        note(request.state, answer=answer.status)
        # The id names this answer for a vote on it (POST /api/feedback).
        return {**answer.to_json(), "id": answer_id}

    examples: dict[tuple[int, str], tuple[str, ...]] = {}

    def examples_for(engine: Engine, language: str) -> tuple[str, ...]:
        # Worked out once per index and language (a few asks), while the index serves.
        key = (id(engine.index), language)
        if key not in examples:
            if len(examples) > 16:
                examples.clear()
            examples[key] = example_questions(engine, language)
        return examples[key]

    @app.get(
        "/api/about",
        summary="The texts' titles and questions they answer",
        openapi_extra={
            "parameters": [
                {
                    "name": "lang",
                    "in": "query",
                    "required": False,
                    "description": "de or en; otherwise the client's Accept-Language decides.",
                    "schema": {"type": "string"},
                }
            ]
        },
        responses={200: {"model": AboutResponse}, **errors(401, 422, 503)},
    )
    async def api_about(request: Request) -> dict[str, Any]:
        """What a client shows before the first question: the texts' titles and
        questions the text is shown to answer, in the language asked for."""
        wanted = request.query_params.get("lang", "")
        language = wanted if wanted in LANGUAGES else preferred_language(request.headers)
        engine = live.engine
        offered = await anyio.to_thread.run_sync(examples_for, engine, language, limiter=_askers())
        return {
            "language": language,
            "titles": [title(text) for text in engine.texts],
            "examples": list(offered),
        }

    @app.post(
        "/api/feedback",
        status_code=202,
        summary="Vote on an answer: helpful or not, with an optional comment",
        openapi_extra=json_body(FeedbackRequest),
        responses={202: {"model": FeedbackResponse}, **errors(400, 401, 413, 415, 422, 429)},
    )
    async def api_feedback(request: Request) -> dict[str, bool]:
        body = _parse(
            FeedbackRequest,
            request.headers.get("content-type", ""),
            await request.body(),
            _SEND_VOTE,
        )
        # The id vouches for the question and status: a vote counts for an answer this
        # deployment gave, under the question it was given to, or not at all.
        try:
            question = clean_question(body.question, max_chars=settings.max_question_chars)
        except QuestionRejected:
            question = ""
        if not question or not desk.ids.vouches(body.answer_id, question, body.status):
            raise HTTPException(
                422,
                "This vote names no answer this bot gave: send the answer's id, question "
                "and status as POST /api/ask returned them.",
            )
        vote = Vote(
            answer_id=body.answer_id,
            given_at=datetime.now(UTC),
            helpful=body.helpful,
            question=question,
            status=body.status,
            comment=body.comment.strip(),
        )
        journal.voted(vote)  # written by the journal's thread: never waits for the database
        return {"received": True}

    @app.api_route(
        "/api/ask",
        methods=["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    def api_ask_wrong_method() -> JSONResponse:
        return _post_only("/api/ask", _SEND)

    @app.api_route(
        "/api/feedback",
        methods=["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    def api_feedback_wrong_method() -> JSONResponse:
        return _post_only("/api/feedback", _SEND_VOTE)

    @app.api_route("/api", methods=_ALL_METHODS, include_in_schema=False)
    @app.api_route("/api/{rest:path}", methods=_ALL_METHODS, include_in_schema=False)
    def api_unknown(rest: str = "") -> JSONResponse:
        # Without this, Gradio's mount at / would answer in its own error shape.
        return error(
            404,
            "There is no such API route; the API is POST /api/ask, POST /api/feedback "
            "and GET /api/about.",
        )

    if with_chat:
        app = import_chat()(app, desk)
    return app


def _post_only(route: str, send: str) -> JSONResponse:
    response = error(405, f"Use POST for {route}. {send}.")
    response.headers["Allow"] = "POST"
    return response


def import_chat() -> Callable[[FastAPI, Desk], FastAPI]:
    """Import Gradio and the chat (a second and more); `serve` does it while the model
    and the index load in another thread."""
    from .scratch import private_gradio_dir

    private_gradio_dir()  # before Gradio is imported: it reads the place at import
    from .chat import mount_chat

    return mount_chat
