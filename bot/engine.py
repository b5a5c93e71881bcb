"""Everything `ask()` needs, loaded once: settings, the model and the index."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .embed.model import load_model, resolve_model
from .ingest.folder import load_folder
from .store.storage import ensure_index, load_current

if TYPE_CHECKING:
    from collections.abc import Callable

    from .embed.embedder import Embedder
    from .ingest.folder import Skipped
    from .ingest.texts import Text
    from .settings import Settings
    from .store.index import Index

__all__ = ["Engine", "load_engine"]


@dataclass(frozen=True)
class Engine:
    settings: Settings
    texts: tuple[Text, ...]
    model: Embedder
    index: Index
    # A name or path that `SentenceTransformer()` loads.
    model_path: str
    # The folder's files that are not served, and why (/healthz lists them).
    skipped: tuple[Skipped, ...] = ()

    @property
    def model_name(self) -> str:
        """The model by name, as /healthz shows it to anyone: a local directory's own
        name, never where it lies on this machine."""
        return Path(self.settings.model).name or self.settings.model

    @property
    def threshold(self) -> float:
        return self.settings.threshold


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def load_engine(
    settings: Settings,
    *,
    progress: bool = False,
    notify: Callable[[str], None] = _to_stderr,
) -> Engine:
    """Read the texts, load the model, and load the index: rebuilt when missing or stale,
    unless the settings say this process only reads (a replica), when that is an error
    that says to run `essaybot index`."""
    folder = load_folder(settings.seeds)
    texts = folder.texts
    model = load_model(settings.model, settings.model_cache, settings.runtime)
    if settings.build_index:
        index = ensure_index(texts, model, settings.index_dir, progress=progress, notify=notify)
    else:
        index = load_current(texts, model, settings.index_dir)
    return Engine(
        settings,
        texts,
        model,
        index,
        resolve_model(settings.model, settings.model_cache),
        folder.skipped,
    )
