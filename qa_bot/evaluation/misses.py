"""Each question a product answered wrongly, and at which step it went wrong.

A missed answerable question went wrong at **retrieval** (no returned passage holds
its evidence), at the **sentence** (the evidence was retrieved, the sentence chosen
does not hold the answer), at the **span** (the sentence holds it, the span does not,
or is longer than 120 characters) or at **abstention** (it said "not found"). An
unanswerable question that was answered is an abstention miss too.
"""

from __future__ import annotations

from .metrics import normalize_for_scoring, span_correct

__all__ = ["miss_reason", "misses", "format_misses"]


def miss_reason(question: dict, answer: dict) -> str | None:
    """Why `answer` misses `question` ('retrieval', 'sentence', 'span', 'abstention'), None when right."""
    given = answer.get("answer") if not answer.get("abstained") else None
    if question.get("kind") == "unanswerable":
        return "abstention" if given else None
    gold = question.get("answers") or []
    if span_correct(given, gold):
        return None
    if given is None:
        return "abstention"
    evidence = normalize_for_scoring(question.get("evidence") or "")
    if evidence and not any(evidence in normalize_for_scoring(p["text"]) for p in answer.get("passages", [])):
        return "retrieval"
    sentence = normalize_for_scoring(given["sentence"])
    if not any(normalize_for_scoring(a) in sentence for a in gold):
        return "sentence"
    return "span"


def misses(questions: list[dict], answers: list[dict]) -> list[dict]:
    """One record per missed question: id, lang, kind, question, expected, got, why."""
    found = []
    for question, answer in zip(questions, answers, strict=True):
        why = miss_reason(question, answer)
        if why is None:
            continue
        given = answer.get("answer") if not answer.get("abstained") else None
        found.append({
            "id": question.get("id"), "lang": question.get("lang"), "kind": question.get("kind"),
            "question": question.get("question"), "expected": question.get("answers") or "(not found)",
            "got": given["span"] if given else "(not found)", "sentence": given["sentence"] if given else None,
            "source": given["source"] if given else None, "expected_source": question.get("source"), "why": why,
        })
    return found


def format_misses(found: list[dict]) -> str:
    """The misses as readable lines, grouped by why."""
    lines = []
    for why in ("retrieval", "sentence", "span", "abstention"):
        group = [m for m in found if m["why"] == why]
        if not group:
            continue
        lines.append(f"\n## {why}: {len(group)}")
        for m in group:
            expected = " | ".join(m["expected"]) if isinstance(m["expected"], list) else m["expected"]
            lines.append(f"- {m['id']} [{m['lang']}, {m['kind']}] {m['question']}\n"
                         f"    expected: {expected}\n    got: {m['got']}"
                         + (f"\n    in: {m['sentence']} ({m['source']})" if m["sentence"] else ""))
    return "\n".join(lines)
