"""The model's own tokenizer, for a multilingual Unigram vocabulary, in a fraction of the memory.

`tokenizers` holds XLM-R's 250,000 pieces in a character trie of hash maps: 266 MB and
0.7 s to load. This module reads the same `tokenizer.json` and gives the same ids with the
pieces in a succinct trie (marisa-trie, 5 MB, which also finds every piece a word starts
with in one call): the file's own normaliser (run by `tokenizers`), the same split
on spaces ("▁" before each word) and on special tokens, and the same Viterbi search in
64-bit floats, ties going where `tokenizers` sends them (to the piece that starts first).
A `tokenizer.json` of any other shape is left to `tokenizers` (`read` returns None).
Checked id for id against `tokenizers` on every evaluation text (tests/test_unigram.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from array import array
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import marisa_trie
import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

__all__ = ["UnigramTokenizer", "Vocabulary", "read"]

_SPACE = "\u2581"
# What `tokenizers` costs an unknown character, below the least likely piece.
_UNK_PENALTY = 10.0
# The words last searched are looked up, not searched again: as many as `tokenizers`
# keeps, so a replica's memory does not grow with the words it has seen.
_CACHED_WORDS = 10_000


class UnigramTokenizer:
    """Ids for texts as `tokenizers` gives them for this vocabulary, with <s> and </s>."""

    def __init__(
        self,
        vocabulary: Vocabulary,
        normalise: Callable[[str], str],
        specials: dict[str, int],
        unk_id: int,
        bos_id: int,
        eos_id: int,
    ) -> None:
        self._pieces = vocabulary.pieces
        self._ids = vocabulary.ids
        self._scores = vocabulary.scores
        self._normalise = normalise
        self._specials = specials
        self._split = re.compile("|".join(re.escape(s) for s in sorted(specials, key=len)[::-1]))
        self._unk_id = unk_id
        self._bos, self._eos = bos_id, eos_id
        self._unk_score = min(self._scores) - _UNK_PENALTY
        self._word = lru_cache(maxsize=_CACHED_WORDS)(self._search)

    def token_to_id(self, token: str) -> int | None:
        if token in self._specials:
            return self._specials[token]
        key = self._pieces.get(token)
        return None if key is None else self._ids[key]

    def encode(self, text: str, max_length: int | None = None) -> list[int]:
        """The ids of `text` between <s> and </s>; at most `max_length` in all."""
        ids: list[int] = []
        at = 0
        for special in self._split.finditer(text) if self._specials else ():
            ids += self._text_ids(text[at : special.start()])
            ids.append(self._specials[special.group()])
            at = special.end()
        ids += self._text_ids(text[at:])
        if max_length is not None:
            ids = ids[: max(max_length - 2, 0)]
        return [self._bos, *ids, self._eos]

    def encode_batch(self, texts: Sequence[str], max_length: int | None = None) -> list[list[int]]:
        return [self.encode(text, max_length) for text in texts]

    def _text_ids(self, text: str) -> list[int]:
        text = self._normalise(text).replace(" ", _SPACE)
        if not text:
            return []
        if not text.startswith(_SPACE):
            text = _SPACE + text
        ids: list[int] = []
        for word in text.split(_SPACE)[1:]:
            ids += self._word(_SPACE + word)
        return ids

    def _search(self, word: str) -> list[int]:
        """The most likely pieces of `word`: Viterbi over every piece that fits, an unknown
        character where none starts; runs of unknown characters become one <unk>."""
        pieces, ids_of, scores, length = self._pieces, self._ids, self._scores, len(word)
        # best[end]: (score, start, id) of the best path ending at `end`.
        best: list[tuple[float, int, int] | None] = [None] * (length + 1)
        best[0] = (0.0, 0, -1)
        for start in range(length):
            reached = best[start]
            if reached is None:
                continue
            single = False
            # Shortest first, so ends come in the order `tokenizers` offers them.
            for piece, key in pieces.iter_prefixes_with_ids(word[start:]):
                single = single or len(piece) == 1
                _offer(best, start + len(piece), reached[0] + scores[key], start, ids_of[key])
            if not single:
                _offer(best, start + 1, reached[0] + self._unk_score, start, self._unk_id)
        ids: list[int] = []
        end = length
        while end > 0:
            step = best[end]
            assert step is not None  # every character is reachable, as a piece or unknown
            ids.append(step[2])
            end = step[1]
        ids.reverse()
        return [i for k, i in enumerate(ids) if i != self._unk_id or k == 0 or ids[k - 1] != i]


def _offer(
    best: list[tuple[float, int, int] | None], end: int, score: float, start: int, id_: int
) -> None:
    """Keep the path only if it scores higher: paths are offered in order of start, so a
    tie keeps the one that starts first, as `tokenizers` does (its candidates ending at
    `end` are in order of start)."""
    held = best[end]
    if held is None or score > held[0]:
        best[end] = (score, start, id_)


@dataclass(frozen=True)
class Vocabulary:
    """The pieces in a trie, and by each piece's key in it, its id and its score."""

    pieces: marisa_trie.Trie
    ids: array[int]
    scores: array[float]

    @classmethod
    def of(cls, vocab: Sequence[tuple[str, float]], leave_out: Iterable[str]) -> Vocabulary:
        left_out = set(leave_out)
        kept = [
            (piece, i, score) for i, (piece, score) in enumerate(vocab) if piece not in left_out
        ]
        pieces = marisa_trie.Trie([piece for piece, _, _ in kept])
        ids, scores = array("i", [0]) * len(pieces), array("d", [0.0]) * len(pieces)
        for piece, i, score in kept:
            key = pieces.key_id(piece)
            ids[key], scores[key] = i, float(score)
        return cls(pieces, ids, scores)

    def save(self, folder: Path) -> None:
        self.pieces.save(str(folder / "pieces.marisa"))
        np.save(folder / "ids.npy", np.frombuffer(self.ids, dtype=np.int32))
        np.save(folder / "scores.npy", np.frombuffer(self.scores, dtype=np.float64))

    @classmethod
    def load(cls, folder: Path) -> Vocabulary:
        pieces = marisa_trie.Trie()
        pieces.load(str(folder / "pieces.marisa"))
        ids = array("i", np.load(folder / "ids.npy").astype(np.int32).tobytes())
        scores = array("d", np.load(folder / "scores.npy").astype(np.float64).tobytes())
        if not len(pieces) == len(ids) == len(scores):
            raise ValueError(f"{folder}: pieces, ids and scores differ in number")
        return cls(pieces, ids, scores)


def read(path: Path, keep: Path | None = None) -> UnigramTokenizer | None:
    """This module's tokenizer for the `tokenizer.json` at `path`, or None when the file
    asks for anything it does not reproduce exactly.

    With `keep`, a folder of the model cache, the vocabulary is kept there in a form read
    in a tenth of the time (its trie, ids and scores as they are held), named by the
    file's size and time, so a changed file is read afresh.
    """
    stat = path.stat()
    kept = keep / f"unigram-trie-{stat.st_size}-{stat.st_mtime_ns}" if keep else None
    vocabulary: Vocabulary | None = None
    if kept is not None and (kept / "spec.json").is_file():
        spec: dict[str, Any] = json.loads((kept / "spec.json").read_text(encoding="utf-8"))
        try:
            vocabulary = Vocabulary.load(kept)
        except (OSError, ValueError, RuntimeError):  # marisa: RuntimeError, format error
            shutil.rmtree(kept, ignore_errors=True)  # kept anew below, not read past forever
    else:
        spec = json.loads(path.read_text(encoding="utf-8"))
        if not _reproducible(spec):
            return None
    specials = {t["content"]: int(t["id"]) for t in spec.get("added_tokens", [])}
    if vocabulary is None:
        if not spec["model"]["vocab"]:  # a kept spec whose vocabulary did not load
            spec = json.loads(path.read_text(encoding="utf-8"))
        vocabulary = Vocabulary.of([(p, float(s)) for p, s in spec["model"]["vocab"]], specials)
        if kept is not None:
            _keep(kept, spec, vocabulary)
    unk_id = int(spec["model"]["unk_id"])
    return UnigramTokenizer(
        vocabulary, _normaliser(spec), specials, unk_id, specials["<s>"], specials["</s>"]
    )


def _reproducible(spec: dict[str, Any]) -> bool:
    """Whether the file asks only for what this module does exactly as `tokenizers`."""
    model = spec.get("model") or {}
    added = spec.get("added_tokens", [])
    return (
        model.get("type") == "Unigram"
        and not model.get("byte_fallback")
        and spec.get("pre_tokenizer")
        == {"type": "Metaspace", "replacement": _SPACE, "prepend_scheme": "always", "split": True}
        and _wraps_in(spec.get("post_processor"), "<s>", "</s>")
        and all(
            t.get("special") and not (t.get("normalized") or t.get("lstrip") or t.get("rstrip"))
            for t in added
        )
        and {"<s>", "</s>"} <= {t["content"] for t in added}
    )


def _keep(folder: Path, spec: dict[str, Any], vocabulary: Vocabulary) -> None:
    """Write the quick form beside the model's export; a folder that cannot be written to
    only means the next start reads the JSON again."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".unigram-"))
    except OSError:
        return
    try:
        vocabulary.save(staging)
        rest = {**spec, "model": {**spec["model"], "vocab": []}}
        (staging / "spec.json").write_text(json.dumps(rest), encoding="utf-8")
        os.replace(staging, folder)  # whole or not at all; another process may have won
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        return
    for older in folder.parent.glob("unigram-*"):  # of a changed file, or an older form
        if older != folder and older.is_dir():
            shutil.rmtree(older, ignore_errors=True)


def _normaliser(spec: dict[str, Any]) -> Callable[[str], str]:
    """The file's own normaliser, run by `tokenizers` itself (its Unicode tables, its
    regex engine), on a vocabulary of one piece: exact, and no memory to speak of."""
    from tokenizers import Tokenizer

    bare = {**spec, "model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]]}}
    bare["added_tokens"] = []
    normalizer = Tokenizer.from_str(json.dumps(bare)).normalizer
    if normalizer is None:
        return lambda text: text
    normalise: Callable[[str], str] = normalizer.normalize_str
    return normalise


def _wraps_in(spec: Any, first: str, last: str) -> bool:
    single = (spec or {}).get("single") or []
    return (
        (spec or {}).get("type") == "TemplateProcessing"
        and len(single) == 3
        and single[0].get("SpecialToken", {}).get("id") == first
        and "Sequence" in single[1]
        and single[2].get("SpecialToken", {}).get("id") == last
    )
