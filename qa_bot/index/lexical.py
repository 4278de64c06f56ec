"""BM25 ranking over bm25s's precomputed weights, fast at a million chunks.

bm25s stores, for every term, the chunks holding it and their BM25 weight (a CSC
matrix; `BM25.get_scores` adds the columns of the query's terms). Where the time
goes at 1M chunks (docs/benchmark.md): adding the long columns of a few very
common syllables ("của", "và", "hành", "chính") and sorting a million scores. So:

- each distinct query term is scored once, weighted by how often the query has it
  (the same sum as bm25s adding it once per occurrence);
- the columns are added by a compiled loop (numba, as bm25s's numba backend does),
  or by bm25s itself where numba is missing (`QA_BOT_BM25=numpy`);
- stop-syllables keep their weight, they are not deleted: a term whose column is
  longer than `COMMON_POSTINGS` is not added over the whole corpus, but looked up
  only for the chunks that the other terms (or their upper bound) could still put in
  the top `depth` (MaxScore); the result is the exact top `depth` of the full sum,
  and when that bound cannot be met the full sum is taken;
- an allowed subset (a filter) multiplies the scores by a 0/1 mask, as bm25s's
  `weight_mask` does, so a filtered question still gets its full `depth`.
"""

from __future__ import annotations

import os
from functools import cached_property

import bm25s
import numpy as np

__all__ = ["COMMON_POSTINGS", "LexicalIndex", "top_ids"]

COMMON_POSTINGS = 50_000  # columns longer than this are looked up, not added (never below 50k chunks)
MAX_EXACT_CANDIDATES = 200_000  # beyond this many chunks to check, adding every column is cheaper

try:  # pragma: no branch
    if os.environ.get("QA_BOT_BM25") == "numpy":
        raise ImportError
    from numba import njit

    @njit(cache=True, nogil=True)
    def _add_columns(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, terms: np.ndarray,
                     weights: np.ndarray, scores: np.ndarray) -> None:  # pragma: no cover - compiled
        for t in range(len(terms)):
            term, weight = terms[t], weights[t]
            for j in range(indptr[term], indptr[term + 1]):
                scores[indices[j]] += weight * data[j]

    @njit(cache=True, nogil=True)
    def _lookup_columns(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, terms: np.ndarray,
                        weights: np.ndarray, docs: np.ndarray, scores: np.ndarray) -> None:  # pragma: no cover
        for t in range(len(terms)):
            term, weight = terms[t], weights[t]
            start, end = indptr[term], indptr[term + 1]
            for i in range(len(docs)):
                at = start + np.searchsorted(indices[start:end], docs[i])
                if at < end and indices[at] == docs[i]:
                    scores[i] += weight * data[at]

    COMPILED = True
except ImportError:  # numba missing or turned off: numpy, as bm25s's own backend
    COMPILED = False

    def _add_columns(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, terms: np.ndarray,
                     weights: np.ndarray, scores: np.ndarray) -> None:
        for term, weight in zip(terms, weights, strict=True):
            start, end = indptr[term], indptr[term + 1]
            np.add.at(scores, indices[start:end], weight * data[start:end])

    def _lookup_columns(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, terms: np.ndarray,
                        weights: np.ndarray, docs: np.ndarray, scores: np.ndarray) -> None:
        for term, weight in zip(terms, weights, strict=True):
            start, end = indptr[term], indptr[term + 1]
            at = start + np.searchsorted(indices[start:end], docs)
            found = at < end
            found[found] = indices[at[found]] == docs[found]
            scores[found] += weight * data[at[found]]


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
        self._column_max: dict[int, float] = {}

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

    def _bound(self, term: int) -> float:
        """The largest weight in a term's column; infinite when the column's chunk ids are not
        ascending (they are in bm25s's matrices; a lookup needs them so).
        """
        if term not in self._column_max:
            start, end = self.indptr[term], self.indptr[term + 1]
            ascending = bool(np.all(np.diff(self.indices[start:end]) > 0))
            top = float(self.data[start:end].max()) if end > start else 0.0
            self._column_max[term] = top if ascending else float("inf")
        return self._column_max[term]

    def top(self, tokens: list[str], depth: int, mask: np.ndarray | None = None) -> list[int]:
        """The ids of the `depth` best chunks with a positive score, best first (ties in id
        order), among those `mask` allows (1) when given.
        """
        if depth <= 0 or not self.num_docs:
            return []
        terms, weights = self.terms(tokens)
        if not len(terms):
            return []
        lengths = self.indptr[terms + 1] - self.indptr[terms]
        common = lengths > COMMON_POSTINGS
        if common.any() and not common.all():
            found = self._top_by_bound(terms, weights, common, depth, mask)
            if found is not None:
                return found
        scores = np.zeros(self.num_docs, dtype=self._dtype)
        _add_columns(self.data, self.indices, self.indptr, terms, weights, scores)
        if mask is not None:
            scores *= mask
        return [int(i) for i in top_ids(scores, depth) if scores[i] > 0]

    def _top_by_bound(self, terms: np.ndarray, weights: np.ndarray, common: np.ndarray, depth: int,
                      mask: np.ndarray | None) -> list[int] | None:
        """The exact top `depth` without adding the common terms' columns (MaxScore), or None
        when their upper bound does not rule out enough chunks.
        """
        rare = np.zeros(self.num_docs, dtype=self._dtype)
        _add_columns(self.data, self.indices, self.indptr, terms[~common], weights[~common], rare)
        if mask is not None:
            rare *= mask
        candidates = np.flatnonzero(rare > 0)
        if len(candidates) < depth:
            return None  # chunks holding only common terms may enter the top
        bound = float(sum(w * self._bound(int(t)) for t, w in zip(terms[common], weights[common], strict=True)))
        best = candidates[top_ids(rare[candidates], depth)]
        threshold = float(np.sort(self._exact(best, rare, terms[common], weights[common]))[-depth])
        if bound >= threshold:
            return None  # a chunk without any rare term could still reach the top
        check = candidates[rare[candidates] + bound >= threshold]
        if len(check) > MAX_EXACT_CANDIDATES:
            return None
        exact = self._exact(check, rare, terms[common], weights[common])
        return [int(check[i]) for i in top_ids(exact, depth) if exact[i] > 0]

    def _exact(self, docs: np.ndarray, rare: np.ndarray, terms: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The full scores of `docs` (ascending ids): their rare part plus the common terms looked up."""
        scores = rare[docs].copy()
        _lookup_columns(self.data, self.indices, self.indptr, terms, weights, docs.astype(self.indices.dtype),
                        scores)
        return scores
