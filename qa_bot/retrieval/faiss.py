"""The index folder's own backend: FAISS for the dense ranking, bm25s's weights for the lexical one."""

from __future__ import annotations

import numpy as np

from ..index.dense import search_subset
from ..index.lexical import top_ids
from ..index.load import Index
from ..index.subset import Subset
from .fusion import Fused, fused

__all__ = ["FaissBackend", "bm25_ranking", "dense_ranking", "top_ids"]


def dense_ranking(index: Index, query_vector: np.ndarray, depth: int,
                  subset: Subset | None = None) -> tuple[list[int], dict[int, float]]:
    """Chunk ids by cosine to the query, best first, with their cosines (only `subset`'s when given)."""
    depth = min(depth, index.dense.ntotal)
    if depth == 0:
        return [], {}
    query = np.atleast_2d(query_vector).astype(np.float32)
    if subset is not None:
        scores, ids = search_subset(index.dense, query, depth, subset)
    else:
        scores, ids = (row[0] for row in index.dense.search(query, depth))
    pairs = [(int(i), float(s)) for i, s in zip(ids, scores, strict=False) if i >= 0]
    return [i for i, _ in pairs], dict(pairs)


def bm25_ranking(index: Index, tokens: list[str], depth: int, subset: Subset | None = None) -> list[int]:
    """Chunk ids with a positive BM25 score, best first (only `subset`'s when given)."""
    if not tokens or not len(index.chunks):
        return []
    return index.lexical.top(tokens, depth, ids=None if subset is None else subset.ids)


class FaissBackend:
    """The index folder's own FAISS (dense) and bm25s (lexical) indexes."""

    def __init__(self, index: Index) -> None:
        self.index = index
        index.lexical.warm_up()

    def rank(self, query_vector: np.ndarray | None, tokens: list[str], k: int, depth: int, mode: str,
             subset: Subset | None = None) -> list[Fused]:
        """Both rankings computed here (within `subset` when given), fused by `rrf`."""
        rankings: dict[str, list[int]] = {}
        cosines: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            rankings["dense"], cosines = dense_ranking(self.index, query_vector, depth, subset)
        if mode in ("hybrid", "bm25"):
            rankings["bm25"] = bm25_ranking(self.index, tokens, depth, subset)
        return fused(rankings, cosines, k)
