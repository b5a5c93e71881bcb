"""The texts the bot quotes: each file's words exactly as written (or as its reader found
them), under the file's name."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["Mark", "Text", "slug", "texts_digest"]


@dataclass(frozen=True)
class Mark:
    """A heading or a paragraph as a document's reader found it (`content[start:end]`),
    with the pages it stands on as printed ("iv", "12"): a PDF, a Word or an HTML file
    says where its paragraphs and headings are, where a plain text's are inferred."""

    kind: Literal["heading", "paragraph"]
    start: int
    end: int
    level: int = 0  # of a heading: 1 is the outermost
    pages: tuple[str, ...] = ()  # the first and, when it runs on, the last page
    # The page it starts on counted from 1, as a viewer opens it (`#page=`), whatever is
    # printed on it; 0 where no viewer opens it (a text without pages, a deck's slides).
    sheet: int = 0
    unit: Literal["page", "slide"] = "page"  # what `pages` counts: a PDF's, a deck's slides
    # Where a web page's own anchor (`id`) opens it at this place: its section.
    anchor: str = ""


@dataclass(frozen=True)
class Text:
    """One source file; `source` is its file name, which every quote names."""

    source: str
    content: str
    # From a document's reader; none for plain text and Markdown, which are split by
    # their own rules (passages.py).
    marks: tuple[Mark, ...] = ()
    # What the document calls itself (a PDF's or Word file's title, a page's <title>),
    # for a text that does not open with a heading (titles.py); "" if it says nothing.
    title: str = ""


def slug(source: str) -> str:
    """The name a text's paragraph links start with: "Über KI.md" -> "über-ki".

    Letters and digits of any script are kept, so German or Japanese file names stay apart.
    """
    return re.sub(r"[\W_]+", "-", source.rsplit(".", 1)[0].lower()).strip("-") or "text"


def texts_digest(texts: tuple[Text, ...]) -> str:
    """A hash over names and contents: the index is stale when it changes."""
    digest = hashlib.sha256()
    for text in texts:
        marks = "\n".join(
            f"{m.kind} {m.start} {m.end} {m.level} {m.pages} {m.sheet} {m.unit} {m.anchor}"
            for m in text.marks
        )
        for part in (text.source, text.content, *((marks,) if marks else ())):
            data = part.encode("utf-8")
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
    return digest.hexdigest()
