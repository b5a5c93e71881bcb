"""Follow-up questions: read a question that leans on the conversation in its context.

"Und bleibt Meta dabei?" after "Was hat Meta gemacht?" is asked together with the
question it continues; a question that stands alone ("Was kostet ein Modell?") is asked
as it is, whatever came before. A question leans on the conversation when it opens like a
continuation ("Und ...", "And ...") or refers back (sie, deren, dabei, it, they, that ...;
"das" where no noun follows it: "Warum ist das problematisch?").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..languages import LANGUAGES
from ..languages.words import content_words

__all__ = ["contextualize", "is_followup"]

_WORD = re.compile(r"[^\W\d_]+")
_OPENERS = frozenset().union(*(v.continuations for v in LANGUAGES.values()))
_BACK_REFERENCES = frozenset().union(*(v.back_references for v in LANGUAGES.values()))
_BACK_PHRASES = tuple(phrase for v in LANGUAGES.values() for phrase in v.back_phrases)
_BACK_WITHOUT_NOUN = frozenset().union(*(v.back_without_noun for v in LANGUAGES.values()))
# Follow-ups beyond this many words usually say what they mean on their own.
_MAX_FOLLOWUP_WORDS = 12


def is_followup(question: str) -> bool:
    found = _WORD.findall(question)
    # A capitalised word inside a question is a noun or a name ("die These") or the polite
    # "Sie" ("Können Sie mir sagen ..."), never a pronoun pointing back.
    words = [w.lower() for i, w in enumerate(found) if not (i > 0 and w[0].isupper())]
    if not words or len(found) > _MAX_FOLLOWUP_WORDS:
        return False
    lowered = question.lower()
    return (
        words[0] in _OPENERS
        or any(w in _BACK_REFERENCES for w in words)
        or any(phrase in lowered for phrase in _BACK_PHRASES)
        or _points_back_alone(question)
        or not content_words(question)  # "Warum?" can only mean the thread
    )


def _points_back_alone(question: str) -> bool:
    """A word such as "das" with no capitalised word (a noun) after it, and not opening
    a relative clause (", das aus npm stammt"): a pronoun pointing back."""
    for match in _WORD.finditer(question):
        word = match.group()
        if word.lower() not in _BACK_WITHOUT_NOUN:
            continue
        if match.start() > 0 and not word.islower():
            continue  # "Das" inside a question is a name or a title
        if question[: match.start()].rstrip().endswith(","):
            continue
        if not any(later[0].isupper() for later in _WORD.findall(question, match.end())):
            return True
    return False


def contextualize(question: str, history: Sequence[str]) -> str:
    """The text to search for: the question, preceded by the questions it continues."""
    if not history or not is_followup(question):
        return question
    context: list[str] = []
    for earlier in reversed(history):
        context.insert(0, earlier)
        if not is_followup(earlier):
            break  # the standalone question the thread started from
    return " ".join([*context, question])
