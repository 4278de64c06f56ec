"""Where a passage is in its original file: the PDF pages it is on, the DOCX heading above it.

A PDF document keeps each page's character range in `meta["pages"]` (and where a page's
footnotes were placed in the next page's range in `meta["notes"]`); a DOCX keeps
its headings (`[offset, text]`, in order) in `meta["headings"]`. `cite()` puts
both on a result's answer and passages, so that `ask --jsonl`, the CLI and the
app say `pages: [3, 4]` or `section: "Điều 5. …"` for what they quote.
"""

from __future__ import annotations

import bisect
import dataclasses
import re

from ..schema import Document, Result

__all__ = ["cite", "find_headings", "outside_notes", "page_label", "pages_of", "section_of"]


def pages_of(document: Document | None, start: int, end: int) -> tuple[int, ...]:
    r"""The page numbers (from 1) that characters [start, end) of a PDF document are on; () otherwise.

    A page's footnotes placed in the next page's range (`meta["notes"]`: `[page, start, end]`, so
    as not to cut a sentence that goes on over the break) count for the page they are drawn on.

    >>> doc = Document("a.pdf", "one\n\ntwo", {"pages": [[0, 3], [5, 8]]})
    >>> pages_of(doc, 0, 2), pages_of(doc, 1, 7), pages_of(doc, 5, 8)
    ((1,), (1, 2), (2,))
    >>> noted = Document("b.pdf", "one\n\ntwo\n1 note\nthree", {"pages": [[0, 3], [5, 20]], "notes": [[1, 9, 15]]})
    >>> pages_of(noted, 11, 15), pages_of(noted, 5, 8), pages_of(noted, 5, 20)
    ((1,), (2,), (1, 2))
    """
    if document is None:
        return ()
    spans = document.meta.get("pages") or []
    end = max(end, start + 1)
    found = {page for page, first, last in document.meta.get("notes") or [] if first < end and start < last}
    for a, b in outside_notes(document, start, end):
        found.update(n for n, (first, last) in enumerate(spans, 1) if first < b and a < max(last, first + 1))
    return tuple(sorted(found))


def outside_notes(document: Document, start: int, end: int) -> list[tuple[int, int]]:
    """The parts of characters [start, end) that lie outside the footnotes placed on another
    page's range (`meta["notes"]`).
    """
    pieces = [(start, end)]
    for _, first, last in document.meta.get("notes") or []:
        pieces = [p for a, b in pieces for p in ((a, min(b, first)), (max(a, last), b)) if p[0] < p[1]]
    return pieces


def page_label(pages: tuple[int, ...] | list[int]) -> str:
    """'tr. 3' or 'tr. 3–4' for a citation; '' without pages.

    >>> page_label((3,)), page_label([3, 4]), page_label(())
    ('tr. 3', 'tr. 3–4', '')
    """
    if not pages:
        return ""
    return f"tr. {pages[0]}" if len(pages) == 1 else f"tr. {pages[0]}–{pages[-1]}"


def section_of(document: Document | None, start: int) -> str:
    """The nearest heading at or above character `start` of a DOCX document; '' when none.

    >>> doc = Document("a.docx", "", {"headings": [[0, "Chương I"], [40, "Điều 5. Hiệu lực"]]})
    >>> section_of(doc, 10), section_of(doc, 40), section_of(doc, 99)
    ('Chương I', 'Điều 5. Hiệu lực', 'Điều 5. Hiệu lực')
    """
    headings = (document.meta.get("headings") or []) if document is not None else []
    place = bisect.bisect_right([offset for offset, _ in headings], start)
    return headings[place - 1][1] if place else ""


def find_headings(text: str, headings: list[str]) -> list[list]:
    """`[offset, heading]` of each heading found in `text`, in order (each searched after
    the one before, white space compared loosely: the text was tidied after extraction).
    """
    found, cursor = [], 0
    for heading in headings:
        words = heading.split()
        if not words:
            continue
        pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
        match = pattern.search(text, cursor)
        if match:
            found.append([match.start(), " ".join(words)])
            cursor = match.end()
    return found


def cite(result: Result, documents: dict[str, Document]) -> Result:
    """`result` with the pages (PDF) or section (DOCX) of its answer and of each passage set."""

    def place(record: object, source: str, start: int, end: int) -> object:
        document = documents.get(source)
        pages, section = pages_of(document, start, end), section_of(document, start)
        if not pages and not section:
            return record
        return dataclasses.replace(record, pages=pages, section=section)

    hits = [place(h, h.chunk.source, h.chunk.char_start, h.chunk.char_end) for h in result.hits]
    answer = result.answer
    if answer is not None:
        answer = place(answer, answer.source, answer.sentence_start, answer.sentence_end)
        same = [h for h in hits if h.chunk.id == answer.hit.chunk.id]
        hit = same[0] if same else place(answer.hit, answer.source, answer.hit.chunk.char_start,
                                          answer.hit.chunk.char_end)
        answer = dataclasses.replace(answer, hit=hit)
    return dataclasses.replace(result, hits=hits, answer=answer)
