"""Cut a text into the passages the bot quotes.

One passage per paragraph. Short heading lines are not passages: they title the
paragraphs that follow, and a passage keeps the whole path of headings above it (in
Markdown: Handbuch, Kantine, Öffnungszeiten), which is what places a paragraph of a long
manual ("Tun Sie dies zuerst.") in its topic. A paragraph that only repeats another's
sentences (a pull quote) is merged into that paragraph, so the same words are never
quoted twice.
Every offset counts characters in the source text, so `text[start:end]` is the quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import pysbd

from ..languages.words import is_stopword
from .repeats import originals
from .texts import Mark, Text

__all__ = [
    "Block",
    "Passage",
    "Sentence",
    "introduction",
    "layout",
    "split_passages",
    "split_sentences",
]

# A heading is one short sentence that does not end like prose ("Mögliche Hürden",
# "Gibt es eine Chance für Open-Source-Grundlagenmodelle?").
_HEADING_MAX_WORDS = 10
_HEADING_MAX_CHARS = 120
_PROSE_ENDINGS = (".", ",", ";", ":", "…", '"', "“", "”", "«", "»")
_WORD = re.compile(r"\w+")
# Ends in a question mark, perhaps inside closing quotes or brackets.
_ASKS = re.compile(r"\?[\s\"'“”«»‘’)\]]*$")
_ADDRESS = re.compile(r"\S+://\S+|\S+@\S+")
# A list item: a bullet or a number at the start of a line ("- Ihren Ausweis", "2) Bauen").
_LIST_ITEM = re.compile(r"(?:[-*+•]|\d{1,3}[.)])\s")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int

    @property
    def asks(self) -> bool:
        """A question: context for what follows it, never the answer to one ("Was ist
        also ein Stiftungsmodell?" closes the paragraph before the one that says)."""
        return bool(_ASKS.search(self.text))


@dataclass(frozen=True)
class Passage:
    """A quotable paragraph; `repeats` are the offsets of pull quotes merged into it."""

    source: str
    paragraph: int
    # The headings above the paragraph, outermost first.
    headings: tuple[str, ...]
    text: str
    start: int
    end: int
    sentences: tuple[Sentence, ...]
    repeats: tuple[tuple[int, int], ...] = ()
    # The pages it stands on, as printed: the first and, when it runs on, the last.
    pages: tuple[str, ...] = ()
    sheet: int = 0  # the page it starts on, counted from 1 (0: a text without pages)
    unit: Literal["page", "slide"] = "page"  # what `pages` counts
    anchor: str = ""  # the web page's own anchor for its section (`page.html#anchor`)

    @property
    def section(self) -> str | None:
        """The nearest heading: what a quote's citation names."""
        return self.headings[-1] if self.headings else None


@dataclass(frozen=True)
class Block:
    """A piece of the text as a reader sees it: the full-text view is drawn from these."""

    kind: Literal["heading", "paragraph", "repeat"]
    text: str
    start: int
    end: int
    paragraph: int | None = None  # for "repeat": the paragraph it repeats
    # Where a document's reader found it: pages as printed (or slides), the first counted
    # from 1; nothing for plain text and Markdown.
    pages: tuple[str, ...] = ()
    sheet: int = 0
    unit: Literal["page", "slide"] = "page"


@dataclass(frozen=True)
class _Raw:
    text: str
    start: int
    end: int
    sentences: tuple[Sentence, ...]
    pages: tuple[str, ...] = ()
    sheet: int = 0
    unit: Literal["page", "slide"] = "page"
    anchor: str = ""

    @property
    def place(self) -> tuple[tuple[str, ...], int, Literal["page", "slide"]]:
        return self.pages, self.sheet, self.unit


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    # pysbd knows German abbreviations and ordinals ("ca.", "z.B.", "3. Quartal").
    return pysbd.Segmenter(language="de", clean=False)


def split_sentences(text: str, offset: int = 0) -> tuple[Sentence, ...]:
    """Sentences of `text` with offsets shifted by `offset`; whitespace is trimmed off."""
    sentences = []
    cursor = 0
    for piece in _segmenter().segment(text):
        stripped = piece.strip()
        if not stripped:
            continue
        # Locate each piece ourselves: pysbd's own spans drift on some inputs.
        start = text.find(stripped, cursor)
        if start < 0:
            continue
        end = start + len(stripped)
        cursor = end
        sentences.append(Sentence(stripped, offset + start, offset + end))
    return tuple(sentences)


def _paragraph_spans(content: str, *, markdown: bool) -> list[tuple[int, int]]:
    """Paragraphs as (start, end).

    A plain text has one paragraph per line, as the essay does. Markdown follows its own
    rule: blank lines separate paragraphs, a single newline only wraps, and an ATX heading
    line (`# Title`) stands alone.
    """
    if markdown:
        # Blank lines, and a newline before a heading line, end a paragraph.
        separator = re.compile(r"\n[ \t]*\n\s*|\n(?=[ \t]*#{1,6}[ \t])")
    else:
        separator = re.compile(r"\n")
    spans = []
    start = 0
    for match in separator.finditer(content):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(content)))
    if markdown:
        spans = [part for span in spans for part in _split_heading_line(content, span)]
    trimmed = []
    for begin, end in spans:
        chunk = content[begin:end]
        # A paragraph without a letter or digit is decoration ("---", "* * *"), not prose.
        if any(ch.isalnum() for ch in chunk):
            lead = len(chunk) - len(chunk.lstrip())
            trail = len(chunk) - len(chunk.rstrip())
            trimmed.append((begin + lead, end - trail))
    return trimmed


_ATX = re.compile(r"[ \t]*#{1,6}[ \t]+\S")


def _split_heading_line(content: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """A Markdown block that opens with a heading line: the heading, then the rest."""
    begin, end = span
    if not _ATX.match(content, begin):
        return [span]
    newline = content.find("\n", begin, end)
    return [span] if newline < 0 else [(begin, newline), (newline + 1, end)]


def _heading(raw: _Raw, *, markdown: bool) -> tuple[int, str] | None:
    """(level, title) if this paragraph is a heading, else None.

    Markdown says the level ("## " is 2); a plain text's headings are all of one level.
    """
    text = raw.text
    if markdown:
        # In Markdown only an ATX heading is one ("# Title"); "#1 Grund" is prose.
        if not _ATX.match(text):
            return None
        title = text.lstrip(" \t#").strip()
        return (len(text.strip()) - len(text.strip().lstrip("#")), title) if title else None
    if "\n" in text or len(raw.sentences) != 1 or len(text) > _HEADING_MAX_CHARS:
        return None
    if text.endswith(_PROSE_ENDINGS) or len(text.split()) > _HEADING_MAX_WORDS:
        return None
    return (1, text)


def introduction(passage: Passage, index: int) -> Sentence | None:
    """The sentence that introduces the list whose item sentence `index` is ("Bitte
    bringen Sie Folgendes mit:" for "- Ihre Steuer-Identifikationsnummer"); None when
    that sentence is no list item, or its list opens the passage.

    An item far down a list does not say what it is a list of; its introduction does.
    """
    sentences = passage.sentences
    if not _is_item(passage, sentences[index]):
        return None
    first = index
    while first > 0 and _is_item(passage, sentences[first - 1]):
        first -= 1
    return sentences[first - 1] if first > 0 else None


def _is_item(passage: Passage, sentence: Sentence) -> bool:
    """Whether the sentence opens a line with a bullet or a number."""
    before = passage.text[: sentence.start - passage.start].rstrip(" \t")
    return (not before or before.endswith("\n")) and bool(_LIST_ITEM.match(sentence.text))


def _words(text: str) -> frozenset[str]:
    """The words that say something: two sentences sharing "Sie", "die" and "an", or
    the pieces of one web address, are not one repeated."""
    words = (word.lower() for word in _WORD.findall(_ADDRESS.sub(" ", text)))
    return frozenset(word for word in words if not is_stopword(word))


def _originals(prose: list[_Raw]) -> dict[int, int | None]:
    """For each paragraph, the paragraph it repeats (repeats.py)."""
    found = originals([tuple(_words(s.text) for s in raw.sentences) for raw in prose])
    return {id(raw): target for raw, target in zip(prose, found, strict=True)}


def _sentences(content: str, mark: Mark) -> tuple[Sentence, ...]:
    return (
        ()
        if mark.kind == "heading"
        else split_sentences(content[mark.start : mark.end], mark.start)
    )


def layout(text: Text) -> tuple[Block, ...]:
    """The text as headings, numbered paragraphs and merged repeats, in reading order."""
    return _parse(text)[0]


def split_passages(text: Text) -> tuple[Passage, ...]:
    """The quotable passages of one text, numbered from 1 in reading order."""
    return _parse(text)[1]


# The chat's page, its examples and the index all lay out the same texts: once each.
@lru_cache(maxsize=32)
def _parse(text: Text) -> tuple[tuple[Block, ...], tuple[Passage, ...]]:
    content = text.content
    if text.marks:  # a document's reader said what is a heading and what a paragraph
        raws = [
            _Raw(
                content[m.start : m.end],
                m.start,
                m.end,
                _sentences(content, m),
                m.pages,
                m.sheet,
                m.unit,
                m.anchor,
            )
            for m in text.marks
        ]
        titles = [
            (m.level, raw.text) if m.kind == "heading" else None
            for m, raw in zip(text.marks, raws, strict=True)
        ]
    else:
        markdown = text.source.lower().endswith(".md")
        raws = [
            _Raw(content[s:e], s, e, split_sentences(content[s:e], s))
            for s, e in _paragraph_spans(content, markdown=markdown)
        ]
        titles = [_heading(raw, markdown=markdown) for raw in raws]
    prose = [raw for raw, title in zip(raws, titles, strict=True) if title is None]
    original = _originals(prose)

    numbers: dict[int, int] = {}
    for raw in prose:
        if original[id(raw)] is None:
            numbers[id(raw)] = len(numbers) + 1

    repeats: dict[int, list[tuple[int, int]]] = {}
    for raw in prose:
        target = original[id(raw)]
        if target is not None:
            repeats.setdefault(id(prose[target]), []).append((raw.start, raw.end))

    blocks: list[Block] = []
    passages: list[Passage] = []
    path: list[tuple[int, str]] = []  # (level, title) of the headings above, outermost first
    for raw, title in zip(raws, titles, strict=True):
        if title is not None:
            path = [*(h for h in path if h[0] < title[0]), title]
            blocks.append(Block("heading", raw.text, raw.start, raw.end, None, *raw.place))
            continue
        target = original[id(raw)]
        if target is not None:
            repeated = numbers[id(prose[target])]
            blocks.append(Block("repeat", raw.text, raw.start, raw.end, repeated, *raw.place))
            continue
        number = numbers[id(raw)]
        blocks.append(Block("paragraph", raw.text, raw.start, raw.end, number, *raw.place))
        passages.append(
            Passage(
                source=text.source,
                paragraph=number,
                headings=tuple(t for _, t in path),
                text=raw.text,
                start=raw.start,
                end=raw.end,
                sentences=raw.sentences,
                repeats=tuple(repeats.get(id(raw), ())),
                pages=raw.pages,
                sheet=raw.sheet,
                unit=raw.unit,
                anchor=raw.anchor,
            )
        )
    return tuple(blocks), tuple(passages)
