"""The qa-bot command line, run for real as a subprocess, against the contract."""

import json
import os
import subprocess
import sys

import pytest
from helpers import DATA


def _qa_bot(*args, stdin=None, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "qa_bot.cli", *args],
        input=stdin, capture_output=True, text=True, encoding="utf-8", timeout=600, cwd=cwd,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def test_ask_jsonl_follows_the_contract_field_by_field(corpus_index):
    corpus, index_dir = corpus_index
    questions = [
        {"id": "q1", "question": "Hà Giang có bao nhiêu thủ tục hành chính đạt mức độ 4?"},
        {"question": "Thành phố Đà Nẵng có bao nhiêu thủ tục hành chính đạt mức độ 4?", "id": "q2"},
        {"id": "q3", "question": ""},
    ]
    stdin = "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions) + "not json\n[1, 2]\n"
    run = _qa_bot("ask", "--corpus", str(corpus), "--index", str(index_dir), "--jsonl", stdin=stdin)
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r.get("id") for r in records] == ["q1", "q2", "q3", None, None]
    first = records[0]
    assert first["question"] == questions[0]["question"]
    assert first["abstained"] is False
    answer = first["answer"]
    assert set(answer) >= {"span", "sentence", "source", "char_start", "char_end"}
    assert "1.565" in answer["span"] and len(answer["span"]) <= 120
    text = (corpus / answer["source"]).read_text(encoding="utf-8")
    assert text[answer["char_start"]:answer["char_end"]] == answer["span"]
    assert answer["value"] == "1.565" == text[answer["value_start"]:answer["value_end"]]  # the figure asked for
    assert answer["sentence"] in text
    assert len(first["passages"]) >= 10
    for passage in first["passages"]:
        assert set(passage) >= {"source", "text", "score", "char_start", "char_end"}
        source_text = (corpus / passage["source"]).read_text(encoding="utf-8")
        assert source_text[passage["char_start"]:passage["char_end"]] == passage["text"]
    scores = [p["score"] for p in first["passages"]]
    assert scores == sorted(scores, reverse=True)
    assert isinstance(first["latency_ms"], (int, float)) and first["latency_ms"] > 0
    assert records[1]["abstained"] is True and records[1]["answer"] is None
    assert records[2]["abstained"] is True and records[3]["abstained"] is True
    assert records[2]["message"] == "no 'question' in this line"
    assert records[3]["message"].startswith("this line is not JSON: Expecting value: line 1 column 1")
    assert records[4]["abstained"] is True
    assert records[4]["message"] == "this line is not a JSON object with a 'question'"


def test_ask_prints_a_readable_answer_with_its_source(corpus_index):
    corpus, index_dir = corpus_index
    run = _qa_bot("ask", "ha giang bao nhieu thu tuc muc do 4", "--corpus", str(corpus), "--index", str(index_dir))
    assert run.returncode == 0, run.stderr
    assert "1.565" in run.stdout and "004_39ce35e93a8fb1a9.txt" in run.stdout


def test_build_reports_counts_and_eval_prints_metrics_per_language(small_corpus, tmp_path, corpus_index):
    index_dir = tmp_path / "idx"
    run = _qa_bot("build", "--corpus", str(small_corpus), "--index", str(index_dir))
    assert run.returncode == 0, run.stderr
    assert "indexed 2 documents" in run.stderr
    corpus, full_index = corpus_index
    run = _qa_bot("eval", str(DATA / "dev.jsonl"), "--corpus", str(corpus), "--index", str(full_index), "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert set(report) == {"overall", "vi", "vi-noaccent", "en", "by_kind"}
    assert set(report["by_kind"]) == {q["kind"] for q in map(json.loads, (DATA / "dev.jsonl").open(encoding="utf-8"))}
    assert report["overall"]["questions"] == 37
    assert report["vi"]["recall@5"] >= 0.9 and report["vi"]["abstain_accuracy"] == 1.0


@pytest.mark.slow  # a subprocess
def test_bad_paths_give_a_message_not_a_traceback(tmp_path):
    run = _qa_bot("ask", "câu hỏi", "--corpus", str(tmp_path / "none"), "--index", str(tmp_path / "none-index"))
    assert run.returncode != 0
    assert "Traceback" not in run.stderr and "qa-bot build" in run.stderr


def test_ask_answers_at_once_while_another_build_holds_the_index(corpus_index, tmp_path):
    """`ask --corpus` finds the corpus changed while a build runs: it answers from the current
    index and says so on stderr, instead of failing with 'another build is running'."""
    import shutil
    import time

    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(corpus_index[0], corpus)
    shutil.copytree(corpus_index[1], index_dir)
    (corpus / "new.txt").write_text("Tỉnh Cao Bằng có 7 sở thí điểm phần mềm một cửa.\n", encoding="utf-8")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from filelock import FileLock; "
         "lock = FileLock(sys.argv[1]); lock.acquire(); print('held', flush=True); time.sleep(120)",
         str(index_dir / ".build.lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        run = _qa_bot("ask", "Hà Giang có bao nhiêu thủ tục hành chính đạt mức độ 4?", "--corpus", str(corpus),
                      "--index", str(index_dir))
        assert run.returncode == 0, run.stderr
        assert "1.565" in run.stdout
        assert "update of the index" in run.stderr and "in progress" in run.stderr
        assert "another qa-bot build" not in run.stderr
        assert time.monotonic() - started < 110  # it did not wait for the holder to let go
    finally:
        holder.kill()
        holder.wait()
    run = _qa_bot("remove", "--corpus", str(corpus), "--index", str(index_dir), "004_39ce35e93a8fb1a9.txt")
    assert run.returncode == 0, run.stderr
    assert "- 004_39ce35e93a8fb1a9.txt" in run.stderr and "moved to .removed/" in run.stderr
    assert "other files of the corpus have changed" in run.stderr  # new.txt is not indexed yet
    run = _qa_bot("ask", "Hà Giang có bao nhiêu thủ tục hành chính đạt mức độ 4?", "--corpus", str(corpus),
                  "--index", str(index_dir), "--json")
    assert run.returncode == 0, run.stderr
    record = json.loads(run.stdout)
    assert all(p["source"] != "004_39ce35e93a8fb1a9.txt" for p in record["passages"])
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert "new.txt" in manifest["files"] and "004_39ce35e93a8fb1a9.txt" not in manifest["files"]  # ask built it
    run = _qa_bot("remove", "--corpus", str(corpus), "--index", str(index_dir), "nothing-here.pdf")
    assert run.returncode != 0 and "nothing-here.pdf" in run.stderr and "Traceback" not in run.stderr
