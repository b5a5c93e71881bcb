"""The bot answers in the language it was asked in."""

from __future__ import annotations

import pytest

from bot.languages.guess import guess_language


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


def test_every_language_says_every_rejection_and_message() -> None:
    """A third language is one more module: it must say everything the others say."""
    from dataclasses import fields

    from bot.languages import LANGUAGES

    reasons = {name: set(v.rejections) for name, v in LANGUAGES.items()}
    assert len({frozenset(r) for r in reasons.values()}) == 1
    for vocabulary in LANGUAGES.values():
        for group in (vocabulary.messages, vocabulary.widget):
            assert all(getattr(group, f.name).strip() for f in fields(group))
