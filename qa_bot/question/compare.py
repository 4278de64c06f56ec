"""Questions that compare, rank or follow a figure over time, and what they ask for.

`tỉnh nào có nhiều TTHC mức độ 4 nhất?` ranks the provinces by a measure,
`so sánh số DVC trực tuyến của Hà Giang và Cao Bằng` compares two of them, and
`chỉ số CCHC của Bắc Kạn qua các năm` follows one over time; the same without
diacritics or in English. Such a question names a measure of `data/measures.json`
and a cue of `data/comparison_cues.json` (or two places); the answer is a table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from ..datafiles import read_json
from ..ingest.measures import measures_named
from ..ingest.provinces import find_provinces
from ..text import YEAR_PATTERN, fold
from .analysis import Query

__all__ = ["Comparison", "read_comparison"]

_YEAR = YEAR_PATTERN
_RANGE = re.compile(rf"(?i)(?:\b(?:từ|tu|from|since|between|giai đoạn|giai doan)\s+)?(?:\b(?:năm|nam)\s+)?{_YEAR}"
                    rf"\s*(?:-|–|\bđến\b|\bden\b|\bto\b|\band\b|\btới\b|\btoi\b)\s*(?:\b(?:năm|nam)\s+)?{_YEAR}\b")
_SINCE = re.compile(rf"(?i)\b(?:since|từ năm|tu nam|kể từ|ke tu)\s+(?:năm\s+)?{_YEAR}\b")
_SPLIT_LOW = re.compile(r"\b(?:it|thap|kem|nho)\b(?: \S+){1,8} nhat\b")
_SCOPES = {"cấp xã": ("cap xa", "commune level"), "cấp huyện": ("cap huyen", "district level"),
           "cấp tỉnh": ("cap tinh", "provincial level")}


@dataclass(frozen=True)
class Comparison:
    """What a comparison question asks: kind ('rank', 'compare' or 'trend'), the measures it
    names (their keys), the kind of value it wants ('' when any), the places and years it
    names, which end comes first ('desc': the most or the highest), and the level of
    government it names ('' when none).
    """

    kind: str
    measures: tuple[str, ...]
    wants: str
    places: tuple[str, ...]
    years: tuple[int, ...]
    order: str
    scope: str = ""


@lru_cache(maxsize=256)
def _cue_pattern(phrase: str) -> re.Pattern:
    return re.compile(r"(?<![^\W_])" + re.escape(fold(phrase.lower())) + r"(?![^\W_])")


@cache
def _cues() -> dict:
    return read_json("comparison_cues.json")


def _has(probe: str, group: str, english: bool) -> bool:
    """Whether `probe` (folded, lowercase) holds a cue of `group` in the question's language."""
    phrases = _cues()[group]["en" if english else "vi"] + (_cues()[group]["vi"] if english else [])
    return any(_cue_pattern(p).search(probe) for p in phrases)


def _wants(probe: str) -> str:
    for kind, phrases in _cues()["wants"].items():
        if any(_cue_pattern(p).search(probe) for p in phrases):
            return kind
    return ""


def _places(query: Query) -> tuple[str, ...]:
    """Provinces named, also when typed all in lower case ('ha giang va cao bang')."""
    places = list(query.facets.provinces)
    text = query.question
    if text == text.lower():
        places += [name for name, _, _ in find_provinces(text.title())]
    return tuple(dict.fromkeys(places))


def _years(text: str, named: tuple[str, ...]) -> tuple[int, ...]:
    """The years asked about: a range ('từ năm 2017 đến 2021', 'since 2018') in full, else those named."""
    if m := _RANGE.search(text):
        first, last = sorted((int(m.group(1)), int(m.group(2))))
        return tuple(range(first, last + 1))
    if m := _SINCE.search(text):
        return tuple(range(int(m.group(1)), 2101))
    return tuple(int(y) for y in named)


def _measures(named: list) -> tuple[str, ...]:
    """The measures' names; a family's name is left out when one of its members is named too
    ('level 4 online public services' is the level-4 measure, not every online service).
    """
    names = list(dict.fromkeys(measure.name for measure, _, _ in named))
    members = {measure.family for measure, _, _ in named if measure.family != measure.name}
    return tuple(n for n in names if n not in members)


def _ascending(probe: str, english: bool) -> bool:
    """'thấp nhất', 'lowest', and the split forms 'ít TTHC mức độ 4 nhất'."""
    return _has(probe, "ascending", english) or (not english and bool(_SPLIT_LOW.search(probe)))


def _scope(probe: str) -> str:
    return next((name for name, cues in _SCOPES.items() if any(c in probe for c in cues)), "")


def read_comparison(query: Query) -> Comparison | None:
    """The comparison `query` asks for, or None for a question with a single answer."""
    named = measures_named(query.matching, english=query.english)
    if not named:
        return None
    probe = fold(f"{query.question} \n {query.matching}".lower())
    english = query.english
    places = _places(query)
    years = _years(probe, query.facets.years)
    if _has(probe, "trend", english) or (len(years) > 1 and _RANGE.search(probe)):
        kind = "trend"
    elif len(places) >= 2:
        kind = "compare"
    elif _has(probe, "rank", english) and not places:
        kind = "rank"  # a ranking of places names none ('… của Lạng Sơn … nhiều nhất ở nội dung nào' is not one)
    else:
        return None
    order = "asc" if _ascending(probe, english) else "desc"
    return Comparison(kind, _measures(named), _wants(probe), places, years, order, _scope(probe))
