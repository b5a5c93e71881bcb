"""Which passages are quoted: ranking, the threshold, the margin and k, on hand-made vectors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np
import pytest

from bot import Engine, ask
from bot.ingest.passages import Passage, Sentence
from bot.ingest.texts import Text
from bot.pipeline import manifest_for
from bot.search.retrieve import Search, quote_hits
from bot.search.scoring import Hit, Weights, candidates, dense_scores, dense_scores_at, rank
from bot.store.index import Index
from bot.store.lexical import build_lexical


def _unit(*values: float) -> list[float]:
    vector = np.array(values, dtype=np.float32)
    return list(vector / np.linalg.norm(vector))


def _index(
    vectors: list[list[float]], sentences: list[list[list[float]]], words: list[str]
) -> Index:
    """An index over unit vectors given by hand: a seam for pure retrieval logic only."""
    passages = []
    rows = [0]
    for number, (sentence_vectors, text) in enumerate(zip(sentences, words, strict=True), 1):
        passages.append(
            Passage(
                "t.txt",
                number,
                (),
                text,
                0,
                len(text),
                tuple(Sentence(f"s{number}.{i}", 0, 1) for i in range(len(sentence_vectors))),
            )
        )
        rows.append(rows[-1] + len(sentence_vectors))
    matrix = np.array(vectors, dtype=np.float32)
    flat = faiss.IndexFlatIP(matrix.shape[1])
    flat.add(matrix)
    sentence_matrix = np.array([v for group in sentences for v in group], dtype=np.float32)
    manifest = manifest_for((Text("t.txt", "x"),), "hand-made")
    return Index(
        manifest,
        tuple(passages),
        flat,
        sentence_matrix,  # windows: the bare sentences suffice here
        sentence_matrix,
        tuple(rows),
        build_lexical(words),
    )


INDEX = _index(
    [_unit(1, 0, 0), _unit(0.9, 0.1, 0), _unit(0, 1, 0)],
    [[_unit(1, 0, 0), _unit(0, 0, 1)], [_unit(0.9, 0.1, 0)], [_unit(0, 1, 0)]],
    ["Katzen schlafen gern", "Hunde bellen laut", "Getty Images klagt"],
)
PLAIN = Weights(window=0.0, lexical=0.0)


def _query(*values: float) -> np.ndarray:
    return np.array([_unit(*values)], dtype=np.float32)


def test_every_passage_is_ranked_best_first() -> None:
    ranking = rank(INDEX, _query(1, 0, 0), "", weights=PLAIN)
    assert ranking.positions == (0, 1, 2)
    assert list(ranking.scores) == sorted(ranking.scores, reverse=True)


def select(query: np.ndarray, *, k: int, threshold: float, margin: float) -> tuple[Hit, ...]:
    """What ask() quotes, from the search it runs, on the hand-made index."""
    ranking = rank(INDEX, query, "", weights=PLAIN)
    nearest = candidates(ranking, k=k, margin=margin)
    search = Search(query, ranking, nearest, nearest, confidence=ranking.confidence)
    return quote_hits(INDEX, search, search.status(threshold))


def test_passages_below_the_threshold_are_not_quoted() -> None:
    assert select(_query(0, 0, 1), k=3, threshold=0.5, margin=1.0) == ()


def test_passages_far_below_the_best_are_not_quoted() -> None:
    query = _query(1, 0, 0)
    hits = select(query, k=3, threshold=0.0, margin=0.2)
    assert [h.passage.paragraph for h in hits] == [1, 2]


def test_at_most_k_passages_are_quoted() -> None:
    query = _query(1, 1, 0)
    hits = select(query, k=2, threshold=-1, margin=2)
    assert len(hits) == 2


def test_a_sentence_window_can_lift_a_passage() -> None:
    # Passage 1's vector points away from the query, but one of its sentences matches.
    query = _query(0.1, 0.3, 1)
    assert rank(INDEX, query, "", weights=PLAIN).positions[0] == 2
    assert rank(INDEX, query, "", weights=Weights(window=0.9, lexical=0.0)).positions[0] == 0


def test_a_shared_name_breaks_a_near_tie() -> None:
    query = _query(0.5, 0.5, 0)  # equally close to passages 2 and 3 by vectors
    plain = rank(INDEX, query, "Wer klagt, Getty Images?", weights=PLAIN)
    lexical = rank(
        INDEX, query, "Wer klagt, Getty Images?", weights=Weights(window=0.0, lexical=0.3)
    )
    assert lexical.positions[0] == 2
    # The refusal signal stays dense-only.
    assert dict(zip(lexical.positions, lexical.dense, strict=True)) == dict(
        zip(plain.positions, plain.dense, strict=True)
    )


def test_the_best_matching_sentence_is_highlighted() -> None:
    query = _query(1, 0, 0.1)
    (hit, *_) = select(query, k=1, threshold=0, margin=0)
    assert [s.text for s in hit.highlights] == ["s1.0"]


def test_scoring_a_few_passages_gives_their_scores_in_the_whole_ranking() -> None:
    query = np.array([_unit(0.7, 0.3, 0.1)], dtype=np.float32)
    whole = dense_scores(INDEX, query, Weights(window=0.5))[0]
    some = dense_scores_at(INDEX, query, [2, 0], Weights(window=0.5))
    np.testing.assert_allclose(some, whole[[2, 0]], rtol=0, atol=1e-6)


def test_a_text_too_large_to_score_whole_finds_the_same_passages_through_hnsw(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Above EXACT_UP_TO passages, HNSW graphs nominate the passages scored in full; made
    to apply to the essay's 8, the answers are the exact index's, and it is saved and
    read back as such."""
    from bot import pipeline
    from bot.search import scoring as retrieval
    from bot.store import index as index_module
    from bot.store import storage

    for module in (index_module, retrieval, storage, pipeline):
        monkeypatch.setattr(module, "EXACT_UP_TO", 4)
    monkeypatch.setattr(retrieval, "NOMINATED", 3)
    pipeline.build_and_save(engine.texts, engine.model, tmp_path)
    large = pipeline.load_current(engine.texts, engine.model, tmp_path)
    assert isinstance(large.vectors, faiss.IndexHNSWFlat) and large.window_index is not None
    large_engine = replace(engine, index=large)
    for question in (
        "Was ist ein Grundlagenmodell?",
        "Who released Stable Diffusion as open source?",
    ):
        exact, approximate = ask(question, engine), ask(question, large_engine)
        assert approximate.status == exact.status == "answered"
        first, expected = approximate.passages[0], exact.passages[0]
        assert (first.paragraph, first.highlights) == (expected.paragraph, expected.highlights)
        assert first.score == pytest.approx(expected.score, abs=1e-5)
        ranked = rank(large, engine.model.encode_queries([question]), question)
        assert 3 <= len(ranked.positions) < len(large.passages)  # nominated, not all
