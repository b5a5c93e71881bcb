"""When the text is silent: each index's own ceiling, measured when it is built.

e5's cosines are compressed: on-topic and off-topic questions score within a few
hundredths of each other, and where they sit depends on the text (an everyday handbook
draws "Wie wird das Wetter morgen?" closer than an essay on AI does). A constant threshold
fitted on one text therefore fails on the next. Instead, a bank of generic questions that
no text of any kind answers (weather, time of day, recipes, sports, small talk, help with
a phone; German and English, `data/offtopic_questions.txt`) is scored against every
passage when the index is built. A passage's ceiling is the best score any of them
reaches there, per language, since a question asked in English scores lower on a German
text. A question is answered only if it beats the ceiling of some passage: it must be
closer to that passage than any generic question gets. Strings of no language that
share no word with the text are silent too.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

import numpy as np

from ..languages import LANGUAGES
from ..languages.guess import Language, guess_language
from ..languages.words import content_words, has_function_words, letter_words, word_start
from ..store.index import CEILING_ROWS
from .scoring import DEFAULT_WEIGHTS, Ranking, Weights, dense_scores

if TYPE_CHECKING:
    from .._types import Matrix
    from ..embed.embedder import Embedder
    from ..store.index import Index

__all__ = [
    "bank",
    "bank_digest",
    "ceilings",
    "margin_over_bank",
    "nothing_to_go_on",
    "without_the_text",
]

# A question encoded alone and the same question encoded in a batch differ in the last
# bits; a generic question asked word for word must not beat itself.
_NOISE = 1e-4
# Bank questions scored against every window at once when a build measures its ceilings.
_AT_ONCE = 16


@cache
def _bank_text() -> str:
    return files("bot").joinpath("data/offtopic_questions.txt").read_text(encoding="utf-8")


def bank() -> tuple[str, ...]:
    """The generic questions, without the file's comments."""
    lines = (line.strip() for line in _bank_text().splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def bank_digest() -> str:
    """Part of an index's identity: a changed bank makes every index stale."""
    return hashlib.sha256(_bank_text().encode("utf-8")).hexdigest()


def ceilings(index: Index, model: Embedder, weights: Weights = DEFAULT_WEIGHTS) -> Matrix:
    """The best dense score any bank question of each language reaches on each passage:
    one row per language of `CEILING_ROWS`, one column per passage."""
    questions = bank()
    queries = model.encode_queries(questions)
    # A few questions at a time: all of them against a shelf's windows at once would be
    # a matrix of hundreds of megabytes.
    scores = np.concatenate(
        [
            dense_scores(index, queries[start : start + _AT_ONCE], weights)
            for start in range(0, len(queries), _AT_ONCE)
        ]
    )
    languages = np.array([guess_language(q) for q in questions])
    rows = []
    for language in CEILING_ROWS:
        mine = scores[languages == language]
        rows.append(mine.max(axis=0) if len(mine) else scores.max(axis=0))
    result: Matrix = np.stack(rows).astype(np.float32)
    return result


def margin_over_bank(index: Index, ranking: Ranking, language: Language) -> float:
    """How far the question beats the generic questions on its best passage for it
    (negative: every passage is as close to some generic question). An index without
    ceilings (made by hand, in a test) has none to beat: the best dense score itself."""
    if not ranking.positions:
        return -1.0
    dense = np.asarray(ranking.dense, dtype=np.float32)
    if index.ceilings is None:
        return float(dense.max())
    row = index.ceilings[CEILING_ROWS.index(language)]
    return float((dense - row[np.asarray(ranking.positions)]).max()) - _NOISE


def nothing_to_go_on(index: Index, text: str) -> bool:
    """Keys pressed at random ("asdf qwer zxcv", "lorem ipsum"): no word of a language the
    bot knows, and no word the text shares. Such strings land anywhere in the vector
    space, often above every generic question on some passage of a long technical text."""
    if has_function_words(text):
        return False
    words = letter_words(text)
    return not any(word_start(w) in index.word_starts for w in words if len(w) > 2)


@cache
def _about_the_text(
    language: Language,
) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    words = LANGUAGES[language]
    about = rf"(?:{words.about_the_text})|(?:{words.naming})"
    return (
        re.compile(about, re.I),
        re.compile(words.naming, re.I),
        re.compile(rf"(?:{about}|\s)+$", re.I),
    )


def without_the_text(question: str, language: Language) -> str | None:
    """The question without its words about the text itself, asked as what there is:
    "Welche Unternehmen werden im Text genannt?" -> "Welche Unternehmen gibt es?"; None
    when it has no such words, or nothing with meaning is left.

    To e5, "werden im Text genannt" and "does the author mention" are as generic as small
    talk: on the essay, "Welche Unternehmen werden im Text genannt?" stayed below the
    ceiling that "Hallo, wie geht's?" sets on the paragraph naming the companies (-0.011),
    while "Welche Unternehmen gibt es?" clears it (+0.030) and "Welche Planeten gibt es?"
    does not (-0.002). (The bare "Welche Planeten?" did, by 0.004: two words land near
    everything, so the subject is asked in a whole question.) Whether the text answers is a
    question about its subject, so the subject is measured against the generic questions.
    """
    about, naming, at_the_end = _about_the_text(language)
    words = LANGUAGES[language]
    body = question.rstrip("?.! ")
    mark = question[len(body) :].strip()
    core = " ".join(about.sub(" ", body).split())
    # "Welche Unternehmen nennt der Text?" asks what there is; "Wie wird das Wetter laut
    # dem Text?" is the weather question with its source named.
    if naming.search(body) and at_the_end.search(body):
        core = f"{re.sub(words.dangling, '', core, flags=re.I).rstrip()} {words.there_is}"
    if core == body or not content_words(core):
        return None
    return core + mark
