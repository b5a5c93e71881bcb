"""Which words of a German or English text carry meaning, and how their forms are matched.

Shared by the lexical index the store keeps, the refusal ceilings and the search signals,
so "a content word" means the same everywhere.
"""

from __future__ import annotations

import re

from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_GERMAN

from . import LANGUAGES

__all__ = [
    "STOPWORDS",
    "WORD",
    "content_words",
    "has_function_words",
    "is_stopword",
    "letter_words",
    "word_start",
]

WORD = re.compile(r"\w+")

# Questions come in German and English; neither language's function words carry meaning.
STOPWORDS: tuple[str, ...] = tuple(sorted({*STOPWORDS_GERMAN, *STOPWORDS_EN}))
_STOPWORD_SET = frozenset(STOPWORDS)

# Question words and auxiliaries, which BM25's lists keep but which name no topic.
_QUESTION_WORDS = frozenset().union(*(v.question_words for v in LANGUAGES.values()))


def is_stopword(word: str) -> bool:
    """Whether a lower-case word is a German or English function word."""
    return word in _STOPWORD_SET


def content_words(text: str) -> list[str]:
    """The words that carry meaning: not German or English function or question words,
    not single letters; numbers count ("2023"). A capitalised word after the first is a
    German noun or a name ("die These", "einen anderen Weg"), whatever the lists say."""
    words = WORD.findall(text)
    return [
        w.lower()
        for i, w in enumerate(words)
        if len(w) > 1
        and ((i > 0 and w[0].isupper()) or w.lower() not in _STOPWORD_SET | _QUESTION_WORDS)
    ]


_LETTERS = re.compile(r"[^\W\d_]+")


def letter_words(text: str) -> list[str]:
    """The words of `text`, lower-case, letters only."""
    return _LETTERS.findall(text.lower())


def word_start(word: str) -> str:
    """Enough of a word to match its inflections and compounds' first part."""
    return word[:5]


def has_function_words(text: str) -> bool:
    """Whether the text has a German or English function or question word: whether it
    reads as a sentence of a language the bot knows, not as a string of keys."""
    return any(w.lower() in _STOPWORD_SET | _QUESTION_WORDS for w in WORD.findall(text))
