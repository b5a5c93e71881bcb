"""The model's word-embedding table, read from its files a row at a time.

The table is most of a multilingual model (e5-small: 250k tokens x 384). The ONNX export
keeps it outside the graph in 8 bits (runtime.py), and a process reads only the rows of
the tokens it encodes, with one positioned read each: the rows stay in the kernel's page
cache, shared by every replica on the machine, and no process holds the table. Mapping
the file into memory instead made a process resident in 72 MB of it after 20 questions:
the kernel maps the cached pages around each one read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

    from .._types import Matrix

__all__ = ["WordTable"]


class _Rows:
    """The rows of one 2-D array in a `.npy` file, read by position."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as file:
            version = np.lib.format.read_magic(file)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(file)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(file)
            offset = file.tell()
        if len(shape) != 2 or fortran:
            raise ValueError(f"{path}: not a table of rows")
        self.dtype = np.dtype(dtype)
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        self._width = self.shape[1] * self.dtype.itemsize
        self._offset = offset
        self._fd = os.open(path, os.O_RDONLY)

    def read(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.generic]:
        data = b"".join(
            os.pread(self._fd, self._width, self._offset + int(row) * self._width) for row in rows
        )
        return np.frombuffer(data, dtype=self.dtype).reshape(len(rows), self.shape[1])

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)


class WordTable:
    """8-bit codes and a 32-bit scale for each block of `block` numbers of a row."""

    def __init__(self, codes: Path, scales: Path) -> None:
        self._codes, self._scales = _Rows(codes), _Rows(scales)
        rows, width = self._codes.shape
        if self._scales.shape[0] != rows or width % self._scales.shape[1]:
            raise ValueError(f"{scales} does not fit {codes}")
        self.width = width

    def lookup(self, ids: npt.NDArray[np.int64]) -> Matrix:
        """The rows of `ids` (any shape) in 32 bits, shaped `ids.shape + (width,)`."""
        distinct, where = np.unique(ids, return_inverse=True)
        codes = self._codes.read(distinct).astype(np.float32)
        scales = self._scales.read(distinct).astype(np.float32, copy=False)
        blocks = codes.reshape(len(distinct), scales.shape[1], -1) * scales[:, :, None]
        rows: Matrix = blocks.reshape(len(distinct), self.width)[where.reshape(-1)]
        return rows.reshape(*ids.shape, self.width)
