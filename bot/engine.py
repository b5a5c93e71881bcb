"""Everything `ask()` needs, loaded once: settings, the model and the index."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .embed.e5 import cache_root
from .embed.model import load_model, resolve_model
from .ingest.folder import load_folder
from .languages.dictionary import load_dictionary
from .pipeline import ensure_index, load_current

if TYPE_CHECKING:
    from collections.abc import Callable

    from .embed.embedder import Embedder
    from .ingest.folder import Folder, Skipped
    from .ingest.texts import Text
    from .languages.dictionary import Dictionary
    from .settings import Settings
    from .store.index import Index

__all__ = ["Engine", "dictionary_for", "index_folder", "load_engine"]


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
    # Carries a question's words into the other language for word matching; None unless
    # the settings name a list that is there (questions then cross languages by meaning).
    dictionary: Dictionary | None = None

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
    """Read the texts, load the model, and load the index (`_index`)."""
    folder = load_folder(settings.seeds)  # before the model: a bad folder is told at once
    model = load_model(settings.model, settings.model_cache, settings.runtime)
    index = _index(folder, model, settings, progress=progress, notify=notify)
    dictionary = dictionary_for(settings)
    if dictionary is None and settings.dictionary is not None:
        notify(
            f"No German-English dictionary at {settings.dictionary}: a question in another "
            "language than its text is matched by meaning alone, not by its words "
            "(`make dictionary` installs Debian's trans-de-en)."
        )
    return Engine(
        settings,
        folder.texts,
        model,
        index,
        resolve_model(settings.model, settings.model_cache),
        folder.skipped,
        dictionary,
    )


def dictionary_for(settings: Settings) -> Dictionary | None:
    """The German-English list the settings name, its parse kept beside the models."""
    cache = (settings.model_cache or cache_root()) / "dictionary"
    return load_dictionary(settings.dictionary, cache)


def index_folder(settings: Settings, model: Embedder) -> tuple[Folder, Index]:
    """The texts folder read again and its index brought up to date, as at start: what
    the folder watch runs when a file changes (only the changed texts are encoded)."""
    folder = load_folder(settings.seeds)
    return folder, _index(folder, model, settings)


def _index(
    folder: Folder,
    model: Embedder,
    settings: Settings,
    *,
    progress: bool = False,
    notify: Callable[[str], None] = lambda message: None,
) -> Index:
    """The folder's index: rebuilt when missing or stale, unless the settings say this
    process only reads (a replica), when that is an error that says to run `essaybot index`."""
    if settings.build_index:
        return ensure_index(
            folder.texts, model, settings.index_dir, progress=progress, notify=notify
        )
    return load_current(folder.texts, model, settings.index_dir)
