"""`qa-bot serve` as a real process (uvicorn) answers the dev set exactly as `qa-bot ask --jsonl` does."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest
from helpers import DATA

pytest.importorskip("fastapi", reason="the [api] extra is not installed")
httpx = pytest.importorskip("httpx")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(corpus_index, tmp_path):
    corpus, index_dir = corpus_index
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "qa_bot.cli", "serve", "--corpus", str(corpus), "--index",
                             str(index_dir), "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _comparable(record):
    return {k: v for k, v in record.items() if k != "latency_ms"}


def test_serve_answers_the_dev_set_exactly_as_ask_jsonl(server, corpus_index):
    corpus, index_dir = corpus_index
    lines = (DATA / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    run = subprocess.run([sys.executable, "-m", "qa_bot.cli", "ask", "--jsonl", "--corpus", str(corpus), "--index",
                          str(index_dir)], input="\n".join(lines) + "\n", capture_output=True, text=True,
                         encoding="utf-8", timeout=600, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert run.returncode == 0, run.stderr
    expected = [json.loads(line) for line in run.stdout.splitlines()]
    with httpx.Client(base_url=server, timeout=60) as client:
        answers = [client.post("/ask", content=line.encode("utf-8")).json() for line in lines]
        batch = client.post("/ask/batch", json=[json.loads(line) for line in lines]).json()
    assert len(expected) == len(answers) == len(lines) == len(batch)
    for want, got, in_batch in zip(expected, answers, batch, strict=True):
        assert _comparable(got) == _comparable(want)
        assert _comparable(in_batch) == _comparable(want)
