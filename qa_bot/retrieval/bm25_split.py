"""BM25 split between the Milvus rows and the query, so that a chunk's row outlives corpus changes.

bm25s's weight of term t in chunk d is idf(t) × sat(t, d) (Lucene variant, k1 1.5, b 0.75):

    idf(t)    = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))       corpus-wide: changes with every push
    sat(t, d) = tf / (tf + k1 × (1 − b + b × dl(d) / avgdl))     the chunk's own, but for avgdl

A row holds sat(t, d) computed with the avgdl the collection was written with
(`written`); the query vector holds idf(t) × count(t) from the current index. So
a chunk's row changes only when the chunk does, and when avgdl drifts beyond
`AVGDL_TOLERANCE` (then every row is rewritten).

Their inner product is bm25s's score when avgdl has not moved, and within the
factor `floor = min(1, written / avgdl)` of it otherwise (each term's sat moves
by at most that factor). So Milvus gives *candidates*: the backend scores them
exactly with the index's own bm25s weights (`exact_scores`, the same float32
sums as `index.lexical`), and `proven` tells whether a chunk Milvus left out
could still beat the last one kept (then it asks Milvus deeper). The ranking is
bm25s's, to the bit.

A term's dimension is a 32-bit hash of the token (bm25s's term ids change from
build to build). Two tokens sharing a dimension only add weight to a row, so
the bound still holds: a collision costs candidates, never a wrong ranking.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from ..index.lexical import LexicalIndex

__all__ = ["AVGDL_TOLERANCE", "B", "K1", "exact_scores", "proven", "query_weights", "row_weights", "term_dimension"]

K1, B = 1.5, 0.75  # bm25s's defaults, which `index.build.bm25_index` uses
AVGDL_TOLERANCE = 0.05  # rows are rewritten once avgdl moves more than 5% from the one they hold
SLACK = 1e-4  # Milvus sums float32s: its scores may be off by a few ulps
_DIMENSIONS = 2**32 - 1  # Milvus's sparse dimensions are uint32 below 2^32 − 1


def term_dimension(token: str) -> int:
    """The sparse dimension of `token`, the same in every build.

    >>> term_dimension("hà") == term_dimension("hà") != term_dimension("ha")
    True
    """
    digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") % _DIMENSIONS


def row_weights(tokens: Sequence[str], avgdl: float) -> dict[int, float]:
    """A chunk's sparse vector: sat(t, d) of each of its terms, with `avgdl`.

    >>> row_weights(["a", "b", "a"], 3.0)[term_dimension("a")]
    0.5714285714285714
    """
    norm = K1 * (1 - B + B * len(tokens) / avgdl)
    weights: dict[int, float] = {}
    for token, tf in Counter(tokens).items():
        dim = term_dimension(token)
        weights[dim] = weights.get(dim, 0.0) + tf / (tf + norm)
    return weights


def query_weights(lexical: LexicalIndex, tokens: list[str]) -> dict[int, float]:
    """The query's sparse vector: idf(t) × count(t) of each term the index knows."""
    terms, counts = lexical.terms(tokens)
    vocab = lexical.bm25.vocab_dict
    names = {int(term): token for token, term in ((t, vocab.get(t)) for t in set(tokens)) if term is not None}
    weights: dict[int, float] = {}
    for term, count in zip(terms.tolist(), counts.tolist(), strict=True):
        df = int(lexical.indptr[term + 1] - lexical.indptr[term])
        idf = math.log(1 + (lexical.num_docs - df + 0.5) / (df + 0.5))
        dim = term_dimension(names[term])
        weights[dim] = weights.get(dim, 0.0) + idf * count
    return weights


def exact_scores(lexical: LexicalIndex, tokens: list[str], rows: np.ndarray) -> np.ndarray:
    """bm25s's scores of the chunks `rows`: the sums `lexical.scores` makes, term by term in
    the same order and precision, read from each term's (sorted) column.
    """
    terms, counts = lexical.terms(tokens)
    scores = np.zeros(len(rows), dtype=lexical.data.dtype)
    for term, count in zip(terms.tolist(), counts, strict=True):
        start, end = int(lexical.indptr[term]), int(lexical.indptr[term + 1])
        column = lexical.indices[start:end]
        at = np.searchsorted(column, rows)
        found = at < len(column)
        found[found] &= column[at[found]] == rows[found]
        scores[found] += count * lexical.data[start + at[found]]
    return scores


def proven(best: np.ndarray, depth: int, returned: int, asked: int, last: float, floor: float) -> bool:
    """Whether the `depth` best exact scores `best` (descending) of Milvus's `returned`
    candidates (of `asked`; the last with Milvus's score `last`) are the index's: Milvus
    returned every chunk it matches, or no chunk left out (Milvus's score ≤ `last`, so its
    exact score ≤ last / `floor`) can reach the last one kept.
    """
    if returned < asked:
        return True
    return len(best) >= depth and float(best[depth - 1]) > last * (1 + SLACK) / floor
