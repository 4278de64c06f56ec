"""One line of `ask --jsonl`: a JSON record with a question in, the answer record out.

The command line and the HTTP API (`POST /ask`) answer through this one function, so
that a question gets the same record from both.
"""

from __future__ import annotations

import json

from ..pipeline import QA

__all__ = ["answer_line", "answer_record"]


def answer_record(qa: QA, record: object, k: int = 10, problem: str = "") -> dict:
    """The answer record of one parsed line: `id` copied through; a record without a
    question gets an abstention with a message (`problem`, when the caller knows better).
    """
    question = record.get("question", "") if isinstance(record, dict) else ""
    result = qa.ask(question, k=k)
    result.id = record.get("id") if isinstance(record, dict) else None
    if not isinstance(record, dict):
        problem = problem or "this line is not a JSON object with a 'question'"
    elif not question:
        problem = problem or "no 'question' in this line"
    if problem:
        result.message = problem
    return result.to_dict()


def answer_line(qa: QA, line: str, k: int = 10) -> dict:
    """The answer record of one line of text: a line that is not JSON is answered as one
    without a question, its message saying where the JSON breaks.
    """
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        return answer_record(qa, None, k, problem=f"this line is not JSON: {err}")
    return answer_record(qa, record, k)
