"""The one search that `ask()` serves and the evaluation measures.

A question (and the conversation before it) goes in; out comes every passage ranked, the
dense confidence, and the passages worth quoting. `ask()` adds the refusal threshold and
the wording; the evaluation reads the same record, so what is measured is what is served.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..languages.guess import Language, guess_language
from .answertype import AnswerType, expected_answer, gives_answer
from .conversation import contextualize
from .distinguish import shared_words, without_words
from .question import require_content
from .refusal import margin_over_bank, nothing_to_go_on, without_the_text
from .scoring import (
    DEFAULT_WEIGHTS,
    Hit,
    Ranking,
    Weights,
    best_sentences,
    candidates,
    closest_sentences,
    dense_scores_at,
    rank,
    rerank,
)

if TYPE_CHECKING:
    from .._types import Matrix
    from ..embed.embedder import Embedder
    from ..languages.dictionary import Dictionary
    from ..store.index import Index

__all__ = ["Search", "Status", "quote_hits", "retrieve", "search_query"]

# An answer stands among the sentences closest to the question: the three closest judged
# near misses better than the whole passage on the essay's tuning half, and as well on
# the other texts (one or two sentences missed answers).
EVIDENCE_SENTENCES = 3

# "answered": a passage gives what was asked; "related": passages on the topic, none of
# which gives the kind of answer asked for (a date the text never names); "silent":
# nothing in the text comes close.
Status = Literal["answered", "related", "silent"]


@dataclass(frozen=True)
class Search:
    """What one question found in one index."""

    query: Matrix  # the question's vector, mixed with its thread's for a follow-up
    ranking: Ranking
    # (position, fused score) of the passages close enough to quote, before any threshold.
    nearest: tuple[tuple[int, float], ...]
    # Those of them that hold the kind of answer asked for (all, when the question's
    # wording asks for no kind).
    answering: tuple[tuple[int, float], ...]
    # How far the question beats the generic questions on its best passage (refusal.py):
    # below the threshold (0 by default), the text is silent.
    confidence: float = 0.0
    # The kind of answer the question asks for, if its wording says.
    expected: AnswerType | None = None
    # The language the question is asked in.
    language: Language = "de"

    def status(self, threshold: float) -> Status:
        if self.confidence < threshold or not self.nearest:
            return "silent"
        return "answered" if self.answering else "related"


def _answering(
    index: Index,
    nearest: tuple[tuple[int, float], ...],
    query: Matrix,
    expected: AnswerType | None,
) -> tuple[tuple[int, float], ...]:
    """The nearest passages that hold the kind of answer asked for, in the sentences
    closest to the question (a long passage holds a number somewhere; the answer to "how
    many" stands where the question's topic does)."""
    if expected is None:
        return nearest
    return tuple(
        (position, score)
        for position, score in nearest
        if gives_answer(
            " ".join(s.text for s in closest_sentences(index, position, query, EVIDENCE_SENTENCES)),
            expected,
        )
    )


def search_query(model: Embedder, question: str, history: Sequence[str]) -> tuple[Matrix, str]:
    """The vector and the words to search for `question`, asked after `history`.

    A follow-up is searched as itself and in its thread, half and half: the thread says
    what "deren" means, the question keeps its own subject ("Und bleibt Meta dabei?" after
    a question about Stability AI is still about Meta). A search that names nothing even
    with its thread ("Warum?" alone) is refused before anything is encoded.
    """
    text = contextualize(question, history)
    require_content(text)
    query = model.encode_queries([text])
    if text != question:
        mixed = query + model.encode_queries([question])
        query = (mixed / np.linalg.norm(mixed)).astype(np.float32)
    return query, text


def _told_apart(
    index: Index,
    model: Embedder,
    question: str,
    ranking: Ranking,
    nearest: tuple[tuple[int, float], ...],
    weights: Weights,
) -> Ranking:
    """The ranking with the nearest passages ordered also by the question without the
    words they all contain (distinguish.py); as it was when there are none."""
    positions = [position for position, _ in nearest]
    words = shared_words(question, [index.passages[p] for p in positions])
    rest = without_words(question, words)
    if rest is None:
        return ranking
    scores = dense_scores_at(index, model.encode_queries([rest]), positions, weights)
    shifts = weights.distinguish * (scores - scores.max())
    return rerank(ranking, {p: float(s) for p, s in zip(positions, shifts, strict=True)})


def _words_to_match(
    index: Index, dictionary: Dictionary | None, text: str, language: Language
) -> tuple[str, tuple[tuple[str, float], ...]]:
    """The question's words for the lexical signal: as they stand, and carried into the
    other language when some text is in it.

    Where every text is in the other language, the words as they stand are left out
    (but for those the dictionary does not know, names and commands): an English word's
    n-grams only meet German ones by chance. On the English questions of every evaluation
    text but the essay, this put more answers first (docs/retrieval.md)."""
    if dictionary is None or index.text_languages <= {language}:
        return text, ()
    carried = dictionary.carry(text, language)
    return ("" if language not in index.text_languages else text), carried


def _confidence(
    index: Index,
    model: Embedder,
    question: str,
    history: Sequence[str],
    ranking: Ranking,
    language: Language,
    weights: Weights,
) -> float:
    """How far the question beats the generic questions (refusal.py): as asked, or, for a
    question about what the text names, by its subject alone, whichever is more."""
    confidence = margin_over_bank(index, ranking, language)
    if (subject := without_the_text(question, language)) is not None:
        subject_query, _ = search_query(model, subject, history)
        subject_ranking = rank(index, subject_query, "", weights=weights)
        confidence = max(confidence, margin_over_bank(index, subject_ranking, language))
    return confidence


def retrieve(
    index: Index,
    model: Embedder,
    question: str,
    history: Sequence[str] = (),
    *,
    k: int,
    margin: float,
    weights: Weights = DEFAULT_WEIGHTS,
    dictionary: Dictionary | None = None,
) -> Search:
    """Rank every passage for a clean `question`; keep the nearest (at most `k`, within
    `margin` of the best). With a `dictionary`, a question in another language than some
    of the texts is matched by its words' translations too."""
    query, text = search_query(model, question, history)
    language = guess_language(question)
    ranking = rank(index, query, *_words_to_match(index, dictionary, text, language), weights)
    nearest = candidates(ranking, k=k, margin=margin)
    if weights.distinguish and len(nearest) > 1:
        # The same passages are worth quoting; only their order changes.
        ranking = _told_apart(index, model, question, ranking, nearest, weights)
        chosen = {position for position, _ in nearest}
        ranked = zip(ranking.positions, ranking.scores, strict=True)
        nearest = tuple((position, score) for position, score in ranked if position in chosen)
    confidence = _confidence(index, model, question, history, ranking, language, weights)
    if nothing_to_go_on(index, text):
        confidence = -1.0
    expected = expected_answer(question)
    answering = _answering(index, nearest, query, expected)
    return Search(query, ranking, nearest, answering, confidence, expected, language)


def quote_hits(index: Index, search: Search, status: Status) -> tuple[Hit, ...]:
    """The passages to quote, with their sentences that matter.

    An answer quotes the passages that give what was asked; a related answer the nearest
    ones, so the reader sees what the text does say; silence quotes nothing.
    """
    if status == "silent":
        return ()
    chosen = search.answering if status == "answered" else search.nearest
    return tuple(
        Hit(
            index.passages[position],
            score,
            best_sentences(index, position, search.query, search.expected, search.language),
        )
        for position, score in chosen
    )
