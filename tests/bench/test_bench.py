"""`qa-bot bench` at a tiny size: it runs every phase and saves its JSON (no timings asserted)."""

import json

import bm25s
import numpy as np
from click.testing import CliRunner
from helpers import CORPUS

from qa_bot.bench.synth import (
    bm25_from_pool,
    chunk_texts,
    chunk_tokens,
    compose,
    sentence_pool,
)
from qa_bot.cli import main


def test_the_generated_bm25_index_equals_the_one_bm25s_builds():
    pool = sentence_pool([(CORPUS / "004_39ce35e93a8fb1a9.txt").read_text(encoding="utf-8")], variants=1)
    comp = compose(pool, 300, seed=3)
    texts = chunk_texts(pool, comp)
    assert len(texts) == 300 and 300 < np.mean([len(t) for t in texts]) < 900
    ours = bm25_from_pool(pool, comp, batch=64)
    reference = bm25s.BM25()
    reference.index([chunk_tokens(pool, comp, c) for c in range(len(comp))], show_progress=False)
    for query in (["hà", "giang"], ["thủ", "tục", "hành", "chính"], ["#2024", "cải", "cách"]):
        assert np.allclose(ours.get_scores(query), reference.get_scores(query), atol=1e-5)


def test_bench_runs_at_a_tiny_size_and_saves_its_json(tmp_path, corpus_index):
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(main, [
        "bench", "--sizes", "2000", "--quick", "--queries", "5", "--out", str(out),
        "--corpus", str(CORPUS), "--index", str(corpus_index[1]),
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    figures = report["sizes"]["2000"]
    assert "error" not in figures["build"] and "error" not in figures["serve"] and "error" not in figures["peer"]
    assert figures["build"]["dense_spec"]["type"] == "flat" and figures["build"]["chunks"] == 2000
    assert {"vectors.npy", "chunks.arrow", "documents.arrow", "bm25/"} <= set(
        figures["build"]["disk_bytes"])
    filtered = figures["serve"]["filtered"]
    assert filtered["full_top10"] and filtered["only_allowed"] and filtered["allowed_chunks"] > 0
    assert set(report["throughput"]) >= {"1", "2"} and report["pool"]["sentences"] >= 3000
    assert figures["serve"]["with_encoder"]["hybrid"]["n"] == 5
    serving = figures["serve"]["serving"]  # QA.ask alone, before the diagnostics
    assert serving["ask"]["n"] == 5 and serving["ask_filtered"]["full_top10"] and serving["peak_rss_mb"] > 0
    assert serving["question_pages_mb"]["(all files)"] > 0 and figures["serve"]["diagnostics"]["peak_rss_mb"] > 0
    assert report["dev"]["qa_bot_retrieval"]["recall@5"] > 0.5 and report["dev"]["peer"]["recall@5"] > 0.5
    assert "| 2,000 | flat" in result.output and "ivf_sq8_rescored" in result.output


def test_bad_sizes_are_refused_without_a_traceback():
    result = CliRunner().invoke(main, ["bench", "--sizes", "ten"])
    assert result.exit_code == 2 and "comma-separated" in result.output and "Traceback" not in result.output


def test_bench_outside_a_checkout_says_what_it_needs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no corpus/, no tests/data/ here
    result = CliRunner().invoke(main, ["bench", "--sizes", "100", "--quick", "--no-peer"])
    assert result.exit_code == 1 and "no .txt files in corpus" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
