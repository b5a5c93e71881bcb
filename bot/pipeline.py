"""The one build pipeline: texts -> passages -> vectors -> lexical index and refusal
ceilings -> a stored build, made live.

The CLI's `index`, the server's start and the folder watch all build through here, so
an index is made one way. It sits above the store, which only keeps and loads builds,
and above search, whose refusal ceilings a build measures once for its texts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .errors import IndexCorrupt, IndexMissing, IndexStale, SeedsMissing
from .ingest.passages import split_passages
from .ingest.texts import texts_digest
from .search.refusal import bank_digest, ceilings
from .store.index import (
    EXACT_UP_TO,
    FORMAT,
    VIEWS,
    Index,
    Manifest,
    matrix_of,
    sentence_rows,
    text_vectors_key,
    vector_index,
)
from .store.lexical import build_lexical
from .store.storage import index_lock, load_index, save_index, unwritable, vector_cache, verbatim

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ._types import Matrix
    from .embed.embedder import Embedder, Progress
    from .ingest.passages import Passage
    from .ingest.texts import Text
    from .store.vector_cache import VectorCache

__all__ = [
    "build_and_save",
    "build_index",
    "encode_texts",
    "ensure_index",
    "load_current",
    "manifest_for",
]


def _versions() -> dict[str, str]:
    return {name: version(name) for name in ("essaybot", "sentence-transformers", "faiss-cpu")}


def manifest_for(texts: tuple[Text, ...], model_identity: str) -> Manifest:
    """The identity an index built now from `texts` with this model would carry."""
    return Manifest(
        format=FORMAT,
        texts_sha256=texts_digest(texts),
        model=model_identity,
        versions=_versions(),
        bank_sha256=bank_digest(),
    )


# A build encodes a few texts per call of the model, up to about this many distinct
# strings: the call batches them by length, and what it holds is what a build of a whole
# shelf holds at a time besides the vectors made (a 10 MB shelf: benchmarks/shelf.py).
STRINGS_PER_CALL = 4096


def encode_distinct(
    model: Embedder, groups: Sequence[Sequence[str]], *, progress: Progress | None = None
) -> list[Matrix]:
    """Vectors for each group of texts, each distinct string encoded once.

    A one-sentence paragraph is its own sentence and its own window; headings and
    boilerplate recur. Encoding every string once, in one call, lets the embedder batch
    the texts by length.
    """
    distinct = _distinct(groups)
    row = {text: i for i, text in enumerate(distinct)}
    vectors = model.encode_documents(distinct, progress=progress)
    return [vectors[[row[t] for t in group]] for group in groups]


def _distinct(groups: Sequence[Sequence[str]]) -> list[str]:
    return list(dict.fromkeys(t for group in groups for t in group))


def encode_texts(
    texts: tuple[Text, ...],
    split: Sequence[Sequence[Passage]],
    model: Embedder,
    *,
    cache: VectorCache | None = None,
    progress: bool = False,
) -> dict[str, Matrix]:
    """Every view's vectors of `texts`, one matrix per view with the texts' rows in order.

    A text's vectors come from the cache where it has them. The others are encoded a few
    texts per call and cached as soon as they are made: a shelf of texts is built in
    bounded memory, and a build that is stopped goes on where it stopped.
    """
    sizes = [
        {name: len(view.strings(passages)) for name, view in VIEWS.items()} for passages in split
    ]
    stacked = _Stacked(sizes)
    missing = []
    for i, text in enumerate(texts):
        key = text_vectors_key(text, model.identity)
        cached = cache.get(key, sizes[i]) if cache is not None else None
        if cached is None:
            missing.append(i)
        else:
            stacked.place(i, cached)
    calls = _calls(missing, [sum(sizes[i].values()) for i in range(len(texts))])
    bar = _bar(model, [[split[i] for i in call] for call in calls]) if progress else None
    for call in calls:
        views = [_strings(split[i]) for i in call]
        encoded = iter(encode_distinct(model, [g for v in views for g in v.values()], progress=bar))
        for i in call:
            made = {name: next(encoded) for name in VIEWS}
            stacked.place(i, made)
            if cache is not None:
                cache.put(text_vectors_key(texts[i], model.identity), made)
    if bar is not None:
        bar.close()
    return stacked.matrices()


def _strings(passages: Sequence[Passage]) -> dict[str, list[str]]:
    return {name: view.strings(passages) for name, view in VIEWS.items()}


def _calls(missing: Sequence[int], strings: Sequence[int]) -> list[list[int]]:
    """The texts at `missing` in order, grouped for one call of the model each: texts
    are added to a call until it holds STRINGS_PER_CALL strings (a long text alone)."""
    calls: list[list[int]] = []
    held = STRINGS_PER_CALL
    for i in missing:
        if held >= STRINGS_PER_CALL:
            calls.append([])
            held = 0
        calls[-1].append(i)
        held += strings[i]
    return calls


def _bar(model: Embedder, calls: Sequence[Sequence[Sequence[Passage]]]) -> Any:
    """A progress bar with the rate and the time left over every call of a build, counted
    in the tokens the model will read: a passage costs many times what one of its
    sentences does, so a count of strings would not say how much is left."""
    from tqdm import tqdm

    total = sum(
        model.count_tokens(_distinct([g for ps in call for g in _strings(ps).values()]))
        for call in calls
    )
    return tqdm(total=total, desc="Encoding", unit="token", unit_scale=True, smoothing=0.1)


class _Stacked:
    """The views' matrices of a build, filled text by text as each text's vectors come
    from the cache or the model, in place: a text's vectors are copied once."""

    def __init__(self, sizes: Sequence[dict[str, int]]) -> None:
        self._starts = {name: np.cumsum([0, *(size[name] for size in sizes)]) for name in VIEWS}
        self._matrices: dict[str, Matrix] = {}

    def place(self, i: int, made: dict[str, Matrix]) -> None:
        for name, matrix in made.items():
            starts = self._starts[name]
            if name not in self._matrices:
                shape = (int(starts[-1]), matrix.shape[1])
                self._matrices[name] = np.empty(shape, dtype=np.float32)
            self._matrices[name][starts[i] : starts[i + 1]] = matrix

    def matrices(self) -> dict[str, Matrix]:
        return self._matrices


def build_index(
    texts: tuple[Text, ...],
    model: Embedder,
    *,
    progress: bool = False,
    cache: VectorCache | None = None,
) -> Index:
    split = [split_passages(text) for text in texts]
    passages = tuple(p for text_passages in split for p in text_passages)
    if not passages:
        names = ", ".join(text.source for text in texts)
        raise SeedsMissing(path=Path(names), reason="only headings, no paragraph to quote")
    matrices = encode_texts(texts, split, model, cache=cache, progress=progress)
    vectors = matrices.pop("passages")
    window_index = vector_index(matrices["windows"]) if len(passages) > EXACT_UP_TO else None
    if window_index is not None:
        # The graph holds the windows' vectors too: read them there, and keep one copy.
        matrices["windows"] = matrix_of(window_index)
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
        sentence_rows=sentence_rows(passages),
        lexical=build_lexical(VIEWS["passages"].strings(passages)),
        window_index=window_index,
        **cast("dict[str, Any]", {VIEWS[n].field: m for n, m in matrices.items()}),
    )
    return replace(index, ceilings=ceilings(index, model))


def load_current(texts: tuple[Text, ...], model: Embedder, directory: Path) -> Index:
    """The live index for `texts` and `model`, checked word for word; never writes."""
    index = load_index(directory, manifest_for(texts, model.identity))
    return verbatim(index, texts, directory)


def build_and_save(
    texts: tuple[Text, ...], model: Embedder, directory: Path, *, progress: bool = False
) -> Index:
    """Build the index for `texts` into a new build and make it live; one builder at a
    time. Texts whose vectors are cached are not encoded again."""
    try:
        with index_lock(directory):
            return _build_and_save(texts, model, directory, progress=progress)
    except OSError as exc:  # a file where the directory should be, no permission, ...
        raise unwritable(directory, exc) from exc


def _build_and_save(
    texts: tuple[Text, ...], model: Embedder, directory: Path, *, progress: bool
) -> Index:
    cache = vector_cache(directory)
    index = build_index(texts, model, progress=progress, cache=cache)
    build = save_index(index, directory)
    cache.keep_only(text_vectors_key(text, model.identity) for text in texts)
    return replace(index, build=build.name)


def ensure_index(
    texts: tuple[Text, ...],
    model: Embedder,
    directory: Path,
    *,
    progress: bool = False,
    notify: Callable[[str], None] = lambda message: None,
) -> Index:
    """Load the live index, or build one when it is missing, stale or corrupt."""
    try:
        return load_current(texts, model, directory)
    except (IndexMissing, IndexStale, IndexCorrupt) as problem:
        notify(f"{problem.cause}: building it now.")
    try:
        with index_lock(directory):
            try:  # another process may have built it while this one waited
                return load_current(texts, model, directory)
            except (IndexMissing, IndexStale, IndexCorrupt):
                return _build_and_save(texts, model, directory, progress=progress)
    except OSError as exc:  # a file where the directory should be, no permission, ...
        raise unwritable(directory, exc) from exc
