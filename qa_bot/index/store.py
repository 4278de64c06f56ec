"""The index folder on disk: manifest, generation folders, atomic switch, build lock.

    index/manifest.json        the current build: names its generation folder
    index/gen-<id>/...         the data of one build (written whole, then renamed)
    index/.build.lock          held while a build runs
    index/milvus/...           the keys of the last push to each Milvus collection (retrieval/pushed_keys.py)

A build writes a new generation folder under a temporary name, renames it, then
replaces manifest.json with one atomic rename: a reader sees the old index or the
new one, and a build killed at any moment leaves the previous index as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import BuildLocked

__all__ = ["MANIFEST", "BuildLocked", "read_manifest", "write_json_atomic", "write_bytes_atomic", "new_generation",
           "publish", "build_lock", "write_jsonl", "read_jsonl"]

MANIFEST = "manifest.json"
LOCK = ".build.lock"


def write_jsonl(path: Path, records: Iterable[dict]) -> None:
    """One JSON object a line, UTF-8."""
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict]:
    """The JSON objects of a JSONL file."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def write_json_atomic(path: Path, data: dict) -> None:
    """Write `data` as JSON to `path` atomically (`write_bytes_atomic`)."""
    write_bytes_atomic(path, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, fsync it, rename it over `path`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_manifest(index_dir: Path) -> dict | None:
    """The current manifest, or None when there is no (readable) index."""
    path = Path(index_dir) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def new_generation(index_dir: Path) -> tuple[str, Path]:
    """A fresh generation name and the temporary folder to write it in."""
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    generation = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = Path(index_dir) / f".{generation}.partial"
    tmp.mkdir()
    return generation, tmp


def publish(index_dir: Path, tmp: Path, generation: str, manifest: dict) -> None:
    """Make the generation written in `tmp` the current index, atomically."""
    index_dir = Path(index_dir)
    os.replace(tmp, index_dir / generation)
    previous = (read_manifest(index_dir) or {}).get("generation")
    write_json_atomic(index_dir / MANIFEST, manifest)
    _remove_old_generations(index_dir, keep={generation, previous})


def _remove_old_generations(index_dir: Path, keep: set) -> None:
    """Drop generations older than the current and the previous one (readers may
    still be loading that), and partial folders left by killed builds.
    """
    for path in index_dir.iterdir():
        if path.is_dir() and path.name.startswith(("gen-", ".gen-")) and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index folder's build lock, or raise BuildLocked at once (on any platform)."""
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    lock = FileLock(Path(index_dir) / LOCK, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise BuildLocked(
            f"another qa-bot build is running on {index_dir}; wait for it to finish and try again"
        ) from None
    try:
        yield
    finally:
        lock.release()
