"""Find the passages that answer a question, and the sentences in them that matter.

A passage is scored from three signals, each a plain cosine or BM25 number:
- the passage vector (with its section title),
- its best sentence window (a sentence read with its neighbours), which catches the one
  sentence that answers inside a long paragraph,
- BM25 over character 4-grams, a small bump for names, rare words and German compounds.
The passages close enough to quote are then ordered also by the question without the
words they all contain (`distinguish.py`, applied in `retrieve.py`).
Whether the text answers at all is judged on the dense score against what generic
questions reach on the same passage (`refusal.py`), and whether it answers or is merely
related on whether a passage holds the kind of answer asked for (`answertype.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..ingest.passages import introduction
from ..store.index import EXACT_UP_TO
from .answertype import AnswerType, gives_answer

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

    from .._types import Matrix
    from ..ingest.passages import Passage, Sentence
    from ..languages.guess import Language
    from ..store.index import Index

__all__ = [
    "DEFAULT_WEIGHTS",
    "Hit",
    "Ranking",
    "Weights",
    "best_sentences",
    "candidates",
    "closest_sentences",
    "dense_scores",
    "dense_scores_at",
    "nominated",
    "rank",
    "rerank",
]

# In a text above EXACT_UP_TO passages, how many passages each signal nominates for
# scoring in full.
NOMINATED = 100
# A second sentence is highlighted only when it scores almost as well as the best one.
_HIGHLIGHT_MARGIN = 0.02
_MAX_HIGHLIGHTS = 2
# ... and, for a question in its text's language, only when the sentence by itself (without
# its window) is almost as close as the best one by itself: a neighbour of the answer rides
# on the window they share. On every text's tuning and held-out halves this marked 0-6
# points fewer of a passage's sentences and missed no answering sentence more; across
# languages a bare sentence's score says too little, and the rule lost answers there.
_BARE_MARGIN = 0.05
# A sentence is judged mostly by its window (with its neighbours, "Das Unternehmen" knows
# who is meant) and a little by itself: on the tuning halves of all three texts this
# marked the answering sentence for 0.94 / 0.88 / 0.94 of the questions (essay,
# Developer's Reference, handbook), against 0.88 / 0.75 / 0.94 for an even mix.
_SENTENCE_SHARE = 0.2
# Cosine units for a sentence that holds the kind of answer asked for: on the tuning
# halves it lifted the share of answering sentences marked on the Developer's Reference
# from 0.88 to 0.97 (with lists marked whole), the essay and the handbook unchanged, and
# fewer sentences are marked (0.68 to 0.65 of a passage there, 0.66 to 0.56 on the
# handbook); 0.01 and 0.02 helped less, 0.05 no more.
_ANSWER_TYPE_BONUS = 0.03


@dataclass(frozen=True)
class Weights:
    """How the signals mix; chosen on the tuning halves of all three evaluation texts.

    A grid (window 0 to 1 by 0.25, lexical 0 to 0.08, BM25 on 4-grams, 5-grams or sentence
    windows) found nothing better on every text than these: less window weight and no
    BM25 lifts the Developer's Reference (R@1 0.56 to 0.62) but drops the essay (0.72 to
    0.64); docs/retrieval.md has the table.
    """

    # Share of the best sentence window in the dense score (0.5 lifted R@3 on the essay's
    # tuning half from 0.82 to 0.90 against the passage vector alone).
    window: float = 0.5
    # Cosine units added for the passage with the top BM25 score; e5's cosines for
    # on-topic passages sit within a few hundredths of each other, so this is a tie-breaker.
    lexical: float = 0.02
    # Share of the question-without-its-shared-words score in the order of the passages
    # close enough to quote (distinguish.py); 1 adds it as it is, 0 turns it off.
    distinguish: float = 1.0


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Ranking:
    """Every passage, best first, with the fused score and the dense score behind it."""

    positions: tuple[int, ...]
    scores: tuple[float, ...]
    dense: tuple[float, ...]

    @property
    def confidence(self) -> float:
        """How well the text answers at all: the best dense score."""
        return max(self.dense, default=-1.0)


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    highlights: tuple[Sentence, ...]


def dense_scores(index: Index, queries: Matrix, weights: Weights = DEFAULT_WEIGHTS) -> Matrix:
    """The dense score of every passage for each query, one row per query: the passage
    vector and its best sentence window, mixed by `weights.window`."""
    passage = queries @ index.passage_vectors.T
    windows = np.full_like(passage, -1.0)
    bounds = index.row_bounds
    filled = np.flatnonzero(np.diff(bounds) > 0)
    if filled.size:
        all_windows = queries @ index.window_vectors.T
        windows[:, filled] = np.maximum.reduceat(all_windows, bounds[filled], axis=1)
    return _mixed(passage, windows, weights)


def dense_scores_at(
    index: Index,
    query: Matrix,
    positions: Sequence[int] | npt.NDArray[np.int64],
    weights: Weights = DEFAULT_WEIGHTS,
) -> Matrix:
    """`dense_scores` of one query for the passages at `positions` alone: what a second
    look at a few passages, or a look at the likely few of a large text, costs."""
    at = np.asarray(positions, dtype=np.int64)
    passage = index.passage_vectors[at] @ query[0]
    starts, lengths = index.row_bounds[at], np.diff(index.row_bounds)[at]
    windows = np.full(len(at), -1.0, dtype=np.float32)
    filled = lengths > 0
    if filled.any():
        offsets = np.cumsum(lengths) - lengths
        rows = np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))
        scores = index.window_vectors[rows] @ query[0]
        windows[filled] = np.maximum.reduceat(scores, offsets[filled])
    return _mixed(passage, windows, weights)


def nominated(
    index: Index, query: Matrix, lexical: npt.NDArray[np.float32] | None
) -> npt.NDArray[np.int64]:
    """The passages worth scoring in a text too large to score every one: the nearest
    by passage vector, those holding the nearest windows, and the best by BM25."""
    count = min(NOMINATED, len(index.passages))
    _, by_passage = index.vectors.search(query, count)
    chosen = [by_passage[0]]
    if index.window_index is not None:
        _, windows = index.window_index.search(query, count)
        chosen.append(np.searchsorted(index.row_bounds, windows[0], side="right") - 1)
    if lexical is not None and count < len(lexical):
        chosen.append(np.argpartition(-lexical, count)[:count])
    found = np.unique(np.concatenate(chosen)).astype(np.int64)
    kept: npt.NDArray[np.int64] = found[(found >= 0) & (found < len(index.passages))]
    return kept


def _mixed(passage: Matrix, windows: Matrix, weights: Weights) -> Matrix:
    dense: Matrix = ((1 - weights.window) * passage + weights.window * windows).astype(np.float32)
    return dense


def rank(
    index: Index,
    query: Matrix,
    text: str,
    translated: Sequence[tuple[str, float]] = (),
    weights: Weights = DEFAULT_WEIGHTS,
) -> Ranking:
    """Score the passages for the question (`query` is its vector, `text` its words as
    they stand, `translated` its words in another language, weighted): every one, or in
    a text above EXACT_UP_TO passages the nominated few."""
    lexical = (
        index.lexical.scores(text, translated)
        if index.lexical is not None and weights.lexical
        else None
    )
    if len(index.passages) > EXACT_UP_TO:
        positions = nominated(index, query, lexical)
        dense = dense_scores_at(index, query, positions, weights)
    else:
        positions = np.arange(len(index.passages))
        dense = dense_scores(index, query, weights)[0]
    fused = dense.copy()
    if lexical is not None and lexical.max() > 0:
        fused += weights.lexical * lexical[positions] / lexical.max()
    order = np.argsort(-fused, kind="stable")
    return Ranking(
        tuple(positions[order].tolist()),
        tuple(fused[order].tolist()),
        tuple(dense[order].tolist()),
    )


def rerank(ranking: Ranking, shifts: dict[int, float]) -> Ranking:
    """The ranking with `shifts` (position: cosine units) added to those passages' fused
    scores, sorted again; the dense scores, which refusal reads, stay as they were."""
    if not shifts:
        return ranking
    rows = sorted(
        zip(ranking.positions, ranking.scores, ranking.dense, strict=True),
        key=lambda row: -(row[1] + shifts.get(row[0], 0.0)),
    )
    return Ranking(
        tuple(position for position, _, _ in rows),
        tuple(score + shifts.get(position, 0.0) for position, score, _ in rows),
        tuple(dense for _, _, dense in rows),
    )


def candidates(ranking: Ranking, *, k: int, margin: float) -> tuple[tuple[int, float], ...]:
    """(position, score) of the passages close enough to quote, whatever the threshold:
    at most k, none far below the best."""
    if not ranking.positions:
        return ()
    floor = ranking.scores[0] - margin
    return tuple(
        (position, score)
        for position, score in zip(ranking.positions[:k], ranking.scores[:k], strict=True)
        if score >= floor
    )


def best_sentences(
    index: Index,
    position: int,
    query: Matrix,
    expected: AnswerType | None = None,
    language: Language | None = None,
) -> tuple[Sentence, ...]:
    """The passage's sentences closest to the question, in reading order.

    A sentence scores by itself and by its window, so a sentence that only answers with
    its neighbour's subject ("Das Unternehmen muss ...") can still be the one marked. A
    sentence that holds the kind of answer asked for (`expected`: a time for "wann") is
    preferred; and a marked sentence that introduces a list brings its items, which are
    what it says ("Bitte bringen Sie Folgendes mit:"). `language` is the question's.
    """
    passage = index.passages[position]
    sentences = passage.sentences
    if not sentences:
        return ()
    scores = _sentence_scores(index, position, query)
    if expected is not None:
        gives = np.array([gives_answer(s.text, expected) for s in sentences])
        scores = scores + np.float32(_ANSWER_TYPE_BONUS) * gives.astype(np.float32)
    # A question the text asks is not its answer, however close it stands to the reader's.
    asks = np.array([s.asks for s in sentences])
    if asks.all():
        return ()
    scores = np.where(asks, -np.inf, scores).astype(np.float32)
    order = np.argsort(-scores, kind="stable")
    best = float(scores[order[0]])
    chosen = {int(i) for i in order[:_MAX_HIGHLIGHTS] if scores[i] >= best - _HIGHLIGHT_MARGIN}
    if len(chosen) > 1 and language == index.languages[position]:
        bare = index.sentences_of(position) @ query[0]
        first = int(order[0])
        chosen = {i for i in chosen if i == first or bare[i] >= bare[first] - _BARE_MARGIN}
    chosen |= {
        i
        for i in range(len(sentences))
        if (intro := introduction(passage, i)) is not None and sentences.index(intro) in chosen
    }
    return tuple(sentences[i] for i in sorted(chosen))


def closest_sentences(
    index: Index, position: int, query: Matrix, count: int
) -> tuple[Sentence, ...]:
    """The passage's `count` sentences closest to the question, in reading order: where
    an answer to it would stand, if the passage holds one."""
    sentences = index.passages[position].sentences
    if not sentences:
        return ()
    order = np.argsort(-_sentence_scores(index, position, query), kind="stable")
    return tuple(sentences[int(i)] for i in sorted(order[:count]))


def _sentence_scores(index: Index, position: int, query: Matrix) -> npt.NDArray[np.float32]:
    scores: npt.NDArray[np.float32] = _SENTENCE_SHARE * (
        index.sentences_of(position) @ query[0]
    ) + (1 - _SENTENCE_SHARE) * (index.windows_of(position) @ query[0])
    return scores
