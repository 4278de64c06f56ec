"""The dense index, chosen by corpus size: exact search for small corpora, IVF with
8-bit scalar quantisation and exact re-scoring above `EXACT_MAX_CHUNKS`.

Files in a generation folder:

    vectors.npy    float32 L2-normalised rows (the source of truth; reused by
                   incremental builds, and used to re-score exactly)
    dense.faiss    the approximate index, only when the spec is not exact

The spec (type and parameters) goes into the manifest under "dense".
`qa-bot bench` measures latency and recall@10 against exact search per size;
see README "Benchmark" for the figures behind the threshold.
"""

from __future__ import annotations

import math
from pathlib import Path

import faiss
import numpy as np

from .mapped import load_npy, map_file
from .npyrows import NpyRows

__all__ = [
    "EXACT_MAX_CHUNKS",
    "RescoredIndex",
    "build_dense",
    "choose_spec",
    "exact_index",
    "load_dense",
    "load_vectors",
    "save_dense",
    "search_subset",
]

# Exact search costs ~0.15 µs per chunk and query here (2 Zen 3 cores, AVX2):
# 50 k chunks ≈ 7 ms, half of it already above the 10 ms retrieval budget's dense share.
EXACT_MAX_CHUNKS = 50_000
NPROBE = 32
EXACT_SUBSET_CHUNKS = 10_000  # a filtered search reads this many rows at most (15 MB) rather than probe lists
RESCORE_FACTOR = 4
VECTORS = "vectors.npy"
ANN = "dense.faiss"


class RescoredIndex:
    """An approximate index whose candidates are re-scored with the exact vectors.

    Searches `rescore_factor × k` candidates in the quantised index, then orders
    them by their true inner product; same `search` / `ntotal` as a faiss index.
    """

    def __init__(self, ann: faiss.Index, vectors: np.ndarray | NpyRows, rescore_factor: int = RESCORE_FACTOR) -> None:
        self.ann = ann
        self.vectors = vectors
        self.rescore_factor = rescore_factor

    @property
    def ntotal(self) -> int:
        """Number of vectors indexed."""
        return int(self.ann.ntotal)

    def search(self, queries: np.ndarray, k: int, params: object = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the `k` best rows for each query, -1 ids where fewer (`params`:
        faiss SearchParameters, e.g. an IDSelector).
        """
        queries = np.atleast_2d(queries).astype(np.float32)
        _, candidates = self.ann.search(queries, max(k, k * self.rescore_factor), params=params)
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        for row, (query, found) in enumerate(zip(queries, candidates, strict=False)):
            found = np.sort(found[found >= 0])  # ascending rows read a memory map in order
            exact = np.asarray(self.vectors[found], dtype=np.float32) @ query
            order = np.argsort(-exact, kind="stable")[:k]
            scores[row, :len(order)] = exact[order]
            ids[row, :len(order)] = found[order]
        return scores, ids


def _exact_rows(vectors: np.ndarray | NpyRows, rows: np.ndarray, query: np.ndarray,
                k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, ids) of the `k` rows among `rows` (ascending) nearest to `query`, exactly."""
    exact = np.empty(len(rows), dtype=np.float32)
    for start in range(0, len(rows), 65_536):  # a block at a time, in order
        part = rows[start:start + 65_536]
        exact[start:start + len(part)] = np.asarray(vectors[part], dtype=np.float32) @ query
    order = np.argsort(-exact, kind="stable")[:k]
    return exact[order], rows[order]


def search_subset(index: faiss.Index | RescoredIndex, query: np.ndarray, k: int,
                  subset: object) -> tuple[np.ndarray, np.ndarray]:
    """(scores, ids) of the `k` best chunks of `subset` (index.subset.Subset) for one query, best first.

    Exact search keeps only the subset through an IDSelector; the approximate index
    does too, probing as many more lists as the subset is smaller (1M chunks, one
    province of 34: 1,088 of 2,000 lists, 7 ms, recall@10 1.0 against exact search
    in the subset), and a subset of up to EXACT_SUBSET_CHUNKS (or one the probed
    lists do not fill) is searched exactly: the top `k` is always full.
    """
    query = np.asarray(query, dtype=np.float32).reshape(1, -1)
    k = min(k, len(subset))
    if k == 0:
        return np.zeros(0, np.float32), np.zeros(0, np.int64)
    if not isinstance(index, RescoredIndex):
        scores, ids = index.search(query, k, params=faiss.SearchParameters(sel=subset.selector))
        return scores[0], ids[0]
    if len(subset) <= EXACT_SUBSET_CHUNKS:
        return _exact_rows(index.vectors, subset.ids, query[0], k)
    share = len(subset) / max(1, index.ntotal)
    nprobe = min(index.ann.nlist, int(math.ceil(index.ann.nprobe / share)))  # as many allowed codes as unfiltered
    scores, ids = index.search(query, k, params=faiss.SearchParametersIVF(sel=subset.selector, nprobe=nprobe))
    if (ids[0] < 0).any():
        return _exact_rows(index.vectors, subset.ids, query[0], k)
    return scores[0], ids[0]


def choose_spec(n_chunks: int) -> dict:
    """The dense index for `n_chunks`: exact up to EXACT_MAX_CHUNKS, else IVF-SQ8 re-scored."""
    if n_chunks <= EXACT_MAX_CHUNKS:
        return {"type": "flat", "metric": "inner_product"}
    nlist = int(2 * math.sqrt(n_chunks))
    return {"type": "ivf_sq8_rescored", "metric": "inner_product", "nlist": nlist,
            "nprobe": NPROBE, "rescore_factor": RESCORE_FACTOR, "train_size": min(n_chunks, 40 * nlist)}


def exact_index(vectors: np.ndarray) -> faiss.IndexFlatIP:
    """Exact inner-product search over `vectors` (they are copied)."""
    index = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _ivf_sq8(vectors: np.ndarray, spec: dict, seed: int) -> faiss.Index:
    dim = vectors.shape[1]
    ivf = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, spec["nlist"],
                                        faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(seed).choice(len(vectors), spec["train_size"], replace=False)
    ivf.train(np.ascontiguousarray(vectors[np.sort(sample)], dtype=np.float32))
    for start in range(0, len(vectors), 100_000):
        ivf.add(np.ascontiguousarray(vectors[start:start + 100_000], dtype=np.float32))
    ivf.nprobe = spec["nprobe"]
    return ivf


def build_dense(vectors: np.ndarray, spec: dict, seed: int = 0) -> faiss.Index | RescoredIndex:
    """The searchable index of `spec` over `vectors` (rows L2-normalised)."""
    if spec["type"] == "flat":
        return exact_index(vectors)
    if spec["type"] == "ivf_sq8_rescored":
        return RescoredIndex(_ivf_sq8(vectors, spec, seed), vectors, spec["rescore_factor"])
    raise ValueError(f"unknown dense index type {spec['type']!r}")


def save_dense(folder: Path, vectors: np.ndarray, index: faiss.Index | RescoredIndex) -> None:
    """Write the vectors, and the approximate index when there is one."""
    np.save(Path(folder) / VECTORS, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
    if isinstance(index, RescoredIndex):
        faiss.write_index(index.ann, str(Path(folder) / ANN))


def load_vectors(folder: Path, mmap: bool = False) -> np.ndarray:
    """The float32 vectors of a generation folder (memory-mapped when `mmap`: mapped.load_npy)."""
    if mmap:
        return load_npy(Path(folder) / VECTORS)
    return np.load(Path(folder) / VECTORS, allow_pickle=False)


def _read_ivf(path: Path) -> faiss.Index:
    """The IVF index in `path`, its lists read in place from the mapped file (mapped.map_file)
    when they are probed; the index keeps the map alive.
    """
    data = map_file(path)
    ann = faiss.read_index(faiss.ZeroCopyIOReader(faiss.swig_ptr(data), data.size), faiss.IO_FLAG_MMAP_IFC)
    ann.referenced_objects = [data]  # faiss's way to tie a Python object's life to an index's
    return ann


def load_dense(folder: Path, spec: dict) -> faiss.Index | RescoredIndex:
    """The searchable dense index of a generation folder, as `spec` describes it."""
    if spec["type"] == "flat":
        return exact_index(load_vectors(folder))
    if spec["type"] == "ivf_sq8_rescored":
        ann = _read_ivf(Path(folder) / ANN)
        ann.nprobe = spec["nprobe"]
        return RescoredIndex(ann, NpyRows(Path(folder) / VECTORS), spec["rescore_factor"])  # rows read by pread
    raise ValueError(f"unknown dense index type {spec['type']!r}")
