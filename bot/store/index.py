"""The FAISS index of passage vectors, persisted with its passages and a manifest.

The manifest records what built the index (texts hash, model, library and format
versions); an index whose record differs from what would be built now is stale and is
refused, never silently used.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import faiss
import numpy as np

from ..ingest.passages import Passage, introduction
from ..languages.guess import Language, texts_language
from ..languages.words import letter_words, word_start
from .lexical import Lexical

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import numpy.typing as npt

    from .._types import Matrix
    from ..ingest.texts import Text

__all__ = [
    "CEILING_ROWS",
    "EXACT_UP_TO",
    "FORMAT",
    "VIEWS",
    "Index",
    "Manifest",
    "View",
    "matrix_of",
    "passage_document",
    "searching",
    "sentence_rows",
    "sentence_windows",
    "text_vectors_key",
    "vector_index",
]

# Bump when the passage splitting or the stored layout changes: old indexes become stale.
# 5: builds in directories of their own, named by CURRENT (storage.py).
# 6: pull quotes by their content words (ingest/repeats.py); pages, slides and anchors kept.
FORMAT = 6

# Up to this many passages an index is exact (flat) and a question is scored against
# every passage and window: at 10,000 passages that costs about 4 ms on two cores (1 ms
# for the passages, three times that for their windows), about one encode; it grows
# linearly (10 ms for the passages alone at 100,000: benchmarks/scale.py). Every
# evaluation text is far below it. Beyond it, HNSW graphs nominate the likely passages
# and windows, and only those are scored in full (search/scoring.py).
EXACT_UP_TO = 10_000

# The rows of `Index.ceilings`: one per language a generic question is asked in
# (search/refusal.py measures them).
CEILING_ROWS: tuple[Language, ...] = ("de", "en")

# HNSW: 32 links a node, and a search that looks at 256 candidates: recall@10 against
# exact search 0.98 at 100k vectors in about a millisecond, where 128 gave 0.93
# (benchmarks/scale.py, which also has 1M).
_HNSW_LINKS = 32
_HNSW_BUILD_DEPTH = 80
HNSW_SEARCH_DEPTH = 256

# Between the headings of a path: "Handbuch \u203a Kantine".
_PATH_SEPARATOR = " \u203a "


@dataclass(frozen=True)
class Manifest:
    """What built an index; `identity` is the part that must match to reuse it."""

    format: int
    texts_sha256: str
    model: str
    versions: dict[str, str]
    # The generic questions the refusal ceilings were measured with (refusal.py).
    bank_sha256: str = ""
    dimension: int = 0
    passages: int = 0
    sentences: int = 0
    built_at: str = ""

    def identity(self) -> dict[str, object]:
        return {
            "format": self.format,
            "texts": self.texts_sha256,
            "model": self.model,
            "library versions": self.versions,
            "generic questions": self.bank_sha256,
        }

    def differs_from(self, other: Manifest) -> tuple[str, ...]:
        mine, theirs = self.identity(), other.identity()
        return tuple(key for key in mine if mine[key] != theirs[key])


@dataclass(frozen=True)
class Index:
    """Passages with three views in vectors, and their words for BM25.

    `vectors` (FAISS) holds one vector per passage; `window_vectors` one per sentence read
    with its neighbours, so "Das Unternehmen ..." still knows who is meant; and
    `sentence_vectors` one per bare sentence, for choosing the sentences to highlight.
    """

    manifest: Manifest
    passages: tuple[Passage, ...]
    vectors: faiss.Index
    window_vectors: Matrix
    sentence_vectors: Matrix
    # Row of each passage's first sentence in the sentence matrices; one extra end marker.
    sentence_rows: tuple[int, ...] = field(default=())
    lexical: Lexical | None = None
    # Per language (CEILING_ROWS) and passage, the best score a generic question
    # reaches there: what a question must beat to be answered.
    ceilings: Matrix | None = None
    # The build directory it was read from or saved as (storage.py); "" in memory only.
    build: str = ""
    # An approximate index over the windows, for texts too large to score every window
    # of (above EXACT_UP_TO passages); None below it.
    window_index: faiss.Index | None = None

    @cached_property
    def passage_vectors(self) -> Matrix:
        """The passage vectors as one matrix: a view of what the FAISS index holds."""
        return matrix_of(self.vectors)

    @cached_property
    def row_bounds(self) -> npt.NDArray[np.int64]:
        """`sentence_rows` as an array, for vectorised lookups."""
        return np.asarray(self.sentence_rows, dtype=np.int64)

    @cached_property
    def word_starts(self) -> frozenset[str]:
        """The first five letters of every word of the text (the whole of a shorter
        word), lower-case: whether a question shares a word with the text, inflected
        ("Kantinen", "Kantine") or not."""
        return frozenset(word_start(w) for p in self.passages for w in letter_words(p.text))

    @cached_property
    def languages(self) -> tuple[Language, ...]:
        """The language of each passage's text, guessed from the whole text (a short
        passage has too few words to tell by itself)."""
        by_source: dict[str, list[str]] = {}
        for passage in self.passages:
            by_source.setdefault(passage.source, []).append(passage.text)
        language = {
            source: texts_language(["\n".join(parts)]) for source, parts in by_source.items()
        }
        return tuple(language[passage.source] for passage in self.passages)

    @cached_property
    def text_languages(self) -> frozenset[Language]:
        """The languages the texts are written in, asked of every question: once."""
        return frozenset(self.languages)

    def sentences_of(self, position: int) -> Matrix:
        return self.sentence_vectors[self._rows(position)]

    def windows_of(self, position: int) -> Matrix:
        return self.window_vectors[self._rows(position)]

    def _rows(self, position: int) -> slice:
        return slice(self.sentence_rows[position], self.sentence_rows[position + 1])


def passage_document(passage: Passage) -> str:
    """What is embedded for a passage: its headings give the paragraph its topic.

    The whole path, not the nearest heading alone: a manual's "Voraussetzungen" is about
    something only its chapter names. On the tuning halves the path lifted the Developer's
    Reference (R@1 0.56 to 0.59) and changed nothing on the essay or the handbook.
    """
    path = _PATH_SEPARATOR.join(passage.headings)
    return f"{path}: {passage.text}" if path else passage.text


def sentence_windows(passage: Passage) -> tuple[str, ...]:
    """Each sentence with the one before and after it, as the text has them; a list item
    also with the sentence that introduces its list ("Bitte bringen Sie Folgendes mit:")."""
    sentences = passage.sentences
    windows = []
    for i in range(len(sentences)):
        first, last = sentences[max(0, i - 1)], sentences[min(len(sentences) - 1, i + 1)]
        window = passage.text[first.start - passage.start : last.end - passage.start]
        intro = introduction(passage, i)
        if intro is not None and intro.start < first.start:
            window = f"{intro.text}\n{window}"
        windows.append(window)
    return tuple(windows)


def sentence_rows(passages: Sequence[Passage]) -> tuple[int, ...]:
    """Where each passage's sentences start in the sentence matrices, and one end marker."""
    rows = [0]
    for passage in passages:
        rows.append(rows[-1] + len(passage.sentences))
    return tuple(rows)


def text_vectors_key(text: Text, model_identity: str) -> str:
    """What a text's vectors were made from: its words, its name (which its passages
    carry), the passage format and the model."""
    made_from = f"{FORMAT}\n{model_identity}\n{text.source}\n{text.content}"
    return hashlib.sha256(made_from.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class View:
    """One way a text is embedded: the strings, in passage order, and the `Index` field
    that holds their vectors (the passages' own are the FAISS index, `vectors`)."""

    strings: Callable[[Sequence[Passage]], list[str]]
    field: str


# Everything that is embedded. A new signal is one more view here, one more field of
# `Index`, and what reads it in search/scoring.py; the cache and the files follow.
VIEWS: dict[str, View] = {
    "passages": View(lambda ps: [passage_document(p) for p in ps], "vectors"),
    "sentences": View(lambda ps: [s.text for p in ps for s in p.sentences], "sentence_vectors"),
    "windows": View(lambda ps: [w for p in ps for w in sentence_windows(p)], "window_vectors"),
}


def matrix_of(index: faiss.Index) -> Matrix:
    """The vectors of an exact or HNSW index as a read-only matrix, without a copy (a
    memory-mapped index stays mapped)."""
    flat: Any = faiss.downcast_index(index.storage) if isinstance(index, faiss.IndexHNSW) else index
    view: Matrix = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(
        flat.ntotal, flat.d
    )
    view.flags.writeable = False
    return view


def searching(index: faiss.Index) -> faiss.Index:
    """`index` set to search as the bot searches: FAISS does not store HNSW's depth."""
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_SEARCH_DEPTH
    return index


def vector_index(vectors: Matrix) -> faiss.Index:
    """Exact inner product (cosine, the vectors being normalised) for a text of ordinary
    size; an HNSW graph beyond EXACT_UP_TO vectors."""
    if len(vectors) <= EXACT_UP_TO:
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(vectors)
        return flat
    graph = faiss.IndexHNSWFlat(vectors.shape[1], _HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = _HNSW_BUILD_DEPTH
    graph.add(vectors)
    return searching(graph)
