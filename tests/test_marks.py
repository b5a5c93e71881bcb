"""Which sentences of a quoted passage are marked, on hand-made vectors."""

from __future__ import annotations

import math

import faiss
import numpy as np

from bot.ingest.passages import split_passages
from bot.ingest.texts import Text
from bot.pipeline import manifest_for
from bot.search.answertype import AnswerType
from bot.search.scoring import best_sentences
from bot.store.index import Index

QUERY = np.array([[1.0, 0.0]], dtype=np.float32)


def _at(cosine: float) -> list[float]:
    """A unit vector whose cosine with the question is `cosine`."""
    return [cosine, math.sqrt(1 - cosine**2)]


def _index(text: Text, cosines: list[float]) -> Index:
    """One passage whose sentences lie at the given cosines from the question: a seam for
    the marking logic only."""
    (passage,) = split_passages(text)
    assert len(passage.sentences) == len(cosines)
    sentences = np.array([_at(c) for c in cosines], dtype=np.float32)
    flat = faiss.IndexFlatIP(2)
    flat.add(np.array([_at(max(cosines))], dtype=np.float32))
    manifest = manifest_for((text,), "hand-made")
    return Index(manifest, (passage,), flat, sentences, sentences, (0, len(cosines)))


def _marked(index: Index, expected: AnswerType | None = None) -> list[str]:
    return [s.text for s in best_sentences(index, 0, QUERY, expected)]


def test_a_sentence_with_the_kind_of_answer_asked_for_is_preferred() -> None:
    text = Text("k.txt", "Die Kantine ist bei allen beliebt. Sie öffnet um 11:30 Uhr.")
    index = _index(text, [0.805, 0.800])
    # Both are close to the question; asked "wann", only the one with a time is marked.
    assert _marked(index) == ["Die Kantine ist bei allen beliebt.", "Sie öffnet um 11:30 Uhr."]
    assert _marked(index, "time") == ["Sie öffnet um 11:30 Uhr."]


def test_a_marked_introduction_brings_the_items_of_its_list() -> None:
    text = Text(
        "l.md",
        "Am ersten Tag melden Sie sich am Empfang. Bitte bringen Sie Folgendes mit:\n"
        "- Ihren Personalausweis\n- Ihre Bankverbindung",
    )
    index = _index(text, [0.5, 0.9, 0.3, 0.2])
    assert _marked(index) == [
        "Bitte bringen Sie Folgendes mit:",
        "- Ihren Personalausweis",
        "- Ihre Bankverbindung",
    ]
