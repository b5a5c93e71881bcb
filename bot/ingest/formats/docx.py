"""Word (.docx): paragraphs and tables in reading order, headings by style or outline level.

python-docx (MIT) reads the body only, so footnotes and comments, which Word keeps in parts
of their own, are never mixed into a paragraph. A list item follows its lead-in line in
one passage, a table becomes one quotable row per line ("Spalte: Wert").
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .pieces import Piece, named
from .problems import Unreadable, refuse_zip_bomb
from .structure import Flow, table_rows

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["read_docx"]

# Built-in heading styles in the languages Word names them in, and the title.
_HEADING = re.compile(r"(?i)(heading|überschrift|titre|título|titolo|kop)\s*(\d)")
_WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(path: Path) -> Iterator[Piece]:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    refuse_zip_bomb(path, "Word file (.docx)")
    try:
        document = Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise Unreadable(
            "not a readable Word file (.docx): it may be damaged or another kind of file"
        ) from exc
    yield from named(document.core_properties.title)
    flow = Flow()
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            cells = [[cell.text for cell in row.cells] for row in block.rows]
            yield from flow.paragraphs(table_rows(cells))
            continue
        text = block.text
        level = _level(block)
        if level:
            yield from flow.heading(text, level)
        elif (block._p.pPr is not None and block._p.pPr.numPr is not None) or (
            block.style is not None and block.style.name.lower().startswith("list")
        ):
            yield from flow.item(text)
        else:
            yield from flow.paragraph(text)
    yield from flow.end()


def _level(paragraph: object) -> int:
    style = getattr(paragraph, "style", None)
    name = style.name if style is not None and style.name else ""
    if name.lower() == "title":
        return 1
    found = _HEADING.search(name)
    if found:
        return int(found.group(2))
    outline = paragraph._p.find(f"{_WORD_NS}pPr/{_WORD_NS}outlineLvl")  # type: ignore[attr-defined]
    if outline is not None:
        value = outline.get(f"{_WORD_NS}val", "")
        if value.isdigit() and int(value) < 9:
            return int(value) + 1
    return 0
