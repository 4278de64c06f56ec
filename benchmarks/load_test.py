"""Load test of `qa-bot serve`: N concurrent clients (httpx, asyncio) asking questions for S seconds.

    qa-bot serve --port 8000 &
    python benchmarks/load_test.py --url http://127.0.0.1:8000 --clients 32 --seconds 60

Each client posts the questions of a question set (`POST /ask`, one `ask --jsonl` line
each) in turn, starting at a different one, until the time is up. An error is a
transport error, a status other than 200, or an answer that is not the JSON record
of its question. Prints and writes (--out) requests, errors, requests/s and the
latency percentiles, as the clients measured them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from pathlib import Path

import httpx


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


async def client(number: int, url: str, lines: list[dict], deadline: float, latencies: list[float],
                 errors: list[str]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        i = number
        while time.monotonic() < deadline:
            line = lines[i % len(lines)]
            i += 1
            started = time.perf_counter()
            try:
                reply = await http.post("/ask", json=line)
                record = reply.json()
                if reply.status_code != 200 or record.get("question") != line["question"]:
                    errors.append(f"{reply.status_code}: {str(record)[:200]}")
                    continue
            except (httpx.HTTPError, ValueError) as err:
                errors.append(f"{type(err).__name__}: {err}")
                continue
            latencies.append((time.perf_counter() - started) * 1000)


async def run(url: str, lines: list[dict], clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(*(client(n, url, lines, deadline, latencies, errors) for n in range(clients)))
    elapsed = time.monotonic() - started
    return {
        "clients": clients, "seconds": round(elapsed, 1), "requests": len(latencies) + len(errors),
        "errors": len(errors), "first_errors": errors[:5], "requests_per_s": round(len(latencies) / elapsed, 2),
        "latency_ms": {"p50": round(percentile(latencies, 0.5), 1), "p95": round(percentile(latencies, 0.95), 1),
                       "mean": round(statistics.fmean(latencies), 1) if latencies else 0.0,
                       "max": round(max(latencies), 1) if latencies else 0.0},
        "cpus": os.cpu_count(), "load_average_before": None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--questions", type=Path, default=Path("tests/data/dev.jsonl"))
    parser.add_argument("--out", type=Path, default=None, help="Write the report as JSON here.")
    args = parser.parse_args()
    lines = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines = [{"id": q.get("id"), "question": q["question"]} for q in lines]
    load = os.getloadavg()[0]
    report = asyncio.run(run(args.url, lines, args.clients, args.seconds))
    report["load_average_before"] = round(load, 2)
    report["questions"] = str(args.questions)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
