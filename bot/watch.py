"""The texts folder kept current while the bot serves: a page owner drops a PDF in, and
the bot answers from it once its passages are encoded.

The folder is looked at every two seconds (names, sizes and times: a stat per file, so a
folder of thousands costs milliseconds, and any filesystem works, network shares
included). A change waits until the folder holds still for a moment (a large file is
still being copied), then the index is brought up to date the way every build is
(`ensure_index`, which encodes only the texts whose vectors are not cached yet), and the
live engine is told to take the new build up. A build that fails is logged; the old
index keeps answering, and the next change tries again.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["FolderWatch", "snapshot"]

log = logging.getLogger("essaybot.watch")

Snapshot = tuple[tuple[str, int, int], ...]


def snapshot(folder: Path) -> Snapshot:
    """What a change to the folder changes: each visible file's name, size and time."""
    seen = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    stat = entry.stat()
                except OSError:  # removed while listed
                    continue
                seen.append((entry.name, stat.st_size, stat.st_mtime_ns))
    except OSError:
        return ()
    return tuple(sorted(seen))


class FolderWatch:
    def __init__(
        self,
        folder: Path,
        rebuild: Callable[[], None],
        *,
        every: float = 2.0,
        settle: float = 1.0,
    ) -> None:
        self.folder = folder
        self._rebuild = rebuild
        self._every = every
        self._settle = settle
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="essaybot-watch", daemon=True)

    def start(self) -> FolderWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        known = snapshot(self.folder)
        while not self._stop.wait(self._every):
            now = snapshot(self.folder)
            if now == known:
                continue
            # Until it holds still: a file being copied in grows between two looks.
            while not self._stop.wait(self._settle):
                later = snapshot(self.folder)
                if later == now:
                    break
                now = later
            known = now
            log.info("The texts folder %s changed; bringing the index up to date.", self.folder)
            try:
                self._rebuild()
            except Exception:  # the old index keeps answering; the next change tries again
                log.exception("Could not bring the index up to date; the old one answers.")
