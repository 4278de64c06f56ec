"""Builds on every core: worker processes give what one process gives, in order."""

import numpy as np
from helpers import HashEmbedder

from qa_bot.index import workers
from qa_bot.text import lexical_tokens


def test_tokenising_in_two_processes_equals_one(monkeypatch):
    monkeypatch.setattr(workers, "MIN_PARALLEL_TEXTS", 1)
    monkeypatch.setattr(workers, "TOKENIZE_BATCH", 3)
    texts = [f"Tỉnh Hà Giang có {n} thủ tục hành chính mức độ 4 năm 20{n % 25:02d}." for n in range(10)]
    assert workers.tokenize(texts, 2) == [lexical_tokens(t) for t in texts]


def test_an_embedder_a_worker_cannot_rebuild_runs_in_this_process(monkeypatch):
    monkeypatch.setattr(workers, "MIN_PARALLEL_TEXTS", 1)
    texts = ["một", "hai ba", "bốn"]
    steps = []
    vectors = workers.embed(texts, HashEmbedder(), 2, progress=steps.append)
    assert np.allclose(vectors, HashEmbedder().encode(texts)) and sum(steps) == 3


def test_default_workers_is_the_cores_this_process_may_use():
    assert workers.default_workers() >= 1
