"""Check a question before it reaches the model: people paste anything into a chat box."""

from __future__ import annotations

import re
import unicodedata

from .errors import QuestionRejected
from .lexical import content_words

__all__ = ["clean_question", "require_content"]

# Control characters, the replacement character and lone surrogates (undecodable bytes
# arrive as these through the CLI's surrogateescape) mean binary, not a question.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ud800-\udfff]")
_SPACE = re.compile(r"\s+")
# Invisible characters that split words without showing (zero-width space, word joiner,
# BOM, soft hyphen): "W\u200ber" is "Wer" to the person who typed it.
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff\u00ad]")
_WORDS = re.compile(r"[^\W\d_]+")


def clean_question(raw: object, *, max_chars: int) -> str:
    """The question as the model should see it, or QuestionRejected saying what to fix."""
    if not isinstance(raw, str):
        raise QuestionRejected("The question must be text.", "Die Frage muss Text sein.")
    if _CONTROL.search(raw):
        raise QuestionRejected(
            "The question contains control characters or binary data; type it as plain text.",
            "Die Frage enthält Steuerzeichen oder Binärdaten; bitte als einfachen Text eingeben.",
        )
    question = _SPACE.sub(" ", unicodedata.normalize("NFC", _INVISIBLE.sub("", raw))).strip()
    if not question:
        raise QuestionRejected(
            "The question is empty; type a question about the text.",
            "Die Frage ist leer; bitte eine Frage zum Text eingeben.",
        )
    if len(question) > max_chars:
        raise QuestionRejected(
            f"The question is {len(question)} characters long; the limit is {max_chars}. "
            "Ask something shorter.",
            f"Die Frage ist {len(question)} Zeichen lang; erlaubt sind {max_chars}. "
            "Bitte kürzer fragen.",
        )
    # Digits alone ("12345") name nothing either: a question needs a word.
    if not any(ch.isalpha() for ch in question):
        raise QuestionRejected(
            "The question has no words in it; type a question about the text.",
            "Die Frage enthält keine Wörter; bitte eine Frage zum Text eingeben.",
        )
    return question


def require_content(text: str) -> None:
    """Refuse a search that names nothing: "Warum?" or "Was ist das?" with no thread.

    Every word of such a question is a function word, so the closest passage is an
    accident; after an earlier question the same words are a follow-up and pass.
    """
    words = _WORDS.findall(text.lower())
    if len(words) >= 2 and len(set(words)) <= len(words) / 2:
        raise QuestionRejected(
            "The question repeats the same words; ask it once, in a sentence, e.g. "
            '"Who sued Stability AI?".',
            "Die Frage wiederholt dieselben Wörter; bitte einmal und als Satz fragen, z. B. "
            "„Wer hat Stability AI verklagt?“.",
        )
    if not content_words(text):
        raise QuestionRejected(
            "The question does not say what it is about; name the thing you want to know, "
            'e.g. "Who sued Stability AI?".',
            "Die Frage sagt nicht, worum es geht; bitte nennen, was Sie wissen möchten, "
            "z. B. „Wer hat Stability AI verklagt?“.",
        )
