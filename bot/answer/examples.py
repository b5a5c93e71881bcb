"""Questions to offer a new reader: ones the text is shown to answer.

Candidates come from the text itself, never from a list written for one text: its
headings that are questions ("What is Debian?"), the questions its paragraphs raise, and
its headings as topics ("Was sagt der Text über „Arbeitszeit“?"). Each is put to `ask()`,
and only those it answers, from the passage they came from, are offered, one per passage,
in reading order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import QuestionRejected
from ..ingest.titles import title
from ..languages import LANGUAGES
from .ask import ask

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ..engine import Engine
    from ..ingest.passages import Passage

__all__ = ["example_questions"]

# Candidates tried at most: each costs one ask().
_TRIED = 12
_LONGEST = 90  # characters: an example is a short question, not a paragraph


def _candidates(
    passages: tuple[Passage, ...], language: str, titles: set[str]
) -> Iterator[tuple[str, Passage]]:
    about = LANGUAGES[language].widget.about
    # A text's title names the whole text, not a topic in it.
    seen: set[str] = set(titles)
    for passage in passages:
        section = passage.section
        if section and section not in seen:
            seen.add(section)
            if section.endswith("?"):
                yield section, passage
            else:
                yield about.format(topic=section), passage
        for sentence in passage.sentences:
            text = sentence.text.strip()
            if text.endswith("?") and len(text) <= _LONGEST and text not in seen:
                seen.add(text)
                yield text, passage


def example_questions(engine: Engine, language: str, count: int = 3) -> tuple[str, ...]:
    chosen: list[str] = []
    used: set[tuple[str, int]] = set()
    titles = {title(text) for text in engine.texts}
    candidates = _candidates(engine.index.passages, language, titles)
    for tried, (question, passage) in enumerate(candidates):
        if tried >= _TRIED or len(chosen) >= count:
            break
        where = (passage.source, passage.paragraph)
        if len(question) > _LONGEST or where in used:
            continue
        try:
            answer = ask(question, engine)
        except QuestionRejected:
            continue
        best = answer.passages[0] if answer.passages else None
        if answer.status == "answered" and best and (best.source, best.paragraph) == where:
            chosen.append(question)
            used.add(where)
    return tuple(chosen)
