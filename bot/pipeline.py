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
    sentence_rows,
    text_vectors_key,
    vector_index,
)
from .store.lexical import build_lexical
from .store.storage import index_lock, load_index, save_index, unwritable, vector_cache, verbatim

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ._types import Matrix
    from .embed.embedder import Embedder
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
        sentence_rows=sentence_rows(passages),
        lexical=build_lexical(VIEWS["passages"].strings(passages)),
        window_index=(vector_index(matrices["windows"]) if len(passages) > EXACT_UP_TO else None),
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
