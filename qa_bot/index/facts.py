"""Facts read from documents at indexing time: who measured what, when, and the value.

Every sentence that states a measured value becomes facts: the place (a province,
or `Toàn quốc`), the measure (a label of `data/measures.json`), the value and its
unit as written (`1.565`, `90,2%`, `83,1/100`, `thứ 52/63`), the time it refers to
(`năm 2020`, `quý I/2026`, `tính đến 15/11/2025`; else the document's date) and the
exact offsets of the sentence and the value. Values set as targets (`chỉ tiêu …
80%`), changes (`tăng 20%`) and ranges (`từ 30% - dưới 70%`) are not facts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from ..ingest.measures import Canonical, Measure, bind_measures, canonical
from ..ingest.periods import Period, document_period, find_periods
from ..ingest.provinces import find_provinces
from ..ingest.quantities import Quantity, find_quantities
from ..schema import Chunk, Document
from ..text import LOWERCASE, fold, normalize

__all__ = ["NATIONAL", "Fact", "document_facts", "fact_sentences"]

NATIONAL = "Toàn quốc"
# Words just before a value that make it a target, a change, a bound or a comparison, not a measurement.
_NOT_MEASURED = re.compile(
    r"(?<!\w)(?:(?:chỉ tiêu|mục tiêu|phấn đấu|kế hoạch giao)(?:\s+[^\s\d]+){0,3}"
    r"|(?:tối thiểu|tối đa|ít nhất|không thấp hơn|không quá|dự kiến|tăng|giảm|vượt|rút ngắn|cắt giảm)(?:\s+[^\s\d]+)?"
    r"|từ|dưới|trên|hơn|khoảng|gần|xuống còn|bằng|còn|so với)[\s(]*$"
)
_DIRECTIVE = re.compile(r"(?<!\w)(?:giao(?! dịch)|đề xuất|đề nghị|yêu cầu|phấn đấu|phải|dự kiến|mục tiêu|chỉ tiêu|"
                        r"cần|nhằm|đảm bảo|bảo đảm|sẽ)(?!\w)")
_RANGE_AFTER = re.compile(r"^ (?:den|toi) #")
_SCOPES = {"cap tinh": "cấp tỉnh", "cap huyen": "cấp huyện", "cap xa": "cấp xã", "so nganh": "các sở, ngành"}
_NATIONAL = re.compile(r"(?i)\b(?:cả nước|toàn quốc)\b")
_ONE_SYLLABLE_UNITS = {"người", "phiếu", "xã", "sở", "lượt", "trạm", "cuộc", "lớp", "lần", "huyện", "phòng",
                       "tỉnh", "tàu", "tờ", "cuốn", "túi", "ngành", "hộ"}
_TERMINAL = re.compile(r"[.!?:;…”\"»]\s*$")
_CONTINUES = re.compile(rf"^(?:{LOWERCASE}|\d(?!\d*[.)]\s))")


@dataclass(frozen=True)
class Fact:
    """One measured value of one document, with exact offsets into the document's text."""

    source: str
    place: str
    measure: str  # the label: 'TTHC mức độ 4', 'tỷ lệ hồ sơ đúng hạn', 'xếp hạng chỉ số CCHC'
    measure_key: str  # the measure's name in data/measures.json
    family: str  # measures a broader question includes ('DVC trực tuyến')
    kind: str  # count, percent, score, rank, ratio, money
    value: float
    value_text: str  # as written: '1.565', '90,2%', '83,1/100', 'thứ 52/63'
    unit: str  # '%', '/100', 'điểm', '/63', 'tỷ đồng', or a count's noun ('TTHC', 'hồ sơ')
    scope: str  # 'cấp xã', 'cấp tỉnh', … when the sentence narrows it; '' otherwise
    period: str  # 'năm 2016', 'quý I/2026', '27/11/2025'
    year: int
    period_end: str  # ISO day the period ends: orders periods in time
    dated_by: str  # 'text' (the sentence names it) or 'document' (the document's date)
    doc_date: str
    sentence_start: int
    sentence_end: int
    value_start: int
    value_end: int

    def to_dict(self) -> dict:
        """A JSON-ready dict (the columns of the facts table)."""
        return asdict(self)

    @property
    def label(self) -> str:
        """The measure with its scope: 'số hồ sơ đúng hạn (cấp xã)'."""
        return f"{self.measure} ({self.scope})" if self.scope else self.measure


def fact_sentences(text: str, sentences: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans with lines that wrap inside a sentence (a PDF's layout) joined again:
    a line that ends without punctuation and a next one that begins in lower case (or
    with a number that is not a list marker) are one sentence.
    """
    merged: list[tuple[int, int]] = []
    for start, end in sorted(set(sentences)):
        if merged and start >= merged[-1][1]:
            prev_start, prev_end = merged[-1]
            between = text[prev_end:start]
            if ("\n" in between and between.strip() == "" and not _TERMINAL.search(text[prev_start:prev_end])
                    and _CONTINUES.match(text[start:end])):
                merged[-1] = (prev_start, end)
                continue
        if merged and start < merged[-1][1]:
            continue
        merged.append((start, end))
    return merged


def _count_unit(text: str, end: int, measure: Measure) -> str:
    """The noun a count is of, as written after it ('TTHC', 'hồ sơ', 'người'), else the measure's."""
    if not re.match(r"[ \t]+[^\W\d_]", text[end:end + 3]):
        return measure.unit
    words = re.findall(r"[^\W\d_]+", text[end:end + 40].split("\n")[0])[:2]
    if words[0].isupper() or words[0].lower() in _ONE_SYLLABLE_UNITS or len(words) == 1:
        return words[0]
    return " ".join(words)


def _measured(sentence: str, start: int, form: Canonical, position: int) -> bool:
    """False for a target, a change, a bound or the start of a range."""
    before = normalize(sentence[max(0, start - 60):start]).text.lower()
    return not _NOT_MEASURED.search(before) and not _RANGE_AFTER.match(form.text[_char(form, position) + 1:])


def _char(form: Canonical, word: int) -> int:
    return len(" ".join(form.text.split(" ")[:word])) + (1 if word else 0)


_BREAKDOWN_WORDS = {"(", ",", "trong", "do", "gom", "cap", "tinh", "xa", "huyen", "la", "¦:", "cac", "so", "nganh"}
_PERCENT_OF_PREVIOUS = re.compile(r"^(?:[^ ,()¦#]+ ){0,6}(?:\( |, )?(?:dat |chiem )?(?:ty le )?$")


def _inherited_label(measure: Measure, kind: str, previous_kind: str, between: str) -> str | None:
    """The label a value takes from the measure of the value before it, or None."""
    words = between.split()
    if kind == "percent" and previous_kind != "percent" and _PERCENT_OF_PREVIOUS.match(between + " ") and (
            {"(", "dat", "chiem"} & set(words) or "ty le" in between):
        return measure.label("percent")  # '… là 120.088 (tỷ lệ 95,53%)'
    if kind == previous_kind == "count":
        rest = words[next((i for i, w in enumerate(words) if w in _BREAKDOWN_WORDS), len(words)):]
        opens = {"(", "gom", "trong", "cap"} & set(rest)
        if len(words) - len(rest) <= 4 and opens and set(rest) <= _BREAKDOWN_WORDS:
            return measure.label("count")  # '2.310 TTHC (trong đó, cấp tỉnh là 1.865 TTHC, cấp xã là 445 TTHC)'
    if measure.indexed:
        return measure.label(kind)  # 'năm 2016 xếp thứ 12/63; năm 2017 đạt 80,5 điểm, xếp thứ 9/63'
    return None


def _inherit(form: Canonical, quantities: list[Quantity], bound: list) -> None:
    """Values no pattern named that take the measure of the value before them: a percentage
    of the same figure, a breakdown in brackets, a rank or score listed after another of the
    same index.
    """
    words = form.text.split(" ")
    for i in range(1, len(quantities)):
        here, prev = form.values[i], form.values[i - 1]
        if bound[i] is not None or bound[i - 1] is None or here < 0 or prev < 0:
            continue
        measure = bound[i - 1][0]
        label = _inherited_label(measure, quantities[i].kind, quantities[i - 1].kind, " ".join(words[prev + 1:here]))
        if label:
            bound[i] = (measure, label)


def _nearest_before(items: list[tuple[int, int, object]], at: int) -> object | None:
    before = [item for item in items if item[1] <= at]
    return max(before, key=lambda item: item[1])[2] if before else None


def _place(sentence: str, at: int, provinces: list[tuple[str, int, int]], default: str) -> str:
    """The province named last before the value (or a national figure), else the document's."""
    places = [(s, e, name) for name, s, e in provinces]
    places += [(m.start(), m.end(), NATIONAL) for m in _NATIONAL.finditer(sentence[:at])]
    return _nearest_before(places, at) or default


def _periods(sentence: str, at: int, end: int, groups: list[list[Period]]) -> list[Period]:
    """The period(s) named last before the value, else right after it in the same clause."""
    items = [(g[0].start, g[0].end, g) for g in groups]
    before = _nearest_before(items, at)
    if before:
        return before
    after = [g for g in groups if g[0].start >= end and not re.search(r"[;.:]", sentence[end:g[0].start])]
    return after[0] if after and after[0][0].start - end < 40 else []


def _scope(form: Canonical, position: int) -> str:
    """'cấp xã' when the words right after the value ('6.233 biên chế cấp xã', up to a comma, a
    bracket, the end of the clause, another value or 'và'), else those just before it (since the
    previous value, a comma or a bracket: 'cấp tỉnh là 1.865'), name exactly one level.
    """
    words = form.text.split(" ")
    after = re.split(r" (?:[,()#]|¦\S*|va)(?= |$)", " " + " ".join(words[position + 1:position + 13]))[0]
    start = max([p for p in form.values if 0 <= p < position], default=-1) + 1
    before = " " + " ".join(words[start:position]).replace("so , ban , nganh", "so nganh").replace(
        "so , nganh", "so nganh")
    before = re.split(r" (?:[,()]|¦)(?= |$)", before)[-1]
    for stretch in (after + " ", before + " "):
        found = {name for key, name in _SCOPES.items() if f" {key} " in stretch}
        if found:
            return found.pop() if len(found) == 1 else ""
    return ""


def _scopes(form: Canonical, indexed: list[bool]) -> list[str]:
    """The level of each value; a value after 'trong đó' with none of its own takes the level of
    the total before it ('Tổng số hồ sơ cấp xã … là 468.463 hồ sơ; trong đó: Số hồ sơ … đúng hạn là 467.565').
    """
    words = form.text.split(" ")
    scopes: list[str] = []
    for i, position in enumerate(form.values):
        scope = _scope(form, position) if position >= 0 and not indexed[i] else ""
        if not scope and position >= 0 and not indexed[i]:
            cut = max((k for k in range(position) if words[k:k + 2] == ["trong", "do"]), default=-1)
            totals = [j for j in range(i) if 0 <= form.values[j] < cut]
            scope = scopes[totals[-1]] if totals else ""
        scopes.append(scope)
    return scopes


def _directive(form: Canonical, position: int, sentence: str) -> bool:
    """The clause asks for the value or plans it ('Giao … tổ chức 01 cuộc đối thoại', 'phải có 03')."""
    words = form.text.split(" ")
    start = max([i + 1 for i in range(position) if words[i].startswith("¦") or words[i] == "#"], default=0)
    clause = sentence[form.spans[start][0] if start < position else 0:form.spans[position][0]]
    return bool(_DIRECTIVE.search(normalize(clause).text.lower()))


def _sentence_facts(doc: Document, start: int, end: int, province: str, dated: Period | None) -> list[Fact]:
    sentence = doc.text[start:end]
    quantities = find_quantities(sentence)
    if not quantities:
        return []
    form = canonical(sentence, [(q.start, q.end) for q in quantities])
    bound = bind_measures(form, [q.kind for q in quantities])
    _inherit(form, quantities, bound)
    provinces = find_provinces(sentence) if any(bound) else []
    groups = find_periods(sentence) if any(bound) else []
    scopes = _scopes(form, [b is None or b[0].indexed for b in bound])
    facts = []
    for number, (quantity, position, binding) in enumerate(zip(quantities, form.values, bound, strict=True)):
        if binding is None or not _measured(sentence, quantity.start, form, position) or _directive(
                form, position, sentence):
            continue
        place = _place(sentence, quantity.start, provinces, province)
        if not place:
            continue
        measure, label = binding
        kind = "score" if measure.indexed and quantity.kind == "percent" else quantity.kind  # 84,12% of 100
        periods = _periods(sentence, quantity.start, quantity.end, groups)
        unit = _count_unit(sentence, quantity.end, measure) if quantity.kind == "count" else quantity.unit
        scope = scopes[number]
        for period in periods or ([dated] if dated else []):
            facts.append(Fact(
                doc.source, place, label, measure.name, measure.family, kind, quantity.value, quantity.text,
                unit, scope, period.label, period.year, period.end_date, "text" if periods else "document",
                str(doc.meta.get("date") or ""), start, end, start + quantity.start, start + quantity.end,
            ))
    return facts


def document_facts(doc: Document, chunks: Iterable[Chunk]) -> list[Fact]:
    """Every fact of `doc`, read sentence by sentence (the chunks' sentences, wrapped lines joined)."""
    sentences = [s for chunk in chunks for s in chunk.sentences]
    province = str(doc.meta.get("province") or "")
    dated = document_period(doc.meta.get("date"))
    facts = []
    for start, end in fact_sentences(doc.text, sentences):
        if any(ch.isdigit() for ch in doc.text[start:end]):
            facts.extend(_sentence_facts(doc, start, end, province, dated))
    return facts


def folded_key(text: str) -> str:
    """A measure or place as typed, for loose matching: folded, lowercase, single-spaced."""
    return " ".join(fold(text.lower()).split())
