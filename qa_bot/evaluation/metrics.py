"""Metrics of ../eval/README.md over answers in the `ask --jsonl` format."""

from __future__ import annotations

import json
import re
import statistics
import unicodedata
from collections import Counter
from pathlib import Path

__all__ = ["METRICS", "format_table", "load_questions", "normalize_for_scoring", "score", "score_by_kind",
           "span_f1", "span_correct"]

METRICS = (
    "recall@1", "recall@5", "mrr@10", "sentence_accuracy", "span_accuracy", "span_f1", "span_em",
    "abstain_accuracy", "false_abstain_rate", "disliked_repeated", "latency_p50_ms", "latency_p95_ms",
)
MAX_SPAN = 120  # a longer highlighted span is a miss


def normalize_for_scoring(text: str) -> str:
    """NFC, case folding and collapsed white space, as the scorers compare text."""
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


def load_questions(path: Path) -> list[dict]:
    """Questions of a JSONL file (blank lines skipped)."""
    with Path(path).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _contains_any(text: str, answers: list[str]) -> bool:
    text = normalize_for_scoring(text)
    return any(normalize_for_scoring(a) in text for a in answers)


def span_correct(answer: dict | None, answers: list[str]) -> bool:
    """The span is at most 120 characters and contains one of `answers` (the contract's span accuracy)."""
    return bool(answer) and len(answer["span"]) <= MAX_SPAN and _contains_any(answer["span"], answers)


def _squad_tokens(text: str) -> list[str]:
    """SQuAD-style tokens: NFC, lower case, punctuation dropped, split on white space."""
    return re.sub(r"[^\w\s]", " ", normalize_for_scoring(text)).split()


def span_f1(prediction: str, answers: list[str]) -> tuple[float, float]:
    """(token F1, exact match) of `prediction` against the best of `answers`, SQuAD-style.

    >>> span_f1("1.565 TTHC", ["1.565"])
    (0.8, 0.0)
    """
    best_f1, best_em = 0.0, 0.0
    predicted = _squad_tokens(prediction)
    for answer in answers:
        gold = _squad_tokens(answer)
        best_em = max(best_em, float(predicted == gold))
        common = sum((Counter(predicted) & Counter(gold)).values())
        if common:
            precision, recall = common / len(predicted), common / len(gold)
            best_f1 = max(best_f1, 2 * precision * recall / (precision + recall))
    return best_f1, best_em


def _same_answer(disliked: str | None, answer: dict) -> bool:
    given = answer.get("answer")
    if disliked is None or given is None:
        return disliked is None and given is None
    return normalize_for_scoring(given["span"]) == normalize_for_scoring(disliked)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _score_group(pairs: list[tuple[dict, dict]]) -> dict:
    answerable = [(q, a) for q, a in pairs if q.get("kind") != "unanswerable" and q.get("evidence")]
    unanswerable = [(q, a) for q, a in pairs if q.get("kind") == "unanswerable"]
    result: dict = {"questions": len(pairs)}
    if answerable:
        first_ranks = []
        for q, a in answerable:
            evidence = normalize_for_scoring(q["evidence"])
            ranks = [i for i, p in enumerate(a.get("passages", [])[:10])
                     if evidence in normalize_for_scoring(p["text"])]
            first_ranks.append(ranks[0] + 1 if ranks else None)
        n = len(answerable)
        result["recall@1"] = sum(r == 1 for r in first_ranks) / n
        result["recall@5"] = sum(r is not None and r <= 5 for r in first_ranks) / n
        result["mrr@10"] = sum(1 / r for r in first_ranks if r) / n
        answered = [(q, a["answer"]) for q, a in answerable if not a.get("abstained") and a.get("answer")]
        result["sentence_accuracy"] = sum(_contains_any(ans["sentence"], q["answers"]) for q, ans in answered) / n
        result["span_accuracy"] = sum(span_correct(ans, q["answers"]) for q, ans in answered) / n
        f1_em = [span_f1(ans["span"], q["answers"]) for q, ans in answered]
        result["span_f1"] = sum(f1 for f1, _ in f1_em) / n
        result["span_em"] = sum(em for _, em in f1_em) / n
        result["false_abstain_rate"] = sum(bool(a.get("abstained")) for _, a in answerable) / n
    if unanswerable:
        result["abstain_accuracy"] = sum(bool(a.get("abstained")) for _, a in unanswerable) / len(unanswerable)
    disliked = [(q, a) for q, a in pairs if q.get("kind") == "review"]
    if disliked:  # 👎 feedback: how often the disliked answer (or a "not found") comes back
        result["disliked_repeated"] = sum(_same_answer(q.get("disliked"), a) for q, a in disliked) / len(disliked)
    latencies = [a.get("latency_ms", 0.0) for _, a in pairs]
    result["latency_p50_ms"] = statistics.median(latencies) if latencies else 0.0
    result["latency_p95_ms"] = _percentile(latencies, 0.95)
    return result


def score(questions: list[dict], answers: list[dict]) -> dict:
    """All metrics overall and per `lang`, pairing questions and answers by position."""
    pairs = list(zip(questions, answers, strict=False))
    report = {"overall": _score_group(pairs)}
    for lang in sorted({q.get("lang", "?") for q in questions}):
        report[lang] = _score_group([(q, a) for q, a in pairs if q.get("lang", "?") == lang])
    return report


def score_by_kind(questions: list[dict], answers: list[dict]) -> dict:
    """All metrics per question `kind` (number, date, why, unanswerable…), when the questions have one."""
    pairs = list(zip(questions, answers, strict=True))
    kinds = sorted({q.get("kind") for q in questions if q.get("kind")})
    return {kind: _score_group([(q, a) for q, a in pairs if q.get("kind") == kind]) for kind in kinds}


def format_table(report: dict, metrics: tuple[str, ...] = METRICS) -> str:
    """A plain-text table: one row per metric, one column per group."""
    groups = list(report)
    width = max(len(m) for m in metrics) + 2
    lines = ["".ljust(width) + "".join(g.rjust(12) for g in groups)]
    lines.append("questions".ljust(width) + "".join(str(report[g]["questions"]).rjust(12) for g in groups))
    for metric in metrics:
        if all(report[g].get(metric) is None for g in groups):
            continue
        cells = []
        for g in groups:
            value = report[g].get(metric)
            cells.append(("-" if value is None else f"{value:.1f}" if "latency" in metric
                          else f"{value:.3f}").rjust(12))
        lines.append(metric.ljust(width) + "".join(cells))
    return "\n".join(lines)
