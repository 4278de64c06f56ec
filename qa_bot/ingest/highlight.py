"""Where a passage of a PDF document is drawn on its pages: boxes to highlight on the page image.

The indexed text of a PDF is pypdf's, tidied (NFC, spaces, lines rejoined, form
values put in their blanks); the boxes come from pdfium's text layer (one box per
character) and from the page's form fields, or from the OCR words of a scanned
page. The two texts are aligned on a folded form (no white space, no diacritics,
no case, compatibility characters decomposed), so NFC, re-placed tone marks,
rejoined lines and reordered blocks still land on the right words.

Boxes are fractions of the page as it is rendered (x0, y0, x1, y1; origin top
left), so they fit an image of the page at any size.
"""

from __future__ import annotations

import difflib
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..schema import Document

__all__ = ["Glyph", "PageBoxes", "PdfPages", "align", "glyph_boxes", "line_boxes", "ocr_glyphs"]

Rect = tuple[float, float, float, float]
MIN_MOVED = 2  # a run of folded characters found elsewhere on the page (another reading order, a form value)


@dataclass(frozen=True)
class Glyph:
    """One character drawn on a page, and its box (fractions of the page, origin top left)."""

    text: str
    box: Rect


@dataclass(frozen=True)
class PageBoxes:
    """The highlight of a character range on one page: line boxes, and the glyphs' text under them."""

    page: int  # from 1
    boxes: tuple[Rect, ...]
    text: str  # the page's glyphs the range was aligned to, in order


_PDFIUM_MARKS = {"\ufffe": "-", "\x02": "-"}  # pdfium's hyphen at a line break
_DD = str.maketrans({"đ": "d", "Đ": "D"})


def _folded(text: str) -> tuple[str, list[int]]:
    """The folded form of `text` and, for each of its characters, the index in `text` it comes from."""
    out: list[str] = []
    owners: list[int] = []
    for index, char in enumerate(text):
        if char.isspace():
            continue
        for part in unicodedata.normalize("NFKD", char.translate(_DD)):
            if unicodedata.combining(part) or part.isspace():
                continue
            for key in part.casefold():
                out.append(key)
                owners.append(index)
    return "".join(out), owners


def align(text: str, glyphs: list[Glyph]) -> list[int]:
    """For each character of `text`, the index of the glyph it was drawn as (-1: none).

    A longest-matching-blocks diff of the folded forms, then runs left over on
    both sides (blocks read in another order, form values) matched by content.
    """
    a, a_owner = _folded(text)
    b, b_owner = _folded("".join(g.text for g in glyphs))
    glyph_of = [i for i, g in enumerate(glyphs) for _ in range(len(g.text))]
    pairs = [-1] * len(a)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            pairs[block.a + k] = block.b + k
    _match_moved(a, b, pairs)
    mapping = [-1] * len(text)
    for a_pos, b_pos in enumerate(pairs):
        if b_pos >= 0 and mapping[a_owner[a_pos]] < 0:
            mapping[a_owner[a_pos]] = glyph_of[b_owner[b_pos]]
    return mapping


def _runs(flags: list[bool]) -> list[tuple[int, int]]:
    """[start, end) of each run of True in `flags`."""
    runs, start = [], None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _match_moved(a: str, b: str, pairs: list[int]) -> None:
    """Pair runs of `a` left unmatched with the same characters among the unmatched part of `b`."""
    used = [False] * len(b)
    for b_pos in pairs:
        if b_pos >= 0:
            used[b_pos] = True
    free_b = _runs([not u for u in used])
    for start, end in sorted(_runs([p < 0 for p in pairs]), key=lambda r: r[0] - r[1]):
        if end - start < MIN_MOVED:
            continue
        piece = a[start:end]
        for b_start, b_end in free_b:
            found = b.find(piece, b_start, b_end)
            if found < 0 and b_end - b_start < end - start:  # the free run is a part of the piece
                found_in_piece = piece.find(b[b_start:b_end])
                if b_end - b_start >= MIN_MOVED and found_in_piece >= 0:
                    for k in range(b_end - b_start):
                        pairs[start + found_in_piece + k] = b_start + k
                    free_b.remove((b_start, b_end))
                    break
                continue
            if found >= 0:
                for k in range(end - start):
                    pairs[start + k] = found + k
                free_b.remove((b_start, b_end))
                free_b += [r for r in ((b_start, found), (found + end - start, b_end)) if r[1] > r[0]]
                break


def glyph_boxes(mapping: list[int], glyphs: list[Glyph], start: int, end: int) -> list[int]:
    """The glyphs (indices, in page order) that characters [start, end) of the aligned text were drawn as,
    with the unaligned glyphs between two of them (combining marks, spaces) filled in.
    """
    chosen = sorted({mapping[i] for i in range(max(start, 0), min(end, len(mapping))) if mapping[i] >= 0})
    filled: list[int] = []
    for glyph in chosen:
        if filled and 1 < glyph - filled[-1] <= 3:
            filled += range(filled[-1] + 1, glyph)
        filled.append(glyph)
    return filled


def line_boxes(glyphs: Iterable[Glyph]) -> list[Rect]:
    """The glyphs' boxes merged into one box per run of a line (glyphs in reading order)."""
    boxes: list[list[float]] = []
    for glyph in glyphs:
        x0, y0, x1, y1 = glyph.box
        if x1 <= x0 or y1 <= y0 or glyph.text.isspace():
            continue
        if boxes and all(unicodedata.combining(ch) for ch in glyph.text):  # a mark above or below its letter
            last = boxes[-1]
            last[:] = [min(last[0], x0), min(last[1], y0), max(last[2], x1), max(last[3], y1)]
            continue
        if boxes:
            last = boxes[-1]
            height = min(y1 - y0, last[3] - last[1])
            overlap = min(y1, last[3]) - max(y0, last[1])
            if overlap > 0.5 * height and -height < x0 - last[2] < 3 * height:
                last[:] = [min(last[0], x0), min(last[1], y0), max(last[2], x1), max(last[3], y1)]
                continue
        boxes.append([x0, y0, x1, y1])
    return [tuple(round(v, 5) for v in box) for box in boxes]


def ocr_glyphs(words: list[list]) -> list[Glyph]:
    """Glyphs of OCR words (`[text, x0, y0, x1, y1]`, fractions of the page): each word's box
    shared between its characters in proportion, a space glyph between words.
    """
    glyphs = []
    for text, x0, y0, x1, y1 in words:
        width = (x1 - x0) / max(len(text), 1)
        glyphs += [Glyph(ch, (x0 + i * width, y0, x0 + (i + 1) * width, y1)) for i, ch in enumerate(text)]
        glyphs.append(Glyph(" ", (0.0, 0.0, 0.0, 0.0)))
    return glyphs


class PdfPages:
    """A PDF file and its indexed document: page images and the boxes of character ranges."""

    def __init__(self, path: Path, document: Document) -> None:
        import pypdfium2

        self.path = Path(path)
        self.document = document
        self.pdf = pypdfium2.PdfDocument(str(self.path))
        self.pdf.init_forms()  # form fields (a stamp's number and date) drawn on the page images
        self._aligned: dict[int, tuple[list[Glyph], list[int]]] = {}

    def __len__(self) -> int:
        return len(self.pdf)

    def close(self) -> None:
        """Release the file."""
        self.pdf.close()

    @cached_property
    def _pypdf(self) -> object:
        import pypdf

        return pypdf.PdfReader(io.BytesIO(self.path.read_bytes()))

    def span(self, page: int) -> tuple[int, int]:
        """The character range of page `page` (from 1) in the document's text."""
        spans = self.document.meta.get("pages") or []
        return tuple(spans[page - 1]) if 0 < page <= len(spans) else (0, 0)

    def glyphs(self, page: int) -> list[Glyph]:
        """The characters drawn on page `page`: OCR words of a scanned page, else pdfium's text
        layer followed by the values of the page's form fields (a signature stamp's number and date).
        """
        ocr = (self.document.meta.get("ocr") or {}).get(str(page))
        if ocr is not None:
            return ocr_glyphs(ocr)
        handle = self.pdf[page - 1]
        frame = _Frame(handle)
        textpage = handle.get_textpage()
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count)
        chars = text if len(text) == count else [textpage.get_text_range(i, 1) or " " for i in range(count)]
        chars = [_PDFIUM_MARKS.get(ch, ch) for ch in chars]
        glyphs = [Glyph(ch, frame.box(*textpage.get_charbox(i))) for i, ch in enumerate(chars)]
        for value, rect in _form_fields(self._pypdf, page - 1):
            glyphs.append(Glyph(" ", (0.0, 0.0, 0.0, 0.0)))
            x0, y0, x1, y1 = frame.box(*rect)
            width = (x1 - x0) / max(len(value), 1)
            glyphs += [Glyph(ch, (x0 + i * width, y0, x0 + (i + 1) * width, y1)) for i, ch in enumerate(value)]
        return glyphs

    def _alignment(self, page: int) -> tuple[list[Glyph], list[int]]:
        if page not in self._aligned:
            first, last = self.span(page)
            glyphs = self.glyphs(page)
            self._aligned[page] = (glyphs, align(self.document.text[first:last], glyphs))
        return self._aligned[page]

    def _note_alignment(self, note: int) -> list[int]:
        """The alignment of the footnotes `meta["notes"][note]` with the page they are drawn on."""
        key = -1 - note
        if key not in self._aligned:
            page, first, last = self.document.meta["notes"][note]
            glyphs = self.glyphs(page)
            self._aligned[key] = (glyphs, align(self.document.text[first:last], glyphs))
        return self._aligned[key][1]

    def boxes(self, start: int, end: int) -> list[PageBoxes]:
        """The line boxes of document characters [start, end), on each page they are on (a page's
        footnotes placed in the next page's range are drawn on their own page).
        """
        from .pages import outside_notes, pages_of

        found = []
        notes = self.document.meta.get("notes") or []
        for page in pages_of(self.document, start, end):
            first, last = self.span(page)
            glyphs, mapping = self._alignment(page)
            chosen = {i for a, b in outside_notes(self.document, max(start, first), min(end, last))
                      for i in glyph_boxes(mapping, glyphs, a - first, b - first)}
            for note, (drawn, n_first, n_last) in enumerate(notes):
                if drawn == page and n_first < end and start < n_last:
                    chosen.update(glyph_boxes(self._note_alignment(note), glyphs, max(start, n_first) - n_first,
                                              min(end, n_last) - n_first))
            if chosen:
                picked = [glyphs[i] for i in sorted(chosen)]
                found.append(PageBoxes(page, tuple(line_boxes(picked)), "".join(g.text for g in picked)))
        return found

    def render(self, page: int, width: int = 1000) -> bytes:
        """Page `page` as a PNG `width` pixels wide."""
        handle = self.pdf[page - 1]
        scale = width / max(handle.get_width(), 1.0)
        image = handle.render(scale=scale, may_draw_forms=True).to_pil()
        out = io.BytesIO()
        image.convert("RGB").save(out, format="PNG", optimize=True)
        return out.getvalue()

    def text_under(self, page: int, boxes: Iterable[Rect]) -> str:
        """The page's text (text layer and form values, or OCR words) whose glyph centres lie
        inside `boxes`, in page order: what a highlight covers, to check it.
        """
        boxes = list(boxes)

        def inside(box: Rect) -> bool:
            x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
            return any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

        glyphs = self._alignment(page)[0]
        return " ".join("".join(g.text if inside(g.box) else " " for g in glyphs).split())


class _Frame:
    """From PDF user space to fractions of the rendered page (crop box, rotation) and back."""

    def __init__(self, page: object) -> None:
        self.left, self.bottom, self.right, self.top = page.get_cropbox()
        self.rotation = page.get_rotation() % 360

    def box(self, left: float, bottom: float, right: float, top: float) -> Rect:
        """A PDF rectangle as (x0, y0, x1, y1) fractions of the rendered page."""
        width, height = (self.right - self.left) or 1.0, (self.top - self.bottom) or 1.0
        x0, x1 = sorted(((left - self.left) / width, (right - self.left) / width))
        y0, y1 = sorted(((self.top - top) / height, (self.top - bottom) / height))
        for _ in range(self.rotation // 90):  # each quarter turn clockwise
            x0, y0, x1, y1 = 1 - y1, x0, 1 - y0, x1
        return (x0, y0, x1, y1)

    def rect(self, box: Rect) -> tuple[float, float, float, float]:
        """The inverse of `box` (left, bottom, right, top in PDF user space)."""
        x0, y0, x1, y1 = box
        for _ in range(self.rotation // 90):
            x0, y0, x1, y1 = y0, 1 - x1, y1, 1 - x0
        width, height = self.right - self.left, self.top - self.bottom
        return (self.left + x0 * width, self.top - y1 * height, self.left + x1 * width, self.top - y0 * height)


def _form_fields(reader: object, index: int) -> list[tuple[str, tuple[float, float, float, float]]]:
    """(value, rect) of the form fields drawn on page `index`, as `extract` reads them."""
    from .extract import form_fields

    try:
        return [(value, rect) for value, rect in form_fields(reader.pages[index]) if value]
    except Exception:  # a damaged annotation: the page's own text still highlights
        return []
