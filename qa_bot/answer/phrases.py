"""Answer spans that are phrases rather than values: the slot the question word stands for,
a reason clause, a description, the whole sentence or a window of its clauses.

Vietnamese keeps the question word in place (`Hà Giang có bao nhiêu TTHC đạt mức độ 4?`
↔ `Hà Giang có 1.565 TTHC … mức độ 4`): the words before the question word are
found in the sentence, then the words after it, and the slot is what lies between
(or, lacking one side, runs to the clause end or from the clause start). A why
question takes what follows `do`, `vì`, `nhờ`, `nhằm`…; every span ends at a word
boundary, never inside a number or a quotation, and is at most MAX_SPAN characters.

Every function works on a sentence's matching form (NFC) and returns
(start, end) pairs into it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ..question.analysis import kind_cues
from ..text import fold, syllables, word_tokenize
from .quotations import LOOSE_ENDS, outside_quotations, quotations, stripped
from .spans import MAX_SPAN, clause_bounds
from .terms import terms_in_order

__all__ = ["Slot", "lead_run", "longest_run", "manner_spans", "match_spans", "question_slot", "quoted_spans",
           "reason_spans", "sentence_spans", "slot_spans", "whole_words", "window_spans", "with_full_stop",
           "with_enumeration", "with_lead_in", "without_cut_demonstrative"]

_WITHIN_WORD = re.compile(r"[^\W_]+(?: [^\W_]+)* ?|(?: [^\W_]+)+")  # syllables and single spaces only
_PHRASE_END = re.compile(r"[.;!?](?:\s|$)")
_CLOSERS = {'"': '"', "”": "“", "»": "«", ")": "("}  # a closing mark and the mark that opens it
_ABBREVIATION_DOT = re.compile(r"(?<!\w)[A-ZĐ][A-Za-zĐđ]{0,2}\.$")  # 'P.', 'TP.', 'ThS.' before a name
_MANNERS = ("bằng cách", "bằng việc", "bằng hình thức", "thông qua", "qua việc", "theo hướng", "theo hình thức",
            "theo quy trình", "theo các bước", "bằng phương thức", "dưới hình thức")
_REASONS = ("nguyên nhân là do", "nguyên nhân là", "nguyên nhân", "lý do là", "lý do", "là do", "bởi vì", "bởi",
            "vì", "do", "nhờ", "nhằm", "để", "tại")
_LEAD_INS = frozenset(fold(w) for w in ("bằng", "cách", "được", "sẽ"))  # open a manner or an outcome


def _cut(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) without surrounding spaces and punctuation, at most MAX_SPAN characters,
    cut back to a word boundary outside a number and outside an open quotation.
    """
    while start < end and (text[start].isspace() or text[start] in ",;:-–—)"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:-–—("):
        end -= 1
    if end - start > MAX_SPAN:
        end = start + MAX_SPAN
        while end > start and not text[end].isspace():
            end -= 1
        while end > start and (text[end - 1] in ",;:-–—(" or text[end - 1].isspace()):
            end -= 1
    return outside_quotations(text, start, end, MAX_SPAN)


def _cut_tail(text: str, start: int, end: int) -> tuple[int, int]:
    """Like `_cut`, but a phrase longer than MAX_SPAN keeps its end and loses its beginning."""
    start, end = _cut(text, start, end) if end - start <= MAX_SPAN else (start, end)
    if end - start > MAX_SPAN:
        start = end - MAX_SPAN
        while start < end and not text[start - 1].isspace():
            start += 1
        start, end = _cut(text, start, end)
    return start, end


def _both_ends(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The phrase cut to MAX_SPAN from its start, and from its end."""
    return list(dict.fromkeys([_cut(text, start, end), _cut_tail(text, start, end)]))


def _phrase_end(text: str, pos: int) -> int:
    """Where the phrase that starts at `pos` ends: the next '.', ';', '!' or '?' (kept when it ends
    the sentence; an abbreviation's dot does not end it), else the sentence end.

    >>> text = "nộp P. ĐTĐH trước 1 tháng; sau đó"
    >>> text[:_phrase_end(text, 0)]
    'nộp P. ĐTĐH trước 1 tháng'
    """
    match = _PHRASE_END.search(text, pos)
    while match and _ABBREVIATION_DOT.search(text, 0, match.start() + 1):
        match = _PHRASE_END.search(text, match.end())  # 'P. ĐTĐH', 'TP. Hà Giang' go on
    if not match:
        return len(text)
    return len(text) if not text[match.start() + 1:].strip() else match.start()


@lru_cache(maxsize=1024)
def _folded(text: str) -> tuple[tuple[str, int, int], ...]:
    """The syllables of `text`, lower-cased and folded, with their offsets (cached: a sentence
    is read by several features and span generators, a question by every sentence).
    """
    return tuple((fold(t.lower()), start, end) for t, start, end in syllables(text))


class Slot:
    """The question around its question word: the folded syllables before and after it."""

    def __init__(self, before: list[str], after: list[str]) -> None:
        self.before, self.after = before, after

    def __bool__(self) -> bool:
        return bool(self.before or self.after)


def _question_words() -> list[list[str]]:
    cues = [cue for _, kind in kind_cues() for cue in kind]
    return sorted((fold(c.lower()).split() for c in cues), key=len, reverse=True)


@lru_cache(maxsize=256)
def question_slot(question: str) -> Slot:
    """The folded syllables before and after the question's first question word.

    >>> s = question_slot("Hà Giang có bao nhiêu TTHC đạt mức độ 4?")
    >>> s.before, s.after
    (['ha', 'giang', 'co'], ['tthc', 'dat', 'muc', 'do', '4'])
    """
    words = [w for w, _, _ in _folded(question)]
    best = None
    for cue in _question_words():
        for i in range(len(words) - len(cue) + 1):
            if words[i:i + len(cue)] == cue and (best is None or i < best[0]):
                best = (i, len(cue))
    if best is None:
        return Slot([], [])
    i, n = best
    return Slot(words[:i], words[i + n:])


def _runs(tokens: Sequence[tuple[str, int, int]], wanted: Sequence[str], after: int) -> list[tuple[int, int, int]]:
    """(length, start in `wanted`, start in `tokens`) of every maximal run of `wanted`'s syllables
    found consecutively in `tokens` at or after offset `after`.
    """
    positions: dict[str, list[int]] = {}
    for i, word in enumerate(wanted):
        positions.setdefault(word, []).append(i)
    runs = []
    for j, (token, start, _) in enumerate(tokens):
        if start < after:
            continue
        for i in positions.get(token, ()):  # only where the syllable is one of `wanted`'s
            if i and j and tokens[j - 1][0] == wanted[i - 1]:
                continue  # not the start of a maximal run
            n = 1
            while j + n < len(tokens) and i + n < len(wanted) and tokens[j + n][0] == wanted[i + n]:
                n += 1
            runs.append((n, i, j))
    return runs


def _left_anchor(tokens: Sequence[tuple[str, int, int]], before: list[str]) -> int:
    """Where the sentence's match of the words before the question word ends (-1: none): the run
    that reaches closest to the question word, the longest of those.
    """
    runs = _runs(tokens, before, -1)
    if not runs:
        return -1
    n, _, j = max(runs, key=lambda r: (r[1] + r[0], r[0], r[2]))
    return tokens[j + n - 1][2]


def _right_anchor(tokens: Sequence[tuple[str, int, int]], after_words: list[str], after: int) -> int:
    """Where the sentence's match of the words after the question word starts (-1: none): the run
    that starts closest to the question word, the longest, the first of those.
    """
    runs = _runs(tokens, after_words, after)
    if not runs:
        return -1
    _, _, j = max(runs, key=lambda r: (-r[1], r[0], -r[2]))
    return tokens[j][1]


def _spelled_out(text: str) -> tuple[tuple[str, int, int], ...]:
    """The folded syllables of `text` with each abbreviation read as the syllables it stands for
    (`chỉ số CCHC` as `chi so cai cach hanh chinh`), for runs that go through it (no offsets).
    """
    return tuple((w, 0, 0) for w in terms_in_order(text))


def lead_run(text: str, slot: Slot) -> int:
    """How many syllables of the words just before the question word the text says in a row,
    up to where the question word would stand (4 for `theo đề nghị của` when asked `… theo đề
    nghị của ai`): the sentence mirrors the question around its gap. Abbreviations read as
    the words they stand for, on both sides.
    """
    before = terms_in_order(" ".join(slot.before))
    return max((n for n, i, _ in _runs(_spelled_out(text), before, -1) if i + n == len(before)), default=0)


def longest_run(text: str, question: str) -> int:
    """The most syllables of the question the text says in a row, in the question's order
    (`cấp Phiếu lý lịch tư pháp qua ứng dụng VNeID`: 9), abbreviations read as their words.
    """
    return max((n for n, _, _ in _runs(_spelled_out(text), terms_in_order(question), -1)), default=0)


def slot_spans(text: str, slot: Slot) -> list[tuple[int, int]]:
    """The phrase the question word stands for: after the sentence's longest match of the words
    before it, up to its match of the words after it (or to the phrase end), and before the
    match of the words after it when nothing before matched.
    """
    if not slot:
        return []
    tokens = _folded(text)
    left = _left_anchor(tokens, slot.before)
    right = _right_anchor(tokens, slot.after, max(left, 0))
    left_n, right_n = left >= 0, right >= 0
    found = []
    if left_n and right_n and right > left:
        found.append(_cut(text, left, right))
        found.append(_cut(text, left, _phrase_end(text, right)))  # the slot and what it counts
    if left_n:
        found.append(_cut(text, left, clause_bounds(text, min(left + 1, len(text) - 1))[1]))
        found.extend(_both_ends(text, left, _phrase_end(text, left)))
    if right_n and right > 0:
        found.append(_cut(text, clause_bounds(text, right - 1)[0], right))
    return [s for s in dict.fromkeys(found) if s[1] - s[0] >= 2]


def match_spans(text: str, question: str) -> list[tuple[int, int]]:
    """Around the sentence's longest run of the question's words (for questions with no question
    word, or whose question word the sentence does not mirror): what follows it to the end of
    its phrase, and what precedes it from the start of its clause.
    """
    words = [w for w, _, _ in _folded(question)]
    tokens = _folded(text)
    runs = [r for r in _runs(tokens, words, -1) if r[0] >= 2]
    if not runs:
        return []
    n, _, j = max(runs, key=lambda r: (r[0], -r[2]))
    run_start, run_end = tokens[j][1], tokens[j + n - 1][2]
    found = _both_ends(text, run_end, _phrase_end(text, run_end))
    if run_start > 0:
        found.append(_cut_tail(text, clause_bounds(text, run_start - 1)[0], run_start))
    return [s for s in dict.fromkeys(found) if s[1] - s[0] >= 2]


def _marked_spans(text: str, markers: tuple[str, ...]) -> list[tuple[int, int]]:
    """What follows each of `markers` to the end of its phrase, without the marker and with it."""
    folded = fold(text.lower())
    found = []
    for marker in markers:
        for match in re.finditer(rf"(?<!\w){re.escape(fold(marker))}(?!\w)", folded):
            end = _phrase_end(text, match.end())
            found.extend(_both_ends(text, match.end(), end) + [_cut(text, match.start(), end)])
    return [s for s in dict.fromkeys(found) if s[1] - s[0] >= 4]


def reason_spans(text: str) -> list[tuple[int, int]]:
    """What follows a word that gives a reason or a purpose (`do`, `vì`, `nhờ`, `nhằm`…),
    to the end of its phrase, without the word and with it.
    """
    return _marked_spans(text, _REASONS)


def manner_spans(text: str) -> list[tuple[int, int]]:
    """What follows words that say how something is done (`bằng cách`, `thông qua`, `theo hướng`…),
    to the end of its phrase, without the words and with them.
    """
    return _marked_spans(text, _MANNERS)


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """The words inside each quotation ('… cho biết: “…”'), cut to MAX_SPAN from its start and from
    its end; a quotation that runs on past the sentence is taken to the sentence's end, and one
    that began in an earlier sentence from the sentence's start.
    """
    found = quotations(text)
    inside = [(opening + 1, closing) for opening, closing in found if opening is not None and closing is not None]
    opening = next((o for o, c in found if c is None), None)  # the first left open in this sentence
    closing = next((c for o, c in found if o is None), None)  # the first that closes an earlier one
    if closing is not None and (opening is None or closing < opening):
        inside.append((0, closing))
    if opening is not None and (closing is None or opening > closing):
        inside.append((opening + 1, len(text)))
    spans = [span for start, end in inside for span in _both_ends(text, start, end)]
    return [s for s in dict.fromkeys(spans) if s[1] - s[0] >= 2]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The whole sentence, when it is short enough to be a span."""
    start, end = _cut(text, 0, len(text))
    return [(start, end)] if end > start and len(text.strip()) <= MAX_SPAN else []


def window_spans(text: str) -> list[tuple[int, int]]:
    """From each clause start, the longest run of whole clauses that fits in MAX_SPAN."""
    starts, pos = [0], 0
    while pos < len(text):
        _, end = clause_bounds(text, pos)
        if end >= len(text):
            break
        starts.append(end + 1)
        pos = end + 1
    found = []
    for start in starts:
        end, reach = start, start
        while reach < len(text):
            _, clause_end = clause_bounds(text, reach)
            if clause_end - start > MAX_SPAN:
                break
            end, reach = clause_end, clause_end + 1
        if end > start:
            found.append(_cut(text, start, end))
    return [s for s in dict.fromkeys(found) if s[1] - s[0] >= 2]


_REACH = 40  # characters of context the segmenter reads around an offset (it looks at ±2 syllables)


def _words_near(text: str, at: int) -> list[tuple[list[str], int, int]]:
    """The words (underthesea's) within _REACH characters of offset `at`, cut at whole syllables,
    with offsets into `text`: the segmenter's cost grows with its input, and the words around
    one place depend only on the syllables near it.
    """
    low, high = max(0, at - _REACH), min(len(text), at + _REACH)
    if low:
        low = next((i + 1 for i in range(low, at) if text[i].isspace()), at)
    if high < len(text):
        high = next((i for i in range(high, at, -1) if text[i].isspace()), at)
    return [(parts, a + low, b + low) for parts, a, b in _words(text[low:high])]


def _words_before(text: str, end: int) -> list[tuple[list[str], int, int]]:
    """The words (underthesea's, of one or more syllables) of `text[:end]` near its end."""
    return _words_near(text[:end], end)


def _words(text: str) -> list[tuple[list[str], int, int]]:
    """The words (underthesea's, of one or more syllables) of `text`: each its syllables and
    offsets; single syllables where the segmenter's words do not line up with them.
    """
    found = syllables(text)
    words, i = [], 0
    for word in word_tokenize(text):
        parts = [w for w, _, _ in syllables(word)]
        if not parts:
            continue
        if [w for w, _, _ in found[i:i + len(parts)]] != parts:
            break
        words.append((parts, found[i][1], found[i + len(parts) - 1][2]))
        i += len(parts)
    return words if i == len(found) else [([w], start, stop) for w, start, stop in found]


def whole_words(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """`span` grown to the whole words (underthesea's) it starts and ends in, within MAX_SPAN:
    `trì Hội nghị` → `Chủ trì Hội nghị`, never across punctuation or a line break (the
    segmenter may join `quý I. công` where a PDF interleaves two columns). A span that held
    the answer still holds it. Where a grown span would pass MAX_SPAN, the words it cuts
    are left out instead (`… Cổng Dịch vụ công quốc` → `… Cổng Dịch vụ công`).

    >>> text = "Chủ trì Hội nghị có ông Lý Thái Hải"
    >>> start, end = whole_words(text, (4, 16))
    >>> text[start:end]
    'Chủ trì Hội nghị'
    """
    start, end = span
    inner_start, inner_end = span  # the span without the words it cuts
    for _, word_start, word_end in _words_near(text, start):
        if word_start < start < word_end and _WITHIN_WORD.fullmatch(text[word_start:start]):
            start, inner_start = word_start, word_end
    for _, word_start, word_end in _words_near(text, end):
        if word_start < end < word_end and _WITHIN_WORD.fullmatch(text[end:word_end]):
            end, inner_end = word_end, word_start
    if end - start <= MAX_SPAN:
        return start, end
    for a, b in ((start, inner_end), (inner_start, end), (inner_start, inner_end)):  # a cut word left out
        if b - a <= MAX_SPAN and text[a:b].strip(LOOSE_ENDS):
            return stripped(text, a, b)
    return span


def with_full_stop(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """`span` grown over the marks that end its sentence when nothing else follows it, within
    MAX_SPAN: the full stop, and a closing quote or bracket only when the span opens it.

    >>> text = 'Ông nói: "Lương của mình do người dân trả."'
    >>> start, end = with_full_stop(text, (9, 41))
    >>> text[start:end]
    '"Lương của mình do người dân trả."'
    >>> with_full_stop(text, (10, 41))
    (10, 42)
    """
    start, end = span
    tail = text[end:].strip()
    if not tail or len(tail) > 3:
        return span
    grown = end
    for i in range(end, len(text.rstrip())):
        mark = text[i]
        if mark.isspace():
            continue
        if not (_CLOSERS[mark] in text[start:grown] if mark in _CLOSERS else mark in ".!?…"):
            break
        grown = i + 1
    return (start, grown) if grown - start <= MAX_SPAN else span


_ENUMERATION_ITEM = re.compile(r",\s*([^,;.:!?()“”\"«»\n]+)")
_ITEM_SYLLABLES = 8  # the most an item of an enumeration says ('Thành phố Hồ Chí Minh')
_LAST_ITEM = re.compile(r"(?<!\w)(?:và|hoặc)(?!\w)")


def with_enumeration(text: str, span: tuple[int, int], keep: int | None = None) -> tuple[int, int]:
    """`span` grown over the rest of the enumeration it ends in: the short items that follow it
    after commas up to the one joined by `và` or `hoặc` (`… tại Hà Nội` → `… tại Hà Nội, Thành phố
    Hồ Chí Minh và Thừa Thiên Huế`). Where that passes MAX_SPAN, the span loses its first clauses
    (never the one the enumeration starts in, nor what lies from `keep` on: the value it names),
    else it takes as many items as fit. Without such a last item the commas part clauses, not
    items, and the span stays.

    >>> text = "Thí điểm tại Hà Nội, Đà Nẵng và Cần Thơ, từ tháng 9."
    >>> text[slice(*with_enumeration(text, (9, 19)))]
    'tại Hà Nội, Đà Nẵng và Cần Thơ'
    """
    start, end = span
    ends = []
    while item := _ENUMERATION_ITEM.match(text, end):
        words = item.group(1).rstrip()
        if max(len(part.split()) for part in _LAST_ITEM.split(words)) > _ITEM_SYLLABLES:  # 'A và B': two items
            break
        end = item.start(1) + len(words)
        ends.append(end)
        if _LAST_ITEM.search(words):
            return _enumeration_within(text, span, ends, span[1] if keep is None else keep)
    return span


def _enumeration_within(text: str, span: tuple[int, int], ends: list[int], keep: int) -> tuple[int, int]:
    """From `span` to the last of `ends` (the ends of the items after it) within MAX_SPAN: from a
    later clause of the span, up to `keep`, when the whole does not fit, else to the last item that fits.
    """
    start, end = span
    clauses = [start] + [start + m.end() for m in re.finditer(r",\s*", text[start:min(end, keep)])]
    for clause in clauses:
        if ends[-1] - clause <= MAX_SPAN:
            return clause, ends[-1]
    fitting = [e for e in ends if e - start <= MAX_SPAN]
    return (start, fitting[-1]) if fitting else span


def with_lead_in(text: str, span: tuple[int, int], terms: frozenset[str], most: int = 3) -> tuple[int, int]:
    """`span` grown leftwards by whole words, within its clause, its line and MAX_SPAN, over up to
    `most` syllables that the question itself says (the head its question word qualifies: `theo
    nghị quyết nào` → `Nghị quyết số 98/2023/QH15`) or that open a manner or an outcome
    (`bằng cách`, `được`, `sẽ`). A span that holds the answer still holds it once grown.

    >>> text = "thực hiện Nghị quyết số 98/2023/QH15 của Quốc hội"
    >>> start, end = with_lead_in(text, (21, 36), frozenset({"nghi", "quyet"}))
    >>> text[start:end]
    'Nghị quyết số 98/2023/QH15'
    """
    start, end = span
    for word, word_start, word_end in reversed(_words_before(text, start)):
        parts, gap = [fold(w.lower()) for w in word], text[word_end:start]
        if (len(parts) > most or gap.strip() or "\n" in gap or end - word_start > MAX_SPAN
                or any(p not in terms and p not in _LEAD_INS for p in parts)):
            break
        start, most = word_start, most - len(parts)
    return start, end


_DEMONSTRATIVES = frozenset(("đó", "này", "ấy", "kia", "nay", "vậy", "thế"))
_FIRST_WORD = re.compile(r"(\S+?)[,;:]?\s+")


def without_cut_demonstrative(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """`span` without the demonstrative it opens on when that word ends the phrase before the span
    (`trong đó`, `học phần đó`, `đến nay`: a word right before it, no mark between), which the
    span's start cut in two. A demonstrative after a mark opens a clause and stays (`…, đó là …`).

    >>> text = "có 2.140 TTHC, trong đó 734 TTHC đạt mức độ 4"
    >>> text[slice(*without_cut_demonstrative(text, (21, 45)))]
    '734 TTHC đạt mức độ 4'
    """
    start, end = span
    first = _FIRST_WORD.match(text, start, end)
    before = text[:start]
    if (first and first.group(1).lower() in _DEMONSTRATIVES and before[-1:].isspace()
            and before.rstrip()[-1:].isalpha() and first.end() < end):
        return first.end(), end
    return span
