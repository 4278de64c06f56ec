"""👍/👎 on answers: saved as JSON lines, and turned into evaluation questions.

A 👍 answer becomes a question whose gold answer is its span and whose evidence
is its sentence (a regression check); a 👍 "not found" becomes an unanswerable
question; a 👎 answer becomes a question to review, whose disliked span
`qa-bot eval` counts when it comes back (`disliked_repeated`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..question.analysis import question_language

if TYPE_CHECKING:
    from ..question.filters import Filters
    from ..schema import Result

__all__ = ["append_feedback", "feedback_questions", "feedback_record", "is_feedback", "question_lang"]

RATINGS = ("down", "up")  # st.feedback("thumbs") gives 0 for 👎 and 1 for 👍


def question_lang(result: Result) -> str:
    """'en', 'vi-noaccent' or 'vi', as the evaluation sets label questions."""
    return question_language(result.question, result.query is not None and result.query.english)


def feedback_record(result: Result, rating: str, filters: Filters | None = None, index_generation: str = "") -> dict:
    """One line of the feedback file: the rating, the question, the answer and its sources."""
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
    answer = result.to_dict()
    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "rating": rating,
        "question": result.question,
        "lang": question_lang(result),
        "abstained": answer["abstained"],
        "answer": answer["answer"],
        "passages": [{k: p[k] for k in ("source", "char_start", "char_end", "score")} for p in answer["passages"]],
    }
    if filters is not None and filters.active:
        record["filters"] = {"provinces": list(filters.provinces), "years": list(filters.years),
                             "sources": list(filters.sources)}
    if index_generation:
        record["index"] = index_generation
    return record


def append_feedback(path: Path, record: dict) -> None:
    """Add `record` as one line to the JSONL file at `path` (created with its folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def is_feedback(records: list[dict]) -> bool:
    """Whether `records` are feedback lines rather than questions."""
    return bool(records) and all(isinstance(r, dict) and r.get("rating") in RATINGS for r in records)


def feedback_questions(records: list[dict]) -> list[dict]:
    """Evaluation questions (the dev set's format) from feedback lines, the latest rating of a
    question winning.
    """
    latest = {r["question"]: r for r in records if str(r.get("question", "")).strip()}
    questions = []
    for number, record in enumerate(latest.values(), 1):
        item = {"id": f"fb{number:04d}", "lang": record.get("lang", "vi"), "question": record["question"]}
        answer = record.get("answer")
        if record["rating"] == "up" and answer:
            item.update(source=answer["source"], kind="feedback", answers=[answer["span"]],
                        evidence=answer["sentence"])
        elif record["rating"] == "up":
            item.update(kind="unanswerable", answers=[])
        else:
            item.update(kind="review", answers=[], disliked=answer["span"] if answer else None)
        questions.append(item)
    return questions
