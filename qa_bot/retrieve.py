"""Hybrid retrieval: dense and lexical (BM25) rankings, fused by rank.

A backend holds the vectors: given the query vector and the query tokens it
returns the fused ranking of chunk ids (chunk id = row of the local index). The
default `FaissBackend` searches the index folder's FAISS and bm25s indexes;
`milvus_backend.MilvusBackend` asks a Milvus collection.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from .embed import Embedder
from .index import Index
from .schema import Hit

__all__ = ["rrf", "dense_ranking", "bm25_ranking", "search", "Backend", "FaissBackend", "Fused", "MODES", "RRF_K"]

RRF_K = 60
MODES = ("hybrid", "dense", "bm25")

# (chunk id, fused score, {ranking name: rank}, cosine to the query or 0.0)
Fused = tuple[int, float, dict[str, int], float]


class Backend(Protocol):
    """Where the dense and lexical indexes live."""

    def rank(self, query_vector: np.ndarray | None, tokens: list[str], k: int, depth: int, mode: str) -> list[Fused]:
        """The top `k` chunks by RRF (k=60) of the rankings `mode` names, each `depth` deep."""
        ...


def rrf(rankings: dict[str, list[int]], k: int = RRF_K, weights: dict[str, float] | None = None) -> list[tuple[int, float, dict[str, int]]]:
    """Reciprocal rank fusion: score(d) = Σ w / (k + rank), ranks counted from 1.

    Returns (id, score, {ranking name: rank}) best first; ties keep the order in
    which ids first appear.
    """
    scores: dict[int, float] = {}
    ranks: dict[int, dict[str, int]] = {}
    for name, ranking in rankings.items():
        weight = (weights or {}).get(name, 1.0)
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank)
            ranks.setdefault(doc, {})[name] = rank
    order = sorted(scores, key=lambda d: -scores[d])
    return [(d, scores[d], ranks[d]) for d in order]


def dense_ranking(index: Index, query_vector: np.ndarray, depth: int) -> tuple[list[int], dict[int, float]]:
    """Chunk ids by cosine to the query, best first, with their cosines."""
    depth = min(depth, index.dense.ntotal)
    if depth == 0:
        return [], {}
    scores, ids = index.dense.search(np.atleast_2d(query_vector).astype(np.float32), depth)
    pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
    return [i for i, _ in pairs], dict(pairs)


def bm25_ranking(index: Index, tokens: list[str], depth: int) -> list[int]:
    """Chunk ids with a positive BM25 score, best first."""
    if not tokens or not index.chunks:
        return []
    scores = index.bm25.get_scores(tokens)
    return [int(i) for i in top_ids(scores, depth) if scores[i] > 0]


def top_ids(scores: np.ndarray, depth: int) -> np.ndarray:
    """The ids of the `depth` highest scores, best first, ties in id order: what a stable
    sort of all scores gives, without sorting them all (a million chunks: ~10× faster)."""
    if depth <= 0:
        return np.zeros(0, dtype=np.int64)
    if len(scores) > depth:
        kth = np.partition(scores, len(scores) - depth)[len(scores) - depth]  # the depth-th highest
        candidates = np.flatnonzero(scores >= kth)  # ascending ids: a stable sort keeps ties in id order
    else:
        candidates = np.arange(len(scores))
    return candidates[np.argsort(-scores[candidates], kind="stable")][:depth]


class FaissBackend:
    """The index folder's own FAISS (dense) and bm25s (lexical) indexes."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def rank(self, query_vector: np.ndarray | None, tokens: list[str], k: int, depth: int, mode: str) -> list[Fused]:
        """Both rankings computed here, fused by `rrf`."""
        rankings: dict[str, list[int]] = {}
        cosines: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            rankings["dense"], cosines = dense_ranking(self.index, query_vector, depth)
        if mode in ("hybrid", "bm25"):
            rankings["bm25"] = bm25_ranking(self.index, tokens, depth)
        return [(i, score, ranks, cosines.get(i, 0.0)) for i, score, ranks in rrf(rankings)[:k]]


def search(
    index: Index,
    embedder: Embedder,
    dense_text: str,
    tokens: list[str],
    k: int = 10,
    depth: int = 100,
    mode: str = "hybrid",
    backend: Backend | None = None,
) -> list[Hit]:
    """The top `k` chunks for a query, by `mode`: 'hybrid', 'dense' or 'bm25'.

    `backend` holds the vectors (the index folder's FAISS and bm25s by default).
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose 'hybrid', 'dense' or 'bm25'")
    query_vector = embedder.encode([dense_text], is_query=True)[0] if mode != "bm25" else None
    fused = (backend or FaissBackend(index)).rank(query_vector, tokens, k, depth, mode)
    return [Hit(index.chunks[i], score, ranks, cosine) for i, score, ranks, cosine in fused]
