"""Which sentences of a quoted passage are marked, on hand-made vectors."""

from __future__ import annotations

import math

import faiss
import numpy as np

from bot.ingest.passages import split_passages
from bot.ingest.texts import Text
from bot.languages.guess import Language
from bot.pipeline import manifest_for
from bot.search.answertype import AnswerType
from bot.search.scoring import best_sentences
from bot.store.index import Index

QUERY = np.array([[1.0, 0.0]], dtype=np.float32)


def _at(cosine: float) -> list[float]:
    """A unit vector whose cosine with the question is `cosine`."""
    return [cosine, math.sqrt(1 - cosine**2)]


def _index(text: Text, cosines: list[float], bare: list[float] | None = None) -> Index:
    """One passage whose sentence windows lie at the given cosines from the question, and
    its bare sentences at `bare` (the same, if not given): a seam for the marking logic
    only."""
    (passage,) = split_passages(text)
    assert len(passage.sentences) == len(cosines)
    windows = np.array([_at(c) for c in cosines], dtype=np.float32)
    sentences = windows if bare is None else np.array([_at(c) for c in bare], dtype=np.float32)
    flat = faiss.IndexFlatIP(2)
    flat.add(np.array([_at(max(cosines))], dtype=np.float32))
    manifest = manifest_for((text,), "hand-made")
    return Index(manifest, (passage,), flat, windows, sentences, (0, len(cosines)))


def _marked(
    index: Index, expected: AnswerType | None = None, language: Language | None = None
) -> list[str]:
    return [s.text for s in best_sentences(index, 0, QUERY, expected, language)]


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


def test_a_neighbour_close_only_through_the_answers_window_is_not_marked() -> None:
    text = Text(
        "n.txt",
        "Die Kantine öffnet um 11:30 Uhr und schließt um 14 Uhr. Das Essen ist dort günstig.",
    )
    # The two sentences share a window, so both windows are close to the question; by
    # itself the second sentence is far from it.
    index = _index(text, [0.805, 0.800], bare=[0.86, 0.80])
    assert _marked(index, language="de") == [
        "Die Kantine öffnet um 11:30 Uhr und schließt um 14 Uhr."
    ]
    # Asked in another language, a bare sentence's score says too little: both stay.
    assert len(_marked(index, language="en")) == 2
    # A neighbour close by itself too is marked.
    close = _index(text, [0.805, 0.800], bare=[0.86, 0.84])
    assert len(_marked(close, language="de")) == 2


def test_a_question_the_text_asks_is_never_marked_as_the_answer() -> None:
    text = Text(
        "q.txt",
        "Der Begriff ist relativ neu. Was ist also ein Stiftungsmodell? Einige definieren es "
        "anhand der Anzahl der Parameter.",
    )
    # The text's own question stands closest to the reader's, as it would.
    index = _index(text, [0.70, 0.95, 0.80])
    assert _marked(index) == ["Einige definieren es anhand der Anzahl der Parameter."]
    # A passage of questions alone answers nothing: nothing in it is marked.
    only = _index(Text("o.txt", "Was ist ein Modell? Wer baut es?"), [0.9, 0.8])
    assert _marked(only) == []
