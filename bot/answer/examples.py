"""Questions to offer a new reader: ones the text is shown to answer.

Candidates come from the text itself, never from a list written for one text: its
headings that are questions ("What is Debian?"), the questions its paragraphs raise, and
its headings as topics ("Was sagt der Text über „Arbeitszeit“?"). Each is put to `ask()`,
and only those it answers from where the text answers them are offered, one per passage,
in reading order: a heading from a passage under it; a question a paragraph raises from
what follows the question, the rest of that paragraph or, when the question closes it,
the next one. ("Was ist also ein Stiftungsmodell?" closes the essay's first paragraph and
is answered by the second; the bot quotes the first, whose question matches itself, so it
is not offered.)
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
    from .ask import Quote

__all__ = ["example_questions"]

# A passage by its text and paragraph number, as a quote names it too.
_Where = tuple[str, int]

# Candidates tried at most: each costs one ask().
_TRIED = 12
_LONGEST = 90  # characters: an example is a short question, not a paragraph


def _candidates(
    passages: tuple[Passage, ...], language: str, titles: set[str]
) -> Iterator[tuple[str, frozenset[_Where]]]:
    """(question, the passages that answer it in the text)."""
    about = LANGUAGES[language].widget.about
    # A text's title names the whole text, not a topic in it.
    seen: set[str] = set(titles)
    for number, passage in enumerate(passages):
        section = passage.section
        if section and section not in seen:
            seen.add(section)
            under = frozenset(
                _where(p)
                for p in passages
                if p.source == passage.source and p.headings == passage.headings
            )
            yield (section if section.endswith("?") else about.format(topic=section)), under
        following = passages[number + 1 : number + 2]
        for sentence in passage.sentences:
            text = sentence.text.strip()
            if text.endswith("?") and len(text) <= _LONGEST and text not in seen:
                seen.add(text)
                if sentence is not passage.sentences[-1]:
                    yield text, frozenset({_where(passage)})
                elif following and following[0].source == passage.source:
                    yield text, frozenset({_where(following[0])})


def _where(passage: Passage | Quote) -> _Where:
    return passage.source, passage.paragraph


def example_questions(engine: Engine, language: str, count: int = 3) -> tuple[str, ...]:
    chosen: list[str] = []
    used: set[_Where] = set()
    titles = {title(text) for text in engine.texts}
    candidates = _candidates(engine.index.passages, language, titles)
    for tried, (question, answering) in enumerate(candidates):
        if tried >= _TRIED or len(chosen) >= count:
            break
        if len(question) > _LONGEST or answering <= used:
            continue
        try:
            answer = ask(question, engine)
        except QuestionRejected:
            continue
        best = _where(answer.passages[0]) if answer.passages else None
        if answer.status == "answered" and best in answering and best not in used:
            chosen.append(question)
            used.add(best)
    return tuple(chosen)
