"""The times a text says its figures refer to: `năm 2020`, `quý I/2026`, `tính đến 15/11/2025`…

Each period has a label as people write it, its year, and its last day (ISO),
which orders periods in time: `quý I/2026` ends on 2026-03-31, `năm 2016` on
2016-12-31. Dates that cite another document (`Nghị quyết … ngày 18/4/2017`) and
times things are compared with (`so với năm 2020`) are not periods of a figure.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from ..text import YEAR_PATTERN, normalize

__all__ = ["Period", "document_period", "find_periods"]

_Y = YEAR_PATTERN
_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTER = re.compile(rf"(?i)\bquý\s+(I{{1,3}}|IV|[1-4])\s*(?:/|năm\s+)\s*{_Y}\b")
_MONTHS_OF_YEAR = re.compile(rf"(?i)\b(\d{{1,2}}|sáu|chín)\s+tháng\s+(?:đầu\s+)?năm\s+{_Y}\b")
_UNTIL = re.compile(rf"(?i)\b(?:tính\s+)?đến\s+(?:hết\s+)?(?:ngày\s+)?(\d{{1,2}})/(\d{{1,2}})/{_Y}\b")
_MONTH = re.compile(rf"(?i)\btháng\s+(\d{{1,2}})\s*(?:/|năm\s+)\s*{_Y}\b")
_SPAN = re.compile(rf"(?i)\bgiai\s+đoạn\s+{_Y}\s*[-–—]\s*{_Y}\b")
_YEARS = re.compile(rf"(?i)\bnăm\s+{_Y}((?:\s*(?:,|và)\s*(?:năm\s+)?{_Y}\b)*)")
_NOT_OURS = re.compile(r"(?i)\b(?:so\s+với|cùng\s+kỳ|với)\s*$")
_WORD_MONTHS = {"sáu": 6, "chín": 9}


@dataclass(frozen=True)
class Period:
    """A time a figure refers to: label, year, last day (ISO) and [start, end) in the text."""

    label: str
    year: int
    end_date: str
    start: int = 0
    end: int = 0


def _last_day(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def _quarter(m: re.Match) -> list[Period]:
    number, year = _QUARTERS[m.group(1).lower()], int(m.group(2))
    roman = ["I", "II", "III", "IV"][number - 1]
    return [Period(f"quý {roman}/{year}", year, _last_day(year, 3 * number))]


def _months_of_year(m: re.Match) -> list[Period]:
    months = _WORD_MONTHS.get(m.group(1).lower()) or int(m.group(1))
    year = int(m.group(2))
    if not 1 <= months <= 12:
        return []
    return [Period(f"{months} tháng năm {year}", year, _last_day(year, months))]


def _until(m: re.Match) -> list[Period]:
    day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return []
    return [Period(f"{day:02d}/{month:02d}/{year}", year, f"{year:04d}-{month:02d}-{day:02d}")]


def _month(m: re.Match) -> list[Period]:
    month, year = int(m.group(1)), int(m.group(2))
    return [Period(f"tháng {month}/{year}", year, _last_day(year, month))] if 1 <= month <= 12 else []


def _span(m: re.Match) -> list[Period]:
    first, last = int(m.group(1)), int(m.group(2))
    return [Period(f"giai đoạn {first}-{last}", last, f"{last}-12-31")] if first < last else []


def _years(m: re.Match) -> list[Period]:
    years = [int(m.group(1))] + [int(y) for y in re.findall(_Y, m.group(2) or "")]
    return [Period(f"năm {y}", y, f"{y}-12-31") for y in dict.fromkeys(years)]


_FORMS = ((_QUARTER, _quarter), (_MONTHS_OF_YEAR, _months_of_year), (_UNTIL, _until), (_MONTH, _month),
          (_SPAN, _span), (_YEARS, _years))


def find_periods(text: str) -> list[list[Period]]:
    """The periods `text` names, in order; years written together (`năm 2017 và năm 2018`)
    come as one group, each with the group's [start, end) offsets into `text`.

    >>> [[p.label for p in group] for group in find_periods("năm 2016 xếp thứ 60; năm 2017 và năm 2018 xếp thứ 49")]
    [['năm 2016'], ['năm 2017', 'năm 2018']]
    >>> [[p.label for p in g] for g in find_periods("quý I/2026, tính đến ngày 27/11/2025, so với năm 2020")]
    [['quý I/2026'], ['27/11/2025']]
    """
    matching = normalize(text)
    found: list[tuple[int, int, list[Period]]] = []
    for pattern, read in _FORMS:
        for m in pattern.finditer(matching.text):
            if any(s < m.end() and m.start() < e for s, e, _ in found):
                continue
            if _NOT_OURS.search(matching.text[max(0, m.start() - 12):m.start()]):
                continue
            periods = read(m)
            if periods:
                found.append((m.start(), m.end(), periods))
    groups = []
    for start, end, periods in sorted(found, key=lambda item: item[0]):
        src_start, src_end = matching.to_source(start, end)
        groups.append([Period(p.label, p.year, p.end_date, src_start, src_end) for p in periods])
    return groups


def document_period(date: str) -> Period | None:
    """The period of a document's own date ('2021-10-05' → '05/10/2021'), when it has one."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", str(date or "")[:10])
    if not m:
        m_year = re.fullmatch(r"(\d{4})", str(date or "")[:4])
        return Period(f"năm {m_year.group(1)}", int(m_year.group(1)), f"{m_year.group(1)}-12-31") if m_year else None
    year, month, day = (int(g) for g in m.groups())
    return Period(f"{day:02d}/{month:02d}/{year}", year, f"{year:04d}-{month:02d}-{day:02d}")
