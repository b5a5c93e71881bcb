"""The bot answers in the language it was asked in."""

from __future__ import annotations

import pytest

from bot.language import guess_language


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Wer hat Stability AI verklagt?", "de"),
        ("Was ist ein Grundlagenmodell?", "de"),
        ("Wie backe ich einen Apfelkuchen?", "de"),
        ("Who sued Stability AI?", "en"),
        ("What is the capital of France?", "en"),
        ("How much does it cost to build a foundation model?", "en"),
        ("When was LLaMA released?", "en"),  # "was" is English too
        ("Who was sued?", "en"),
        ("Was hat Meta gemacht?", "de"),
        ("Was will Meta erreichen?", "de"),  # "will" is German too
        ("Stability AI", "de"),  # no clue either way: the essay's language
    ],
)
def test_language_is_guessed_from_function_words(question: str, language: str) -> None:
    assert guess_language(question) == language
