"""The one `ask()`: a question in, the text's own words out.

The CLI, the HTTP API and the chat all call it, so all three answer alike.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, cast

from ..errors import QuestionRejected
from ..ingest.titles import title
from ..languages import LANGUAGES
from ..languages.guess import Language, guess_language
from ..search.question import clean_question
from ..search.retrieve import Status, quote_hits, retrieve
from .markdown import anchor, original, quote_markdown

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["Answer", "Quote", "ask"]


@dataclass(frozen=True)
class Quote:
    """One quoted passage; `text` is verbatim and each highlight a substring of it."""

    source: str
    # What the text is called (its heading, else its file name made readable).
    title: str
    paragraph: int
    section: str | None
    text: str
    score: float
    highlights: tuple[str, ...]
    # The id of the paragraph in the full text at /, so a client links there without
    # having to know how ids are made.
    anchor: str
    # Where it stands in a paged document, as printed: "12", or "12-13" when it runs over
    # a page break; None for a text without pages.
    page: str | None = None
    # The slide of a presentation it stands on ("7"); None for other texts.
    slide: str | None = None
    # Where the original opens at the quote, relative to the bot ("files/Handbuch.pdf#page=12");
    # None where the full text at / (`anchor`) is the place.
    opens: str | None = None


@dataclass(frozen=True)
class Answer:
    question: str
    # The question's language, which every word around the quotes follows (the message,
    # the labels; a client's own words too, e.g. the widget's copy button).
    language: Language
    found: bool
    # How sure: "answered", "related" (on the topic, without what was asked), "silent".
    status: Status
    message: str
    passages: tuple[Quote, ...]
    markdown: str

    def to_json(self) -> dict[str, Any]:
        """The wire format of the CLI's --json and of POST /api/ask: plain JSON types."""
        return cast("dict[str, Any]", json.loads(json.dumps(asdict(self), ensure_ascii=False)))


def ask(question: str, engine: Engine, history: Sequence[str] = ()) -> Answer:
    """Quote the passages that answer `question`, or say plainly that the text is silent.

    `history` holds the earlier questions of the conversation, oldest first; a follow-up
    that leans on them is searched together with the question it continues.
    """
    settings = engine.settings
    question = clean_question(question, max_chars=settings.max_question_chars)
    earlier = _clean_history(history, settings.max_history, settings.max_question_chars)
    search = retrieve(
        engine.index,
        engine.model,
        question,
        earlier,
        k=settings.max_quotes,
        margin=settings.margin,
        dictionary=engine.dictionary,
    )
    status = search.status(engine.threshold)
    hits = quote_hits(engine.index, search, status)
    language = guess_language(question)
    words = LANGUAGES[language].messages
    message = words.says(status)
    titles = {text.source: title(text) for text in engine.texts}
    quotes = tuple(
        Quote(
            source=hit.passage.source,
            title=titles.get(hit.passage.source, hit.passage.source),
            paragraph=hit.passage.paragraph,
            section=hit.passage.section,
            text=hit.passage.text,
            score=round(hit.score, 4),
            highlights=tuple(s.text for s in hit.highlights),
            anchor=anchor(hit.passage.source, hit.passage.paragraph),
            page="-".join(hit.passage.pages) or None if hit.passage.unit == "page" else None,
            slide="-".join(hit.passage.pages) or None if hit.passage.unit == "slide" else None,
            opens=original(hit.passage.source, hit.passage.sheet, hit.passage.anchor),
        )
        for hit in hits
    )
    markdown = quote_markdown(
        message,
        tuple((hit.passage, hit.highlights) for hit in hits),
        paragraph_label=words.paragraph,
        page_label=words.page,
        slide_label=words.slide,
        titles=titles,
    )
    return Answer(question, language, bool(hits), status, message, quotes, markdown)


def _clean_history(history: Sequence[str], keep: int, max_chars: int) -> tuple[str, ...]:
    """The last `keep` earlier questions that are questions at all.

    An earlier question that was rejected ("???") stays in a chat's history; it must not
    block every later one, so it is left out here rather than refused.
    """
    if isinstance(history, str) or not isinstance(history, Sequence):
        raise QuestionRejected("history")
    cleaned = []
    for earlier in history:
        try:
            cleaned.append(clean_question(earlier, max_chars=max_chars))
        except QuestionRejected:
            continue
    return tuple(cleaned[-keep:]) if keep else ()
