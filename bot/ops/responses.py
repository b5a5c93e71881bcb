"""The one error body the bot sends, from routes and from the layers around them, in the
language the client asks for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.responses import JSONResponse

if TYPE_CHECKING:
    from starlette.datastructures import Headers

__all__ = ["error", "preferred_language"]


def error(status: int, message: str, *, headers: dict[str, str] | None = None) -> JSONResponse:
    """`{"error": message}` with `status`: what went wrong and what to do, never a trace."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def preferred_language(headers: Headers) -> str:
    """German when the client's Accept-Language ranks German first (the widget sends its
    own language), else English."""
    best, best_weight = "", 0.0
    for part in headers.get("accept-language", "").split(","):
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
