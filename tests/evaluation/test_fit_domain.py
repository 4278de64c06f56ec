"""The synthetic fitting set on administrative reform: every answer is a span of its evidence,
every evidence a span of its document, as `qa_bot.evaluation.fit` needs them.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path

from qa_bot.ingest.extract import SUFFIXES

FOLDER = Path(__file__).parents[1] / "data" / "fit_domain"
MAX_SPAN = 120


def _questions() -> list[dict]:
    lines = (FOLDER / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def test_every_answer_lies_in_its_evidence_and_every_evidence_in_its_document():
    docs = {f"fitdomain/{p.name}": _nfc(p.read_text(encoding="utf-8")) for p in (FOLDER / "docs").iterdir()}
    assert all(Path(name).suffix in SUFFIXES for name in docs)
    questions = _questions()
    assert len({q["id"] for q in questions}) == len(questions) > 300
    for q in questions:
        if q["kind"] == "unanswerable":
            assert q["answers"] == [] and not q["source"], q["id"]
            continue
        assert _nfc(q["evidence"]) in docs[q["source"]], q["id"]
        for answer in q["answers"]:
            assert _nfc(answer) in _nfc(q["evidence"]) and len(answer) <= MAX_SPAN, q["id"]


def test_it_holds_every_kind_and_language():
    questions = _questions()
    kinds = Counter(q["kind"] for q in questions)
    assert set(kinds) == {"number", "date", "entity", "person", "quote", "what", "why", "how", "list", "unanswerable"}
    assert min(kinds.values()) >= 25
    assert set(Counter(q["lang"] for q in questions)) == {"vi", "vi-noaccent", "en"}
