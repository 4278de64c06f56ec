"""The value an answer names: the figure, date, name or code that the app shows first.

The chosen span may be a window of words around the value (`TTHC, trong đó 1.565 TTHC
được cung cấp …`), or a range the question asks one bound of (`phạt tù từ 02 năm đến 07
năm` for `tối đa bao nhiêu năm`). The value is given only for questions that ask for one,
and only when the span settles which one it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from ..question.analysis import Query
from ..text import fold

__all__ = ["VALUE_KINDS", "answer_value"]

VALUE_KINDS = frozenset({"number", "date", "person", "code"})  # questions whose answer names one value

# What joins the two ends of a range: `02 năm đến 07 năm`, `10 - 20`, `14 ≤ n ≤ 24`.
_RANGE_JOIN = re.compile(r"\s*(?:[^\W\d]+\s+){0,2}(?:đến|tới|den|toi|to|-|–|—|≤\s*\w+\s*≤|<=\s*\w+\s*<=)\s*",
                         re.IGNORECASE)
_UPPER = re.compile(r"\b(toi da|nhieu nhat|cao nhat|lau nhat|maximum|at most|up to|longest|highest)\b")
_LOWER = re.compile(r"\b(toi thieu|it nhat|thap nhat|minimum|at least|shortest|lowest)\b")


class _Valued(Protocol):
    span: tuple[int, int]
    value: tuple[int, int] | None
    logit: float


def _bound_asked(query: Query) -> str:
    """'upper', 'lower' or '' as the question asks for the most, the least, or neither."""
    text = fold((query.matching or query.question).lower())
    return "upper" if _UPPER.search(text) else "lower" if _LOWER.search(text) else ""


def _range_around(text: str, value: tuple[int, int], others: list[tuple[int, int]]) -> tuple[tuple[int, int],
                                                                                            tuple[int, int]] | None:
    """(low end, high end) of the range `value` is one end of in `text`, or None."""
    for other in others:
        low, high = sorted((value, other))
        if low[1] <= high[0] and _RANGE_JOIN.fullmatch(text[low[1]:high[0]]):
            return low, high
    return None


def answer_value(query: Query, text: str, spans: Sequence[_Valued], chosen: _Valued) -> tuple[int, int] | None:
    """The offsets in `text` (the chosen sentence) of the value the answer names, or None.

    The chosen span's own value, else the best-scored value of the asked type inside it;
    when that value is one end of a range, the end the question asks for (`tối đa` the high
    one, `tối thiểu` the low one), or the whole range when it asks for neither.
    """
    if query.kind not in VALUE_KINDS:
        return None
    inside = [s for s in spans if s.value is not None
              and chosen.span[0] <= s.value[0] and s.value[1] <= chosen.span[1]]
    value = chosen.value
    if value is None and inside:
        value = max(inside, key=lambda s: s.logit).value
    if value is None:
        return None
    ends = _range_around(text, value, [s.value for s in inside if s.value != value])
    if ends is None:
        return value
    bound = _bound_asked(query)
    low, high = ends
    return high if bound == "upper" else low if bound == "lower" else (low[0], high[1])
