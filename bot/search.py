"""The one search that `ask()` serves and the evaluation measures.

A question (and the conversation before it) goes in; out comes every passage ranked, the
dense confidence, and the passages worth quoting. `ask()` adds the refusal threshold and
the wording; the evaluation reads the same record, so what is measured is what is served.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .answertype import expected_answer
from .conversation import contextualize
from .model import encode_query
from .question import require_content
from .retrieval import DEFAULT_WEIGHTS, Hit, Ranking, Weights, best_sentences, candidates, rank

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from ._types import Matrix
    from .index import Index

__all__ = ["Search", "quote_hits", "retrieve", "search_query"]


@dataclass(frozen=True)
class Search:
    """What one question found in one index."""

    query: Matrix  # the question's vector, mixed with its thread's for a follow-up
    ranking: Ranking
    # (position, fused score) of the passages worth quoting, before any threshold.
    quotable: tuple[tuple[int, float], ...]

    @property
    def confidence(self) -> float:
        return self.ranking.confidence


def search_query(
    model: SentenceTransformer, question: str, history: Sequence[str]
) -> tuple[Matrix, str]:
    """The vector and the words to search for `question`, asked after `history`.

    A follow-up is searched as itself and in its thread, half and half: the thread says
    what "deren" means, the question keeps its own subject ("Und bleibt Meta dabei?" after
    a question about Stability AI is still about Meta). A search that names nothing even
    with its thread ("Warum?" alone) is refused before anything is encoded.
    """
    text = contextualize(question, history)
    require_content(text)
    query = encode_query(model, text)
    if text != question:
        mixed = query + encode_query(model, question)
        query = (mixed / np.linalg.norm(mixed)).astype(np.float32)
    return query, text


def retrieve(
    index: Index,
    model: SentenceTransformer,
    question: str,
    history: Sequence[str] = (),
    *,
    k: int,
    margin: float,
    weights: Weights = DEFAULT_WEIGHTS,
) -> Search:
    """Rank every passage for a clean `question`; keep those worth quoting (at most `k`,
    within `margin` of the best, holding the kind of answer asked for)."""
    query, text = search_query(model, question, history)
    ranking = rank(index, query, text, weights)
    quotable = candidates(index, ranking, k=k, margin=margin, expected=expected_answer(question))
    return Search(query, ranking, quotable)


def quote_hits(index: Index, search: Search, threshold: float) -> tuple[Hit, ...]:
    """The passages to quote, with their sentences that matter; none when even the best
    passage scores below the threshold."""
    if search.confidence < threshold:
        return ()
    return tuple(
        Hit(index.passages[position], score, best_sentences(index, position, search.query))
        for position, score in search.quotable
    )
