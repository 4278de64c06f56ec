"""Facets: the province and year a question names, matched against documents.

A document about another province must not answer: when the question names a
province, a document whose metadata (or, lacking that, whose text) puts it in
another province is ranked last and never supplies the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..index.chunkstore import DocumentFacets
from ..ingest.provinces import document_province, find_provinces, load_provinces
from ..schema import Document, Hit
from ..text import YEAR, YEAR_PATTERN, fold

__all__ = ["Facets", "question_facets", "split_by_facets", "document_province", "place_names", "time_years"]

MERGER_DATE = "2025-07-01"  # the 34 provinces of the 2025 merger exist from this day


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Folded lowercase names and aliases of every province (not person names)."""
    names = set()
    for record in load_provinces():
        for name in [record["name"], *record.get("aliases", [])]:
            names.add(fold(name.lower()))
    return frozenset(names)


@lru_cache(maxsize=1)
def _renamed() -> dict[str, frozenset[str]]:
    """Provinces the 2025 reform only renamed (`Thừa Thiên Huế` became `Huế`, a name no province
    had before): each name → both names, one place at any date. A province that absorbed others
    (`Tuyên Quang` took in `Hà Giang`) is another place than each of them before the merger.
    """
    records = {record["name"]: record for record in load_provinces()}
    predecessors: dict[str, list[str]] = {}
    for record in records.values():
        if record.get("merged_into"):
            predecessors.setdefault(record["merged_into"], []).append(record["name"])
    renamed = {}
    for new, (old, *others) in predecessors.items():
        if not others and not records.get(new, {}).get("before_2025", True):
            renamed[new] = renamed[old] = frozenset((new, old))
    return renamed


@lru_cache(maxsize=4096)
def _provinces_in(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for name, _, _ in find_provinces(text)))


@dataclass(frozen=True)
class Facets:
    """Provinces and years named in a question."""

    provinces: tuple[str, ...] = ()
    years: tuple[str, ...] = field(default_factory=tuple)

    def excludes(self, doc: Document) -> bool:
        """True when `doc` is about another province than the question names, or was
        written before the year the question asks about (and never names that year).
        """
        if self._too_early(doc):
            return True
        if not self.provinces:
            return False
        province = document_province(doc)
        if province is not None:
            return not self._names(province) and not self._merged_into(province, str(doc.meta.get("date") or ""))
        return not any(self._names(p) for p in _provinces_in(doc.text))

    def excludes_facets(self, facets: DocumentFacets) -> bool:
        """`excludes` read from a document's facets (worked out at build time) instead of its text."""
        year = facets.date[:4]
        if self.years and year.isdigit() and all(y > year and y not in facets.years_named for y in self.years):
            return True
        if not self.provinces:
            return False
        if facets.province is not None:
            return not self._names(facets.province) and not self._merged_into(facets.province, facets.date)
        return not any(self._names(p) for p in facets.provinces_named)

    def _names(self, province: str) -> bool:
        """Whether the question names `province`, or the name it was renamed to or from."""
        return any(name in self.provinces for name in _renamed().get(province, (province,)))

    def _too_early(self, doc: Document) -> bool:
        year = str(doc.meta.get("date") or "")[:4]
        if not (self.years and year.isdigit()):
            return False
        return all(y > year and y not in doc.text for y in self.years)

    def _merged_into(self, province: str, date: str) -> bool:
        """The question names the province that `province` became part of in the 2025
        merger, and the document (of `date`) dates from after it.
        """
        if date < MERGER_DATE:
            return False
        for record in load_provinces():
            if record["name"] == province and record.get("merged_into") in self.provinces:
                return True
        return False


# Years that name a law or a document rather than the time asked about: 'Bộ luật Hình sự năm 2017',
# 'Luật An ninh mạng 2018', 'Civil Code 2015', '108/2014/NĐ-CP' (matched on folded text; 'pháp luật'
# is law at large), and in English before the name: 'the 2015 Civil Code', 'the 2019 Law on …'
# (capitalised words only between: 'in 2015 the law changed' names a time).
_NAMING_YEAR = re.compile(
    rf"(?<!\w)(?<!phap )(?:luat|law|code)(?:\s+[^\W\d_]+){{0,6}}?\s+(?:nam\s+|of\s+)?{YEAR_PATTERN}(?!\d)"
    rf"|(?<=\d/){YEAR_PATTERN}(?=/[^\W\d_])",
    re.IGNORECASE,
)
_YEAR_BEFORE_NAME = re.compile(rf"(?<!\d){YEAR_PATTERN}(?=\s+(?:[A-Z][^\W\d_]*\s+){{0,3}}(?:Code|Law)\b)")


def time_years(text: str) -> tuple[str, ...]:
    """The years `text` names as times (each once, in order), not those in a law's name or a code.

    >>> time_years("Theo Bộ luật Hình sự năm 2017, năm 2020 có bao nhiêu vụ theo Nghị định 108/2014/NĐ-CP?")
    ('2020',)
    >>> time_years("Under the 2015 Civil Code, how many cases were tried in 2020?")
    ('2020',)
    """
    folded = fold(text)
    naming = {m.end() for pattern in (_NAMING_YEAR, _YEAR_BEFORE_NAME) for m in pattern.finditer(folded)}
    return tuple(dict.fromkeys(m.group(0) for m in YEAR.finditer(folded) if m.end() not in naming))


def question_facets(question: str) -> Facets:
    """The provinces and years that `question` names (each once, in order), a law's year left out."""
    return Facets(_provinces_in(question), time_years(question))


def split_by_facets(hits: list[Hit], facets: Facets, documents: dict[str, Document]) -> tuple[list[Hit], list[Hit]]:
    """(hits that may answer, hits about another province or an earlier year), each in order."""
    if not facets.provinces and not facets.years:
        return hits, []
    excluded = {source: facets.excludes(documents[source]) for source in {h.chunk.source for h in hits}}
    return [h for h in hits if not excluded[h.chunk.source]], [h for h in hits if excluded[h.chunk.source]]
