"""Footnotes of a PDF page, told apart from its body by their type size.

A report's footnote is a small raised number glued to the word it annotates (`đặc khu¹`, which
a PDF's text reads as `đặc khu1`) and a note in small type at the foot of the page. Read as the
page's text, the marker made a word no question matches (`khu1`) and a quotation no journalist
can paste, and the note cut in two any sentence that goes on over the page break (`… trên địa⏎
1 (1) phường …⏎bàn tỉnh với tổng số 1.100 phiếu khảo sát.`).

`page_parts` reads the page once, with the size and height of every run of text: a marker is a
run of 1-3 digits set smaller and higher than the run before it, which is set in the body's
size; the notes are the runs set smaller than the body below its last line, taken only when one
of them is a marker's number (a page's notes can outnumber its body). The markers whose number
opens a note of the page are dropped from the body's text, never a unit's power (`500 m2`), and
the notes come apart from it (the caller places them after the sentence they would cut).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pypdf import PageObject

__all__ = ["PageParts", "notes_joined", "page_parts"]

SMALL = 0.85  # a run set below this share of the body's size is small type
_RAISED = 1.0  # points above the run before it: a superscript
_MARKER = re.compile(r"\d{1,3}")
_TAIL = 3  # characters of the annotated word a marker is looked for after
_POWER = re.compile(r"(?<!\w)[kcdm]?m$")  # m², km³: a power, not a note


@dataclass(frozen=True)
class _Run:
    text: str
    size: float  # effective size in points
    y: float  # baseline height on the page (points, upwards)


@dataclass(frozen=True)
class PageParts:
    """A page's body text (markers dropped), the text of its footnotes ('' for none) and the
    numbers of the notes whose markers were dropped.
    """

    body: str
    notes: str = ""
    numbers: list[str] = field(default_factory=list)


def _collect(runs: list[_Run]) -> Callable[..., None]:
    """A pypdf `visitor_text` that records each run with its effective size and height."""

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        if not text.strip() or not cm or not tm:
            return
        scale = abs(tm[3] * cm[3]) or abs(tm[0] * cm[0])
        runs.append(_Run(text, round(float(size) * scale, 1), tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    return visit


def _markers(runs: list[_Run]) -> list[tuple[_Run, str]]:
    """(the run a superscript follows, the superscript's number) of each marker, in order."""
    found = []
    for before, run in zip(runs, runs[1:], strict=False):
        number = run.text.strip()
        if (_MARKER.fullmatch(number) and run.size < SMALL * before.size and run.y > before.y + _RAISED
                and before.text.rstrip() == before.text):
            found.append((before, number))
    return found


def _without_markers(text: str, markers: list[tuple[str, str]]) -> str:
    """`text` with each marker's number dropped where it follows its word, in order."""
    cursor = 0
    for tail, number in markers:
        match = re.compile(re.escape(tail) + re.escape(number) + r"(?!\d)").search(text, cursor)
        if match is None:
            continue
        cut = match.start() + len(tail)
        text = text[:cut] + text[cut + len(number):]
        cursor = cut
    return text


def _notes_block(text: str, notes: str) -> int | None:
    """Where the footnotes start in `text`: the offset of the first of its last lines that hold,
    white space aside, exactly the notes' characters; None when no run of last lines does.
    """
    wanted = re.sub(r"\s", "", notes)
    got, end = "", len(text.rstrip())
    while len(got) < len(wanted):
        start = text.rfind("\n", 0, end) + 1
        got = re.sub(r"\s", "", text[start:end]) + got
        if start == 0:
            break
        end = start - 1
    return start if got == wanted else None


def page_parts(page: PageObject) -> PageParts:
    """The text of a pypdf page, its footnote markers dropped and its notes apart."""
    runs: list[_Run] = []
    text = page.extract_text(visitor_text=_collect(runs)) or ""
    try:
        return _parts(text, runs)
    except (ValueError, TypeError, ArithmeticError):  # an odd page keeps its text, markers and notes in it
        return PageParts(text)


def _parts(text: str, runs: list[_Run]) -> PageParts:
    """The page's text `text` parted by what its `runs` say of its footnotes."""
    found = _markers(runs)
    if not found:
        return PageParts(text)
    body = max(before.size for before, _ in found)  # the size of the words the markers annotate
    lowest = min(run.y for run in runs if run.size >= SMALL * body)
    foot = [run for run in runs if run.size < SMALL * body and run.y < lowest]
    numbers = {run.text.strip() for run in foot} & {number for _, number in found}  # each a note's number
    markers = [(before.text[-_TAIL:], number) for before, number in found
               if number in numbers and not _POWER.search(before.text)]
    if not markers:
        return PageParts(text)
    notes_start = _notes_block(text, "".join(run.text for run in foot))
    if notes_start is None:
        return PageParts(_without_markers(text, markers), "", sorted(numbers))
    return PageParts(_without_markers(text[:notes_start], markers), text[notes_start:].strip(), sorted(numbers))


_ITEM = re.compile(r"[-+•*]\s|[a-zđ]\)\s")  # extract._ITEM_START less its numbers: a number opens a note here


def notes_joined(notes: str, numbers: list[str]) -> str:
    """The notes of a page one line each: a line goes on in the next unless that opens another
    note (one of the page's marker `numbers`) or an item ('- ', 'a) '). Notes are set in small type
    over the page's width, so their lines wrap where no rule of the body's can tell.
    """
    out: list[str] = []
    for line in (line.strip() for line in notes.split("\n")):
        if not line:
            continue
        if out and line.split(" ", 1)[0] not in numbers and not _ITEM.match(line):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return "\n".join(out)
