"""One reader per format; each yields the same pieces (pieces.py), so nothing after this
package knows what kind of file a text came from, and a new format is one module."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from .pieces import Piece, assemble
from .problems import Unreadable

if TYPE_CHECKING:
    from pathlib import Path

    from ..texts import Text

__all__ = ["DOCUMENT_SUFFIXES", "Unreadable", "read_document"]

log = logging.getLogger(__name__)


def _pdf(path: Path) -> Iterator[Piece]:
    from .pdf import read_pdf

    return read_pdf(path)


def _docx(path: Path) -> Iterator[Piece]:
    from .docx import read_docx

    return read_docx(path)


def _odt(path: Path) -> Iterator[Piece]:
    from .odt import read_odt

    return read_odt(path)


def _pptx(path: Path) -> Iterator[Piece]:
    from .pptx import read_pptx

    return read_pptx(path)


def _html(path: Path) -> Iterator[Piece]:
    from .html import read_html

    return read_html(path)


def _epub(path: Path) -> Iterator[Piece]:
    from .epub import read_epub

    return read_epub(path)


# Imported when a file of its kind is read: a folder of Markdown never loads PDFium.
_READERS: dict[str, Callable[[Path], Iterator[Piece]]] = {
    ".pdf": _pdf,
    ".docx": _docx,
    ".odt": _odt,
    ".pptx": _pptx,
    ".html": _html,
    ".htm": _html,
    ".epub": _epub,
}
DOCUMENT_SUFFIXES = tuple(_READERS)


def read_document(path: Path) -> Text:
    """The document as a text with its headings, paragraphs and pages; Unreadable says why
    it cannot be read."""
    reader = _READERS[path.suffix.lower()]
    try:
        text = assemble(path.name, reader(path))
    except Unreadable:
        raise
    except (OSError, MemoryError) as exc:
        raise Unreadable(f"it cannot be read ({getattr(exc, 'strerror', None) or exc})") from exc
    except Exception as exc:
        # A reader's own failure on one odd file: that file is skipped, the rest served.
        log.exception("Reading %s failed", path)
        raise Unreadable(
            f"the {path.suffix.lower()} reader failed on it ({type(exc).__name__}); the "
            "server log has the details"
        ) from exc
    if not text.marks:
        raise Unreadable("it holds no text to quote")
    return text
