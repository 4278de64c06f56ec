"""A Vietnamese official document's title, read from its heading when its file names none.

Official documents share one layout (Nghị định 30/2020/NĐ-CP): the issuing body and the
number (`Số: 30/2020/NĐ-CP`), the national motto, the place and date, then the kind of
document in capitals on a line of its own (`NGHỊ ĐỊNH`, `BÁO CÁO`; the list is
`data/document_types.txt`) and the subject under it (`Về công tác văn thư`), before the body
(`Căn cứ …`, `Kính gửi …`, `I. …`). A letter (công văn) has no such line: its subject follows
`V/v` under the number. Most PDF and Word files carry no title of their own (10 of the 13 real
documents), so a citation showed the file name.
"""

from __future__ import annotations

import re
from functools import cache

from ..datafiles import read_lines

__all__ = ["title_from_text"]

_HEAD_CHARS = 6000  # the heading lies in the first lines; a glued table row can be long
_HEAD_LINES = 40
_LONGEST = 250  # characters of a subject kept (a report's subject can run to a paragraph)
_NUMBER = re.compile(r"\bSố\s*:\s*(\d[^\s|,;]*)")  # 'Số: 02/2021/TT-BTC', not a draft's 'Số: /BC-UBND'
_LETTER_SUBJECT = re.compile(r"^V/v\.?\s*(\S.*)")
_BODY = re.compile(r"(?i)^(?:căn cứ|thực hiện|kính gửi|theo đề nghị|xét đề nghị|để\s|chương\s|điều\s+\d|phần\s|"
                   r"mục\s|[IVXLC]+\.\s|\d+[.)-]\s|[a-zđ]\)\s|[-–•+*]\s|nơi nhận)")
_RULE = re.compile(r"^[\s_\-–—=*.…]*$")  # a drawn line under a heading
_BODY_INSIDE = re.compile(r"\s(?:Kính gửi|Căn cứ)\b")


@cache
def _document_types() -> frozenset[str]:
    return frozenset(read_lines("document_types.txt"))


def _head_lines(text: str) -> list[str]:
    """The first non-empty lines, table bars and surrounding spaces removed."""
    lines = (" ".join(line.replace("|", " ").split()) for line in text[:_HEAD_CHARS].splitlines())
    return [line for line in lines if line][:_HEAD_LINES]


def _subject(lines: list[str]) -> str:
    """The subject that follows a document's kind: its first line, and the lines that carry it on
    (capitals after capitals, or a lowercase start after a line with no stop), up to the body.
    """
    taken: list[str] = []
    for line in lines:
        if _RULE.match(line) or _BODY.match(line):
            break
        if taken and not ((taken[-1].isupper() and line.isupper())
                          or (taken[-1][-1] not in ".;:" and line[:1].islower())):
            break
        taken.append(line)
    subject = " ".join(taken)
    if inside := _BODY_INSIDE.search(subject):  # a PDF line that runs on into the body
        subject = subject[:inside.start()]
    if len(subject) > _LONGEST:
        cut = subject.rfind(" ", 0, _LONGEST)
        subject = subject[:cut if cut > 0 else _LONGEST] + " …"
    return subject.strip()


def title_from_text(text: str) -> str | None:
    r"""The document's kind, number and subject from its heading (`NGHỊ ĐỊNH 30/2020/NĐ-CP Về
    công tác văn thư`, `Công văn 286/C07-P6 V/v đề nghị góp ý dự thảo TCVN`), None when the text
    does not open as an official document does.

    >>> title_from_text("CHÍNH PHỦ\nSố: 30/2020/NĐ-CP\nNGHỊ ĐỊNH\nVề công tác văn thư\nCăn cứ Luật …")
    'NGHỊ ĐỊNH 30/2020/NĐ-CP Về công tác văn thư'
    """
    lines = _head_lines(text)
    number = ""
    for i, line in enumerate(lines):
        if not number and (found := _NUMBER.search(line)):
            number = found.group(1)
        if line in _document_types():
            subject = _subject(lines[i + 1:])
            return " ".join(part for part in (line, number, subject) if part) if subject else None
        if letter := _LETTER_SUBJECT.match(line):
            subject = _subject([letter.group(1)] + lines[i + 1:])
            return " ".join(part for part in ("Công văn", number, "V/v", subject) if part)
    return None
