"""EPUB e-books: the chapters in reading order (the spine), each read as a web page.

An EPUB is a zip of XHTML chapters with a package file (`.opf`) that lists them in order;
`META-INF/container.xml` says where that file is. Each chapter is read by the HTML reader
(its main content, h1-h6 as headings), one flow across chapters so a list still joins its
lead-in. The table of contents (`<nav>`) is left out as on any page. An e-book opens in a
reader of its own, not at an anchor, so its quotes cite the heading path only.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lxml import etree

from .html import page_pieces, parse_page
from .pieces import Piece, named
from .problems import Unreadable, refuse_zip_bomb
from .structure import Flow

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["read_epub"]

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_KIND = "EPUB e-book (.epub)"
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def read_epub(path: Path) -> Iterator[Piece]:
    refuse_zip_bomb(path, _KIND)
    try:
        with zipfile.ZipFile(path) as archive:
            package, names = _spine(archive)
            chapters = [archive.read(name) for name in names]
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        raise Unreadable(f"not a readable {_KIND}: it may be damaged") from exc
    yield from named(package.findtext(f".//{_DC}title"))
    yield from (replace(piece, anchor="") for piece in _chapters(chapters))


def _chapters(chapters: list[bytes]) -> Iterator[Piece]:
    flow = Flow()
    for chapter in chapters:
        yield from page_pieces(parse_page(chapter), flow)
    yield from flow.end()


def _spine(archive: zipfile.ZipFile) -> tuple[etree._Element, list[str]]:
    """The package file, and the chapters' names in the zip in reading order (items
    marked non-linear, such as a cover or notes, left out)."""
    container = etree.fromstring(archive.read("META-INF/container.xml"), _XML)
    rootfile = container.find(f".//{_CONTAINER}rootfile")
    if rootfile is None or not rootfile.get("full-path"):
        raise Unreadable(f"not a readable {_KIND}: it names no package file")
    package = str(rootfile.get("full-path"))
    opf = etree.fromstring(archive.read(package), _XML)
    items = {item.get("id"): item.get("href", "") for item in opf.iter(f"{_OPF}item")}
    base = posixpath.dirname(package)
    names = []
    for ref in opf.iter(f"{_OPF}itemref"):
        href = items.get(ref.get("idref"))
        if href and ref.get("linear", "yes") != "no":
            names.append(posixpath.normpath(posixpath.join(base, unquote(href))))
    return opf, names
