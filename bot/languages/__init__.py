"""Everything the bot knows about a language, one module per language.

A rule that reads words (which question asks for a time, which words give a time, what
the bot says back) reads them from here, so it is changed once, and a third language is
one more module beside `de.py` and `en.py`.
"""

from __future__ import annotations

from types import MappingProxyType

from . import de, en
from .vocabulary import AnswerType, Vocabulary

__all__ = ["ANSWER_TYPES", "LANGUAGES", "AnswerType", "Vocabulary"]

LANGUAGES: MappingProxyType[str, Vocabulary] = MappingProxyType(
    {"de": de.VOCABULARY, "en": en.VOCABULARY}
)
# In the order a question's opening is tried: "um wie viel Uhr" asks for a time, not a
# quantity, and "how much does it cost" for a price.
ANSWER_TYPES: tuple[AnswerType, ...] = ("time", "price", "quantity", "person", "place")
