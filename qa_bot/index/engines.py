"""Where a build's heavy work runs: worker processes on this machine, or a Ray cluster.

A build engine extracts the files that changed, tokenises the new chunk texts and
embeds them; the build (`build.py`) does the rest the same way whichever engine ran,
so both produce the same index.

- `LocalEngine(workers)`: this process reads the files; tokenising and embedding run
  in `workers` processes (`workers.py`).
- `RayEngine(address, workers)`: a Ray Data pipeline on an existing Ray cluster
  (`qa-bot build --ray ADDRESS`; "local" starts a local one): files are read and
  tokenised by Ray tasks, and chunks embedded by `workers` Ray actors that each load
  the embedder once. The `[ray]` extra installs Ray.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from ..embedders import Embedder
from ..errors import QaBotError
from ..ingest.documents import CorpusFiles, read_document
from ..schema import Document
from . import workers as local

__all__ = ["BuildEngine", "LocalEngine", "RayEngine"]

Progress = Callable[[int], None]
EMBED_BATCH = 32


class BuildEngine(Protocol):
    """Extraction, tokenising and embedding, wherever they run."""

    def extract(self, files: CorpusFiles, cache: dict, max_bytes: int) -> dict[str, tuple[str, Document]]:
        """Source → (file key, Document) of the files not in `cache` that it read (the build reads the rest)."""
        ...

    def tokenize(self, texts: list[str], progress: Progress | None = None) -> list[list[str]]:
        """BM25 tokens of each text, in order."""
        ...

    def embed(self, texts: list[str], embedder: Embedder, progress: Progress | None = None) -> np.ndarray:
        """Passage vectors of each text, in order."""
        ...


class LocalEngine:
    """Worker processes on this machine for tokens and vectors; the build reads the files itself."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers

    def extract(self, files: CorpusFiles, cache: dict, max_bytes: int) -> dict[str, tuple[str, Document]]:
        """Nothing: the build reads the files as it scans the folder."""
        return {}

    def tokenize(self, texts: list[str], progress: Progress | None = None) -> list[list[str]]:
        """`workers.tokenize`."""
        return local.tokenize(texts, self.workers, progress)

    def embed(self, texts: list[str], embedder: Embedder, progress: Progress | None = None) -> np.ndarray:
        """`workers.embed`."""
        return local.embed(texts, embedder, self.workers, progress)


def _read_rows(batch: dict) -> dict:
    """Ray task: read each file of the batch; the error message instead where it cannot be read."""
    texts, metas, errors = [], [], []
    for path, source, sidecar, max_bytes in zip(batch["path"], batch["source"], batch["sidecar"],
                                                batch["max_bytes"], strict=True):
        import json

        try:
            doc = read_document(Path(path), source, json.loads(sidecar), int(max_bytes))
            texts.append(doc.text)
            metas.append(json.dumps(doc.meta, ensure_ascii=False))
            errors.append("")
        except Exception as err:  # noqa: BLE001 - the build reads it again and reports it by name
            texts.append("")
            metas.append("{}")
            errors.append(str(err) or type(err).__name__)
    return {"source": batch["source"], "text": texts, "meta": metas, "error": errors}


def _tokenize_rows(batch: dict) -> dict:
    """Ray task: BM25 tokens of a batch of chunk texts (joined by a separator Arrow keeps)."""
    return {"i": batch["i"], "tokens": ["\x1f".join(local._tokenize_batch([t])[0]) for t in batch["text"]]}


class _EmbedActor:
    """Ray actor: loads the embedder once, then embeds batches of chunk texts."""

    def __init__(self, spec: str) -> None:
        from ..embedders import get_embedder

        self.embedder = get_embedder(spec, threads=1)

    def __call__(self, batch: dict) -> dict:
        return {"i": batch["i"], "vector": self.embedder.encode(list(batch["text"]))}


class RayEngine:
    """A Ray Data pipeline on the Ray cluster at `address` ("local": a local cluster)."""

    def __init__(self, address: str, workers: int | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise QaBotError("`qa-bot build --ray` needs Ray: pip install 'qa-bot[ray]'") from None
        if not ray.is_initialized():
            try:
                local_cluster = {"num_cpus": workers, "object_store_memory": 256 * 2**20} if address == "local" else {}
                ray.init(address=None if address == "local" else address, log_to_driver=False,
                         include_dashboard=False, ignore_reinit_error=True, **local_cluster)
            except (ConnectionError, RuntimeError, ValueError) as err:
                raise QaBotError(f"cannot reach the Ray cluster at {address}: {err}") from None
        self.ray = ray
        self.workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False

    def extract(self, files: CorpusFiles, cache: dict, max_bytes: int) -> dict[str, tuple[str, Document]]:
        """Read the new and changed files in Ray tasks."""
        import json

        todo = [(source, key) for source, key in files.keys.items()
                if key is not None and (cache.get(source) or (None,))[0] != key]
        if not todo:
            return {}
        rows = [{"path": str(files.folder / source), "source": source, "max_bytes": max_bytes,
                 "sidecar": json.dumps(files.metadata.get(source, {}), ensure_ascii=False)} for source, _ in todo]
        read = self.ray.data.from_items(rows).map_batches(_read_rows, batch_size=1).take_all()
        keys = dict(todo)
        return {r["source"]: (keys[r["source"]], Document(r["source"], r["text"], json.loads(r["meta"])))
                for r in read if not r["error"]}

    def tokenize(self, texts: list[str], progress: Progress | None = None) -> list[list[str]]:
        """Tokenise in Ray tasks."""
        if not texts:
            return []
        rows = self.ray.data.from_items([{"i": i, "text": t} for i, t in enumerate(texts)]) \
            .map_batches(_tokenize_rows, batch_size=local.TOKENIZE_BATCH).take_all()
        out: list[list[str]] = [[] for _ in texts]
        for row in rows:
            out[int(row["i"])] = row["tokens"].split("\x1f") if row["tokens"] else []
        if progress:
            progress(len(texts))
        return out

    def embed(self, texts: list[str], embedder: Embedder, progress: Progress | None = None) -> np.ndarray:
        """Embed in Ray actors when the embedder can be rebuilt there by name, else here."""
        spec = getattr(embedder, "spec", None)
        if spec is None or not texts:
            return embedder.encode(texts, progress=progress)
        rows = self.ray.data.from_items([{"i": i, "text": t} for i, t in enumerate(texts)]) \
            .map_batches(_EmbedActor, fn_constructor_args=(spec,), batch_size=EMBED_BATCH,
                         concurrency=self.workers).take_all()
        out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
        for row in rows:
            out[int(row["i"])] = row["vector"]
        if progress:
            progress(len(texts))
        return out
