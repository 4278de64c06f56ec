"""Milvus push of a one-document change at scale: reading the collection's keys against the last push's.

Run: python benchmarks/milvus_push_scale.py [--chunks 100000] [--repeat 2] [--uri /tmp/qa-bot-push-scale.db]

Writes a generated index of `--chunks` chunks (qa_bot.bench: sentences of the
bundled corpus and their variants, 100 chunks a document, noisy vectors: for
timing only) into a temporary folder, pushes it whole into a fresh collection,
then `--repeat` times: edits one document (its last 50 chunks), writes the new
generation into the same folder and pushes it reading every key the collection
holds (as every push did before), edits it again and pushes with the record of
the last push. Prints each push's seconds, rows sent and where the time went.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa_bot.bench.synth import chunk_texts, compose, noisy_vectors, sentence_pool  # noqa: E402
from qa_bot.bench.worker import PER_DOC, _write_index  # noqa: E402
from qa_bot.index.dense import build_dense, choose_spec  # noqa: E402
from qa_bot.index.load import load_index  # noqa: E402
from qa_bot.retrieval import milvus_push  # noqa: E402
from qa_bot.retrieval.milvus import MilvusTarget, connect  # noqa: E402

SPENT: dict[str, float] = defaultdict(float)


def timed(name: str) -> None:
    """Add the seconds spent in milvus_push.`name` to SPENT[name]."""
    inner = getattr(milvus_push, name)

    def wrapper(*args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            SPENT[name] += time.perf_counter() - started

    setattr(milvus_push, name, wrapper)


def push(folder: Path, target: MilvusTarget, label: str, read_keys: bool = False) -> None:
    """Push the index in `folder`, print the seconds and where they went."""
    last_push = milvus_push._last_push
    if read_keys:
        milvus_push._last_push = lambda *args: (None, "asked to read them")
    SPENT.clear()
    index = load_index(folder)
    started = time.perf_counter()
    report = milvus_push.push(index, target)
    seconds = time.perf_counter() - started
    milvus_push._last_push = last_push
    parts = ", ".join(f"{name} {s:.2f}" for name, s in SPENT.items())
    print(f"{label}: {seconds:.2f} s; {report.upserted} upserted, {report.deleted} deleted, {report.kept} kept; "
          f"keys read: {report.keys_read or 'no'}; ({parts}); load {os.getloadavg()[0]:.2f}", flush=True)


def edit(texts: list[str], document: int, mark: str) -> list[str]:
    """`texts` with the last 50 chunks of `document` changed."""
    first = document * PER_DOC
    return [t + mark if first + PER_DOC // 2 <= i < first + PER_DOC else t for i, t in enumerate(texts)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--uri", default="/tmp/qa-bot-push-scale.db")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {args.chunks} chunks", flush=True)
    for name in ("chunk_keys", "_held_keys", "_row_count", "pushed_keys", "_send", "record_pushed"):
        timed(name)

    started = time.perf_counter()
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
    pool = sentence_pool(texts, target=5_000)
    comp = compose(pool, args.chunks)
    chunks = chunk_texts(pool, comp)
    bases = np.random.default_rng(0).standard_normal((64, 384)).astype(np.float32)
    vectors = noisy_vectors(bases, args.chunks)
    dense = build_dense(vectors, choose_spec(args.chunks))
    config = {"embedder": {"name": "bench:noise", "dim": 384}, "description": "milvus_push_scale"}
    print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)

    target = MilvusTarget(args.uri, "qa_bot_push_scale")
    client = connect(target, create=True)
    if client.has_collection(target.collection):
        client.drop_collection(target.collection)
    document = args.chunks // PER_DOC // 2
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "index"
        _write_index(folder, chunks, pool, comp, vectors, dense, config)
        push(folder, target, "full push")
        for run in range(args.repeat):
            for read_keys in (True, False):
                mark = f" (sửa đổi {run}{'a' if read_keys else 'b'})"
                _write_index(folder, edit(chunks, document, mark), pool, comp, vectors, dense, config)
                label = "one document changed, " + ("collection's keys read" if read_keys else "last push's keys")
                push(folder, target, label, read_keys=read_keys)
    client.drop_collection(target.collection)


if __name__ == "__main__":
    main()
