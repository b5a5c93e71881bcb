"""Why a document cannot be read, in words for the page owner."""

from __future__ import annotations

import zipfile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["Unreadable", "refuse_zip_bomb"]


class Unreadable(Exception):
    """The file is skipped; `reason` says why and what to do ("it needs a password; save
    it without one")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# A document's parts unpacked: past this it is no document but a zip bomb.
_MOST_UNPACKED = 256 * 2**20


def refuse_zip_bomb(path: Path, kind: str) -> None:
    """Refuse a zip (DOCX, ODT) by the sizes its directory declares, before anything in it
    is unpacked; zipfile stops at the declared size, so a lying directory cannot pass."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise Unreadable(
            f"not a readable {kind}: it may be damaged or another kind of file under its name"
        ) from exc
    if unpacked > _MOST_UNPACKED:
        raise Unreadable(
            f"it unpacks to {unpacked // 2**20} MB, far more than a document holds; refused"
        )
