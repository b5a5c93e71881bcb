"""A Debian package's files, for the scripts that make evaluation texts from them."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def unpacked(package: str) -> Iterator[tuple[Path, str]]:
    """The package's files unpacked in a scratch directory (the root of its tree), and its
    version; both gone after the block. Needs Debian's package archive."""
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(["apt-get", "download", package], cwd=scratch, check=True)
        (deb,) = Path(scratch).glob(f"{package}_*.deb")
        root = Path(scratch) / "unpacked"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        yield root, deb.name.split("_")[1]
