"""The texts folder's files as they are, so a quote's link opens the original at its page.

Only the files the bot serves as texts, by their own names, and only where they lie in the
texts folder: no other file of the folder, nothing outside it (a path, `..`, a link that
points out), no hidden file. A PDF opens in the browser's own viewer; an HTML page opens
sandboxed (its scripts never run under the bot's origin); other documents download.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi.responses import FileResponse

if TYPE_CHECKING:
    from collections.abc import Collection

__all__ = ["original_file"]

# What each kind opens as, and how: inline in the browser, or as a download.
_KINDS = {
    ".pdf": ("application/pdf", "inline"),
    ".html": ("text/html; charset=utf-8", "inline"),
    ".htm": ("text/html; charset=utf-8", "inline"),
    ".txt": ("text/plain; charset=utf-8", "inline"),
    ".md": ("text/markdown; charset=utf-8", "inline"),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "attachment",
    ),
    ".odt": ("application/vnd.oasis.opendocument.text", "attachment"),
    ".epub": ("application/epub+zip", "attachment"),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "attachment",
    ),
}
# A saved page may carry scripts and forms: shown as it looks, in a sandbox of its own.
_SANDBOX = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def original_file(seeds: Path, name: str, served: Collection[str]) -> FileResponse | None:
    """The response that sends text `name`'s original, or None when there is none to send."""
    if name not in served or name.startswith(".") or "/" in name or "\\" in name:
        return None
    folder = seeds.resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        return None  # a link that points out of the folder, or a file gone since
    media_type, disposition = _KINDS.get(
        path.suffix.lower(), ("application/octet-stream", "attachment")
    )
    headers = {"Cache-Control": "no-cache"}
    if media_type.startswith("text/html"):
        headers["Content-Security-Policy"] = _SANDBOX
    return FileResponse(
        path,
        media_type=media_type,
        headers=headers,
        filename=name,
        content_disposition_type=disposition,
    )
