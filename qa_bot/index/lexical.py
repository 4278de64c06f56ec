"""BM25 ranking over bm25s's precomputed weights, fast at a million chunks.

bm25s stores, for every term, the chunks holding it and their BM25 weight (a CSC
matrix; `BM25.get_scores` adds the columns of the query's terms). At 1M chunks of
the benchmark's corpus (docs/benchmark.md) the time goes into adding the long
columns of common syllables (a question's 30 terms touch ~5M weights) and into
picking the top of a million scores. So:

- each distinct query term is added once, weighted by how often the query has it
  (the sum bm25s makes adding it once per occurrence);
- the columns are added by bm25s's numba loop (its numba backend's), with that
  weight, compiled once and cached on disk (numba's cache: a process loads it in
  ~0.1 s); without numba (`QA_BOT_BM25=numpy`) by bm25s's numpy way; the top is
  taken by a partition, in the order of a stable sort (bm25s's numba heap was no
  faster and is compiled again in every process, ~1 s);
- stop-syllables ("của", "là", "và") keep their BM25 weight, which is already low
  (idf ~0.2–0.5 against 5–10 for a rare term): nothing is deleted from a query;
- an allowed subset (a filter) keeps only its chunks' scores: the ranking a 0/1
  mask gives (bm25s's `weight_mask`, tested equal), so a filtered question still
  gets its full `depth`. A subset is runs of consecutive chunk ids (its documents'),
  and each column lists its chunks in ascending order (checked once a term): so
  only the part of each column inside each run is added, found by binary search
  (1M chunks, one province of 34: ~3% of the weights, the same sums).
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

import bm25s
import numpy as np

from .mapped import load_npy

__all__ = ["COMPILED", "LexicalIndex", "load_bm25", "top_ids"]

RUNS_PER_CHUNK = 256  # a subset of more runs of consecutive ids than 1 in this many chunks adds whole columns

try:  # pragma: no branch
    if os.environ.get("QA_BOT_BM25") == "numpy":
        raise ImportError
    from numba import njit

    @njit(cache=True, nogil=True)
    def _add_columns(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, terms: np.ndarray,
                     weights: np.ndarray, scores: np.ndarray) -> None:  # pragma: no cover - compiled
        for t in range(len(terms)):  # bm25s's numba loop, each column times its term's count
            term, weight = terms[t], weights[t]
            for j in range(indptr[term], indptr[term + 1]):
                scores[indices[j]] += weight * data[j]

    @njit(cache=True, nogil=True)
    def _add_in_runs(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, terms: np.ndarray,
                     weights: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                     scores: np.ndarray) -> None:  # pragma: no cover - compiled
        for t in range(len(terms)):  # _add_columns, only the chunks in [starts[r], ends[r]) of ascending columns
            term, weight = terms[t], weights[t]
            first = indptr[term]
            column = indices[first:indptr[term + 1]]
            at = 0
            for r in range(len(starts)):
                at += np.searchsorted(column[at:], starts[r])  # the run's first entry, then its others
                while at < len(column) and column[at] < ends[r]:
                    scores[column[at]] += weight * data[first + at]
                    at += 1

    @njit(cache=True, nogil=True)
    def _ascending(indices: np.ndarray, indptr: np.ndarray, terms: np.ndarray,
                   out: np.ndarray) -> None:  # pragma: no cover - compiled
        for t in range(len(terms)):  # whether each term's column lists its chunks in ascending order
            out[t] = True
            for j in range(indptr[terms[t]] + 1, indptr[terms[t] + 1]):
                if indices[j] <= indices[j - 1]:
                    out[t] = False
                    break

    COMPILED = True
except ImportError:  # numba missing or turned off: numpy, as bm25s's own backend
    COMPILED = False

    def _add_columns(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, terms: np.ndarray,
                     weights: np.ndarray, scores: np.ndarray) -> None:
        for term, weight in zip(terms, weights, strict=True):
            start, end = indptr[term], indptr[term + 1]
            np.add.at(scores, indices[start:end], weight * data[start:end])


def load_bm25(folder: Path) -> bm25s.BM25:
    """The bm25s index saved in `folder`, its weight arrays mapped (mapped.load_npy) rather than read."""
    bm25 = bm25s.BM25.load(str(folder), allow_pickle=False, show_progress=False, verbosity=0, mmap=True)
    for name in ("data", "indices", "indptr"):
        bm25.scores[name] = load_npy(Path(folder) / f"{name}.csc.index.npy")
    return bm25


def top_ids(scores: np.ndarray, depth: int) -> np.ndarray:
    """The ids of the `depth` highest scores, best first, ties in id order: what a stable
    sort of all scores gives, without sorting them all (a million chunks: ~10× faster).

    >>> top_ids(np.array([0.5, 2.0, 0.5, 1.0]), 3).tolist()
    [1, 3, 0]
    """
    if depth <= 0:
        return np.zeros(0, dtype=np.int64)
    if len(scores) > depth:
        kth = np.partition(scores, len(scores) - depth)[len(scores) - depth]  # the depth-th highest
        candidates = np.flatnonzero(scores >= kth)  # ascending ids: a stable sort keeps ties in id order
    else:
        candidates = np.arange(len(scores))
    return candidates[np.argsort(-scores[candidates], kind="stable")][:depth]


class LexicalIndex:
    """The BM25 ranking of a bm25s index (its arrays may be memory-mapped)."""

    def __init__(self, bm25: bm25s.BM25) -> None:
        self.bm25 = bm25
        scores = bm25.scores
        self.data, self.indices = scores["data"], scores["indices"]
        self.indptr = np.asarray(scores["indptr"], dtype=np.int64)
        self.num_docs = int(scores["num_docs"])
        self._ascending: dict[int, bool] = {}  # term → whether its column's chunk ids ascend

    @cached_property
    def _dtype(self) -> np.dtype:
        return np.dtype(self.data.dtype)

    def terms(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The distinct known terms of `tokens` (first-seen order) and how often each occurs."""
        counts: dict[int, int] = {}
        vocab = self.bm25.vocab_dict
        for token in tokens:
            term = vocab.get(token)
            if term is not None:
                counts[term] = counts.get(term, 0) + 1
        return (np.fromiter(counts, dtype=np.int64, count=len(counts)),
                np.fromiter(counts.values(), dtype=self._dtype, count=len(counts)))

    def scores(self, tokens: list[str], mask: np.ndarray | None = None) -> np.ndarray:
        """Every chunk's BM25 score (bm25s's), times `mask` when given."""
        terms, weights = self.terms(tokens)
        scores = np.zeros(self.num_docs, dtype=self._dtype)
        if len(terms):
            _add_columns(self.data, self.indices, self.indptr, terms, weights, scores)
        if mask is not None:
            scores *= mask
        return scores

    def warm_up(self) -> None:
        """Compile the scoring loop now (or load it from numba's cache), not on the first question."""
        none, weights, scores = np.zeros(0, np.int64), np.zeros(0, self._dtype), np.zeros(1, self._dtype)
        _add_columns(self.data, self.indices, self.indptr, none, weights, scores)
        if COMPILED:  # and the loops of a filtered question
            _add_in_runs(self.data, self.indices, self.indptr, none, weights, none, none, scores)
            _ascending(self.indices, self.indptr, none, np.zeros(0, dtype=np.bool_))

    def top(self, tokens: list[str], depth: int, mask: np.ndarray | None = None,
            ids: np.ndarray | None = None) -> list[int]:
        """The ids of the `depth` best chunks with a positive score, best first (ties in id
        order), among those `mask` allows (1) or among `ids` (ascending) when given: the same
        ranking, the second without partitioning a million mostly-zero scores (3× faster).
        """
        if depth <= 0 or not self.num_docs:
            return []
        scores = self._scores_in(tokens, ids) if ids is not None and mask is None else None
        if scores is None:
            scores = self.scores(tokens, mask)
        if ids is not None:
            kept = scores[ids]
            return [int(ids[i]) for i in top_ids(kept, depth) if kept[i] > 0]
        return [int(i) for i in top_ids(scores, depth) if scores[i] > 0]

    def _scores_in(self, tokens: list[str], ids: np.ndarray) -> np.ndarray | None:
        """`scores(tokens)` where `ids` (ascending) are, adding only their part of each column
        (zero elsewhere); None without numba or when a column's chunk ids do not ascend.
        """
        breaks = np.flatnonzero(np.diff(ids) != 1) + 1  # runs of consecutive ids
        if not COMPILED or len(breaks) >= self.num_docs // RUNS_PER_CHUNK:  # scattered ids: every column is faster
            return None
        terms, weights = self.terms(tokens)
        unknown = np.asarray([t for t in terms.tolist() if t not in self._ascending], dtype=np.int64)
        if len(unknown):
            ascending = np.zeros(len(unknown), dtype=np.bool_)
            _ascending(self.indices, self.indptr, unknown, ascending)
            self._ascending.update(zip(unknown.tolist(), ascending.tolist(), strict=True))
        if not all(self._ascending[t] for t in terms.tolist()):
            return None
        scores = np.zeros(self.num_docs, dtype=self._dtype)
        if len(terms) and len(ids):
            starts = ids[np.concatenate([[0], breaks])].astype(np.int64)
            ends = ids[np.concatenate([breaks - 1, [len(ids) - 1]])].astype(np.int64) + 1
            _add_in_runs(self.data, self.indices, self.indptr, terms, weights, starts, ends, scores)
        return scores
