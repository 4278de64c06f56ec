"""BM25 ranking: the same top as bm25s's scores sorted stably, query terms counted once with
their weight, a mask keeping only the allowed chunks."""

import bm25s
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qa_bot.index import lexical as lexical_module
from qa_bot.index.lexical import LexicalIndex, top_ids

WORDS = ["của", "cua", "hành", "chính", "hà", "giang", "thủ", "tục", "#1565", "mức", "độ", "4"]


def _index(seed: int, n: int = 300) -> tuple[bm25s.BM25, np.random.Generator]:
    rng = np.random.default_rng(seed)
    corpus = [list(rng.choice(WORDS, rng.integers(1, 25))) for _ in range(n)]
    bm25 = bm25s.BM25()
    bm25.index(corpus, show_progress=False)
    return bm25, rng


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 120))
def test_the_top_equals_a_stable_sort_of_bm25s_scores(seed, depth):
    bm25, rng = _index(seed)
    query = list(rng.choice(WORDS + ["chưa có"], rng.integers(1, 12)))  # repeats and an unknown token
    reference = bm25.get_scores(query)
    expected = [int(i) for i in np.argsort(-reference, kind="stable")[:depth] if reference[i] > 0]
    ours = LexicalIndex(bm25)
    assert np.allclose(ours.scores(query), reference, rtol=1e-5, atol=1e-6)
    found = ours.top(query, depth)
    # the same ranking; chunks whose scores differ by float rounding only (a repeated term
    # added once with weight 2 instead of twice) may swap places
    assert len(found) == len(expected)
    assert np.allclose(reference[found], reference[expected], rtol=1e-5, atol=1e-6)
    if len(set(reference.tolist())) == len(reference):  # no ties at all: the very same ids
        assert found == expected


def test_each_query_term_is_added_once_with_its_count():
    bm25, _ = _index(1)
    terms, weights = LexicalIndex(bm25).terms(["hà", "giang", "hà", "không có", "hà"])
    assert [bm25.vocab_dict["hà"], bm25.vocab_dict["giang"]] == terms.tolist() and weights.tolist() == [3, 1]


def test_a_mask_keeps_only_the_allowed_chunks_and_fills_the_depth():
    bm25, _ = _index(2)
    lexical = LexicalIndex(bm25)
    mask = np.zeros(300, dtype=np.float32)
    mask[100:140] = 1
    found = lexical.top(["hà", "giang", "thủ"], 30, mask=mask)
    scores = bm25.get_scores(["hà", "giang", "thủ"], weight_mask=mask)  # bm25s's own weight_mask
    assert found == [int(i) for i in np.argsort(-scores, kind="stable")[:30] if scores[i] > 0]
    assert lexical.top(["hà", "giang", "thủ"], 30, ids=np.arange(100, 140)) == found
    assert set(found) <= set(range(100, 140)) and len(found) == min(30, int((scores > 0).sum())) == 30


def test_no_known_term_finds_nothing():
    bm25, _ = _index(3)
    assert LexicalIndex(bm25).top(["không", "có"], 10) == [] and LexicalIndex(bm25).top([], 10) == []
    assert top_ids(np.array([1.0, 3.0]), 5).tolist() == [1, 0]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 60))
def test_a_subset_of_runs_adds_only_its_part_of_each_column_and_ranks_the_same(seed, depth):
    bm25, rng = _index(seed)
    query = list(rng.choice(WORDS, rng.integers(1, 12)))
    starts = np.sort(rng.choice(300, rng.integers(1, 12), replace=False))
    ids = np.unique(np.concatenate([np.arange(s, min(300, s + rng.integers(1, 30))) for s in starts]))
    lexical = LexicalIndex(bm25)
    full = lexical.scores(query)
    expected = [int(ids[i]) for i in top_ids(full[ids], depth) if full[ids][i] > 0]
    try:
        lexical_module.RUNS_PER_CHUNK = 1  # runs even at 300 chunks
        in_runs = lexical._scores_in(query, ids)
        assert in_runs is not None and np.array_equal(in_runs[ids], full[ids])  # the very same sums
        assert not in_runs[np.setdiff1d(np.arange(300), ids)].any()
        assert lexical.top(query, depth, ids=ids) == expected
    finally:
        lexical_module.RUNS_PER_CHUNK = 256


def test_a_column_whose_chunks_do_not_ascend_is_added_whole(monkeypatch):
    bm25, _ = _index(5)
    monkeypatch.setattr(lexical_module, "RUNS_PER_CHUNK", 1)
    term = bm25.vocab_dict["hà"]
    start, end = bm25.scores["indptr"][term], bm25.scores["indptr"][term + 1]
    order = np.arange(len(bm25.scores["indices"]))
    order[start:end] = order[start:end][::-1]  # the same column, chunks in descending order
    bm25.scores = {**bm25.scores, "indices": bm25.scores["indices"][order], "data": bm25.scores["data"][order]}
    lexical = LexicalIndex(bm25)
    ids = np.arange(40, 90)
    assert lexical._scores_in(["hà", "giang"], ids) is None and lexical._scores_in(["giang"], ids) is not None
    kept = lexical.scores(["hà", "giang"])[ids]
    assert lexical.top(["hà", "giang"], 20, ids=ids) == [int(ids[i]) for i in top_ids(kept, 20) if kept[i] > 0]
