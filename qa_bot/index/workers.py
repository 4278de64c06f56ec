"""Builds on every core: BM25 tokens and chunk vectors computed in worker processes.

`tokenize(texts, workers)` and `embed(texts, embedder, workers)` keep the input
order. Workers start from a clean process (forkserver, else spawn; never a fork of
a process whose threads are running) and run one OpenMP/onnxruntime thread each,
so that `workers` processes use `workers` cores. Small jobs, one worker, or an
embedder a worker cannot rebuild by name run in this process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from ..embedders import Embedder
from ..text import lexical_tokens

__all__ = ["default_workers", "embed", "tokenize"]

MIN_PARALLEL_TEXTS = 256  # below this, starting processes costs more than it saves
TOKENIZE_BATCH = 64
EMBED_BATCH = 32

Progress = Callable[[int], None]
logger = logging.getLogger("qa_bot")


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _tokenize_batch(texts: list[str]) -> list[list[str]]:
    return [lexical_tokens(t) for t in texts]


def _batches(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _pool(workers: int, initializer: Callable | None = None, initargs: tuple = ()) -> ProcessPoolExecutor:
    env = {"OMP_NUM_THREADS": "1"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # inherited by the worker processes started now
    try:
        return ProcessPoolExecutor(workers, mp_context=_context(), initializer=initializer, initargs=initargs)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def tokenize(texts: list[str], workers: int | None = None, progress: Progress | None = None) -> list[list[str]]:
    """`lexical_tokens` of each text, in order, over `workers` processes (default: every core)."""
    workers = default_workers() if workers is None else max(1, workers)
    if workers == 1 or len(texts) < MIN_PARALLEL_TEXTS:
        out = []
        for batch in _batches(texts, TOKENIZE_BATCH):
            out.extend(_tokenize_batch(batch))
            if progress:
                progress(len(batch))
        return out
    out = []
    try:
        with _pool(workers) as pool:
            for batch, tokens in zip(_batches(texts, TOKENIZE_BATCH),
                                     pool.map(_tokenize_batch, _batches(texts, TOKENIZE_BATCH)), strict=True):
                out.extend(tokens)
                if progress:
                    progress(len(batch))
    except (BrokenProcessPool, OSError, RuntimeError) as err:
        logger.warning("worker processes failed (%s): tokenising in this process", err)
        return out + tokenize(texts[len(out):], 1, progress)
    return out


_WORKER_EMBEDDER: list[Embedder] = []


def _start_embedder(spec: str) -> None:
    from ..embedders import get_embedder

    _WORKER_EMBEDDER.append(get_embedder(spec, threads=1))


def _embed_batch(texts: list[str]) -> np.ndarray:
    return _WORKER_EMBEDDER[0].encode(texts)


def embed(texts: list[str], embedder: Embedder, workers: int | None = None,
          progress: Progress | None = None) -> np.ndarray:
    """Passage vectors of `texts`, in order; over `workers` processes when the embedder can be
    rebuilt there by name (`embedder.spec`), else in this process.
    """
    workers = default_workers() if workers is None else max(1, workers)
    spec = getattr(embedder, "spec", None)
    if workers == 1 or spec is None or len(texts) < MIN_PARALLEL_TEXTS:
        return embedder.encode(texts, progress=progress)
    parts, done = [], 0
    try:
        with _pool(workers, _start_embedder, (spec,)) as pool:
            for batch, vectors in zip(_batches(texts, EMBED_BATCH),
                                      pool.map(_embed_batch, _batches(texts, EMBED_BATCH)), strict=True):
                parts.append(vectors)
                done += len(batch)
                if progress:
                    progress(len(batch))
    except (BrokenProcessPool, OSError, RuntimeError) as err:
        logger.warning("worker processes failed (%s): embedding in this process", err)
        parts.append(embedder.encode(texts[done:], progress=progress))
    return np.vstack(parts).astype(np.float32) if parts else np.zeros((0, embedder.dim), np.float32)
