"""What the bot accepts as a question, and what it says about the rest."""

from __future__ import annotations

import pytest

from bot.errors import QuestionRejected
from bot.search.question import clean_question, require_content


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("x" * 1001, "1001 characters long; the limit is 1000"),
        ("Wer\x00hat", "control characters or binary data"),
        ("\x89PNG\r\n\x1a\n", "control characters or binary data"),
        ("abc\ufffd", "control characters or binary data"),
        ("Wer \udcff?", "control characters or binary data"),  # a byte the CLI could not decode
        ("?!? ...", "no words"),
        (b"bytes", "must be text"),
        (None, "must be text"),
    ],
)
def test_unaskable_questions_are_rejected_with_a_reason(raw: object, message: str) -> None:
    with pytest.raises(QuestionRejected, match=message):
        clean_question(raw, max_chars=1000)


def test_whitespace_is_collapsed_and_text_normalised() -> None:
    # "ü" as u + combining diaeresis becomes the single character the essay uses.
    assert clean_question("  Wer   hat\n Mu\u0308ller? ", max_chars=100) == "Wer hat Müller?"


def test_invisible_characters_that_split_words_are_removed() -> None:
    typed = "W\u200ber h\u00adat Sta\u2060bility AI verkl\ufeffagt?"
    assert clean_question(typed, max_chars=100) == "Wer hat Stability AI verklagt?"


@pytest.mark.parametrize("text", ["Wer?", "Warum?", "Und?", "Why?", "Was ist das?", "-x"])
def test_a_search_that_names_nothing_is_refused(text: str) -> None:
    with pytest.raises(QuestionRejected, match="does not say what it is about"):
        require_content(text)


@pytest.mark.parametrize("text", ["Stable Diffusion?", "KI?", "2023", "Was hat Meta gemacht?"])
def test_a_search_that_names_something_passes(text: str) -> None:
    require_content(text)


def test_a_question_at_the_limit_is_accepted() -> None:
    assert clean_question("x" * 100, max_chars=100) == "x" * 100
