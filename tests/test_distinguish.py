"""Which words of a question cannot tell the close passages apart, and what is left to ask."""

from __future__ import annotations

from bot.ingest.passages import Passage
from bot.search.distinguish import shared_words, without_words
from bot.search.scoring import Ranking, rerank


def _passage(text: str, headings: tuple[str, ...] = ()) -> Passage:
    return Passage("t.txt", 1, headings, text, 0, len(text), ())


SUED = _passage("Stability AI muss sich mit der Klage von Getty Images auseinandersetzen.")
OPENED = _passage("Stability AI hat Stable Diffusion als Open Source veröffentlicht.")


def test_a_name_every_close_passage_contains_is_shared() -> None:
    assert shared_words("Wer hat Stability AI verklagt?", [SUED, OPENED]) == ("Stability", "AI")


def test_inflected_words_and_headings_count_as_contained() -> None:
    canteen = _passage("Von 11:30 bis 14:00 Uhr.", headings=("Kantinen",))
    lunch = _passage("Die Kantine liegt in Halle C.")
    assert shared_words("Wann öffnet die Kantine?", [canteen, lunch]) == ("Kantine",)


def test_function_words_and_a_single_passage_share_nothing() -> None:
    assert shared_words("Wer hat es getan?", [SUED, OPENED]) == ()
    assert shared_words("Wer hat Stability AI verklagt?", [SUED]) == ()


def test_the_question_without_its_shared_words_asks_what_is_left() -> None:
    assert without_words("Wer hat Stability AI verklagt?", ("Stability", "AI")) == (
        "Wer hat verklagt?"
    )


def test_nothing_is_left_to_ask_without_a_content_word() -> None:
    assert without_words("Was ist Stability AI?", ("Stability", "AI")) is None
    assert without_words("Wer hat Stability AI verklagt?", ()) is None


def test_a_rerank_moves_only_the_fused_scores() -> None:
    ranking = Ranking(positions=(0, 1, 2), scores=(0.9, 0.89, 0.5), dense=(0.8, 0.85, 0.4))
    moved = rerank(ranking, {0: -0.02, 1: 0.0})
    assert moved.positions == (1, 0, 2)
    assert moved.scores == (0.89, 0.9 - 0.02, 0.5)
    assert moved.dense == (0.85, 0.8, 0.4)
    assert rerank(ranking, {}) is ranking
