"""Filters an official sets on the corpus: provinces, years and documents.

The app pre-sets them from what a question names (its facets) and shows them as
removable chips; `QA.ask(..., filters=...)` answers only from the documents they
allow, and reads the question's province and year from them instead of the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..index.chunkstore import DocumentFacets
from ..schema import Document
from .facets import Facets, document_province

__all__ = ["FilterOptions", "Filters", "document_year", "filter_options"]


def document_year(doc: Document) -> str | None:
    """The year of the document's date ('2022' of '2022-10-12'), when known."""
    year = str(doc.meta.get("date") or "")[:4]
    return year if year.isdigit() else None


@dataclass(frozen=True)
class Filters:
    """Provinces, years and document sources to answer from; empty means any."""

    provinces: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        """Whether anything is filtered."""
        return bool(self.provinces or self.years or self.sources)

    @property
    def facets(self) -> Facets:
        """The province and year facets these filters stand for."""
        return Facets(tuple(self.provinces), tuple(self.years))

    def allows(self, doc: Document) -> bool:
        """Whether `doc` is about one of the provinces, from one of the years (or later and
        naming it) and one of the documents chosen.
        """
        if self.sources and doc.source not in self.sources:
            return False
        if self.provinces and Facets(tuple(self.provinces)).excludes(doc):
            return False
        if self.years:
            year = document_year(doc)
            if not any(year == y or ((year is None or year > y) and y in doc.text) for y in self.years):
                return False
        return True


    def allows_facets(self, facets: DocumentFacets) -> bool:
        """`allows`, read from a document's facets (worked out at build time) instead of its text."""
        if self.sources and facets.source not in self.sources:
            return False
        if self.provinces and Facets(tuple(self.provinces)).excludes_facets(facets):
            return False
        if self.years:
            year = facets.date[:4] if facets.date[:4].isdigit() else None
            if not any(year == y or ((year is None or year > y) and y in facets.years_named) for y in self.years):
                return False
        return True


@dataclass(frozen=True)
class FilterOptions:
    """What can be chosen: the provinces and years of the indexed documents, and the documents."""

    provinces: tuple[str, ...]
    years: tuple[str, ...]
    sources: tuple[str, ...]

    def preset(self, facets: Facets) -> Filters:
        """The filters a question's facets pre-set: those among the options."""
        return Filters(
            tuple(p for p in facets.provinces if p in self.provinces),
            tuple(y for y in facets.years if y in self.years),
        )


def filter_options(documents: dict[str, Document]) -> FilterOptions:
    """The choices offered for `documents`, sorted."""
    provinces = {p for p in (document_province(d) for d in documents.values()) if p}
    years = {y for y in (document_year(d) for d in documents.values()) if y}
    return FilterOptions(tuple(sorted(provinces)), tuple(sorted(years)), tuple(sorted(documents)))
