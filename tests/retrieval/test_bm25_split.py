"""BM25 split between Milvus rows and queries, over the fake index (no Milvus needed)."""

import json

import numpy as np
import pytest
from helpers import DATA

from qa_bot.index.tokens import load_tokens
from qa_bot.question.analysis import analyze
from qa_bot.retrieval import bm25_split
from qa_bot.retrieval.bm25_split import exact_scores, proven, query_weights, row_weights

QUESTIONS = [json.loads(line)["question"] for line in (DATA / "dev.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()][:15]


def _split_scores(rows: list[dict[int, float]], query: dict[int, float]) -> np.ndarray:
    return np.asarray([sum(w * query.get(dim, 0.0) for dim, w in row.items()) for row in rows])


@pytest.fixture(scope="module")
def lexical(fake_qa):
    """(index, each chunk's tokens, the index's avgdl)."""
    tokens = load_tokens(fake_qa.index.data)
    return fake_qa.index, tokens, sum(len(t) for t in tokens) / len(tokens)


def test_rows_with_the_index_avgdl_times_the_query_give_bm25s_scores(lexical):
    index, tokens, avgdl = lexical
    rows = [row_weights(t, avgdl) for t in tokens]
    for question in QUESTIONS:
        query_tokens = analyze(question, index.vocabulary).tokens
        expected = index.bm25.get_scores(query_tokens)
        assert expected.max() > 0
        query = query_weights(index.lexical, query_tokens + ["từ-không-có-trong-chỉ-mục"])
        np.testing.assert_allclose(_split_scores(rows, query), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("moved", [0.97, 1.03])
def test_rows_of_another_avgdl_score_within_the_floor_even_when_terms_collide(lexical, moved, monkeypatch):
    index, tokens, avgdl = lexical
    floor = min(1.0, moved)
    real = bm25_split.term_dimension
    for collide in (False, True):
        if collide:  # every token on one of 7 dimensions
            monkeypatch.setattr(bm25_split, "term_dimension", lambda token: real(token) % 7)
        rows = [row_weights(t, avgdl * moved) for t in tokens]
        ratios = []
        for question in QUESTIONS:
            query_tokens = analyze(question, index.vocabulary).tokens
            exact = index.bm25.get_scores(query_tokens)
            split = _split_scores(rows, query_weights(index.lexical, query_tokens))
            ratios += (split[exact > 0] / exact[exact > 0]).tolist()
        assert min(ratios) >= floor * (1 - 1e-6)
        assert collide or min(ratios) < 1 or moved > 1, "the bound is met, not loose by far"


def test_candidates_are_scored_to_the_bit_as_the_lexical_index_scores_them(lexical):
    index, tokens, _ = lexical
    rows = np.arange(0, len(tokens), 2)
    for question in QUESTIONS:
        query_tokens = analyze(question, index.vocabulary).tokens
        assert exact_scores(index.lexical, query_tokens, rows).tolist() == \
            index.lexical.scores(query_tokens)[rows].tolist()
    assert exact_scores(index.lexical, ["từ-không-có-trong-chỉ-mục"], rows).tolist() == [0.0] * len(rows)


def test_each_term_column_is_sorted_as_exact_scores_needs(lexical):
    index = lexical[0]
    indices, indptr = index.lexical.indices, index.lexical.indptr
    assert all(np.all(np.diff(indices[indptr[t]:indptr[t + 1]]) > 0) for t in range(len(indptr) - 1))


def test_a_ranking_is_proven_only_when_no_chunk_left_out_can_enter_it():
    best = np.array([9.0, 5.0, 3.0])
    assert proven(best, 3, returned=7, asked=10, last=2.9, floor=1.0), "Milvus returned every match"
    assert proven(best, 3, returned=10, asked=10, last=2.9, floor=1.0)
    assert not proven(best, 3, returned=10, asked=10, last=3.0, floor=1.0), "a tie could be an earlier row"
    assert not proven(best, 3, returned=10, asked=10, last=2.9, floor=0.9), "2.9 / 0.9 > 3"
    assert not proven(best[:2], 3, returned=10, asked=10, last=0.1, floor=1.0), "fewer than depth kept"
