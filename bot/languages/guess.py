"""Tell German from English, so the bot answers in the language it was asked in."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal, cast

from . import LANGUAGES

if TYPE_CHECKING:
    from collections.abc import Iterable


__all__ = ["Language", "guess_language", "texts_language"]

Language = Literal["de", "en"]

_WORD = re.compile(r"[^\W\d_]+")


def guess_language(text: str, *, default: Language = "de") -> Language:
    """The language whose function words (and own letters, "äöüß") the text uses most;
    ties go to `default` (the essay's language)."""
    words = [w.lower() for w in _WORD.findall(text)]
    lowered = text.lower()
    scores = {
        name: sum(w in v.function_words for w in words)
        + 2 * sum(lowered.count(letter) for letter in v.letters)
        for name, v in LANGUAGES.items()
    }
    best = max(scores.values())
    leaders = [name for name, score in scores.items() if score == best]
    return cast("Language", leaders[0]) if len(leaders) == 1 else default


def texts_language(contents: Iterable[str], sample: int = 20_000) -> Language:
    """The language texts are written in, from the first `sample` characters of each
    one's content: what a page showing them declares (`<html lang>`)."""
    return guess_language("\n".join(content[:sample] for content in contents))
