"""`qa-bot facts` and `qa-bot app` as subprocesses."""

import json
import os
import subprocess
import sys

from helpers import ROOT

from qa_bot.cli import _app_script


def _qa_bot(*args):
    return subprocess.run([sys.executable, "-m", "qa_bot.cli", *args], capture_output=True, text=True,
                          encoding="utf-8", timeout=600, env={**os.environ, "PYTHONIOENCODING": "utf-8"})


def test_facts_lists_a_provinces_figures_by_measure(corpus_index):
    corpus, index_dir = corpus_index
    run = _qa_bot("facts", "--corpus", str(corpus), "--index", str(index_dir), "--province", "bac kan", "--json")
    assert run.returncode == 0, run.stderr
    facts = [json.loads(line) for line in run.stdout.splitlines()]
    assert [(f["year"], f["value_text"]) for f in facts] == [(2016, "thứ 60/63"), (2017, "thứ 49/63"),
                                                            (2018, "thứ 49/63"), (2019, "thứ 55/63")]
    text = _qa_bot("facts", "--corpus", str(corpus), "--index", str(index_dir), "--measure", "TTHC mức độ 4")
    assert "Hà Giang | TTHC mức độ 4 | 05/10/2021 | 1.565 | 004_39ce35e93a8fb1a9.txt" in text.stdout


def test_app_finds_the_streamlit_page_of_the_checkout():
    assert _app_script() == ROOT / "app.py"
