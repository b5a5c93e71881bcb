"""A German-English dictionary, so that the words of a question can be looked for in a
text of the other language.

The dense model reads across languages; word matching cannot: "lawsuit" shares no
n-gram with "Klage". Ding's word list (Debian's `trans-de-en`, about 190,000 entries,
GPL-2+) pairs each German sense with its English one, inflected forms included ("verklagt
:: sued"). Only single words are kept on both sides: a phrase ("to sue for divorce")
translates a phrase, not a question's word. The file is read at the edge
(`load_dictionary`); the bot works without it.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from . import LANGUAGES
from .words import WORD, content_words, is_stopword

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from .guess import Language

__all__ = ["Dictionary", "load_dictionary", "parse_ding"]

# Notes in a Ding entry: {f} gender, [comp.] domain, (Zugriffsschutz ...) gloss, /SSH/ abbreviation.
_NOTES = re.compile(r"\{[^}]*\}|\[[^\]]*\]|\([^)]*\)|/[^/]*/")
# Placeholders for the object of a verb, which are not the verb's meaning.
_PLACEHOLDERS = frozenset(
    {"jdn", "jdm", "jds", "etw", "sich", "sb", "sth", "so", "to", "sb's", "sth's", "jmd", "jmdn"}
)


# Bump when parse_ding reads the list otherwise: older parses in the cache are not read.
_PARSE = 1


@dataclass(frozen=True)
class Dictionary:
    """Ding's list at `path`, read the first time a question crosses languages: a bot
    whose readers ask in its texts' language never spends the time and the 45 MB.

    Parsing takes 2 to 4 s on two cores; the parse is kept in `cache` (a few MB, read in
    0.2 s), so a one-shot `essaybot ask` in English and every replica after the first
    read it from there. A cache that cannot be written (a read-only replica) is skipped."""

    path: Path
    cache: Path | None = None

    @cached_property
    def translations(self) -> Mapping[Language, Mapping[str, tuple[str, ...]]]:
        """For each language, its single words and their single-word translations (lower
        case, in the file's order)."""
        kept = self._kept()
        if kept is not None:
            try:
                read = marshal.loads(kept.read_bytes())
            except (OSError, EOFError, ValueError, TypeError):
                read = None
            if isinstance(read, dict) and set(read) == {"de", "en"}:
                return read
        with self.path.open(encoding="utf-8") as lines:
            parsed = parse_ding(lines)
        if kept is not None:
            _keep(kept, marshal.dumps(parsed))
        return parsed

    def _kept(self) -> Path | None:
        """Where the parse of this very file is kept: named by its path, size, time and
        the parser's version, so a new list or a new parser is parsed afresh."""
        if self.cache is None:
            return None
        try:
            stat = self.path.stat()
        except OSError:
            return None
        made_from = f"{_PARSE}\n{self.path.resolve()}\n{stat.st_size}\n{stat.st_mtime_ns}"
        key = hashlib.sha256(made_from.encode("utf-8")).hexdigest()[:16]
        return self.cache / f"ding-{key}.marshal"

    def carry(self, text: str, source: Language) -> tuple[tuple[str, float], ...]:
        """The content words of `text`, carried from `source` into the other language:
        (word, weight) pairs. A word's translations weigh 1 in all, so a word with many
        senses spreads over them and counts for less in each ("system" is also "System",
        where Ding lists it so). A word the dictionary does not know (a name, "apt-get")
        is kept as it is, with weight 1."""
        known = self.translations.get(source, {})
        joins = LANGUAGES[source].joins
        weights: dict[str, float] = {}
        for word in dict.fromkeys(content_words(text)):
            found = known.get(word, ())
            for part in (found,) if found else _parts(word, known, joins):
                for translation in part:
                    weights[translation] = weights.get(translation, 0.0) + 1 / len(part)
            if not found:
                weights[word] = 1.0
        return tuple(weights.items())


# A compound's parts are words of their own: "Paketverwaltung", not "Pa" + "ketverwaltung".
_PART = 4


def _parts(
    word: str, known: Mapping[str, tuple[str, ...]], joins: tuple[str, ...]
) -> tuple[tuple[str, ...], ...]:
    """The translations of a compound's two parts where the dictionary knows both and not
    the whole ("Sicherheitsaktualisierungen": "sicherheit" + "s" + "aktualisierungen");
    the longest last part, which names what the compound is. Nothing for a language
    that writes its compounds apart (`joins` empty)."""
    if not joins:
        return ()
    for cut in range(_PART, len(word) - _PART + 1):
        head, tail = word[:cut], word[cut:]
        if tail not in known:
            continue
        for join in joins:
            stem = head[: len(head) - len(join)]
            if head.endswith(join) and len(stem) >= _PART and stem in known:
                return known[stem], known[tail]
    return ()


def _single_words(side: str) -> list[str]:
    """The one-word synonyms of one sense, its notes taken out ("jdn. verklagen; jdn.
    klagen" -> ["verklagen", "klagen"]), lower case."""
    words = []
    for synonym in side.split(";"):
        tokens = [t for t in synonym.split() if t not in _PLACEHOLDERS]
        if len(tokens) == 1 and WORD.fullmatch(tokens[0]) and not is_stopword(tokens[0]):
            words.append(tokens[0])
    return words


def parse_ding(lines: Iterable[str]) -> dict[Language, dict[str, tuple[str, ...]]]:
    """Ding's format: `German | sense ... :: English | sense ...`, senses aligned by
    position, synonyms within a sense parted by ";", `#` lines a header."""
    pairs: dict[Language, dict[str, dict[str, None]]] = {
        "de": defaultdict(dict),
        "en": defaultdict(dict),
    }
    for line in lines:
        if line.startswith("#") or " :: " not in line:
            continue
        german, english = (
            _NOTES.sub(" ", side) for side in line.replace(".", " ").lower().split(" :: ", 1)
        )
        for de_sense, en_sense in zip(german.split(" | "), english.split(" | "), strict=False):
            de_words, en_words = _single_words(de_sense), _single_words(en_sense)
            for de_word in de_words:
                for en_word in en_words:
                    pairs["de"][de_word][en_word] = None
                    pairs["en"][en_word][de_word] = None
    return {
        language: {word: tuple(found) for word, found in words.items()}
        for language, words in pairs.items()
    }


def _keep(target: Path, data: bytes) -> None:
    """Write the parse whole or not at all (another process may be writing it too), and
    drop the parses of older lists or parsers."""
    staging = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.write_bytes(data)
        os.replace(staging, target)
    except OSError:
        with contextlib.suppress(OSError):
            staging.unlink(missing_ok=True)
        return
    for older in target.parent.glob("ding-*.marshal"):
        if older != target:
            with contextlib.suppress(OSError):
                older.unlink()


def load_dictionary(path: Path | None, cache: Path | None = None) -> Dictionary | None:
    """The dictionary at `path`, to be read when first needed (its parse kept in `cache`);
    None where there is none."""
    return Dictionary(path, cache) if path is not None and path.is_file() else None
