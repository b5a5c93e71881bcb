"""The one error body the bot sends, from routes and from the layers around them."""

from __future__ import annotations

from fastapi.responses import JSONResponse

__all__ = ["error"]


def error(status: int, message: str, *, headers: dict[str, str] | None = None) -> JSONResponse:
    """`{"error": message}` with `status`: what went wrong and what to do, never a trace."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)
