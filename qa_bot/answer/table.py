"""Answers made of several figures: a table of facts, one row per place and time.

A ranking question gets one row per place (its latest figure, or the year asked),
sorted as asked; a comparison the places it names; a question over time one row
per place and period. Where documents disagree on the same figure, each value is
a row of its own (newest document first); where they agree, one row names the
other documents in `also_in`. Places asked about that no document gives a figure
for are listed as `missing`, never guessed. Every row points at its sentence and
value by exact offsets, like an answer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..index.fact_store import FactStore
from ..index.facts import NATIONAL, Fact
from ..ingest.measures import load_measures
from ..question.compare import Comparison
from ..schema import Document

__all__ = ["Table", "TableRow", "build_table", "conflict_table", "row_of"]

KIND_ORDER = ("count", "score", "percent", "rank", "ratio", "money")


@dataclass(frozen=True)
class TableRow:
    """One figure of a table: the fact, and where it is quoted from (the fields of an answer)."""

    place: str
    measure: str
    period: str
    year: int
    value: float
    kind: str
    unit: str
    date: str  # the document's date
    dated_by: str  # 'text' when the sentence names the period, 'document' when it is the document's date
    title: str
    source: str
    span: str
    sentence: str
    char_start: int
    char_end: int
    sentence_start: int
    sentence_end: int
    also_in: tuple[str, ...] = ()  # other documents giving the same value

    def to_dict(self) -> dict:
        """The row record of `ask --jsonl`: an answer's fields (the score of a fact read from its
        sentence is 1.0; its span is its value) and the figure's (`value` as a number).
        """
        return {
            "place": self.place, "measure": self.measure, "period": self.period, "year": self.year,
            "value": self.value, "kind": self.kind, "unit": self.unit, "date": self.date,
            "dated_by": self.dated_by, "title": self.title, "span": self.span, "sentence": self.sentence,
            "source": self.source, "char_start": self.char_start, "char_end": self.char_end,
            "sentence_start": self.sentence_start, "sentence_end": self.sentence_end, "score": 1.0,
            "value_start": self.char_start, "value_end": self.char_end, "also_in": list(self.also_in),
        }


@dataclass
class Table:
    """A table answer: what kind of question made it, its rows in order, the places without a figure."""

    kind: str  # rank, compare, trend or conflict
    measure: str
    order: str  # how the rows are sorted
    rows: list[TableRow] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The `table` record of `ask --jsonl`."""
        return {"kind": self.kind, "measure": self.measure, "order": self.order,
                "rows": [r.to_dict() for r in self.rows], "missing": list(self.missing)}


def row_of(fact: Fact, documents: dict[str, Document], also_in: tuple[str, ...] = ()) -> TableRow:
    """The table row of one fact, quoting its document."""
    doc = documents.get(fact.source)
    text = doc.text if doc is not None else ""
    return TableRow(
        fact.place, fact.label, fact.period, fact.year, fact.value, fact.kind, fact.unit, fact.doc_date,
        fact.dated_by, doc.title if doc is not None else fact.source, fact.source,
        text[fact.value_start:fact.value_end], text[fact.sentence_start:fact.sentence_end],
        fact.value_start, fact.value_end, fact.sentence_start, fact.sentence_end, also_in,
    )


def _facts_asked(comparison: Comparison, store: FactStore) -> list[Fact]:
    """Facts of the measures the question names (a family's name brings its members)."""
    families = [m.name for m in load_measures() if m.name in comparison.measures and m.family == m.name]
    facts = store.query(measure_keys=comparison.measures, families=families, places=comparison.places)
    facts = [f for f in facts if f.scope == comparison.scope]
    if comparison.kind == "rank" and not comparison.places:
        facts = [f for f in facts if f.place != NATIONAL]  # a ranking of provinces
    if comparison.years:
        facts = [f for f in facts if f.year in comparison.years]
    if comparison.wants != "percent" and any(f.kind != "percent" for f in facts):
        facts = [f for f in facts if f.kind != "percent"]  # 'số TTHC mức độ 4', not 'tỷ lệ TTHC mức độ 4'
    return facts


def _kind(comparison: Comparison, facts: list[Fact]) -> str | None:
    """The kind of value to compare: the one asked for, else the one that covers most places."""
    kinds = {f.kind for f in facts}
    if comparison.wants in kinds:
        return comparison.wants
    if comparison.kind == "trend" and not comparison.wants:
        return None  # every kind, each in its own rows (percentages only when asked: _facts_asked)
    places = Counter()
    for kind in kinds:
        places[kind] = len({f.place for f in facts if f.kind == kind})
    return max(kinds, key=lambda k: (places[k], -KIND_ORDER.index(k))) if kinds else None


def _by_value(facts: list[Fact]) -> list[tuple[Fact, tuple[str, ...]]]:
    """One fact per distinct value (the newest document's), with the other documents giving it."""
    groups: dict[float, list[Fact]] = {}
    for fact in sorted(facts, key=lambda f: (f.doc_date, f.source), reverse=True):
        groups.setdefault(fact.value, []).append(fact)
    out = []
    for same in groups.values():
        others = tuple(dict.fromkeys(f.source for f in same[1:] if f.source != same[0].source))
        out.append((same[0], others))
    return out


def _latest(facts: list[Fact]) -> list[Fact]:
    """Per place and measure, the facts of its latest year."""
    latest: dict[tuple[str, str], int] = {}
    for f in facts:
        key = (f.place, f.measure)
        latest[key] = max(latest.get(key, 0), f.year)
    return [f for f in facts if f.year == latest[(f.place, f.measure)]]


def _rows(comparison: Comparison, facts: list[Fact], documents: dict[str, Document]) -> list[TableRow]:
    if comparison.kind != "trend" and not comparison.years:
        facts = _latest(facts)
    groups: dict[tuple, list[Fact]] = {}
    for f in facts:
        key = (f.place, f.measure) + ((f.period_end, f.period) if comparison.kind == "trend" else (f.year,))
        groups.setdefault(key, []).append(f)
    rows = []
    for same in groups.values():
        rows += [row_of(fact, documents, also) for fact, also in _by_value(same)]
    return rows


def _sorted(comparison: Comparison, rows: list[TableRow], kind: str | None) -> tuple[list[TableRow], str]:
    """Rows in the order asked, and that order in words."""
    if comparison.kind == "trend":
        places = {p: i for i, p in enumerate(comparison.places)}
        rows.sort(key=lambda r: (places.get(r.place, len(places)), r.place, r.measure, r.year, r.period))
        return rows, "time"
    if comparison.kind == "compare":
        places = {p: i for i, p in enumerate(comparison.places)}
        rows.sort(key=lambda r: (places.get(r.place, len(places)), -r.year, r.date), reverse=False)
        return rows, "places as asked"
    best_first = (comparison.order == "desc") != (kind == "rank")  # rank 1 is the highest
    rows.sort(key=lambda r: (r.value, r.year), reverse=best_first)
    return rows, "value descending" if best_first else "value ascending"


def build_table(comparison: Comparison, store: FactStore, documents: dict[str, Document]) -> Table | None:
    """The table that answers `comparison` from the facts in `store`; None when no fact does."""
    facts = _facts_asked(comparison, store)
    kind = _kind(comparison, facts)
    if kind is not None:
        facts = [f for f in facts if f.kind == kind]
    if not facts:
        return None
    rows, order = _sorted(comparison, _rows(comparison, facts, documents), kind)
    measures = list(dict.fromkeys(r.measure for r in rows))
    found = {r.place for r in rows}
    return Table(comparison.kind, ", ".join(measures), order, rows, [p for p in comparison.places if p not in found])


def conflict_table(source: str, start: int, end: int, store: FactStore,
                   documents: dict[str, Document]) -> Table | None:
    """When the figure at [start, end) of `source` (an answer's span) is given with another value
    by another document for the same place, measure and year: all of them, newest document first.
    """
    for fact in store.covering(source, start, end):
        same = [f for f in store.query(measure_keys=[fact.measure_key], places=[fact.place], kinds=[fact.kind])
                if f.year == fact.year and f.scope == fact.scope and f.measure == fact.measure]
        if len({f.value for f in same}) > 1 and len({f.source for f in same}) > 1:
            rows = [row_of(f, documents, also) for f, also in _by_value(same)]
            rows.sort(key=lambda r: (r.date, r.source), reverse=True)
            return Table("conflict", fact.label, "newest document first", rows, [])
    return None
