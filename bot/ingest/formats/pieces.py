"""What every format's reader yields, and the one way pieces become a `Text`.

A reader knows its format (a PDF's pages and type sizes, a Word file's heading styles,
an HTML page's h1-h6); nothing after it does. It yields headings and paragraphs in reading
order with the pages they stand on, and `assemble` lays them out as one text, a blank line
between pieces, with a mark for each, so the passages keep the reader's structure and every
quote stays `content[start:end]`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ..texts import Mark, Text

__all__ = ["Piece", "assemble"]


@dataclass(frozen=True)
class Piece:
    kind: Literal["heading", "paragraph"]
    text: str
    level: int = 0
    pages: tuple[str, ...] = ()
    sheet: int = 0  # the page a PDF viewer opens it at, from 1; 0: no viewer (no pages, slides)
    unit: Literal["page", "slide"] = "page"  # what `pages` counts
    anchor: str = ""  # an HTML page's own id for the place (`page.html#anchor`)


def assemble(source: str, pieces: Iterable[Piece]) -> Text:
    parts: list[str] = []
    marks: list[Mark] = []
    cursor = 0
    for piece in pieces:
        text = piece.text.strip()
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
    return Text(source=source, content="".join(parts), marks=tuple(marks))
