"""The engine a running server answers with, switched whole when a new index goes live.

`essaybot index` (a deploy step, or a page owner adding a text) writes a new build while
the server keeps answering from the one it loaded; the server notices that `CURRENT`
names another build, loads it beside the old one, and switches in one assignment. A
build that cannot be loaded (stale for this model, damaged) is logged and left alone:
the old one keeps serving. The check costs one small file read every few seconds, made
by the requests themselves, so an idle server does nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from .errors import EssaybotError
from .ingest.folder import load_folder
from .pipeline import load_current
from .store.storage import live_build

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["LiveEngine"]

log = logging.getLogger("essaybot.live")


class LiveEngine:
    def __init__(self, engine: Engine, *, check_every: float = 2.0) -> None:
        self._engine = engine
        self._every = check_every
        self._checked = time.monotonic()
        self._tried = engine.index.build
        self._loading = ""
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The engine to answer this request with; looks for a new build now and then."""
        now = time.monotonic()
        if now - self._checked >= self._every:
            self._checked = now
            self._look_for_new_build()
        return self._engine

    def look_now(self) -> None:
        """Look for a new build at once (the folder watch has just written one), and load
        it beside the one that answers."""
        self._checked = time.monotonic()
        self._look_for_new_build()

    @property
    def loading(self) -> str:
        """The build being loaded beside the one that answers, if any."""
        return self._loading

    def _look_for_new_build(self) -> None:
        build = live_build(self._engine.settings.index_dir)
        name = build.name if build is not None else ""
        if not name or name == self._tried or not self._lock.acquire(blocking=False):
            return
        self._tried = self._loading = name
        threading.Thread(target=self._switch, name="essaybot-index-switch", daemon=True).start()

    def _switch(self) -> None:
        """Load the live build beside the current one, then answer from it."""
        old = self._engine
        try:
            folder = load_folder(old.settings.seeds)
            index = load_current(folder.texts, old.model, old.settings.index_dir)
            self._engine = replace(old, texts=folder.texts, index=index, skipped=folder.skipped)
            self._tried = index.build
            log.info("Now answering from index build %s (was %s)", index.build, old.index.build)
        except EssaybotError as exc:
            log.warning("Still answering from index build %s: %s", old.index.build, exc)
        finally:
            self._loading = ""
            self._lock.release()
