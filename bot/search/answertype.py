"""What kind of answer a question asks for, and whether a passage can give it.

"Wann wurde Stability AI gegründet?" asks for a time; a passage with no date, clock time,
weekday or duration in it cannot answer that, however close its topic. "Wie viele ...?"
asks for a number, "was kostet" for a price, "wer" for a person or an organisation, "wo"
for a place. Retrieval scores measure topic, not answers, so this check tells a passage
that answers from one that is merely related. The words are each language's own
(`languages/`); a passage is read in its own language.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from ..languages import ANSWER_TYPES, LANGUAGES, AnswerType
from ..languages.guess import guess_language

__all__ = ["AnswerType", "expected_answer", "gives_answer"]

_CONTINUATIONS = "|".join(sorted(w for v in LANGUAGES.values() for w in v.continuations))
_LEAD = rf"^\W*(?:(?:{_CONTINUATIONS})\s+)?"


@cache
def _asks(answer_type: AnswerType) -> re.Pattern[str]:
    openings = "|".join(v.asks[answer_type] for v in LANGUAGES.values())
    return re.compile(rf"(?i){_LEAD}(?:{openings})\b")


@cache
def _gives(language: str, answer_type: AnswerType) -> tuple[re.Pattern[str], ...]:
    vocabulary = LANGUAGES[language]
    patterns = [re.compile(vocabulary.gives[answer_type], re.IGNORECASE)]
    if answer_type in vocabulary.gives_cased:
        patterns.append(re.compile(vocabulary.gives_cased[answer_type]))
    return tuple(patterns)


def expected_answer(question: str) -> AnswerType | None:
    """What the question's opening asks for; None when it does not say."""
    for answer_type in ANSWER_TYPES:
        if _asks(answer_type).search(question):
            return answer_type
    return None


@lru_cache(maxsize=1 << 16)
def gives_answer(text: str, expected: AnswerType | None) -> bool:
    """Whether `text` holds an answer of the expected kind (any text, if none is expected).

    Kept per sentence and kind: the same sentences of a text come up question after
    question, and their patterns cost a millisecond an answer."""
    if expected is None:
        return True
    return any(p.search(text) for p in _gives(guess_language(text), expected))
