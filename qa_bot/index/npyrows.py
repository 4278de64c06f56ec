"""Rows of a 2-D .npy file read when asked for, with `pread`: nothing mapped, nothing kept.

A question re-scores ~400 rows of vectors.npy scattered over 1.5 GB (1M chunks).
Read through a memory map, each row maps the whole 2 MB page-cache folio around
it into the process: 640 MB for one question (docs/benchmark.md "Serving
memory"). `pread` copies just the rows' bytes from the page cache (~1 µs a row),
consecutive rows in one read.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import BinaryIO

import numpy as np

__all__ = ["NpyRows", "npy_header"]


def npy_header(file: BinaryIO) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """(shape, Fortran order, dtype, offset of the data) of the .npy file open at its start."""
    major, _ = np.lib.format.read_magic(file)
    read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = read_header(file)
    return shape, fortran, dtype, file.tell()


class NpyRows:
    """The rows of a 2-D C-order .npy file: `rows_file[ids]` reads rows `ids` (any order) as an array."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._file = open(self.path, "rb")  # noqa: SIM115 - kept open while rows are read
        self._lock = threading.Lock()  # for seek and read, where there is no pread
        shape, fortran, self.dtype, self._offset = npy_header(self._file)
        if len(shape) != 2 or (fortran and shape[0] > 1) or self.dtype.hasobject:
            raise ValueError(f"{self.path} is not a 2-D array of numbers in C order")
        self.shape = (int(shape[0]), int(shape[1]))
        self._row_bytes = self.shape[1] * self.dtype.itemsize

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, ids: np.ndarray | list[int] | slice) -> np.ndarray:
        """Rows `ids` (integers, negative from the end; or a slice), in that order."""
        if isinstance(ids, slice):
            ids = np.arange(*ids.indices(len(self)))
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        ids = np.where(ids < 0, ids + len(self), ids)
        if len(ids) and (ids.min() < 0 or ids.max() >= len(self)):
            raise IndexError(f"row out of range 0..{len(self) - 1} of {self.path}")
        order = np.argsort(ids, kind="stable")
        ordered = ids[order]
        out = np.empty((len(ids), self.shape[1]), dtype=self.dtype)
        if out.size:
            self._read_rows(ordered, out)
        result = np.empty_like(out)
        result[order] = out
        return result

    def _read_rows(self, ordered: np.ndarray, out: np.ndarray) -> None:
        """Read rows `ordered` (ascending) into `out`, a run of consecutive rows at once."""
        runs = np.flatnonzero(np.diff(ordered) != 1) + 1
        starts, ends = [0, *runs.tolist()], [*runs.tolist(), len(ordered)]
        size, buffer = self._row_bytes, memoryview(out).cast("B")
        fd = self._file.fileno() if hasattr(os, "preadv") else None
        for start, end, row in zip(starts, ends, ordered[starts].tolist(), strict=True):
            view, offset = buffer[start * size:end * size], self._offset + row * size
            if fd is None or os.preadv(fd, [view], offset) != len(view):  # no pread, or a short read
                self._read_into(view, offset)

    def _read_into(self, view: memoryview, offset: int) -> None:
        with self._lock:
            while len(view):
                self._file.seek(offset)
                done = self._file.readinto(view)
                if not done:
                    raise OSError(f"{self.path} ends before its rows: rebuild the index")
                view, offset = view[done:], offset + done
