"""Telling close passages apart by the words of the question they do not all share.

"Wer hat Stability AI verklagt?" comes close to every paragraph that names Stability AI;
e5 hears the name loudest, so the paragraph that names it most wins, not the one with the
lawsuit. Among the passages close enough to quote, a word of the question that every one
of them contains cannot decide between them. The question without those words ("Wer hat
verklagt?") asks what is left to decide, and its scores order the close passages.

On the tuning halves (R@1 / R@3) this lifted the essay from 0.72/0.90 to 0.74/0.90 and the
Developer's Reference from 0.59/0.75 to 0.62/0.78, and left the handbook at 0.91/0.97;
docs/retrieval.md has the variants and the held-out figures.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..languages.words import content_words, letter_words, word_start

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..ingest.passages import Passage

__all__ = ["shared_words", "without_words"]

_WORD = re.compile(r"[^\W\d_]+")


def _starts(passage: Passage) -> frozenset[str]:
    words = letter_words(" ".join((*passage.headings, passage.text)))
    return frozenset(word_start(w) for w in words)


def shared_words(question: str, passages: Sequence[Passage]) -> tuple[str, ...]:
    """The question's content words that every one of `passages` contains (inflected or
    as a compound's first part: words are compared by their first five letters)."""
    if len(passages) < 2:
        return ()
    meaningful = set(content_words(question))
    starts = [_starts(p) for p in passages]
    return tuple(
        word
        for word in _WORD.findall(question)
        if word.lower() in meaningful and all(word_start(word.lower()) in s for s in starts)
    )


def without_words(question: str, words: Sequence[str]) -> str | None:
    """The question with `words` taken out; None if nothing would be left to ask (no word
    removed, or no content word remaining)."""
    if not words:
        return None
    rest = question
    for word in words:
        rest = re.sub(rf"\b{re.escape(word)}\b", " ", rest)
    rest = re.sub(r"\s+", " ", rest).strip()
    return rest if content_words(rest) else None
