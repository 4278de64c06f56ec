"""Scores of table answers: questions with expected `rows` (comparisons, rankings, figures over
time, conflicting figures) against the `table` of `ask --jsonl` answers.

An expected row is `{"place", "value", "year"}` (the value as the document writes it);
a returned row matches it when the place, the value and the year are the same. Row
recall is the share of expected rows returned, row precision the share of returned
rows expected, both over all rows of all questions. A row's quote is exact when its
`sentence` and `span` are the document's text at its offsets. `top` (the place a
ranking must put first) and `missing` (places no document gives a figure for) are
checked where a question gives them.
"""

from __future__ import annotations

from ..schema import Document
from .metrics import format_table, normalize_for_scoring

__all__ = ["TABLE_METRICS", "format_table_scores", "is_table_set", "score_tables"]

TABLE_METRICS = ("row_recall", "row_precision", "quote_exact", "top_accuracy", "missing_accuracy", "tables")


def is_table_set(items: list[dict]) -> bool:
    """Whether a question set's questions expect table rows."""
    return bool(items) and all("rows" in q for q in items)


def _key(place: str, value: str, year: object) -> tuple[str, str, str]:
    return normalize_for_scoring(place), normalize_for_scoring(value).replace(" ", ""), str(year)


def _quote_exact(row: dict, documents: dict[str, Document]) -> bool:
    doc = documents.get(row.get("source", ""))
    if doc is None:
        return False
    return (doc.text[row["sentence_start"]:row["sentence_end"]] == row["sentence"]
            and doc.text[row["char_start"]:row["char_end"]] == row["span"])


def _group(pairs: list[tuple[dict, dict]], documents: dict[str, Document]) -> dict:
    expected = returned = matched_expected = matched_returned = exact = tables = 0
    tops = [0, 0]
    missing = [0, 0]
    for question, answer in pairs:
        table = answer.get("table") or {}
        rows = table.get("rows", [])
        tables += bool(rows)
        with_year = all("year" in r for r in question["rows"])
        want = [_key(r["place"], r["value"], r["year"] if with_year else "") for r in question["rows"]]
        got = [_key(r["place"], r["span"], r["year"] if with_year else "") for r in rows]
        expected += len(want)
        returned += len(got)
        matched_expected += sum(w in got for w in want)
        matched_returned += sum(g in want for g in got)
        exact += sum(_quote_exact(r, documents) for r in rows)
        if "top" in question:
            tops[1] += 1
            tops[0] += bool(rows) and rows[0]["place"] == question["top"]
        if "missing" in question:
            missing[1] += 1
            missing[0] += sorted(table.get("missing", [])) == sorted(question["missing"])
    result = {"questions": len(pairs), "tables": tables / len(pairs) if pairs else 0.0,
              "row_recall": matched_expected / expected if expected else 0.0,
              "row_precision": matched_returned / returned if returned else 0.0,
              "quote_exact": exact / returned if returned else 0.0}
    if tops[1]:
        result["top_accuracy"] = tops[0] / tops[1]
    if missing[1]:
        result["missing_accuracy"] = missing[0] / missing[1]
    return result


def score_tables(questions: list[dict], answers: list[dict], documents: dict[str, Document]) -> dict:
    """Row recall, row precision, exact quotes, top place and missing places, overall, per
    language and per kind of question (pairing questions and answers by position).
    """
    pairs = list(zip(questions, answers, strict=False))
    report = {"overall": _group(pairs, documents)}
    for field in ("lang", "kind"):
        for value in sorted({q.get(field, "?") for q in questions}):
            report[value] = _group([(q, a) for q, a in pairs if q.get(field, "?") == value], documents)
    return report


def format_table_scores(report: dict) -> str:
    """A plain-text table: one row per metric, one column per group."""
    return format_table(report, TABLE_METRICS)
