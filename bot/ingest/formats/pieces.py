"""What every format's reader yields, and the one way pieces become a `Text`.

A reader knows its format (a PDF's pages and type sizes, a Word file's heading styles,
an HTML page's h1-h6); nothing after it does. It yields headings and paragraphs in reading
order with the pages they stand on, and `assemble` lays them out as one text, a blank line
between pieces, with a mark for each, so the passages keep the reader's structure and every
quote stays `content[start:end]`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from ..texts import Mark, Text

__all__ = ["Piece", "assemble", "named"]


@dataclass(frozen=True)
class Piece:
    # "title": what the document calls itself (its metadata), not a part of its text.
    kind: Literal["heading", "paragraph", "title"]
    text: str
    level: int = 0
    pages: tuple[str, ...] = ()
    sheet: int = 0  # the page a PDF viewer opens it at, from 1; 0: no viewer (no pages, slides)
    unit: Literal["page", "slide"] = "page"  # what `pages` counts
    anchor: str = ""  # an HTML page's own id for the place (`page.html#anchor`)


# What office programs write where nobody gave a title: a file name, a placeholder.
_NO_TITLE = re.compile(
    r"(?i)^(untitled|ohne titel|unbenannt|document\d*|dokument\d*|slide \d+|folie \d+)$"
    r"|\.(pdf|docx?|odt|rtf|html?|txt|md|pptx?|epub|tex|dvi|ps)$"
)


def named(title: str | None) -> Iterator[Piece]:
    """A document's own title as a piece, unless it is none ("Microsoft Word - Dokument1",
    a file name, "Untitled")."""
    words = " ".join((title or "").split()).removeprefix("Microsoft Word - ").strip()
    if any(ch.isalpha() for ch in words) and not _NO_TITLE.search(words):
        yield Piece("title", words)


def assemble(source: str, pieces: Iterable[Piece]) -> Text:
    parts: list[str] = []
    marks: list[Mark] = []
    title = ""
    cursor = 0
    for piece in pieces:
        text = piece.text.strip()
        if piece.kind == "title":
            title = title or text  # the first the reader gives
            continue
        if not any(ch.isalnum() for ch in text):
            continue  # decoration, an empty cell or line: nothing to quote
        if parts:
            parts.append("\n\n")
            cursor += 2
        parts.append(text)
        marks.append(
            Mark(
                piece.kind,
                cursor,
                cursor + len(text),
                piece.level,
                piece.pages,
                piece.sheet,
                piece.unit,
                piece.anchor,
            )
        )
        cursor += len(text)
    return Text(source=source, content="".join(parts), marks=tuple(marks), title=title)
