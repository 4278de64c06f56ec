"""Hybrid retrieval: dense and lexical (BM25) rankings fused by rank, behind one `Backend`.

A backend holds the vectors: given the query vector and the query tokens it
returns the fused ranking of chunk ids (chunk id = row of the local index). The
index folder's own FAISS and bm25s indexes are `faiss.FaissBackend`; a Milvus
collection is `milvus.MilvusBackend`. The caller chooses and passes one in.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..embedders import Embedder
from ..index.load import Index
from ..index.subset import Subset
from ..schema import Hit

__all__ = ["Backend", "Fused", "MODES", "NEAR_DUPLICATE", "RRF_K", "distinct", "embed_query", "fused", "rrf",
           "search"]

RRF_K = 60
NEAR_DUPLICATE = 0.9  # share of word pairs (Jaccard) from which two chunks count as one
DUPLICATE_MARGIN = 10
MODES = ("hybrid", "dense", "bm25")

# (chunk id, fused score, {ranking name: rank}, cosine to the query or 0.0)
Fused = tuple[int, float, dict[str, int], float]


class Backend(Protocol):
    """Where the dense and lexical indexes live."""

    def rank(self, query_vector: np.ndarray | None, tokens: list[str], k: int, depth: int, mode: str,
             subset: Subset | None = None) -> list[Fused]:
        """The top `k` chunks by RRF (k=60) of the rankings `mode` names, each `depth` deep,
        both searching only `subset`'s chunks when given.
        """
        ...


def rrf(rankings: dict[str, list[int]], k: int = RRF_K,
        weights: dict[str, float] | None = None) -> list[tuple[int, float, dict[str, int]]]:
    """Reciprocal rank fusion: score(d) = Σ w / (k + rank), ranks counted from 1.

    Returns (id, score, {ranking name: rank}) best first; ties keep the order in
    which ids first appear.

    >>> [(d, round(s, 4)) for d, s, _ in rrf({"a": [7, 3], "b": [3]})]
    [(3, 0.0325), (7, 0.0164)]
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


def fused(rankings: dict[str, list[int]], cosines: dict[int, float], k: int) -> list[Fused]:
    """The top `k` of `rrf(rankings)`, each with its cosine (0.0 when not in the dense ranking)."""
    return [(i, score, ranks, cosines.get(i, 0.0)) for i, score, ranks in rrf(rankings)[:k]]


def search(
    index: Index,
    embedder: Embedder,
    backend: Backend,
    dense_text: str,
    tokens: list[str],
    k: int = 10,
    depth: int = 100,
    mode: str = "hybrid",
    subset: Subset | None = None,
    query_vector: np.ndarray | None = None,
) -> list[Hit]:
    """The top `k` chunks for a query, by `mode`: 'hybrid', 'dense' or 'bm25' (of `subset` when given).

    `query_vector` is the embedded `dense_text` when the caller has it already.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose 'hybrid', 'dense' or 'bm25'")
    if query_vector is None and mode != "bm25":
        query_vector = embed_query(embedder, dense_text)
    query_vector = query_vector if mode != "bm25" else None
    wanted = k + DUPLICATE_MARGIN  # room to drop near-duplicates and still return k
    fused = backend.rank(query_vector, tokens, wanted, depth, mode) if subset is None else \
        backend.rank(query_vector, tokens, wanted, depth, mode, subset=subset)
    return distinct([Hit(index.chunks[i], score, ranks, cosine) for i, score, ranks, cosine in fused], k)


def embed_query(embedder: Embedder, text: str) -> np.ndarray:
    """The query vector of `text` ('query: ' prompt)."""
    return embedder.encode([text], is_query=True)[0]


def _bigrams(text: str) -> frozenset[tuple[str, str]]:
    words = text.casefold().split()
    return frozenset(zip(words, words[1:], strict=False)) or frozenset([(text.casefold(), "")])


def distinct(hits: list[Hit], k: int, threshold: float = NEAR_DUPLICATE) -> list[Hit]:
    """The first `k` hits, each near-duplicate of a better one left out (word pairs shared ≥
    `threshold` of both: a header, footer or signature block repeated across documents, a
    legacy export that repeats its text), so that one text does not fill the top.
    """
    kept: list[Hit] = []
    seen: list[frozenset[tuple[str, str]]] = []
    for hit in hits:
        pairs = _bigrams(hit.chunk.text)
        if any(len(pairs & other) >= threshold * len(pairs | other) for other in seen):
            continue
        kept.append(hit)
        seen.append(pairs)
        if len(kept) == k:
            break
    return kept
