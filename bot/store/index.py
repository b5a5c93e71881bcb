"""The FAISS index of passage vectors, persisted with its passages and a manifest.

The manifest records what built the index (texts hash, model, library and format
versions); an index whose record differs from what would be built now is stale and is
refused, never silently used.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import faiss
import numpy as np

from ..errors import SeedsMissing
from ..ingest.passages import Passage, introduction, split_passages
from ..ingest.texts import Text, texts_digest
from ..search.lexical import Lexical, build_lexical, letter_words, word_start
from ..search.refusal import bank_digest, ceilings
from ..search.scoring import EXACT_UP_TO
from .vector_cache import VectorCache

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import numpy.typing as npt

    from .._types import Matrix
    from ..embed.embedder import Embedder

__all__ = [
    "FORMAT",
    "VIEWS",
    "Index",
    "Manifest",
    "View",
    "build_index",
    "encode_texts",
    "manifest_for",
    "matrix_of",
    "passage_document",
    "searching",
    "sentence_windows",
    "text_vectors_key",
    "vector_index",
]

# Bump when the passage splitting or the stored layout changes: old indexes become stale.
# 5: builds in directories of their own, named by CURRENT (storage.py).
FORMAT = 5

# HNSW: 32 links a node, and a search that looks at 256 candidates: recall@10 against
# exact search 0.98 at 100k vectors in about a millisecond, where 128 gave 0.93
# (benchmarks/scale.py, which also has 1M).
_HNSW_LINKS = 32
_HNSW_BUILD_DEPTH = 80
HNSW_SEARCH_DEPTH = 256

# Between the headings of a path: "Handbuch \u203a Kantine".
_PATH_SEPARATOR = " \u203a "


def _versions() -> dict[str, str]:
    return {name: version(name) for name in ("essaybot", "sentence-transformers", "faiss-cpu")}


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


def manifest_for(texts: tuple[Text, ...], model_identity: str) -> Manifest:
    """The identity an index built now from `texts` with this model would carry."""
    return Manifest(
        format=FORMAT,
        texts_sha256=texts_digest(texts),
        model=model_identity,
        versions=_versions(),
        bank_sha256=bank_digest(),
    )


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
    # Per language (refusal.CEILING_ROWS) and passage, the best score a generic question
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


def _sentence_rows(passages: tuple[Passage, ...]) -> tuple[int, ...]:
    rows = [0]
    for passage in passages:
        rows.append(rows[-1] + len(passage.sentences))
    return tuple(rows)


def encode_distinct(
    model: Embedder, groups: Sequence[Sequence[str]], *, progress: bool = False
) -> list[Matrix]:
    """Vectors for each group of texts, each distinct string encoded once.

    A one-sentence paragraph is its own sentence and its own window; headings and
    boilerplate recur. Encoding every string once, in one call, lets the embedder batch
    the whole text by length.
    """
    distinct = list(dict.fromkeys(t for group in groups for t in group))
    row = {text: i for i, text in enumerate(distinct)}
    vectors = model.encode_documents(distinct, progress=progress)
    return [vectors[[row[t] for t in group]] for group in groups]


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


def encode_texts(
    texts: tuple[Text, ...],
    model: Embedder,
    *,
    cache: VectorCache | None = None,
    progress: bool = False,
) -> list[dict[str, Matrix]]:
    """Each text's vectors by view, from the cache where it has them, the others encoded
    in one call (each distinct string once, batched by length) and added to the cache."""
    keys = [text_vectors_key(text, model.identity) for text in texts]
    split = [split_passages(text) for text in texts]
    strings = [{name: view.strings(passages) for name, view in VIEWS.items()} for passages in split]
    found: dict[int, dict[str, Matrix]] = {}
    if cache is not None:
        for i, (key, views) in enumerate(zip(keys, strings, strict=True)):
            cached = cache.get(key, {name: len(view) for name, view in views.items()})
            if cached is not None:
                found[i] = cached
    missing = [i for i in range(len(texts)) if i not in found]
    encoded = iter(
        encode_distinct(
            model, [group for i in missing for group in strings[i].values()], progress=progress
        )
    )
    for i in missing:
        found[i] = {name: next(encoded) for name in VIEWS}
        if cache is not None:
            cache.put(keys[i], found[i])
    return [found[i] for i in range(len(texts))]


def build_index(
    texts: tuple[Text, ...],
    model: Embedder,
    *,
    progress: bool = False,
    cache: VectorCache | None = None,
) -> Index:
    passages = tuple(p for text in texts for p in split_passages(text))
    if not passages:
        names = ", ".join(text.source for text in texts)
        raise SeedsMissing(path=Path(names), reason="only headings, no paragraph to quote")
    per_text = encode_texts(texts, model, cache=cache, progress=progress)
    matrices = {name: np.vstack([views[name] for views in per_text]) for name in VIEWS}
    vectors = matrices.pop("passages")
    manifest = replace(
        manifest_for(texts, model.identity),
        dimension=int(vectors.shape[1]),
        passages=len(passages),
        sentences=len(matrices["sentences"]),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    index = Index(
        manifest=manifest,
        passages=passages,
        vectors=vector_index(vectors),
        sentence_rows=_sentence_rows(passages),
        lexical=build_lexical(VIEWS["passages"].strings(passages)),
        window_index=(vector_index(matrices["windows"]) if len(passages) > EXACT_UP_TO else None),
        **cast("dict[str, Any]", {VIEWS[n].field: m for n, m in matrices.items()}),
    )
    return replace(index, ceilings=ceilings(index, model))


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
