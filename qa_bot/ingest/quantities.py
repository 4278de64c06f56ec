"""Measured values written the Vietnamese way, found in text with their exact offsets.

`1.565` is one thousand five hundred sixty-five, `90,2%` ninety point two per cent,
`83,1/100` a score out of 100, `thứ 52/63` a rank among 63, `32.006 tỷ đồng` an
amount of money. Dates (`20/6`, `31/5/2021`), document codes (`108/2014/NĐ-CP`),
years and list numbers are not values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import YEAR, normalize

__all__ = ["Quantity", "find_quantities", "parse_number"]

_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_BEFORE = r"(?<![\w/.,\-])"  # not glued to a word, a code or another number ('ngành1', '07-NQ')
_AFTER = r"(?![\w/]|[.,]\d)"
_RANK = re.compile(
    rf"(?i)(?<!\w)(?P<lead>(?:xếp|đứng)\s+)?(?P<span>(?:thứ\s+hạng|thứ|hạng)\s+"
    rf"(?P<num>\d{{1,3}})(?:\s*/\s*(?P<of>\d{{1,3}}))?){_AFTER}"
)
_SCORE = re.compile(rf"{_BEFORE}(?P<num>{_NUM})\s*/\s*(?P<of>100|80|10|1\.000)(?P<pts>\s*điểm)?{_AFTER}")
_POINTS = re.compile(rf"(?i){_BEFORE}(?P<num>{_NUM})\s*điểm(?!\s+(?!(?:xếp|đứng|tăng|giảm|so|và|là|của|trên|đạt|"
                     rf"cao|thấp|trong|thuộc|nhóm|tối đa)\b)[^\W\d_])")
_PERCENT = re.compile(rf"{_BEFORE}(?P<num>{_NUM}|\d+\.\d{{1,2}})\s*%")
_PERCENT_COLUMN = re.compile(rf"(?<=%\s)(?P<num>\d+,\d+|100){_AFTER}")  # a table row: 'Tỷ lệ … % 90,58'
_MONEY = re.compile(rf"(?i){_BEFORE}(?P<num>{_NUM})\s*(?P<unit>(?:nghìn\s+|ngàn\s+)?tỷ|triệu|nghìn|ngàn)\s+đồng")
_RATIO = re.compile(rf"{_BEFORE}(?P<num>{_NUM})\s*/\s*(?P<of>{_NUM}){_AFTER}")
_COUNT = re.compile(rf"{_BEFORE}(?P<num>{_NUM}){_AFTER}")
# Words after which a number is a code, a position or a date, not a measured value.
_NOT_A_VALUE_AFTER = re.compile(
    r"(?i)(?:\b(?:số|số hiệu|điều|khoản|điểm|mục|phụ lục|trang|lần|lần thứ|tháng|quý|năm|ngày|giai đoạn|đề án|"
    r"nghị định|quyết định|kế hoạch|thông báo|công văn|chỉ thị|nghị quyết|thông tư|luật|tờ trình|báo cáo|"
    r"khu vực|phường|xã|quận|khóa|khoá|nhóm|loại|cấp độ|mức độ|mức|level|iso|tcvn|chương|phần|bước|"
    r"đợt|vòng|kỳ|sáng|chiều|trưa|tối|đêm|hôm|lúc|từ ngày|đến ngày)|[:(])\s*$"
)
_FORMS = (("rank", _RANK), ("score", _SCORE), ("score", _POINTS), ("percent", _PERCENT), ("percent", _PERCENT_COLUMN),
          ("money", _MONEY), ("ratio", _RATIO), ("count", _COUNT))
_DATE_WORDS = re.compile(r"(?i)(?:\b(?:ngày|sáng|chiều|trưa|tối|đêm|hôm|từ|đến|hết|trước|sau|nay)|\()\s*$")


@dataclass(frozen=True)
class Quantity:
    """One value in a text: its kind, number, unit and [start, end) offsets in the source.

    kind: count, percent, score, rank, ratio or money. `value` is the number
    ('1.565' → 1565.0, '90,2%' → 90.2, 'thứ 52/63' → 52.0); `unit` is '%',
    '/100', 'điểm', '/63', 'tỷ đồng' or '' (a count's noun comes after it).
    """

    kind: str
    start: int
    end: int
    value: float
    unit: str
    text: str


def parse_number(text: str) -> float:
    """A Vietnamese number: '.' groups thousands, ',' is the decimal mark.

    >>> parse_number("1.565"), parse_number("90,2"), parse_number("2.5")
    (1565.0, 90.2, 2.5)
    """
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", text):
        return float(text.replace(".", "").replace(",", "."))
    return float(text.replace(",", "."))


def _is_date(text: str, match: re.Match) -> bool:
    """'20/6', '31/5/2021', '(20/6)': a day and month, not a ratio."""
    day, month = match.group("num"), match.group("of")
    if not (day.isdigit() and month.isdigit() and 1 <= int(day) <= 31 and 1 <= int(month) <= 12):
        return False
    tail = text[match.end():match.end() + 6]
    before = text[max(0, match.start() - 12):match.start()]
    return bool(re.match(r"\s*/\s*\d", tail)) or bool(_DATE_WORDS.search(before))


def _taken(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _scan(text: str) -> list[tuple[str, re.Match]]:
    """(kind, match) of every value, the more specific forms first, none overlapping."""
    found: list[tuple[str, re.Match]] = []
    spans: list[tuple[int, int]] = []
    for kind, pattern in _FORMS:
        for match in pattern.finditer(text):
            if _taken(spans, match.start(), match.end()):
                continue
            if kind == "rank" and match.group("of") is None and not match.group("lead"):
                continue  # 'thứ 2' alone is an ordinal, not a rank
            if kind == "ratio" and _is_date(text, match):
                spans.append((match.start(), match.end()))
                continue
            spans.append((match.start(), match.end()))
            found.append((kind, match))
    return sorted(found, key=lambda item: item[1].start())


def _unit(kind: str, match: re.Match) -> str:
    if kind == "percent":
        return "%"
    if kind == "money":
        return " ".join(match.group("unit").lower().split()) + " đồng"
    if kind in ("rank", "ratio") or (kind == "score" and "of" in match.re.groupindex):
        return f"/{match.group('of')}" if match.group("of") else ""
    return "điểm" if kind == "score" else ""


def _keep(kind: str, text: str, match: re.Match) -> bool:
    """False for a number that is a code, a position, a date or a year."""
    if kind == "rank":
        return True
    before = text[max(0, match.start() - 25):match.start()]
    if kind in ("count", "ratio") and _NOT_A_VALUE_AFTER.search(before):
        return False
    number = match.group("num")
    return not (kind == "count" and YEAR.fullmatch(number))


def find_quantities(text: str) -> list[Quantity]:
    """Every value written in `text`, in order, with offsets into `text` itself.

    >>> [(q.kind, q.text, q.value, q.unit) for q in find_quantities("có 1.565 TTHC, đạt 90,2%, xếp thứ 5/63")]
    [('count', '1.565', 1565.0, ''), ('percent', '90,2%', 90.2, '%'), ('rank', 'thứ 5/63', 5.0, '/63')]
    """
    matching = normalize(text)
    quantities = []
    for kind, match in _scan(matching.text):
        if not _keep(kind, matching.text, match):
            continue
        start = match.start("span") if kind == "rank" else match.start()
        src_start, src_end = matching.to_source(start, match.end())
        quantities.append(Quantity(kind, src_start, src_end, parse_number(match.group("num")), _unit(kind, match),
                                   text[src_start:src_end]))
    return quantities
