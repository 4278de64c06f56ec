"""The numbers and bullets Word draws before the paragraphs of its lists, as text.

A .docx keeps a list item's number out of the item's text: the paragraph (or its style)
names a numbering instance and a level (`w:numPr`), and `word/numbering.xml` says how that
level is drawn (`w:numFmt`, `w:lvlText` such as `%1.`, `%1)` or `Điều %1.`, `w:start`).
`list_labels` counts the items in document order, as Word does, so that `a) …`, `2. …`,
`II. …` and `Điều 5. …` reach the text as the reader sees them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import docx.document
    from lxml.etree import _Element

__all__ = ["format_number", "list_labels"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_LEVELS = 9  # w:ilvl runs 0-8
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


@dataclass(frozen=True)
class _Level:
    """How one level of a list is drawn: its number format, its text ('%1.'), its first number."""

    format: str
    text: str
    start: int


def _roman(n: int) -> str:
    out = []
    for value, letters in _ROMAN:
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def _letters(n: int) -> str:
    """1 → a, 26 → z, 27 → aa (Word repeats the letter)."""
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""


def format_number(n: int, number_format: str) -> str:
    """`n` written as `number_format` (a w:numFmt value) writes it; decimal where unknown.

    >>> [format_number(4, f) for f in ("decimal", "lowerLetter", "upperRoman", "decimalZero")]
    ['4', 'd', 'IV', '04']
    """
    if number_format == "lowerLetter":
        return _letters(n)
    if number_format == "upperLetter":
        return _letters(n).upper()
    if number_format == "lowerRoman":
        return _roman(n)
    if number_format == "upperRoman":
        return _roman(n).upper()
    if number_format == "decimalZero":
        return f"{n:02d}"
    if number_format == "none":
        return ""
    return str(n)


def _value(element: _Element | None, name: str) -> str | None:
    """The w:val of `element`'s child `name`, if any."""
    child = element.find(_W + name) if element is not None else None
    return child.get(_W + "val") if child is not None else None


def _int(text: str | None, default: int) -> int:
    return int(text) if text is not None and re.fullmatch(r"-?\d+", text) else default


def _bullet(text: str) -> str:
    """A bullet as text: its own character when it is one a reader types, else '-' (Word's
    bullets are often private-use characters of the Symbol or Wingdings fonts).
    """
    text = text.strip()
    return text if text in ("-", "–", "—", "+", "•", "*", "o", "·", "○", "■", "□", "►", "✓") else "-"


class _Numbering:
    """The lists of one document: each numbering instance's levels, and the counts so far."""

    def __init__(self, numbering: _Element, styles: _Element | None) -> None:
        abstract: dict[str, dict[int, _Level]] = {}
        for node in numbering.iterchildren(_W + "abstractNum"):
            abstract[node.get(_W + "abstractNumId")] = {
                _int(lvl.get(_W + "ilvl"), 0): _Level(_value(lvl, "numFmt") or "decimal",
                                                      _value(lvl, "lvlText") or "", _int(_value(lvl, "start"), 1))
                for lvl in node.iterchildren(_W + "lvl")}
        self.levels: dict[str, dict[int, _Level]] = {}
        for node in numbering.iterchildren(_W + "num"):
            levels = dict(abstract.get(_value(node, "abstractNumId") or "", {}))
            for override in node.iterchildren(_W + "lvlOverride"):
                ilvl = _int(override.get(_W + "ilvl"), 0)
                if ilvl in levels and (start := _value(override, "startOverride")) is not None:
                    level = levels[ilvl]
                    levels[ilvl] = _Level(level.format, level.text, _int(start, level.start))
            self.levels[node.get(_W + "numId")] = levels
        self.styles = {node.get(_W + "styleId"): node for node in styles.iterchildren(_W + "style")} \
            if styles is not None else {}
        self.counts: dict[str, list[int | None]] = {}

    def _num_pr(self, p: _Element) -> tuple[str, int] | None:
        """The numbering instance and level of paragraph `p`: its own, else its style's (and the
        styles that style is based on).
        """
        ppr = p.find(_W + "pPr")
        num_pr = ppr.find(_W + "numPr") if ppr is not None else None
        style_id, seen = _value(ppr, "pStyle"), set()
        while num_pr is None and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            style = self.styles[style_id]
            num_pr = style.find(f"{_W}pPr/{_W}numPr")
            style_id = _value(style, "basedOn")
        if num_pr is None:
            return None
        num_id = _value(num_pr, "numId")
        return (num_id, _int(_value(num_pr, "ilvl"), 0)) if num_id and num_id != "0" else None

    def label(self, p: _Element) -> str:
        """The number or bullet Word draws before `p` ('' when it is no list item), counting it."""
        found = self._num_pr(p)
        if found is None or found[0] not in self.levels:
            return ""
        num_id, ilvl = found
        levels = self.levels[num_id]
        if ilvl not in levels or not 0 <= ilvl < _LEVELS:  # a level Word does not have draws nothing
            return ""
        counts = self.counts.setdefault(num_id, [None] * _LEVELS)
        counts[ilvl] = levels[ilvl].start if counts[ilvl] is None else counts[ilvl] + 1
        counts[ilvl + 1:] = [None] * (_LEVELS - ilvl - 1)  # a deeper level starts again
        level = levels[ilvl]
        if level.format == "bullet":
            return _bullet(level.text)

        def number(match: re.Match) -> str:
            k = int(match.group(1)) - 1  # %1-%9: levels 0-8
            if k not in levels:
                return ""
            count = counts[k] if counts[k] is not None else levels[k].start
            return format_number(count, levels[k].format)

        return re.sub(r"%([1-9])", number, level.text).strip()


def list_labels(document: docx.document.Document) -> dict[_Element, str]:
    """Each numbered paragraph of the body (tables' included) with the number or bullet Word
    draws before it, counted in document order; empty when the document has no lists.
    """
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return {}
    try:
        styles = document.styles.element
    except (KeyError, NotImplementedError, AttributeError):
        styles = None
    lists = _Numbering(numbering, styles)
    labels = {}
    for p in document.element.body.iter(_W + "p"):
        if label := lists.label(p):
            labels[p] = label
    return labels
