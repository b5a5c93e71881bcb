"""Each text's vectors, kept by what they were made from: adding a text to a large index
encodes that text alone, and a rebuild after an upgrade that changed nothing of a text's
passages encodes nothing of it again.

A key names the text's content, its passage splitting and the model; files are written
whole or not at all, and an unreadable one is simply encoded again.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from .._types import Matrix

__all__ = ["VectorCache"]

_SUFFIX = ".npz"


@dataclass(frozen=True)
class VectorCache:
    directory: Path

    def get(self, key: str, rows: Mapping[str, int]) -> dict[str, Matrix] | None:
        """The matrices stored under `key` (by name), if they are whole and have the
        expected rows."""
        try:
            with np.load(self.directory / f"{key}{_SUFFIX}", allow_pickle=False) as stored:
                matrices = {name: stored[name] for name in rows}
        except (OSError, ValueError, KeyError):
            return None
        if any(len(m) != rows[name] or m.dtype != np.float32 for name, m in matrices.items()):
            return None
        return matrices

    def put(self, key: str, matrices: Mapping[str, Matrix]) -> None:
        """Keep `vectors` under `key`; a cache that cannot be written only costs time."""
        tmp: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{key}.", suffix=_SUFFIX)
            with os.fdopen(fd, "wb") as file:
                np.savez(file, **cast("dict[str, Any]", matrices))
            os.replace(tmp, self.directory / f"{key}{_SUFFIX}")
        except OSError:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

    def keep_only(self, keys: Iterable[str]) -> None:
        """Forget the vectors of texts that are gone, and half-written files."""
        wanted = {f"{key}{_SUFFIX}" for key in keys}
        if not self.directory.is_dir():
            return
        for path in self.directory.iterdir():
            if path.name not in wanted:
                path.unlink(missing_ok=True)
