"""Find the passages that answer a question, and the sentences in them that matter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ._types import Matrix
    from .index import Index
    from .passages import Passage, Sentence

__all__ = ["Hit", "best_sentences", "search"]

# A second sentence is highlighted only when it scores almost as well as the best one.
_HIGHLIGHT_MARGIN = 0.05
_MAX_HIGHLIGHTS = 2


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    highlights: tuple[Sentence, ...]


def search(
    index: Index, query: Matrix, *, k: int, threshold: float, margin: float
) -> tuple[Hit, ...]:
    """Passages scoring at least `threshold` and within `margin` of the best, best first."""
    k = max(1, min(k, len(index.passages)))  # FAISS pads with -1 when k exceeds the count
    scores, rows = index.vectors.search(query, k)
    ranked = [(float(s), int(r)) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]
    if not ranked or ranked[0][0] < threshold:
        return ()
    floor = max(threshold, ranked[0][0] - margin)
    return tuple(
        Hit(index.passages[row], score, best_sentences(index, row, query))
        for score, row in ranked
        if score >= floor
    )


def best_sentences(index: Index, position: int, query: Matrix) -> tuple[Sentence, ...]:
    """The passage's sentences closest to the question, in reading order."""
    sentences = index.passages[position].sentences
    if not sentences:
        return ()
    scores = index.sentences_of(position) @ query[0]
    order = np.argsort(-scores, kind="stable")
    best = float(scores[order[0]])
    chosen = [int(i) for i in order[:_MAX_HIGHLIGHTS] if scores[i] >= best - _HIGHLIGHT_MARGIN]
    return tuple(sentences[i] for i in sorted(chosen))
