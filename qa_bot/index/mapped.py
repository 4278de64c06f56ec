"""Index files mapped read-only into memory, and letting go of their pages after a question.

A question reads a little of each large file of an index: a few hundred rows of
vectors.npy, the BM25 columns of its terms, the IVF lists it probes, its hits'
chunk records. Each byte read maps the whole page-cache folio that holds it into
the process, and on this machine's ext4 a cached folio is 2 MB: 400 re-scored
vector rows of 1.5 KB map up to 600 MB. `MADV_RANDOM` changes nothing once the
file is cached (measured: docs/benchmark.md "Serving memory"), so after fifty
questions a process at 1M chunks held ~3.2 GB of index pages.

`release_all()` (after every question, `QA.ask`) unmaps those pages with
`MADV_DONTNEED`: they stay in the kernel's page cache (shared, reclaimable,
the system's buff/cache rather than the process's memory) and the next
question maps what it reads again (~1.5 µs a 2 MB folio). The process's
resident memory is then its private memory plus one question's pages.
Only the read-only maps made here are released, never memory anything else owns.
"""

from __future__ import annotations

import mmap
import threading
import weakref
from pathlib import Path

import numpy as np

from .npyrows import npy_header

__all__ = ["load_npy", "map_file", "release_all"]

_LIVE: weakref.WeakSet[mmap.mmap] = weakref.WeakSet()  # a map lives while an array over it does
_LOCK = threading.Lock()


def map_file(path: Path) -> np.ndarray:
    """The bytes of `path`, a read-only uint8 array over the file mapped into memory (an empty
    file: an empty array); its pages are unmapped by `release_all`.
    """
    with open(path, "rb") as file:
        if not Path(path).stat().st_size:
            return np.zeros(0, dtype=np.uint8)
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    with _LOCK:
        _LIVE.add(mapped)
    return np.frombuffer(mapped, dtype=np.uint8)


def load_npy(path: Path) -> np.ndarray:
    """The array of a .npy file, read-only over the mapped file: what `np.load(mmap_mode="r")`
    gives, its pages unmapped by `release_all`.
    """
    with open(path, "rb") as file:
        shape, fortran, dtype, offset = npy_header(file)
    if dtype.hasobject:
        raise ValueError(f"{path} holds Python objects, not numbers")
    count = int(np.prod(shape, dtype=np.int64))
    flat = map_file(path)[offset:offset + count * dtype.itemsize].view(dtype)
    return flat.reshape(shape, order="F" if fortran else "C")


def release_all() -> None:
    """Unmap the pages read so far of every file mapped by `map_file` in this process (no-op where
    the platform has no `madvise`).
    """
    if not hasattr(mmap, "MADV_DONTNEED"):
        return
    with _LOCK:
        live = list(_LIVE)
    for mapped in live:
        try:
            mapped.madvise(mmap.MADV_DONTNEED)
        except ValueError:  # closed meanwhile
            continue
