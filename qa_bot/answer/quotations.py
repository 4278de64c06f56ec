"""Quotations inside a sentence, so that no answer span cuts one: “…”, "…" and «…».

Every function works on a sentence's matching form (NFC) with [start, end) offsets into it.
"""

from __future__ import annotations

import re

__all__ = ["LOOSE_ENDS", "outside_quotations", "quotations", "stripped"]

_QUOTATION = re.compile(r"“([^”]+)”|\"([^\"]+)\"|«([^»]+)»")
_OPENING = re.compile(r"[“«]|(?:^|(?<=[\s:(]))\"(?=\w)")  # a mark left open once the closed quotations are out
_CLOSING = re.compile(r"[”»]|(?<=[\w.!?…,])\"(?=[\s.,;:!?)]|$)")
LOOSE_ENDS = " \n,;:-–—"  # what a span neither starts nor ends with once a part of it is left out


def quotations(text: str) -> list[tuple[int | None, int | None]]:
    """The offsets of each quotation's opening and closing marks, in order; None for the mark of a
    quotation that began in an earlier sentence or goes on into a later one.
    """
    found: list[tuple[int | None, int | None]] = [(m.start(), m.end() - 1) for m in _QUOTATION.finditer(text)]
    balanced = _QUOTATION.sub(lambda m: " " * len(m.group(0)), text)
    found += [(None, m.start()) for m in _CLOSING.finditer(balanced)]
    found += [(m.start(), None) for m in _OPENING.finditer(balanced)]
    return sorted(found, key=lambda q: q[0] if q[0] is not None else q[1])


def outside_quotations(text: str, start: int, end: int, limit: int) -> tuple[int, int]:
    """[start, end) moved so that it holds no quotation's one mark without the other. A span that
    starts inside a quotation starts at its opening mark, within `limit` characters; one that ends
    inside a quotation ends at its closing mark, within `limit`; else it keeps the longer of its two
    parts, the words quoted or the rest. A span wholly inside a quotation stays (the words quoted).

    >>> text = 'Bà A chia sẻ: "Bà con ở đây không đọc được chữ phổ thông."'
    >>> cut = text.index(" được")
    >>> text[slice(*outside_quotations(text, 0, cut, limit=120))]
    'Bà A chia sẻ: "Bà con ở đây không đọc được chữ phổ thông."'
    >>> text[slice(*outside_quotations(text, 0, cut, limit=40))]
    'Bà con ở đây không đọc'
    """
    found = quotations(text)
    for opening, closing in found:
        if closing is not None and start <= closing < end and (opening is None or opening < start):
            if opening is not None and end - opening <= limit:
                start = opening
            else:
                start, end = _longer(text, (start, closing), (closing + 1, end))
            break
    for opening, closing in found:
        if opening is not None and start <= opening < end and (closing is None or closing >= end):
            if closing is not None and closing + 1 - start <= limit:
                end = closing + 1
            else:
                start, end = _longer(text, (start, opening), (opening + 1, end))
            break
    return start, end


def _longer(text: str, first: tuple[int, int], second: tuple[int, int]) -> tuple[int, int]:
    """The longer of two pieces of `text`, each without loose marks at its ends (the first on a tie)."""
    first, second = stripped(text, *first), stripped(text, *second)
    return second if second[1] - second[0] > first[1] - first[0] else first


def stripped(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) without the white space and the clause marks at its ends (`, thông qua …`)."""
    while start < end and text[start] in LOOSE_ENDS:
        start += 1
    while end > start and text[end - 1] in LOOSE_ENDS:
        end -= 1
    return start, end
