"""Candidate answer spans inside one sentence, by question type.

Every function works on the sentence's matching form (NFC) and returns
[start, end) pairs into it; `answer.py` maps the chosen one back to the source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..datafiles import read_lines
from ..ingest.signers import is_name_word
from ..text import fold
from .quotations import outside_quotations

__all__ = ["candidates", "clause_bounds", "MAX_SPAN"]

MAX_SPAN = 120

_NUMBER = re.compile(r"(?<![\w/.,])\d+(?:[.,/:]\d+)*(?:\s?%)?(?![\w/])")
_CLAUSE_END = re.compile(r"[,:.](?!\d)|[;!?()\[\]“”\"]|\s[–—-]\s")
_LIST_END = re.compile(r"[.!?](?:\s|$)")
_DATE = re.compile(
    r"(?:(?:ngày|sáng|chiều|tối|trưa)\s+)?\d{1,2}\s+tháng\s+\d{1,2}(?:\s+năm\s+\d{4})?"
    r"|(?:(?:ngày|sáng|chiều|tối|trưa)\s+(?:nay\s+)?\(?)?\d{1,2}/\d{1,2}(?:/\d{2,4})?"
    r"|tháng\s+\d{1,2}(?:/\d{4}|\s+năm\s+\d{4})?|quý\s+[IV]+(?:/\d{4}|\s+năm\s+\d{4})?|năm\s+\d{4}",
    re.IGNORECASE,
)
_CODE = re.compile(
    r"(?<![\w/])\d+[\w.]*(?:[/-][\wĐđ.]+)*/[A-ZĐ][\wĐ.]*(?:[/-][\wĐđ.]+)*"
    r"|ISO\s+\d+(?::\d{4})?"
    r"|(?:Chỉ thị|Nghị quyết|Nghị định|Quyết định|Thông báo|Kế hoạch|Đề án|Thông tư|Công văn)\s+(?:số\s+)?\d+[\w/.-]*"
)
_QUOTED = re.compile(r"[“\"]([^”\"]{1,100})[”\"]")


def clause_bounds(text: str, pos: int) -> tuple[int, int]:
    """The clause around `pos`: between the nearest , ; : . ( ) or quote marks."""
    start = 0
    for m in _CLAUSE_END.finditer(text, 0, pos):
        start = m.end()
    end_match = _CLAUSE_END.search(text, pos)
    end = end_match.start() if end_match else len(text)
    return start, end


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Strip white space and keep a span within MAX_SPAN, cut at a word boundary."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start > MAX_SPAN:
        cut = text.rfind(" ", start, start + MAX_SPAN)
        end = cut if cut > start else start + MAX_SPAN
    return start, end


_CONNECTIVES = ("trong đó", "đạt", "tăng", "giảm", "chiếm", "với", "còn", "so với", "theo", "trong", "đồng thời")
_COUNTED_ITEM = re.compile(r",\s*\d+(?:[.,]\d+)*%?\s+[^\W\d_]")
_ENUMERATED_WORD = re.compile(r",\s*([^\W\d_]+)(?=[\s,])")


def _number_span(text: str, start: int, end: int) -> tuple[int, int]:
    """A number and what it counts: to the clause end, over short '(…)' asides,
    through lists of counts ('11 tập thể, 19 cá nhân') and short enumerations
    ('10 sở, ngành').
    """
    _, clause_end = clause_bounds(text, end)
    while True:
        if text[clause_end:clause_end + 1] == "(" and ")" in text[clause_end:clause_end + 30]:
            _, clause_end = clause_bounds(text, text.index(")", clause_end) + 1)
            continue
        words = len(text[end:clause_end].split())
        if text[clause_end:clause_end + 1] == "," and words <= 3 and _COUNTED_ITEM.match(text, clause_end):
            _, clause_end = clause_bounds(text, clause_end + 1)
            continue
        word = _ENUMERATED_WORD.match(text, clause_end)
        if (text[clause_end:clause_end + 1] == "," and words <= 2 and word
                and not _starts_connective(text, word.start(1))):
            clause_end = word.end(1)
        break
    return _trim(text, start, clause_end)


def _starts_connective(text: str, pos: int) -> bool:
    rest = text[pos:pos + 12].lower()
    return any(rest.startswith(c + " ") or rest == c for c in _CONNECTIVES)


_YEARISH = re.compile(r"(?:năm|giai đoạn|đến|từ|quý [IV]+)\s*$|[-–]\s*$", re.IGNORECASE)


def _plausible_date(text: str) -> bool:
    """'5/10' is a date, '45/63' (a rank) is not: day ≤ 31 and month ≤ 12."""
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if re.search(r"\d/\d", text) and len(numbers) >= 2:
        return numbers[0] <= 31 and numbers[1] <= 12 if "/" in text.split()[-1] else True
    return True


def _is_date_part(text: str, start: int, end: int, dates: list[tuple[int, int]]) -> bool:
    """A number that is a date, a year or part of one ('năm 2016', '5/10', '2018-2021')."""
    if any(d_start <= start and end <= d_end for d_start, d_end in dates):
        return True
    value = text[start:end]
    return bool(re.fullmatch(r"(19|20)\d\d", value)) and (
        bool(_YEARISH.search(text[max(0, start - 12):start])) or text[end:end + 1] in "-–"
    )


def number_candidates(text: str, exclude: set[str]) -> list[tuple[int, int, int, int]]:
    """(value start, value end, span start, span end) for each number not in `exclude`.

    Dates and years are not counts; numbers the question itself names are left out.
    """
    found = []
    dates = [m.span() for m in _DATE.finditer(text) if _plausible_date(m.group(0))]
    for m in _NUMBER.finditer(text):
        value = m.group(0).replace(" ", "")
        if value in exclude or value.rstrip("%") in exclude or _is_date_part(text, m.start(), m.end(), dates):
            continue
        found.append((m.start(), m.end(), *_number_span(text, m.start(), m.end())))
    return found


def _titled(text: str, start: int) -> bool:
    """Whether a title ('đồng chí', 'Chủ tịch UBND tỉnh …') stands just before `start`."""
    before = fold(text[max(0, start - 40):start].lower()).rstrip()
    return any(before.endswith(fold(t)) for t in read_lines("titles.txt"))


def _names_in_run(text: str, run: re.Match, places: set[str]) -> list[tuple[int, int]]:
    """Person names inside a run of capitalised words: from a family name, 2 to 4 words."""
    words = []
    for m in re.finditer(r"\S+", run.group(0)):
        word = m.group(0)
        if not is_name_word(word):  # 'A Thuyên', 'Y Thị Hoa' too
            break
        words.append((m.start() + run.start(), m.end() + run.start()))
    surnames = set(read_lines("surnames.txt"))
    in_place = set()
    for i in range(len(words)):
        for j in range(i + 1, min(i + 4, len(words))):
            if fold(text[words[i][0]:words[j][1]].lower()) in places:
                in_place.update(range(i, j + 1))
    for i, (start, _) in enumerate(words):
        rest = [w for k, w in enumerate(words[i:i + 4], start=i) if k not in in_place]
        if i in in_place or len(rest) < 2:
            continue
        first = text[start:words[i][1]]
        if first in surnames or (i == 0 and _titled(text, start) and fold(first.lower()) not in _ORG_WORDS):
            return [(start, rest[-1][1])]
    return []


# Capitalised words that begin the name of an organisation or a place, not a person.
_ORG_WORDS = frozenset(fold(w) for w in (
    "sở", "ban", "bộ", "cục", "chi", "phòng", "ủy", "uỷ", "văn", "trung", "hội", "đảng", "tỉnh", "thành",
    "huyện", "xã", "phường", "thị", "quận", "công", "trường", "viện", "tổng", "nhà", "báo", "đài",
    "chính", "quốc", "mặt", "đoàn", "liên", "tòa", "toà", "kho", "bệnh", "hợp", "ngân",
))


def _capitalised_runs(text: str) -> Iterator[re.Match[str]]:
    """Runs of two or more words that start with a capital letter ('Trần Thị Hoa')."""
    return re.finditer(r"(?<!\w)(?:[^\W\d_][^\W\d_]*[ \t]+)+[^\W\d_]+", _mask_lowercase_words(text))


def _mask_lowercase_words(text: str) -> str:
    """`text` with words that do not start with a capital replaced by '0's (same length)."""
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0) if m.group(0)[0].isupper() else "0" * len(m.group(0)), text)


def person_candidates(text: str, places: set[str]) -> list[tuple[int, int, int, int]]:
    """Names of people: 2–4 capitalised syllables, a family name first or a title before."""
    found = []
    for run in _capitalised_runs(text):
        for start, end in _names_in_run(text, run, places):
            clause_start, _ = clause_bounds(text, start)
            lead = max(clause_start, start - 60)
            found.append((start, end, *_trim(text, lead, end)))
    return found


def pattern_candidates(text: str, pattern: re.Pattern) -> list[tuple[int, int, int, int]]:
    """Matches of `pattern`, each its own span."""
    return [(m.start(), m.end(), *_trim(text, m.start(), m.end())) for m in pattern.finditer(text)]


def anchored_candidates(text: str, anchor: list[str]) -> list[tuple[int, int, int, int]]:
    """What follows the question's anchor words ('quy trình' in 'quy trình gì'), to the clause end."""
    if not anchor:
        return []
    folded = fold(text.lower())
    phrase = r"\W+".join(re.escape(w) for w in anchor)
    found = []
    for m in re.finditer(rf"(?<!\w){phrase}(?!\w)", folded):
        rest_start = m.end()
        quoted = _QUOTED.match(text, rest_start + (len(text[rest_start:]) - len(text[rest_start:].lstrip())))
        if quoted:
            found.append((quoted.start(1), quoted.end(1), *_trim(text, quoted.start(1), quoted.end(1))))
            continue
        while rest_start < len(text) and not (text[rest_start].isalnum() or text[rest_start] in "“\""):
            rest_start += 1
        end = clause_bounds(text, rest_start + 1)[1] if rest_start < len(text) else len(text)
        if end > rest_start:
            found.append((rest_start, end, *_trim(text, rest_start, end)))
    return found


def list_candidates(text: str, anchor: list[str]) -> list[tuple[int, int, int, int]]:
    """What follows the anchor to the end of the sentence (lists run over ',' and ';'),
    and runs of capitalised names separated by commas ('Văn phòng HĐND tỉnh, Sở …').
    """
    found = []
    for v_start, v_end, _, _ in anchored_candidates(text, anchor):
        end = _LIST_END.search(text, v_start)
        start, stop = outside_quotations(text, *_trim(text, v_start, end.start() if end else len(text)), MAX_SPAN)
        if stop > start:  # the value within what is left of the span, else the span
            value = (max(v_start, start), min(v_end, stop)) if v_start < stop and start < v_end else (start, stop)
            found.append((*value, start, stop))
    for m in _NAME_LIST.finditer(text):
        found.append((m.start(), m.end(), *_trim(text, m.start(), m.end())))
    return found


_NAME = r"[A-ZĐ][^\W\d_]*(?:\s+(?:[A-ZĐ][^\W\d_]*|HĐND|UBND|và))*"
_NAME_LIST = re.compile(rf"{_NAME}(?:,\s*{_NAME}){{1,6}}")


def clause_candidates(text: str) -> list[tuple[int, int, int, int]]:
    """Every clause, and the whole sentence when it is short enough."""
    found = []
    if len(text.strip()) <= MAX_SPAN:
        found.append((0, len(text), *_trim(text, 0, len(text))))
    pos = 0
    while pos < len(text):
        start, end = clause_bounds(text, pos)
        if text[start:end].strip():
            found.append((start, end, *_trim(text, start, end)))
        pos = max(end + 1, pos + 1)
    return found


def date_candidates(text: str, wants: str) -> list[tuple[int, int, int, int]]:
    """Dates; when the question asks for a day ('ngày nào'), only those naming one."""
    found = [c for c in pattern_candidates(text, _DATE) if _plausible_date(text[c[0]:c[1]])]
    if wants == "day":
        found = [c for c in found if re.search(r"\d/\d|\d\s+tháng", text[c[0]:c[1]])]
    return found


def candidates(text: str, kind: str, exclude_numbers: set[str], anchor: list[str], places: set[str],
               wants: str = "") -> list[tuple[int, int, int, int]]:
    """Candidate spans of `text` for a question of type `kind`, most specific first."""
    if kind == "number":
        found = number_candidates(text, exclude_numbers)
        if wants == "percent":
            return [c for c in found if text[c[0]:c[1]].endswith("%")]
        if wants == "rank":
            return [c for c in found if "/" in text[c[0]:c[1]] or re.search(r"(?:thứ|hạng)\s*$", text[:c[0]])]
        return found
    if kind == "person":
        return person_candidates(text, places)
    if kind == "date":
        return date_candidates(text, wants)
    if kind == "code":
        return pattern_candidates(text, _CODE) + anchored_candidates(text, anchor)
    if kind == "entity":
        return anchored_candidates(text, anchor) + pattern_candidates(text, _CODE) + pattern_candidates(text, _QUOTED)
    if kind in ("list", "describe"):
        return list_candidates(text, anchor)
    return clause_candidates(text)
