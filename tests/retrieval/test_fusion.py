"""Ranking helpers: the partial top-k gives exactly what a stable full sort gives."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from qa_bot.retrieval.faiss import top_ids
from qa_bot.retrieval.fusion import rrf


@given(st.lists(st.integers(0, 4), max_size=300), st.integers(0, 350))
def test_top_ids_equals_a_stable_sort(values, depth):
    scores = np.asarray(values, dtype=np.float32)
    assert top_ids(scores, depth).tolist() == np.argsort(-scores, kind="stable")[:depth].tolist()


def test_rrf_fuses_by_rank_and_keeps_first_seen_order_on_ties():
    fused = rrf({"dense": [3, 1], "bm25": [1, 2]})
    assert [doc for doc, _, _ in fused] == [1, 3, 2]
    assert fused[0][2] == {"dense": 2, "bm25": 1}
