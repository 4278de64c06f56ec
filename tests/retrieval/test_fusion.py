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


def test_near_duplicate_hits_leave_room_for_other_passages():
    from qa_bot.retrieval.fusion import distinct
    from qa_bot.schema import Chunk, Hit

    def hit(i, text):
        return Hit(Chunk(i, "a.txt", 0, len(text), text, ((0, len(text)),)), 1.0 / (i + 1))

    footer = "Nơi nhận: như trên; lưu VT, Sở Nội vụ tỉnh Hà Giang, phòng cải cách hành chính."
    hits = [hit(0, footer), hit(1, footer.replace("Nơi", "nơi")), hit(2, footer + " Hết."),
            hit(3, "Tỉnh có 1.565 thủ tục mức độ 4."), hit(4, footer), hit(5, "Một câu khác hẳn về chuyển đổi số.")]
    assert [h.chunk.id for h in distinct(hits, 10)] == [0, 3, 5]
    assert [h.chunk.id for h in distinct(hits, 2)] == [0, 3]
