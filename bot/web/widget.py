"""The embeddable widget: a compact chat page, its assets, and the launcher script.

All of it is served by the bot itself, with relative URLs, so it works on another
origin, behind a reverse proxy's sub-path, and in an intranet without internet.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from functools import cache
from html import escape
from importlib.resources import files

from fastapi import FastAPI
from starlette.responses import Response

from ..languages import LANGUAGES

__all__ = ["add_widget_routes"]

_STATIC = files("bot.web") / "static"
_TYPES = {
    "widget.html": "text/html; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
    "widget.js": "text/javascript; charset=utf-8",
    "embed.js": "text/javascript; charset=utf-8",
}
# The widget's own page may load only from the bot: scripts, styles and its API.
_WIDGET_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'"
)


def _served(name: str, body: bytes, *, policy: str | None = None) -> Response:
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if policy:
        headers["Content-Security-Policy"] = policy
    return Response(body, media_type=_TYPES[name], headers=headers)


def _asset(name: str) -> Response:
    return _served(name, (_STATIC / name).read_bytes())


def widget_page(title: str) -> bytes:
    """The widget's page, told the owner's title (settings' `title`, else the one text's),
    which its header shows when the embedding page gives none; escaped, as the owner's
    text. Empty: the widget says "Fragen zum Text" in its own language."""
    page = (_STATIC / "widget.html").read_text(encoding="utf-8")
    return page.replace("__TITLE__", escape(title, quote=True)).encode()


@cache
def widget_words() -> bytes:
    """The widget's words in every language the bot knows, as a script the widget loads
    before its own: the same words as the chat's, from `languages/`, written once."""
    words = {
        name: {
            **asdict(vocabulary.widget),
            "paragraph": vocabulary.messages.paragraph,
            "page": vocabulary.messages.page,
            "slide": vocabulary.messages.slide,
            **{
                status: vocabulary.messages.label(status)
                for status in ("answered", "related", "silent")
            },
        }
        for name, vocabulary in LANGUAGES.items()
    }
    text = json.dumps(words, ensure_ascii=True, sort_keys=True)
    return f"window.essaybotWords = {text};\n".encode()


def add_widget_routes(app: FastAPI, title: Callable[[], str]) -> None:
    """The widget's routes; `title` gives the owner's title as it stands now."""

    @app.api_route("/widget", methods=["GET", "HEAD"], include_in_schema=False)
    def widget() -> Response:
        return _served("widget.html", widget_page(title()), policy=_WIDGET_POLICY)

    @app.api_route("/widget.js", methods=["GET", "HEAD"], include_in_schema=False)
    def widget_js() -> Response:
        return _asset("widget.js")

    @app.api_route("/widget-words.js", methods=["GET", "HEAD"], include_in_schema=False)
    def words_js() -> Response:
        headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        return Response(widget_words(), media_type=_TYPES["widget.js"], headers=headers)

    @app.api_route("/widget.css", methods=["GET", "HEAD"], include_in_schema=False)
    def widget_css() -> Response:
        return _asset("widget.css")

    @app.api_route("/embed.js", methods=["GET", "HEAD"], include_in_schema=False)
    def embed_js() -> Response:
        response = _asset("embed.js")
        # Any page may load the launcher; what it may embed is decided by frame-ancestors.
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response
