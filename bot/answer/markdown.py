"""Render answers as Markdown in which only our own markup is live.

Every character that comes from the text or the question is escaped: CommonMark lets any
ASCII punctuation be backslash-escaped, which also disarms `<`, so neither Markdown nor
HTML inside the essay or a question can ever render as markup.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..ingest.texts import slug

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..ingest.passages import Passage, Sentence

__all__ = ["anchor", "escape", "original", "quote_markdown"]

# Marks that are markup anywhere in a line (emphasis, links, code, HTML, tables, math).
_INLINE = re.compile(r"([\\`*_\[\](){}<>&|~$!@])")
# Marks that are markup only where a line starts (headings, lists, quotes, rules).
_LINE_START = re.compile(r"(?m)^([ \t]*)([#+\-=>]|\d+(?=[.)]))")


# GitHub-flavoured renderers (Gradio's among them) turn bare URLs into links.
_AUTOLINK = re.compile(r"(?i)(://|(?<![\w.])www\.)")


def escape(text: str) -> str:
    """Literal text for Markdown and HTML; the characters stay the same when rendered."""
    escaped = _INLINE.sub(r"\\\1", text)
    escaped = _AUTOLINK.sub(lambda m: m.group(1).replace(":", "\\:").replace(".", "\\."), escaped)
    return _LINE_START.sub(lambda m: m.group(1) + _escape_lead(m.group(2)), escaped)


def _escape_lead(lead: str) -> str:
    # "1986. war" at a line start would become a list item: escape the dot, not the digits.
    return lead + "\\" if lead[0].isdigit() else "\\" + lead


def anchor(source: str, paragraph: int) -> str:
    """The id of a paragraph in the full-text view; quote links point at it."""
    return f"{slug(source)}-p{paragraph}"


def original(source: str, sheet: int, anchor: str = "") -> str | None:
    """The link that opens the original at the place: a PDF at its page, in the browser's
    own viewer (`files/...#page=3`), a web page at its section's own anchor
    (`files/page.html#kantine`); None where the bot's full text is the place to open."""
    if sheet:
        return f"files/{quote(source)}#page={sheet}"
    if anchor:
        return f"files/{quote(source)}#{quote(anchor, safe='')}"
    return None


def _marked(passage: Passage, highlights: tuple[Sentence, ...]) -> str:
    """The passage escaped, with the highlighted sentences in bold."""
    parts = []
    cursor = passage.start
    for sentence in highlights:
        parts.append(escape(passage.text[cursor - passage.start : sentence.start - passage.start]))
        parts.append(f"**{escape(sentence.text)}**")
        cursor = sentence.end
    parts.append(escape(passage.text[cursor - passage.start :]))
    # Newlines inside a paragraph would end the block quote; keep them as line breaks.
    return "".join(parts).replace("\n", "  \n> ")


def quote_markdown(
    message: str,
    quotes: tuple[tuple[Passage, tuple[Sentence, ...]], ...],
    *,
    paragraph_label: str,
    page_label: str = "p.",
    slide_label: str = "slide",
    titles: Mapping[str, str] | None = None,
) -> str:
    """The message, then each passage as a block quote headed by where it stands and the
    title of its text (`titles`, by file name; the file name where none is given)."""
    lines = [escape(message)]
    for passage, highlights in quotes:
        where = f"{paragraph_label} {passage.paragraph}"
        if passage.section:
            where += f" · {escape(passage.section)}"
        link = f"[{where}](#{anchor(passage.source, passage.paragraph)})"
        name = escape((titles or {}).get(passage.source, passage.source))
        if passage.pages:  # a document's page as printed, or a slide: "Handbuch, S. 12"
            label = slide_label if passage.unit == "slide" else page_label
            name += f", {label} {escape('-'.join(passage.pages))}"
        opens = original(passage.source, passage.sheet, passage.anchor)
        if opens:  # the original, opened at that page
            name = f"[{name}]({opens})"
        lines.append(f"{link} — {name}\n\n> {_marked(passage, highlights)}")
    return "\n\n".join(lines)
