"""Finding pull quotes without comparing every paragraph with every other: the same
answer as all pairs, on paragraphs made to share words in every proportion."""

from __future__ import annotations

import random

from bot.ingest.repeats import MIN_WORDS, originals, repeats

Words = frozenset[str]


def all_pairs(paragraphs: list[tuple[Words, ...]]) -> list[int | None]:
    """The rule read literally: each paragraph against every longer one."""
    direct: list[int | None] = []
    for number, mine in enumerate(paragraphs):
        found = None
        if mine and all(len(s) >= MIN_WORDS for s in mine):
            for i, theirs in enumerate(paragraphs):
                longer = i != number and len(theirs) > len(mine)
                if longer and all(any(repeats(s, o) for o in theirs) for s in mine):
                    found = i
                    break
        direct.append(found)
    resolved: list[int | None] = []
    for target in direct:
        while target is not None and direct[target] is not None:
            target = direct[target]
        resolved.append(target)
    return resolved


def made_paragraphs(seed: int) -> list[tuple[Words, ...]]:
    """Paragraphs from a small vocabulary (so common words are common), some of them
    copies of another's sentences with a few words changed, dropped or added."""
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(80)]
    weights = [1 / (i + 1) ** 0.7 for i in range(80)]

    def sentence() -> Words:
        return frozenset(rng.choices(vocabulary, weights, k=rng.randint(6, 24)))

    paragraphs: list[tuple[Words, ...]] = []
    for _ in range(120):
        if paragraphs and rng.random() < 0.4:
            source = rng.choice(paragraphs)
            picked = rng.sample(source, rng.randint(1, len(source)))
            copied = []
            for words in picked:
                kept = set(words)
                for _ in range(rng.randint(0, 3)):
                    if kept and rng.random() < 0.5:
                        kept.discard(rng.choice(sorted(kept)))
                    else:
                        kept.add(rng.choice(vocabulary))
                copied.append(frozenset(kept))
            paragraphs.append(tuple(copied))
        else:
            paragraphs.append(tuple(sentence() for _ in range(rng.randint(1, 5))))
    return paragraphs


def test_the_rare_word_shortcut_finds_exactly_what_all_pairs_find() -> None:
    found_some = 0
    for seed in range(40):
        paragraphs = made_paragraphs(seed)
        expected = all_pairs(paragraphs)
        assert originals(paragraphs) == expected, f"seed {seed}"
        found_some += sum(target is not None for target in expected)
    assert found_some > 100  # the cases are not all "repeats nothing"


def test_a_repeat_is_most_of_its_own_words_in_the_original_and_ten_at_least() -> None:
    ten = frozenset("a b c d e f g h i j".split())
    assert repeats(ten, ten | {"k", "l", "m"})  # a pull quote shortens its original
    assert repeats(ten - {"a", "b"} | {"x", "y"}, ten)  # 8 of 10
    assert not repeats(ten - {"a", "b", "c"} | {"x", "y", "z"}, ten)  # 7 of 10
    nine = ten - {"j"}
    assert not repeats(nine, ten)  # too short to tell a quote from a common phrase
    # A long sentence is not a repeat of a shorter one that it happens to contain.
    assert not repeats(ten | set("k l m n o p".split()), ten)
