"""PDF: the text layer, page by page, with its headings and the pages as printed.

pypdfium2 (PDFium, permissive, the most faithful and the fastest of the permissive readers
in py-pdf/benchmarks) gives each page's text in reading order (columns included), a line
per line, and for each character its size, weight and position. From those:

- running headers and footers are left out: lines at a page's top or bottom that repeat
  on many pages (their numbers, arabic or roman, aside: "Seite 3 von 10"), or that stand
  at the same height apart from the text on many pages (a chapter's name), and bare page
  numbers; so are a contents page's dot leaders;
- headings come from the PDF's outline (its bookmarks) where it has one; else a line in a
  larger type than the body is one, its level by size, and so is a short bold line;
- a wider gap than between lines, or an indented first line, starts a paragraph, and a
  paragraph that runs over a page break without ending a sentence goes on over it;
- a list (its bullets drawn, not written) is told by its items being set in: it stays
  with the line that leads into it and goes on over a page break, and each item gets a
  line of its own where the line before stopped short of the column's edge;
- a word hyphenated at a line's end is joined ("Fahrrad-" "stellplatz"), a real hyphen
  kept ("Debian-" "System").

Pages are read one at a time, twice (first what repeats and the type sizes, then the
text), so a long PDF is never held in memory whole.
"""

from __future__ import annotations

import bisect
import ctypes
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .pieces import Piece, named
from .problems import Unreadable

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["join_lines", "read_pdf"]

_EDGE = 2  # lines at a page's top and bottom that may be a running header or footer
# Numbers that change from page to page: arabic anywhere, roman at a line's start or end.
_NUMBERS = re.compile(r"\d+|^[ivxlcdm]+\b|\b[ivxlcdm]+$")
_PAGE_NUMBER = re.compile(r"(?i)\W*(seite|page|s\.)?\s*[\divxlc]+(\s*(von|of|/)\s*\d+)?\W*")
_DOT_LEADER = re.compile(r"(\.\s?){4,}\s*[\divxlc]+$")  # a contents line: "3.1 Netz .... 12"
_ENDS_SENTENCE = (".", "!", "?", ":", "…", '"', "“", "”", "»", "«", ")")
_ENDS_PROSE = (".", "!", ":", "…", ",", ";")
_FOOTNOTE_MARK = re.compile(r"\s*\[\d{1,3}\]$")  # "verschoben werden. [1]" ends the sentence
_BULLET = re.compile(r"[•◦▪‣·\-–*]\s|\d{1,3}[.)]\s")
_NUMBERED = re.compile(r"(?m)^(\d{1,3})[.)]\s")
_TRAILING = ".,;:!?)]}\"'»«“”"  # what may follow a word at a sentence's end
_SOFT = str.maketrans("", "", "\x02\u00ad")  # soft hyphens: they show only at a line's end
# PDFium ends a line with CR LF, or, where the line ends in a hyphen, with U+FFFE alone.
_LINE_END = re.compile("\r\n|\ufffe")
_BOLD = 600
# A word that is part of an address keeps its hyphen: "brenner-" "voss.example".
_ADDRESS = re.compile(r"[@/:.\d]")
_HEADING_WORDS = 12
_SPACE = 0.5  # a word space and some slack for where a glyph's ink ends, in ems


@dataclass(frozen=True)
class _Line:
    text: str
    size: float  # the type size most of its characters have, as printed (points)
    baseline: float
    x: float
    bold: bool
    right: float = 0.0  # where its last mark ends
    word: float = 0.0  # how wide its first word is


@dataclass
class _Survey:
    """What the first pass learns of the whole document."""

    sizes: Counter[float] = field(default_factory=Counter)
    edges: Counter[tuple[str, float]] = field(default_factory=Counter)
    heights: Counter[tuple[str, int]] = field(default_factory=Counter)  # ("top", y) apart
    pitches: Counter[float] = field(default_factory=Counter)
    # The document's words, and its words broken at a line's end by a hyphen: whether
    # it hyphenates its lines, or only breaks them where a word has a hyphen of its own.
    words: set[str] = field(default_factory=set)
    breaks: list[tuple[str, str]] = field(default_factory=list)
    starts: Counter[int] = field(default_factory=Counter)  # where lines start, page across
    widest: dict[int, float] = field(default_factory=dict)  # how far they run, by start

    def add(self, lines: list[_Line]) -> None:
        for line in lines:
            self.sizes[line.size] += len(line.text)
            self.starts[round(line.x)] += 1
            self.widest[round(line.x)] = max(line.right, self.widest.get(round(line.x), 0.0))
            self.words.update(_WORD.findall(line.text.lower()))
        for a, b in itertools.pairwise(lines):
            broken = _broken(a.text, b.text)
            if broken:
                self.breaks.append(broken)
        self.edges.update({_shape(line) for line in _edges(lines)})
        for a, b in itertools.pairwise(lines):
            if a.size == b.size and a.baseline > b.baseline:
                self.pitches[round(a.baseline - b.baseline, 1)] += 1
        if len(lines) >= 3:
            self.heights.update(_apart(lines))


def _by_height(lines: list[_Line]) -> list[_Line]:
    return sorted(lines, key=lambda line: -line.baseline)


def _edges(lines: list[_Line]) -> list[_Line]:
    """The lines that may be a running header or footer: first and last in reading order,
    and highest and lowest on the page (a header may come last in the text)."""
    placed = _by_height(lines)
    return [*lines[:_EDGE], *lines[-_EDGE:], *placed[:_EDGE], *placed[-_EDGE:]]


def _apart(lines: list[_Line]) -> set[tuple[str, int]]:
    """The page's highest and lowest line, by height, where a gap sets them apart."""
    found = set()
    placed = _by_height(lines)
    top, second, before, last = placed[0], placed[1], placed[-2], placed[-1]
    if top.baseline - second.baseline > 1.8 * max(top.size, second.size):
        found.add(("top", round(top.baseline)))
    if before.baseline - last.baseline > 1.8 * max(last.size, before.size):
        found.add(("bottom", round(last.baseline)))
    return found


_WORD = re.compile(r"\w+(?:-\w+)*")


def _broken(line: str, following: str) -> tuple[str, str] | None:
    """The two halves of a word a hyphen breaks over two lines ("fahrrad", "stellplätze")."""
    if not line.endswith("-") or len(line) < 2 or not line[-2].isalpha():
        return None
    before = _WORD.findall(line[:-1].rsplit(None, 1)[-1].lower())
    after = _WORD.findall(following.split(None, 1)[0].lower()) if following.strip() else []
    return (before[-1], after[0]) if before and after else None


@dataclass(frozen=True)
class Hyphens:
    """Whether a hyphen at a line's end is the word's own ("Debian-bezogene") or only
    the line's ("Fahrrad-stellplätze"), by what the document writes elsewhere: the word
    whole, or with its hyphen. Where it writes neither, as most of its other breaks go: a
    document set with hyphenation joins, one that breaks lines only at hyphens keeps them."""

    words: frozenset[str] = frozenset()
    joins: bool = True

    @classmethod
    def of(cls, survey: _Survey) -> Hyphens:
        joined = sum(a + b in survey.words for a, b in survey.breaks)
        kept = sum(f"{a}-{b}" in survey.words for a, b in survey.breaks)
        return cls(frozenset(survey.words), joins=joined >= kept)

    def keeps(self, before: str, after: str) -> bool:
        if before + after in self.words:
            return False
        return f"{before}-{after}" in self.words or not self.joins


def read_pdf(path: Path) -> Iterator[Piece]:
    document = _open(path)
    try:
        survey = _Survey()
        for lines in _pages(document):
            survey.add(lines)
        if not survey.sizes:
            raise Unreadable(
                "no text to quote: it has no text layer (a scan?); run OCR first, e.g. ocrmypdf"
            )
        yield from named(document.get_metadata_value("Title"))
        yield from _pieces(document, survey, Hyphens.of(survey))
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


def _lines(text_page: pdfium.PdfTextPage) -> list[_Line]:
    text = text_page.get_text_range()
    # PDFium counts a character beyond the BMP (a math letter) as two; Python as one.
    astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
    lines = []
    cursor = 0
    for end in (*_LINE_END.finditer(text), None):
        raw = text[cursor : end.start() if end else len(text)]
        start = cursor
        cursor = end.end() if end else len(text)
        # A soft hyphen inside a line does not show; one that ends it shows as a hyphen.
        line = raw.translate(_SOFT).strip() + ("-" if end and end.group() == "\ufffe" else "")
        if not any(ch.isalnum() for ch in line):
            continue
        letters = [start + i for i, ch in enumerate(raw) if ch.isalnum()]
        samples = [letters[round(k * (len(letters) - 1) / 4)] for k in range(5)]
        chars = [i + bisect.bisect_left(astral, i) for i in samples]
        sizes = Counter(_size(text_page, i) for i in chars)
        bold = sum(_bold(text_page, i) for i in chars) >= 3
        # Where the line starts: its first mark, a quotation mark or a bullet included.
        first = start + len(raw) - len(raw.lstrip())
        first += bisect.bisect_left(astral, first)
        x, y = ctypes.c_double(), ctypes.c_double()
        pdfium_c.FPDFText_GetCharOrigin(text_page, first, ctypes.byref(x), ctypes.byref(y))
        last = start + len(raw.rstrip()) - 1
        last += bisect.bisect_left(astral, last)
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        pdfium_c.FPDFText_GetCharBox(
            text_page, last, *(ctypes.byref(v) for v in (left, right, bottom, top))
        )
        size = sizes.most_common(1)[0][0]
        # Where its first word ends: would it have fit at the end of the line before?
        word = start + len(raw) - len(raw.lstrip()) + len(raw.split(None, 1)[0]) - 1
        word += bisect.bisect_left(astral, word)
        word_right = ctypes.c_double()
        pdfium_c.FPDFText_GetCharBox(
            text_page, word, *(ctypes.byref(v) for v in (left, word_right, bottom, top))
        )
        lines.append(
            _Line(line, size, y.value, x.value, bold, right.value, word_right.value - x.value)
        )
    return lines


_BOLD_NAME = re.compile(rb"(?i)bold|black|heavy|semibold|demi")


def _bold(text_page: pdfium.PdfTextPage, index: int) -> bool:
    """By the font's weight where it says one, else by its name ("LiberationSerif-Bold":
    many fonts give a weight of 400 or so whatever they are)."""
    if pdfium_c.FPDFText_GetFontWeight(text_page, index) >= _BOLD:
        return True
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    pdfium_c.FPDFText_GetFontInfo(text_page, index, name, len(name), ctypes.byref(flags))
    return bool(_BOLD_NAME.search(name.value.split(b"+")[-1]))


def _size(text_page: pdfium.PdfTextPage, index: int) -> float:
    matrix = pdfium_c.FS_MATRIX()
    pdfium_c.FPDFText_GetMatrix(text_page, index, ctypes.byref(matrix))
    size = pdfium_c.FPDFText_GetFontSize(text_page, index) * (abs(matrix.d) or 1.0)
    return float(round(size * 2) / 2)


def _shape(line: _Line) -> tuple[str, float]:
    """A line as it repeats from page to page: its numbers may change, its size not."""
    return _NUMBERS.sub("#", line.text.lower()), line.size


def _label(document: pdfium.PdfDocument, index: int) -> str:
    """The page as printed ("iv" in roman front matter), else its number."""
    try:
        label = document.get_page_label(index)
    except (pdfium.PdfiumError, AttributeError):
        label = ""
    return str(label).strip() or str(index + 1)


def _outline(document: pdfium.PdfDocument) -> dict[int, list[tuple[str, int]]]:
    """The bookmarks by page: each title (its words, lower case) and its level."""
    marks: dict[int, list[tuple[str, int]]] = defaultdict(list)
    try:
        for item in document.get_toc(max_depth=6):
            destination = item.get_dest()
            page = destination.get_index() if destination is not None else None
            title = " ".join(item.get_title().split()).lower()
            if page is not None and title:
                marks[page].append((title, item.level + 1))
    except (pdfium.PdfiumError, ValueError):
        return {}
    return marks if sum(len(v) for v in marks.values()) >= 3 else {}


_SECTION_NUMBER = re.compile(r"^(\d+(\.\d+)*\.?|[A-Z]\.|[ivxlc]+\.)\s+", re.IGNORECASE)


def _bookmark(lines: list[str], titles: list[tuple[str, int]]) -> tuple[int, int] | None:
    """(level, lines it takes) when the lines start with one of the page's bookmarks."""
    for taken in (1, 2, 3):
        words = " ".join(" ".join(lines[:taken]).split()).lower()
        plain = _SECTION_NUMBER.sub("", words)
        for title, level in titles:
            if title in (words, plain) or _SECTION_NUMBER.sub("", title) == plain:
                return level, taken
    return None


@dataclass
class _Block:
    """A heading (`level` 1 and up) or a paragraph (0) being read, line by line."""

    level: int
    lines: list[str]
    pages: list[str]
    sheet: int  # the page it starts on, counted from 1 (what a viewer's #page= opens)
    hyphens: Hyphens
    left: float = float("inf")  # where its lines start in the column it stands in
    last: _Line | None = None
    edge: float = 0.0  # its last line's column's right edge
    items: list[bool] = field(default_factory=list)  # which lines start a list's item
    opens: bool = False  # its first line is set in as a list's are

    def add(self, line: _Line, page: str, edge: float, lefts: list[int]) -> None:
        """The line, `edge` the right edge of its column, `lefts` the page's left edges.

        A line set in as a list's lines are starts an item where it stands further in or
        out than the line before, or where its first word would have fit on the line
        before: ragged type breaks a line early only where something new starts (the
        bullet the browser drew is not in the text)."""
        # A line higher up the same page than the one before starts the next column.
        new_page = bool(self.pages) and self.pages[-1] != page
        column = self.last is not None and line.baseline > self.last.baseline and not new_page
        listed = not self.level and (
            _set_in(line, lefts) or (not column and line.x >= self.left + 0.5 * line.size)
        )
        if self.last is None:
            self.opens = listed
            self.items.append(False)
        else:
            room = self.edge - self.last.right
            moved = round(line.x) != round(self.last.x) and not column
            # A word broken at the line's end goes on: no item starts there.
            broken = self.last.text.rstrip().endswith("-")
            starts = not broken and (moved or room >= line.word + _SPACE * line.size)
            self.items.append(listed and starts and not _BULLET.match(line.text))
        self.left = line.x if column else min(self.left, line.x)
        self.last = line
        self.edge = edge
        self.lines.append(line.text)
        if not self.pages or self.pages[-1] != page:
            self.pages.append(page)

    def leads_in(self) -> bool:
        return bool(self.lines) and self.lines[-1].endswith(":")

    def in_list(self) -> bool:
        """Whether its last line is set in from its first: in the list it leads into."""
        return self.last is not None and self.last.x >= self.left + 0.5 * self.last.size

    def item(self, line: _Line) -> bool:
        """Whether the line is an item of a list in the paragraph: set in from its edge (a
        browser draws the bullets), or with a bullet or number of its own."""
        return line.x >= self.left + 0.5 * line.size or _item("\n".join(self.lines), line.text)

    def piece(self) -> Piece:
        pages = (self.pages[0],) if len(self.pages) == 1 else (self.pages[0], self.pages[-1])
        if self.level:
            text = join_lines(self.lines, self.hyphens)
            return Piece("heading", text, self.level, pages, self.sheet)
        # A list without a lead-in: its first line is an item too. Where the document
        # writes its bullets itself (DocBook's "•"), its items are where they stand: one
        # broken over lines ("akzep-" "tiert") is no list of its own.
        first = self.opens and any(self.items)
        written = any(_BULLET.match(line) for line in self.lines)
        lines = [
            f"• {line}" if not written and (item or (number == 0 and first)) else line
            for number, (line, item) in enumerate(zip(self.lines, self.items, strict=True))
        ]
        return Piece("paragraph", join_lines(lines, self.hyphens), pages=pages, sheet=self.sheet)


def _pieces(document: pdfium.PdfDocument, survey: _Survey, hyphens: Hyphens) -> Iterator[Piece]:
    pages = len(document)
    # On a third of the pages or more, and on two at least: a one-page PDF has none.
    often = max(2, pages / 3)
    body = survey.sizes.most_common(1)[0][0]
    pitch = survey.pitches.most_common(1)[0][0] if survey.pitches else body * 1.2
    running = {shape for shape, n in survey.edges.items() if pages >= 2 and n >= often}
    heights = {height for height, n in survey.heights.items() if pages >= 2 and n >= often}
    outline = _outline(document)
    by_size = sorted((s for s in survey.sizes if s > body * 1.1), reverse=True)
    levels = {size: rank + 1 for rank, size in enumerate(by_size)}
    first_bookmarked = min(outline, default=0)
    margins = _common(survey.starts)
    block: _Block | None = None
    ended = False  # whether the paragraph open at the page before's foot ended there
    listed: float | None = None  # where the next page's lines go on with its list
    for index, lines in enumerate(_pages(document)):
        label = _label(document, index)
        kept = _body(lines, running, heights)
        if index < first_bookmarked and _contents(kept):
            continue  # the contents: the outline says where the text begins
        lefts = _lefts(kept)
        # The columns' edges, also where a page is all list: a list is set in from them.
        edges = sorted({*lefts, *margins})
        # The right edge of each line's column: the furthest any line in it runs, on any
        # page (a page of short lines does not show where its column ends).
        rights = {id(line): _column_edge(line, survey.widest) for line in kept}
        previous: _Line | None = None
        number = 0
        while number < len(kept):
            line = kept[number]
            found = _bookmark([ln.text for ln in kept[number : number + 3]], outline.get(index, []))
            if outline:
                level, taken = found if found else (0, 1)
            else:
                level, taken = _level(line, previous, levels, body), 1
                if not level and block is not None and _wraps(block, previous, line, pitch):
                    level = block.level
            if previous is None:  # the page's first line: only a paragraph runs on to it
                goes_on = (
                    block is not None
                    and block.level == level == 0
                    and (
                        (listed is not None and (line.x >= listed or block.item(line)))
                        or (not ended and not _indented(line, lefts))
                    )
                )
            else:
                # A heading's lines stand as far apart as its type is large.
                step = pitch if level == 0 else max(pitch, line.size * 1.3)
                close = previous.baseline - line.baseline <= step * 1.4
                # A list stays with the line that leads into it; what follows a colon at
                # the paragraph's edge is a paragraph of its own (after an example left out).
                lead_in = block is not None and block.leads_in() and block.item(line)
                # Set in where the line before was not: a paragraph's first line (an item
                # that wraps, or a quote, keeps its indent from line to line). Set in
                # further from a line that is set in itself: an item of a list in a list.
                indented = (
                    level == 0
                    and not lead_in
                    and round(previous.x) != round(line.x)
                    and not (block is not None and block.in_list())
                    and not _set_in(previous, edges)
                    and _indented(line, lefts)
                )
                goes_on = (
                    block is not None
                    and block.level == level
                    and not found
                    and not indented
                    and (close or (level == 0 and (lead_in or _list_goes_on(block, line))))
                )
            if not goes_on:
                if block is not None:
                    yield block.piece()
                block = _Block(level, [], [], index + 1, hyphens)
            assert block is not None
            for extra in kept[number : number + taken]:
                block.add(extra, label, rights[id(extra)], edges)
            previous = kept[number + taken - 1]
            number += taken
        # A heading does not run over the page, nor a paragraph whose last line ends a
        # sentence short of the column's edge (a full line may go on over the page),
        # unless it ends the page in a list or leading into one: then the next page's
        # first line goes on with it where it stands as the list's items do.
        ended = block is not None and bool(block.level or _ends_on_page(block, kept))
        listed = _list_edge(block, edges) if block is not None else None
        if block is not None and ended and listed is None:
            yield block.piece()
            block = None
    if block is not None:
        yield block.piece()


def _body(
    lines: list[_Line], running: set[tuple[str, float]], heights: set[tuple[str, int]]
) -> list[_Line]:
    """The page's lines without its running header and footer, page number, dot leaders."""
    apart = _apart(lines) & heights if len(lines) >= 3 else set()
    edges = {id(line) for line in _edges(lines)}
    kept = []
    for line in lines:
        y = round(line.baseline)
        if ("top", y) in apart or ("bottom", y) in apart or _DOT_LEADER.search(line.text):
            continue
        if id(line) in edges and (_shape(line) in running or _PAGE_NUMBER.fullmatch(line.text)):
            continue
        kept.append(line)
    return kept


_ENDS_IN_NUMBER = re.compile(r"\s[\divxlc]+$")


def _contents(lines: list[_Line]) -> bool:
    """A contents page: most of its lines end in a page number."""
    numbered = sum(bool(_ENDS_IN_NUMBER.search(line.text)) for line in lines)
    return len(lines) >= 5 and numbered >= len(lines) / 2


def _level(line: _Line, previous: _Line | None, levels: dict[float, int], body: float) -> int:
    """A heading's level by its type: larger than the body, or a short bold line at body
    size (one level below the smallest larger size)."""
    level = levels.get(line.size, 0)
    if level or not line.bold or line.size < body:
        return level
    # A question ("Wie werden sie gezählt?") or a quoted name (Feld "Type") may head a
    # section; a full stop or a colon ends a sentence in bold, not a heading.
    short = len(line.text.split()) <= _HEADING_WORDS and not line.text.endswith(_ENDS_PROSE)
    apart = previous is None or previous.baseline - line.baseline > line.size * 1.6
    return len(levels) + 1 if short and apart else 0


def _wraps(block: _Block, previous: _Line | None, line: _Line, pitch: float) -> bool:
    """Whether the line goes on with a bold heading in the body's size that is too long
    for one: bold, in its size, as close below it as a paragraph's lines (a heading's
    first line stands apart from what came before; the next one does not)."""
    return (
        block.level > 0
        and previous is not None
        and previous.bold
        and line.bold
        and line.size == previous.size
        and previous.baseline - line.baseline <= pitch * 1.4
    )


def _lefts(lines: list[_Line]) -> list[int]:
    """Where the page's lines start: a column's left edge starts many of them."""
    return _common(Counter(round(line.x) for line in lines))


def _common(starts: Counter[int]) -> list[int]:
    common = sorted(x for x, n in starts.items() if n >= max(3, starts.total() / 5))
    return common or sorted(starts)[:1]


def _indented(line: _Line, lefts: list[int]) -> bool:
    """A first line set in from its column's edge by an em or so: a new paragraph."""
    x = round(line.x)
    if x in lefts:
        return False
    edge = max((left for left in lefts if left < x), default=None)
    return edge is not None and 0.5 * line.size <= x - edge <= 3 * line.size


def _ends_on_page(block: _Block, kept: list[_Line]) -> bool:
    """Whether the paragraph that ends a page ends there: it ends a sentence, unless in
    justified type its last line runs to the column's edge (a paragraph's last line stops
    short of it). In ragged type it cannot be told: a paragraph cut after a sentence is
    two quotable passages, where two paragraphs run together would be one muddled one."""
    if not _FOOTNOTE_MARK.sub("", block.lines[-1]).endswith(_ENDS_SENTENCE) or not kept:
        return False
    last = kept[-1]
    rights = [line.right for line in kept if abs(line.x - last.x) < last.size]
    edge = max(rights)
    justified = sum(right >= edge - 1 for right in rights) >= len(rights) / 2
    return not justified or last.right < edge - last.size


def _column_edge(line: _Line, widest: dict[int, float]) -> float:
    return max(
        (right for x, right in widest.items() if x < line.right and right > line.x),
        default=line.right,
    )


def _set_in(line: _Line, lefts: list[int]) -> bool:
    """Set in from one of the page's left edges: a list's or a quote's line (or a
    paragraph's first)."""
    return any(0.5 * line.size <= line.x - left <= 3 * line.size for left in lefts)


def _list_edge(block: _Block, lefts: list[int]) -> float | None:
    """Where a line must stand to go on with the list the paragraph ends its page in: set
    in from its lead-in, or as far in as a list of its own lines, all set in (one line
    set in is a paragraph's first line, more the items of a list); None: not in a list."""
    if block.level or block.last is None:
        return None
    if block.leads_in() or block.in_list():
        return block.left + 0.5 * block.last.size
    if len(block.lines) > 1 and _set_in(replace(block.last, x=block.left), lefts):
        return block.left - 0.5 * block.last.size
    return None


def _list_goes_on(block: _Block, line: _Line) -> bool:
    return bool(_BULLET.match(block.lines[-1]) and _BULLET.match(line.text))


def join_lines(lines: list[str], hyphens: Hyphens | None = None) -> str:
    """The lines of one paragraph as one text: a list item keeps its own line, a word
    hyphenated at a line's end is joined, a real hyphen kept ("Debian-" "System"; and as
    `hyphens` tells by the rest of the document)."""
    hyphens = hyphens or Hyphens()
    text = ""
    for line in lines:
        broken = _broken(text, line) if text else None
        if not text:
            text = line
        elif _item(text, line):
            text += "\n" + line
        elif (
            broken
            and line[:1].islower()
            and not _ADDRESS.search(text.rsplit(None, 1)[-1])
            and not _ADDRESS.search(line.split(None, 1)[0].rstrip(_TRAILING))
            and not hyphens.keeps(*broken)
        ):
            text = text[:-1] + line  # hyphenated at the line's end
        elif _own_hyphen(text):
            text += line  # a compound: the hyphen is the word's own
        else:
            text += " " + line
    return text


def _own_hyphen(text: str) -> bool:
    """Whether the text ends in a hyphen that belongs to its last word: a browser or word
    processor breaks a line after the hyphen of "Debian-System", "i386-Plattformen",
    "123-done@bugs.debian.org" or '"Testing"-Distribution' without a space, and only
    letters are hyphenated, so after a digit, a quote or a bracket it is the word's own. A
    hyphen on its own ("Sie sich -") is a dash, and a space goes after it."""
    if not text.endswith("-") or len(text) < 2 or text[-2].isspace():
        return False
    return any(ch.isalnum() for ch in text.rsplit(None, 1)[-1])


def _item(text: str, line: str) -> bool:
    """Whether the line starts an item of a list. A number starts one only where it counts
    on from the items before ("1.", then "2."), or starts a list at 1: "bullseye (Debian" "11)
    Stable ist" and "am" "3. Mai" are a sentence broken before a number."""
    bullet = _BULLET.match(line)
    if bullet is None:
        return False
    number = _NUMBERED.match(line)
    if number is None:
        return True
    before = _NUMBERED.findall(text)
    return int(number.group(1)) == (int(before[-1]) + 1 if before else 1)
