"""HTML (a saved intranet page, a wiki export): the main content, its h1-h6 as headings.

A saved page carries its site around the text: navigation, cookie banners, footers,
scripts. What is read is the page's main content (`<main>`, `<article>` or the element
with `role="main"`, else the body) without those; headings, paragraphs, list items, table
rows and preformatted blocks in reading order. Markup, scripts and links inside are text
at most, never HTML again. A heading's anchor is kept, so a quote opens the page at its
section (`page.html#kantine`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import lxml.html
from lxml import etree

from .pieces import Piece, named
from .problems import Unreadable
from .structure import Flow, table_rows

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["page_pieces", "parse_page", "read_html"]

_DROPPED = {
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "iframe",
    "svg",
    "select",
}
# Site furniture by its name: a cookie banner, a menu, a breadcrumb trail, a table of
# contents (its lines are the headings again).
_FURNITURE = re.compile(
    r"(?i)\b(cookie|consent|banner|nav\w*|menu|breadcrumbs?|sidebar|footer|toolbar|skip-?link|toc\w*)\b"
)
_BLOCKS = {"p", "li", "pre", "blockquote", "dd", "dt", "figcaption", "caption"}


def read_html(path: Path) -> Iterator[Piece]:
    flow = Flow()
    page = parse_page(path.read_bytes())
    yield from named(page.findtext(".//title"))
    yield from page_pieces(page, flow)
    yield from flow.end()


def parse_page(data: bytes) -> etree._Element:
    """An HTML or XHTML page as lxml reads it; Unreadable when it is none.

    Bytes that are valid UTF-8 are read as UTF-8: a page saved without its charset would
    otherwise be read as Latin-1 ("Ã–ffnungszeiten"). Others by what the page declares.
    """
    try:
        data.decode("utf-8")
        parser = lxml.html.HTMLParser(encoding="utf-8")
    except UnicodeDecodeError:
        parser = None
    try:
        return lxml.html.fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise Unreadable("not a readable HTML page") from exc


def page_pieces(root: etree._Element, flow: Flow) -> Iterator[Piece]:
    """The main content of one page into `flow`, which an e-book's chapters share."""
    main = _main(root)
    for element in list(main.iter()):
        parent = element.getparent()
        if element is main or parent is None:
            continue
        if not isinstance(element.tag, str) or _furniture(element):
            parent.remove(element)  # comments, scripts, the site around the text
    yield from _walk(main, flow)


def _furniture(element: etree._Element) -> bool:
    names = " ".join(element.get(name, "") for name in ("class", "id", "role"))
    return element.tag in _DROPPED or bool(_FURNITURE.search(names))


def _main(root: etree._Element) -> etree._Element:
    for query in ("//main", "//*[@role='main']", "//article"):
        found = root.xpath(query)
        if found:
            return found[0]
    body = root.find("body")
    return body if body is not None else root


def _walk(element: etree._Element, flow: Flow) -> Iterator[Piece]:
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if re.fullmatch(r"h[1-6]", tag):
            yield from flow.heading(_text(child), int(tag[1]), _anchor(child))
        elif tag == "li":
            yield from flow.item(_text(child))
        elif tag == "table":
            rows = [[_text(cell) for cell in row.xpath("./th|./td")] for row in child.iter("tr")]
            yield from flow.paragraphs(table_rows(rows))
        elif tag in _BLOCKS:
            yield from flow.paragraph(_text(child))
        elif tag in ("ul", "ol"):
            yield from _walk(child, flow)
        else:
            # A div or section: its own loose text is a paragraph, its blocks are read.
            if child.text and child.text.strip():
                yield from flow.paragraph(child.text)
            yield from _walk(child, flow)
        if child.tail and child.tail.strip() and element.tag not in ("ul", "ol", "table", "tr"):
            yield from flow.paragraph(child.tail)


def _anchor(heading: etree._Element) -> str:
    """The id a link to this heading's section names: the heading's own (pandoc,
    Confluence), one inside it (MediaWiki's `<span id>`, an old `<a name>`), or that of
    the section it opens (Sphinx's `<section id>`)."""
    for element in heading.iter():
        found = str(element.get("id") or (element.get("name") if element.tag == "a" else ""))
        if found.strip():
            return found.strip()
    parent = heading.getparent()
    if parent is None or not parent.get("id"):
        return ""
    first = next((c for c in parent if isinstance(c.tag, str)), None)
    return str(parent.get("id")).strip() if first is heading else ""


def _text(element: etree._Element) -> str:
    return " ".join(element.text_content().split())
