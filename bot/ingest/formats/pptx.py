"""PowerPoint (.pptx): each slide a place ("Folie 7"), its title the heading of what it says.

python-pptx (MIT) gives a slide's shapes; they are read top to bottom, left to right, as
a reader's eye goes: the title placeholder is the slide's heading, every other text frame's
paragraphs are paragraphs (an indented one is an item of the one before), a table is rows.
Speaker notes are the presenter's, not the slide's, and are left out.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from .pieces import Piece
from .problems import Unreadable, refuse_zip_bomb
from .structure import table_rows

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["read_pptx"]


def read_pptx(path: Path) -> Iterator[Piece]:
    from pptx import Presentation
    from pptx.exc import PackageNotFoundError

    refuse_zip_bomb(path, "PowerPoint file (.pptx)")
    try:
        deck = Presentation(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise Unreadable("not a readable PowerPoint file (.pptx)") from exc
    for number, slide in enumerate(deck.slides, 1):
        yield from _slide(slide, number)


def _slide(slide: Any, number: int) -> Iterator[Piece]:
    def piece(kind: Literal["heading", "paragraph"], text: str, level: int = 0) -> Piece:
        # No `sheet`: a deck has no viewer to open at a slide; the bot's full text is where.
        return Piece(kind, text, level, (str(number),), 0, "slide")

    title = slide.shapes.title
    title_id = title.shape_id if title is not None else None
    if title is not None and title.has_text_frame and title.text_frame.text.strip():
        yield piece("heading", " ".join(title.text_frame.text.split()), 1)
    shapes = sorted(slide.shapes, key=lambda shape: (shape.top or 0, shape.left or 0))
    for shape in shapes:
        if shape.shape_id == title_id:
            continue
        if shape.has_text_frame:
            lines: list[str] = []
            for paragraph in shape.text_frame.paragraphs:
                text = " ".join(paragraph.text.split())
                if not text:
                    continue
                if paragraph.level > 0 and lines:
                    lines.append("• " + text)  # an item of the line above
                    continue
                if lines:
                    yield piece("paragraph", "\n".join(lines))
                lines = [text]
            if lines:
                yield piece("paragraph", "\n".join(lines))
        elif getattr(shape, "has_table", False) and shape.has_table:
            rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
            for line in table_rows(rows):
                yield piece("paragraph", line)
