"""What kind of answer a question asks for, and whether a passage can give it.

"Wann wurde Stability AI gegründet?" asks for a time; a passage with no date, year or
month in it cannot answer that, however close its topic. "Wie viele Parameter ...?" asks
for a quantity; a passage with no number cannot answer it. Retrieval scores measure
topic, not answers, so this check refuses near misses that the threshold lets through.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["AnswerType", "expected_answer", "gives_answer"]

AnswerType = Literal["time", "quantity"]

_ASKS_TIME = re.compile(
    r"(?i)^\W*(?:und\s+|and\s+)?(?:wann|seit wann|bis wann|in welchem jahr|"
    r"when|since when|in what year|what year|which year)\b"
)
_ASKS_QUANTITY = re.compile(
    r"(?i)^\W*(?:und\s+|and\s+)?(?:wie ?viele?|wie hoch|how many|how much)\b"
)
_MONTHS = (
    "januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|"
    "january|february|march|may|june|july|october|december"
)
_TIME = re.compile(
    rf"(?i)\b(?:1[5-9]\d\d|20\d\d|{_MONTHS}|\d{{1,2}}\.\d{{1,2}}\.|jahrhundert|jahrzehnt|"
    r"century|decade)\b"
)
# Numbers in digits or in words. Big numbers also inside German compounds ("Zehntausende",
# "Hunderten"); small ones only as whole lower-case words, since "Acht" (heed) and "ein"
# (a) are not numbers.
_BIG_NUMBER = re.compile(
    r"(?i)\d|\b\w*(?:hundert|tausend|million|milliard|dutzend|hundred|thousand|billion|dozen)"
)
_SMALL_NUMBERS = frozenset(
    (
        "zwei drei vier fünf sechs sieben acht neun zehn elf zwölf zwanzig dreißig vierzig "
        "fünfzig hälfte prozent two three four five six seven eight nine ten eleven twelve "
        "twenty thirty forty fifty half percent"
    ).split()
)
_WORD = re.compile(r"[^\W\d_]+")


def expected_answer(question: str) -> AnswerType | None:
    if _ASKS_TIME.search(question):
        return "time"
    if _ASKS_QUANTITY.search(question):
        return "quantity"
    return None


def gives_answer(text: str, expected: AnswerType | None) -> bool:
    """Whether `text` holds an answer of the expected kind (any text, if none is expected)."""
    if expected == "time":
        return bool(_TIME.search(text))
    if expected == "quantity":
        return bool(_BIG_NUMBER.search(text)) or any(
            word in _SMALL_NUMBERS for word in _WORD.findall(text)
        )
    return True
