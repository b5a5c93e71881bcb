"""Check a question before it reaches the model: people paste anything into a chat box."""

from __future__ import annotations

import re
import unicodedata

from ..errors import QuestionRejected
from ..languages.words import content_words

__all__ = ["UNSAFE", "clean_question", "require_content"]

# Control characters (C0 and C1: a terminal runs ESC and CSI sequences), the bidi
# overrides and isolates (they reorder what the owner's report shows), the replacement
# character and lone surrogates (undecodable bytes arrive as these through the CLI's
# surrogateescape) mean binary or a trick, not a question. Tab and line breaks pass.
UNSAFE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffd\ud800-\udfff]"
)
_SPACE = re.compile(r"\s+")
# Invisible characters that split words without showing (zero-width space, word joiner,
# BOM, soft hyphen, the direction marks): "W\u200ber" is "Wer" to the person who typed it.
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff\u00ad\u200e\u200f\u061c]")
_WORDS = re.compile(r"[^\W\d_]+")


def clean_question(raw: object, *, max_chars: int) -> str:
    """The question as the model should see it, or QuestionRejected saying what to fix."""
    if not isinstance(raw, str):
        raise QuestionRejected("not text")
    if UNSAFE.search(raw):
        raise QuestionRejected("binary")
    question = _SPACE.sub(" ", unicodedata.normalize("NFC", _INVISIBLE.sub("", raw))).strip()
    if not question:
        raise QuestionRejected("empty")
    if len(question) > max_chars:
        raise QuestionRejected("too long", length=len(question), limit=max_chars)
    # Digits alone ("12345") name nothing either: a question needs a word.
    if not any(ch.isalpha() for ch in question):
        raise QuestionRejected("no words")
    return question


def require_content(text: str) -> None:
    """Refuse a search that names nothing: "Warum?" or "Was ist das?" with no thread.

    Every word of such a question is a function word, so the closest passage is an
    accident; after an earlier question the same words are a follow-up and pass.
    """
    words = _WORDS.findall(text.lower())
    if len(words) >= 2 and len(set(words)) <= len(words) / 2:
        raise QuestionRejected("repeats")
    if not content_words(text):
        raise QuestionRejected("names nothing")
