"""OpenDocument text (.odt): headings by outline level, paragraphs, lists and tables.

The text is `content.xml` in the zip, read with lxml; notes (footnotes, endnotes) and
annotations (comments) are left out of the paragraphs they are anchored in.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

from lxml import etree

from .pieces import Piece
from .problems import Unreadable, refuse_zip_bomb
from .structure import Flow, table_rows

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["read_odt"]

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_SKIPPED = {f"{{{_TEXT}}}note", f"{{{_OFFICE}}}annotation", f"{{{_TEXT}}}tracked-changes"}
_MOST = 64 * 2**20  # content.xml larger than this, unpacked, is refused (a zip bomb)


def read_odt(path: Path) -> Iterator[Piece]:
    refuse_zip_bomb(path, "OpenDocument text (.odt)")
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("content.xml")
            if info.file_size > _MOST:
                size = info.file_size // 2**20
                raise Unreadable(f"its text unpacks to {size} MB, more than a document holds")
            root = etree.fromstring(
                archive.read(info),
                etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False),
            )
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        raise Unreadable(
            "not a readable OpenDocument text (.odt): it may be damaged or another kind of file"
        ) from exc
    body = root.find(f"{{{_OFFICE}}}body/{{{_OFFICE}}}text")
    if body is None:
        raise Unreadable("an OpenDocument file without text (a spreadsheet or a drawing?)")
    flow = Flow()
    yield from _walk(body, flow, in_list=False)
    yield from flow.end()


def _walk(element: etree._Element, flow: Flow, *, in_list: bool) -> Iterator[Piece]:
    for child in element:
        tag = child.tag
        if tag == f"{{{_TEXT}}}h":
            level = child.get(f"{{{_TEXT}}}outline-level", "1")
            yield from flow.heading(_inline(child), int(level) if level.isdigit() else 1)
        elif tag == f"{{{_TEXT}}}p":
            text = _inline(child)
            yield from (flow.item(text) if in_list else flow.paragraph(text))
        elif tag == f"{{{_TEXT}}}list":
            yield from _walk(child, flow, in_list=True)
        elif tag in (f"{{{_TEXT}}}list-item", f"{{{_TEXT}}}list-header", f"{{{_TEXT}}}section"):
            yield from _walk(child, flow, in_list=in_list)
        elif tag == f"{{{_TABLE}}}table":
            rows = [
                [_inline(cell) for cell in row.iter(f"{{{_TABLE}}}table-cell")]
                for row in child.iter(f"{{{_TABLE}}}table-row")
            ]
            yield from flow.paragraphs(table_rows(rows))


def _inline(element: etree._Element) -> str:
    """The text of a paragraph, its spaces and tabs as written, without notes or comments."""
    parts: list[str] = []

    def visit(node: etree._Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if child.tag in _SKIPPED:
                pass
            elif child.tag == f"{{{_TEXT}}}s":
                parts.append(" " * int(child.get(f"{{{_TEXT}}}c", "1") or 1))
            elif child.tag in (f"{{{_TEXT}}}tab", f"{{{_TEXT}}}line-break"):
                parts.append(" ")
            else:
                visit(child)
            if child.tail:
                parts.append(child.tail)

    visit(element)
    return " ".join("".join(parts).split())
