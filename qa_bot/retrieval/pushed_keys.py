"""The keys a push left in a Milvus collection, kept in the index folder for the next push.

    index/milvus/<collection>.<generation>.npy    int64: the key of every row the push left

<collection> is a hash of the collection's URI and name, <generation> one of the
generation pushed. The file says: once this generation was pushed, the collection
held exactly these keys. The next push diffs its index against them instead of
reading every key the collection holds, as long as the collection is still at that
generation (`milvus_push` checks the rest). The file lies outside the generation
folders, so a rebuild keeps it; it is written (atomically, a plain .npy) only
after a push that finished alone, and replaces the collection's earlier file.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from pathlib import Path

import numpy as np

from ..index.store import write_bytes_atomic
from .milvus import MilvusTarget

__all__ = ["FOLDER", "forget_pushed", "pushed_keys", "record_pushed"]

FOLDER = "milvus"


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def _collection(target: MilvusTarget) -> str:
    """The hash naming `target`'s collection (a Milvus Lite file by its absolute path)."""
    uri = str(Path(target.uri).resolve()) if target.is_lite else target.uri
    return _digest(f"{uri}\x1f{target.collection}")


def _path(index_dir: Path, target: MilvusTarget, generation: str) -> Path:
    return Path(index_dir) / FOLDER / f"{_collection(target)}.{_digest(generation)}.npy"


def pushed_keys(index_dir: Path, target: MilvusTarget, generation: str) -> tuple[np.ndarray | None, str]:
    """The keys the push of `generation` from `index_dir` left in `target`'s collection, or None
    and why there are none.
    """
    path = _path(index_dir, target, generation)
    if not path.exists():
        if any(path.parent.glob(f"{_collection(target)}.*.npy")):
            return None, "another index was pushed to it since this folder's last push"
        return None, f"{path.parent} has no record of a push to it"
    try:
        keys = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as err:
        return None, f"{path} is unreadable ({err})"
    if keys.dtype != np.int64 or keys.ndim != 1:
        return None, f"{path} is unreadable (it holds {keys.dtype} of shape {keys.shape}, not int64 keys)"
    return keys, ""


def record_pushed(index_dir: Path, target: MilvusTarget, generation: str, keys: np.ndarray) -> None:
    """Record that the push of `generation` left `keys` in `target`'s collection (when the
    folder cannot be written, the next push reads the collection's keys instead).
    """
    path = _path(index_dir, target, generation)
    data = io.BytesIO()
    np.save(data, np.asarray(keys, dtype=np.int64), allow_pickle=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, data.getvalue())
    except OSError:
        path = None
    forget_pushed(index_dir, target, keep=path)


def forget_pushed(index_dir: Path, target: MilvusTarget, keep: Path | None = None) -> None:
    """Delete the records of pushes to `target`'s collection (but `keep`)."""
    for path in (Path(index_dir) / FOLDER).glob(f"{_collection(target)}.*.npy"):
        if path != keep:
            with contextlib.suppress(OSError):
                path.unlink()
