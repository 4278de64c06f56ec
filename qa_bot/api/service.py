"""What the HTTP API serves from: one index and one model per process, shared by every request.

Questions are answered one at a time under a lock (the segmenter is not safe to share
between threads; the embedding engine uses every core for each question anyway).
Before each request the service looks at the index folder's manifest: when another
build has published a new generation, it loads that one, without a restart.
Uploads and removals rebuild the index incrementally and switch to it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from ..errors import QaBotError
from ..index.build import build_index
from ..index.load import Index, load_index
from ..index.store import MANIFEST, read_manifest
from ..ingest.uploads import UPLOADS, save_upload
from ..pipeline import QA
from ..retrieval.fusion import Backend

__all__ = ["Service"]


class Service:
    """The shared QA of a corpus and an index folder, reloaded when a new generation appears."""

    def __init__(self, qa: QA, corpus: Path | None, backend: Callable[[Index], Backend]) -> None:
        self.qa = qa
        self.corpus = None if corpus is None else Path(corpus)
        self.backend = backend
        self.index_dir = Path(qa.index.path)
        self._ask_lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._manifest_mtime = self._mtime()

    def _mtime(self) -> int:
        try:
            return os.stat(self.index_dir / MANIFEST).st_mtime_ns
        except OSError:
            return 0

    def current(self) -> QA:
        """The QA of the index folder's current generation (loading a new one if a build published it)."""
        mtime = self._mtime()
        if mtime == self._manifest_mtime:
            return self.qa
        with self._reload_lock:
            if mtime != self._manifest_mtime:
                generation = (read_manifest(self.index_dir) or {}).get("generation")
                if generation and generation != self.qa.index.manifest.generation:
                    self._switch(load_index(self.index_dir, embedder_name=self.qa.embedder.name))
                self._manifest_mtime = mtime
        return self.qa

    def _switch(self, index: Index) -> None:
        self.qa = QA(index, self.qa.embedder, self.backend(index))

    def ask(self, fn: Callable[[QA], object]) -> object:
        """Run `fn` on the current QA, one question at a time."""
        qa = self.current()
        with self._ask_lock:
            return fn(qa)

    def _rebuild(self) -> Index:
        if self.corpus is None:
            raise QaBotError("this server has no corpus folder (started with --index only): it cannot add documents")
        index = build_index(self.corpus, self.index_dir, self.qa.embedder)
        with self._reload_lock:
            self._switch(index)
            self._manifest_mtime = self._mtime()
        return index

    def upload(self, files: list[tuple[str, bytes]]) -> dict:
        """Save `files` (name, content) into the corpus's uploads/ and index them; the files that
        could not be read are reported by name with the reason, and removed again.
        """
        if self.corpus is None:
            raise QaBotError("this server has no corpus folder (started with --index only): it cannot add documents")
        saved = {save_upload(self.corpus, name, content): name for name, content in files}
        index = self._rebuild()
        problems = {p.source: p.reason for p in index.problems}
        unreadable = {source: problems[source] for source in saved if source in problems}
        for source in unreadable:
            (self.corpus / source).unlink(missing_ok=True)  # the user still has the file
        if unreadable:
            index = self._rebuild()
        return {"indexed": [s for s in saved if s not in unreadable],
                "unreadable": [{"source": s, "reason": r} for s, r in unreadable.items()],
                "generation": index.manifest.generation}

    def remove(self, source: str) -> dict:
        """Remove an uploaded document (only files under uploads/ are removed: nothing else a user
        wrote is deleted) and rebuild the index without it.
        """
        if self.corpus is None:
            raise QaBotError("this server has no corpus folder (started with --index only): it cannot remove documents")
        path = (self.corpus / source).resolve()
        uploads = (self.corpus / UPLOADS).resolve()
        if uploads not in path.parents:
            raise PermissionError(f"{source} is not an uploaded document: only files under {UPLOADS}/ can be removed")
        if not path.is_file():
            raise FileNotFoundError(f"no uploaded document {source}")
        path.unlink()
        return {"removed": source, "generation": self._rebuild().manifest.generation}
