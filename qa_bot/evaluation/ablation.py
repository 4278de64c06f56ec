"""The ablation table: qa-bot against naive baselines and with parts switched off."""

from __future__ import annotations

import time
from collections.abc import Callable

import bm25s
import numpy as np

from ..pipeline import QA
from ..question.analysis import Query, analyze
from ..schema import Hit
from .metrics import score

__all__ = ["run_ablation", "CONFIGURATIONS"]

CONFIGURATIONS = {
    "baseline: BM25 over whitespace tokens": "naive",
    "baseline: dense only (raw question)": "dense-raw",
    "qa-bot BM25 only": "bm25",
    "qa-bot dense only": "dense",
    "qa-bot hybrid (RRF)": "hybrid",
}


def _naive_bm25(qa: QA) -> bm25s.BM25:
    retriever = bm25s.BM25()
    retriever.index([c.text.lower().split() or [""] for c in qa.index.chunks], show_progress=False)
    return retriever


def _ask_with(qa: QA, question: str, hits_of: Callable[[Query], list[Hit]]) -> dict:
    """Answer as `QA.ask` does (facets, places, the same extractor) over the hits a baseline retrieves."""
    started = time.perf_counter()
    query = analyze(question, qa.index.vocabulary)
    result = qa.answer_from(query, hits_of(query))
    result.latency_ms = (time.perf_counter() - started) * 1000
    return result.to_dict()


def run_ablation(qa: QA, questions: list[dict]) -> dict[str, dict]:
    """Metrics of every configuration over the same questions and index."""
    naive = _naive_bm25(qa)
    chunks = qa.index.chunks

    def naive_hits(query: Query) -> list[Hit]:
        scores = naive.get_scores(query.question.lower().split())
        order = np.argsort(-scores, kind="stable")[:20]
        return [Hit(chunks[i], float(scores[i])) for i in order if scores[i] > 0]

    def dense_raw_hits(query: Query) -> list[Hit]:
        vector = qa.embedder.encode([query.question], is_query=True)
        scores, ids = qa.index.dense.search(vector, min(20, len(chunks)))
        return [Hit(chunks[i], float(s)) for i, s in zip(ids[0], scores[0], strict=False) if i >= 0]

    report = {}
    for name, mode in CONFIGURATIONS.items():
        if mode == "naive":
            answers = [_ask_with(qa, q["question"], naive_hits) for q in questions]
        elif mode == "dense-raw":
            answers = [_ask_with(qa, q["question"], dense_raw_hits) for q in questions]
        else:
            answers = [qa.ask(q["question"], mode=mode).to_dict() for q in questions]
        report[name] = score(questions, answers)
    return report
