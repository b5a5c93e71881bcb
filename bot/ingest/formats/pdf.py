"""PDF: the text layer, page by page, with its headings and the pages as printed.

pypdfium2 (PDFium, permissive, the most faithful and the fastest of the permissive readers
in py-pdf/benchmarks) gives each page's text in reading order, a line per line, and for
each character its size and baseline. From those:

- running headers and footers, lines at a page's top or bottom that repeat on many pages
  (digits aside: "Seite 3 von 10") and bare page numbers, are left out;
- a line in a larger type than the body is a heading, its level by size;
- a wider gap than between lines ends a paragraph, and a paragraph that runs over a page
  break without ending a sentence continues on the next page (its pages say so);
- a word hyphenated at a line's end is joined ("Fahrrad-" "stellplatz"), a real hyphen
  kept ("Debian-" "System").

Pages are read one at a time, twice (first the edges and the type sizes, then the text),
so a long PDF is never held in memory whole.
"""

from __future__ import annotations

import ctypes
import itertools
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .pieces import Piece
from .problems import Unreadable

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["join_lines", "read_pdf"]

_EDGE = 2  # lines at a page's top and bottom that may be a running header or footer
_NUMBERS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(r"(?i)\W*(seite|page|s\.)?\s*[\divxlc]+(\s*(von|of|/)\s*\d+)?\W*")
_ENDS_SENTENCE = (".", "!", "?", ":", "…", '"', "“", "”", "»", "«", ")")
_BULLET = re.compile(r"[•◦▪‣·\-–*]\s|\d{1,3}[.)]\s")
_SOFT = str.maketrans("", "", "\x02\u00ad")  # soft hyphens: they show only at a line's end


@dataclass(frozen=True)
class _Line:
    text: str
    size: float  # the type size as printed (points)
    baseline: float


def read_pdf(path: Path) -> Iterator[Piece]:
    document = _open(path)
    try:
        sizes: Counter[float] = Counter()
        edges: Counter[tuple[str, float]] = Counter()
        for lines in _pages(document):
            sizes.update({line.size: len(line.text) for line in lines})
            edges.update({_shape(line) for line in (*lines[:_EDGE], *lines[-_EDGE:])})
        if not sizes:
            raise Unreadable(
                "no text to quote: it has no text layer (a scan?); run OCR first, e.g. ocrmypdf"
            )
        body = sizes.most_common(1)[0][0]
        # Repeating on a third of the pages or more, when there are a few.
        pages = len(document)
        running = {shape for shape, n in edges.items() if pages >= 3 and n >= max(2, pages / 3)}
        levels = {
            size: rank + 1
            for rank, size in enumerate(sorted((s for s in sizes if s > body * 1.1), reverse=True))
        }
        yield from _pieces(document, body, running, levels)
    finally:
        document.close()


def _open(path: Path) -> pdfium.PdfDocument:
    try:
        # An empty password opens a PDF that has only an owner password.
        return pdfium.PdfDocument(path, password="")
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise Unreadable("it needs a password; save it without one") from exc
        raise Unreadable("not a readable PDF: it may be damaged or cut short") from exc


def _pages(document: pdfium.PdfDocument) -> Iterator[list[_Line]]:
    for index in range(len(document)):
        page = document[index]
        try:
            text_page = page.get_textpage()
            try:
                yield _lines(text_page)
            finally:
                text_page.close()
        finally:
            page.close()


# PDFium ends a line with CR LF, or, where the line ends in a hyphen, with U+FFFE alone.
_LINE_END = re.compile("\r\n|\ufffe")


def _lines(text_page: pdfium.PdfTextPage) -> list[_Line]:
    text = text_page.get_text_range()
    lines = []
    cursor = 0
    for end in (*_LINE_END.finditer(text), None):
        raw = text[cursor : end.start() if end else len(text)]
        first = cursor + len(raw) - len(raw.lstrip())
        cursor = end.end() if end else len(text)
        # A soft hyphen inside a line does not show; one that ends it shows as a hyphen.
        line = raw.translate(_SOFT).strip() + ("-" if end and end.group() == "\ufffe" else "")
        if not any(ch.isalnum() for ch in line):
            continue
        matrix = pdfium_c.FS_MATRIX()
        pdfium_c.FPDFText_GetMatrix(text_page, first, ctypes.byref(matrix))
        size = pdfium_c.FPDFText_GetFontSize(text_page, first) * (abs(matrix.d) or 1.0)
        x, y = ctypes.c_double(), ctypes.c_double()
        pdfium_c.FPDFText_GetCharOrigin(text_page, first, ctypes.byref(x), ctypes.byref(y))
        lines.append(_Line(line, round(size * 2) / 2, y.value))
    return lines


def _shape(line: _Line) -> tuple[str, float]:
    """A line as it repeats from page to page: its numbers may change, its size not."""
    return _NUMBERS.sub("#", line.text.lower()), line.size


def _label(document: pdfium.PdfDocument, index: int) -> str:
    """The page as printed ("iv" in roman front matter), else its number."""
    try:
        label = document.get_page_label(index)
    except (pdfium.PdfiumError, AttributeError):
        label = ""
    return label.strip() or str(index + 1)


@dataclass
class _Block:
    """A heading (`level` 1 and up) or a paragraph (0) being read, line by line."""

    level: int
    lines: list[str]
    pages: list[str]
    sheet: int  # the page it starts on, counted from 1 (what a viewer's #page= opens)

    def add(self, line: str, page: str) -> None:
        self.lines.append(line)
        if not self.pages or self.pages[-1] != page:
            self.pages.append(page)

    def piece(self) -> Piece:
        pages = (self.pages[0],) if len(self.pages) == 1 else (self.pages[0], self.pages[-1])
        if self.level:
            return Piece("heading", " ".join(self.lines), self.level, pages, self.sheet)
        return Piece("paragraph", join_lines(self.lines), pages=pages, sheet=self.sheet)


def _pieces(
    document: pdfium.PdfDocument,
    body: float,
    running: set[tuple[str, float]],
    levels: dict[float, int],
) -> Iterator[Piece]:
    block: _Block | None = None
    for index, lines in enumerate(_pages(document)):
        label = _label(document, index)
        kept = [
            line
            for number, line in enumerate(lines)
            if not (
                (number < _EDGE or number >= len(lines) - _EDGE)
                and (_shape(line) in running or _PAGE_NUMBER.fullmatch(line.text))
            )
        ]
        pitch = _pitch(kept, body)
        previous: _Line | None = None
        for line in kept:
            level = levels.get(line.size, 0)
            if previous is None:  # the page's first line: only a paragraph runs on to it
                goes_on = block is not None and block.level == level == 0
            else:
                close = previous.baseline - line.baseline <= pitch * 1.4
                # A list stays with the line that leads into it.
                lead_in = block is not None and block.lines[-1].endswith(":")
                goes_on = (
                    block is not None
                    and block.level == level
                    and (close or (level == 0 and (lead_in or _list_goes_on(block, line))))
                )
            if not goes_on:
                if block is not None:
                    yield block.piece()
                block = _Block(level, [], [], index + 1)
            assert block is not None
            block.add(line.text, label)
            previous = line
        # A heading, or a paragraph that ends its sentence, does not run over the page.
        if block is not None and (block.level or block.lines[-1].endswith(_ENDS_SENTENCE)):
            yield block.piece()
            block = None
    if block is not None:
        yield block.piece()


def _list_goes_on(block: _Block, line: _Line) -> bool:
    return bool(_BULLET.match(block.lines[-1]) and _BULLET.match(line.text))


def _pitch(lines: list[_Line], body: float) -> float:
    """The usual distance from one body line to the next on this page."""
    steps = Counter(
        round(a.baseline - b.baseline, 1)
        for a, b in itertools.pairwise(lines)
        if a.size == b.size == body and a.baseline > b.baseline
    )
    return steps.most_common(1)[0][0] if steps else body * 1.5


def join_lines(lines: list[str]) -> str:
    """The lines of one paragraph as one text: a list item keeps its own line, a word
    hyphenated at a line's end is joined, a real hyphen kept ("Debian-" "System")."""
    text = ""
    for line in lines:
        if not text:
            text = line
        elif _BULLET.match(line):
            text += "\n" + line
        elif text.endswith("-") and len(text) > 1 and text[-2].isalpha() and line[:1].islower():
            text = text[:-1] + line  # hyphenated at the line's end
        elif text.endswith("-") and len(text) > 1 and text[-2].isalpha():
            text += line  # a compound: the hyphen is the word's own
        else:
            text += " " + line
    return text
