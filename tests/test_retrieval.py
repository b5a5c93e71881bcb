"""Which passages are quoted: the threshold, the margin and k, on hand-made vectors."""

from __future__ import annotations

import faiss
import numpy as np

from bot.index import Index, manifest_for
from bot.passages import Passage, Sentence
from bot.retrieval import search
from bot.texts import Text


def _index(vectors: list[list[float]], sentences: list[list[list[float]]]) -> Index:
    """An index over unit vectors given by hand: a seam for pure retrieval logic only."""
    passages = []
    rows = [0]
    for number, sentence_vectors in enumerate(sentences, start=1):
        passages.append(
            Passage(
                "t.txt",
                number,
                None,
                "x",
                0,
                1,
                tuple(Sentence(f"s{number}.{i}", 0, 1) for i in range(len(sentence_vectors))),
            )
        )
        rows.append(rows[-1] + len(sentence_vectors))
    matrix = np.array(vectors, dtype=np.float32)
    flat = faiss.IndexFlatIP(matrix.shape[1])
    flat.add(matrix)
    sentence_matrix = np.array([v for group in sentences for v in group], dtype=np.float32)
    manifest = manifest_for((Text("t.txt", "x"),), "hand-made")
    return Index(manifest, tuple(passages), flat, sentence_matrix, tuple(rows))


def _unit(*values: float) -> list[float]:
    vector = np.array(values, dtype=np.float32)
    return list(vector / np.linalg.norm(vector))


INDEX = _index(
    [_unit(1, 0, 0), _unit(0.9, 0.1, 0), _unit(0, 1, 0)],
    [[_unit(1, 0, 0), _unit(0, 0, 1)], [_unit(0.9, 0.1, 0)], [_unit(0, 1, 0)]],
)


def _query(*values: float) -> np.ndarray:
    return np.array([_unit(*values)], dtype=np.float32)


def test_passages_below_the_threshold_are_not_quoted() -> None:
    assert search(INDEX, _query(0, 0, 1), k=3, threshold=0.5, margin=1.0) == ()


def test_passages_far_below_the_best_are_not_quoted() -> None:
    hits = search(INDEX, _query(1, 0, 0), k=3, threshold=0.0, margin=0.2)
    assert [h.passage.paragraph for h in hits] == [1, 2]
    assert hits[0].score >= hits[1].score


def test_k_larger_than_the_passage_count_is_clamped() -> None:
    hits = search(INDEX, _query(1, 1, 0), k=50, threshold=-1.0, margin=2.0)
    assert sorted(h.passage.paragraph for h in hits) == [1, 2, 3]


def test_the_best_matching_sentence_is_highlighted() -> None:
    (hit, *_) = search(INDEX, _query(1, 0, 0.1), k=1, threshold=0.0, margin=0.0)
    assert [s.text for s in hit.highlights] == ["s1.0"]
