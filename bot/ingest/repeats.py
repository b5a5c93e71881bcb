"""Which paragraphs only repeat another's sentences (pull quotes, a summary box).

A paragraph repeats a longer one (more sentences) when each of its sentences has 80 %
of its words in some sentence there: a pull quote is its original's words, often fewer
of them (the essay's shares 12 of its 13 content words with its original). Its own
words, not the shorter sentence's: measured on the shorter, a five-word list item
inside a long sentence made the whole long paragraph a "repeat" of the list (36
paragraphs of the Debian New Maintainers' Guide vanished so). And at least ten words
that say something in each sentence (the caller leaves out function words): short
sentences recur in manuals on their own ("Weitere Informationen finden Sie auf den
WNPP-Web-Seiten."). A paragraph merged by mistake can no longer be quoted, one missed
is only quoted twice; so the rule errs towards keeping.

Comparing every paragraph with every other is quadratic: 320 s on a 2,415-page manual.
A sentence can reach the overlap with another only if its rarest words (as many as it
may miss, plus one) include a word of the other: if none did, at most the rest could be
shared, which is too few (prefix filtering, as in set-similarity joins). So each
sentence is compared only with the sentences that hold one of its rare words; the
answer is the same as comparing all pairs, found in about linear time.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

__all__ = ["MIN_WORDS", "OVERLAP", "originals", "repeats"]

OVERLAP = 0.8
MIN_WORDS = 10

Words = frozenset[str]


def repeats(sentence: Words, original: Words) -> bool:
    """Whether a sentence repeats another: most of its own words are there."""
    return len(sentence) >= MIN_WORDS and len(sentence & original) >= _needed(len(sentence))


def _needed(size: int) -> int:
    """The fewest shared words that make a sentence of `size` words a repeat."""
    return math.ceil(OVERLAP * size - 1e-9)


def originals(paragraphs: Sequence[Sequence[Words]]) -> list[int | None]:
    """For each paragraph (as its sentences' words), the paragraph it repeats, following
    chains to the last one; None for a paragraph that repeats nothing.

    Of several paragraphs it repeats, the first. The original always has more sentences
    than its repeat, so a chain always ends.
    """
    direct = _direct(paragraphs)
    resolved: list[int | None] = []
    for target in direct:
        while target is not None and direct[target] is not None:
            target = direct[target]
        resolved.append(target)
    return resolved


def _direct(paragraphs: Sequence[Sequence[Words]]) -> list[int | None]:
    sentences = [
        (number, words) for number, paragraph in enumerate(paragraphs) for words in paragraph
    ]
    frequency = Counter(word for _, words in sentences for word in words)

    def rarest(words: Words) -> list[str]:
        """The words a sentence of its size can least afford to miss, rarest first."""
        prefix = len(words) - _needed(len(words)) + 1
        return sorted(words, key=lambda word: (frequency[word], word))[:prefix]

    holding: defaultdict[str, list[int]] = defaultdict(list)  # word -> sentences with it
    for row, (_, words) in enumerate(sentences):
        for word in words:
            holding[word].append(row)

    def same_sentences(words: Words) -> set[int]:
        """The paragraphs with a sentence that `words` repeats."""
        rows = {row for word in rarest(words) for row in holding[word]}
        return {sentences[row][0] for row in rows if repeats(words, sentences[row][1])}

    direct: list[int | None] = []
    for number, mine in enumerate(paragraphs):
        if not mine or any(len(words) < MIN_WORDS for words in mine):
            direct.append(None)  # a sentence this short repeats nothing
            continue
        candidates = {i for i in same_sentences(mine[0]) if len(paragraphs[i]) > len(mine)}
        for words in mine[1:]:
            if not candidates:
                break
            candidates &= same_sentences(words)
        candidates.discard(number)
        direct.append(min(candidates) if candidates else None)
    return direct
