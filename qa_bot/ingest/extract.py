"""Text and metadata from .txt, .html, .pdf and .docx files, robust to hostile input.

`extract()` returns the final text (every offset in qa-bot points into it) or raises
ExtractionError with a one-line reason. Text files keep their exact characters (NFC
only after a legacy encoding); other formats are NFC-normalised and tidied.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import html as htmllib
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ExtractionError
from ..text import LOWERCASE
from .footnotes import PageParts, notes_joined, page_parts
from .list_numbers import list_labels
from .ocr import ScanReader, tesseract_missing
from .pages import find_headings
from .provinces import find_provinces
from .titles import title_from_text

if TYPE_CHECKING:
    import docx.document
    from lxml.etree import _Element
    from pypdf import PageObject

__all__ = ["ExtractionError", "Extracted", "SUFFIXES", "extract", "detect_meta"]

SUFFIXES = (".txt", ".html", ".htm", ".pdf", ".docx")
MAX_UNZIPPED = 200_000_000  # bytes a .docx may expand to
MAX_RATIO = 100  # expanded / file size, checked above 10 MB expanded
_PARSER_LOGGERS = ("trafilatura", "htmldate", "justext", "courlan", "charset_normalizer", "pypdf", "docx")


@contextlib.contextmanager
def _quiet_parsers() -> Iterator[None]:
    """The parsers' own loggers silenced while a file is read (bad markup is not worth a
    warning: the problem is reported as one line), and restored afterwards, so that an
    application importing qa_bot keeps its logging as it set it.
    """
    loggers = [logging.getLogger(name) for name in _PARSER_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=False):
            logger.setLevel(level)


@dataclass(frozen=True)
class Extracted:
    """The text of a document, what the format says about it, and PDF page spans."""

    text: str
    meta: dict = field(default_factory=dict)
    pages: tuple[tuple[int, int], ...] = ()  # (char_start, char_end) of each PDF page


def extract(path: Path, max_bytes: int = 50_000_000) -> Extracted:
    """Extract `path` by its suffix; raises ExtractionError for anything unreadable."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        raise ExtractionError(f"unsupported file type '{suffix or path.name}'")
    too_big = ExtractionError(f"file is larger than the {max_bytes / 1e6:g} MB limit")
    try:
        if path.stat().st_size > max_bytes:
            raise too_big
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as err:
        raise ExtractionError(f"cannot read file ({err.strerror or err})") from None
    if len(data) > max_bytes:
        raise too_big
    if not data.strip():
        raise ExtractionError("empty file")
    try:
        with _quiet_parsers():
            result = _READERS[suffix](data)
    except ExtractionError:
        raise
    except Exception as err:  # parsers raise anything on hostile input
        raise ExtractionError(f"damaged {suffix[1:].upper()} file ({type(err).__name__})") from None
    if not result.text.strip():
        raise ExtractionError("no text found" + (" (scanned PDF?)" if suffix == ".pdf" else ""))
    if "title" not in result.meta and (title := title_from_text(result.text)):
        result.meta["title"] = title  # most PDF and Word files name none: the heading does
    return result


# .txt ------------------------------------------------------------------------

_VIET = frozenset(unicodedata.normalize("NFC", base + tone) for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
                  for tone in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")) | set("đĐ“”‘’–—…•°§«»·")


def _read_txt(data: bytes) -> Extracted:
    """UTF-8 as is (BOM dropped), UTF-16 with a BOM, else a legacy encoding made NFC."""
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        text = _decode(data, "utf-16")
    elif b"\0" in data:
        raise ExtractionError("binary data, not text")
    elif data.startswith(codecs.BOM_UTF8):
        text = _decode(data[3:], "utf-8")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode_legacy(data)
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    if "\0" in text or controls > 0.05 * len(text):
        raise ExtractionError("binary data, not text")
    return Extracted(text, {})


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise ExtractionError(f"not valid {encoding.upper()} (byte {err.start})") from None


def _decode_legacy(data: bytes) -> str:
    """The most plausible NFC decoding among cp1258 (Vietnamese), cp1252 and
    charset-normalizer's guesses; ExtractionError when none looks like text.
    """
    import charset_normalizer

    guesses = [match.encoding for match in list(charset_normalizer.from_bytes(data[:200_000]))[:5]]
    best, best_score = "", 0.0
    for encoding in dict.fromkeys(["cp1258", "cp1252", *guesses]):
        try:
            text = unicodedata.normalize("NFC", data.decode(encoding))
        except (UnicodeDecodeError, LookupError):
            continue
        score = _plausibility(text)
        best, best_score = (text, score) if score > best_score else (best, best_score)
    if best_score < 0.9:
        raise ExtractionError("not text in any known encoding")
    return best


def _plausibility(text: str) -> float:
    """Share of ASCII and Vietnamese characters; 0 without enough spaces and ASCII letters."""
    spaces = sum(ch.isspace() for ch in text)
    letters = sum(ch.isascii() and ch.isalpha() for ch in text)
    if spaces < 0.03 * len(text) or letters < 0.3 * len(text):
        return 0.0
    return sum(ch.isascii() or ch in _VIET for ch in text) / len(text)


# tidying (all formats but .txt) -------------------------------------------------

_SPACES = {ord(ch): " " for ch in "\t\f\v\xa0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
           "\u2008\u2009\u200a\u202f\u205f\u3000"}
_SPACES.update({ord(ch): None for ch in "\r\0\u00ad\u200b\u200c\u200d\u2060\ufeff"})
_SPACES.update({0x2028: "\n", 0x2029: "\n"})
_UP = "A-ZĐ"
_CODE_BREAKS = (  # a document code cut at a line end: "787/QĐ-⏎UBND", "06-⏎CTr/TU", "787/⏎QĐ-UBND"
    re.compile(rf"(\b\d+(?:/\d{{2,4}})?/(?:[{_UP}]\w*-)+)\s*\n\s*(?=[{_UP}]{{2}})"),
    re.compile(rf"(\b\d+-)\s*\n\s*(?=[{_UP}][{_UP}a-z]*/[{_UP}])"),
    re.compile(rf"(\b\d+(?:/\d{{4}})?/)\s*\n\s*(?=[{_UP}]{{2}}\w*-[{_UP}])"),
)


def _tidy(text: str) -> str:
    """NFC; one space between words; no spaces at line ends; at most one blank line."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).translate(_SPACES)
    text = re.sub(r" ?\n ?", "\n", re.sub(r" {2,}", " ", text))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# words no sentence or heading ends on: a line that ends on one goes on in the next ('… của⏎Chính phủ')
_GOES_ON = ("của", "và", "hoặc", "số", "các", "những", "với", "cho", "tại", "theo", "trong", "về", "là", "từ",
            "đến", "do", "bởi", "được", "bị", "trên", "dưới", "như", "gồm", "thuộc", "để", "vào", "khi", "nếu")
_ITEM_START = r"\s|[-+•*]\s|\d+(?:\.\d+)*[.)]\s|[a-zđ][.)]\s|[IVX]+[.)]?\s"  # '- ', '1.1. ', 'a) ', 'II. '
_OPEN_END = rf"(?:,|(?<!\w)(?:{'|'.join(_GOES_ON)}))"  # a comma or a word no sentence ends on
_LONGEST_OPEN_END = max(map(len, _GOES_ON)) + 1
_ENDS_OPEN = re.compile(rf"{_OPEN_END}$")
_WRAPPED = re.compile(rf"{_OPEN_END}\n(?!{_ITEM_START})"
                      rf"|(?<={LOWERCASE})\n(?=\d+(?:[/%]|\.\d{{3}}|,\d)|\d{{4}}\b)")  # '… ngày⏎30/9/2025', '… đạt⏎98%'


_PROSE_WIDTH = 40  # characters: a page whose full lines are narrower holds no prose (a form, a list)


def _full_lines_joined(page: str) -> str:
    """A line as wide as the page's text that ends on a word, not on a stop, wrapped: it goes on in
    the next line, whatever that starts with ('… các chi nhánh⏎Văn phòng Đăng ký đất đai'), unless
    that starts a list item or the line is a heading in capitals. The page's width is read from its
    lines (the longest fifth of them), so this needs a page of prose: 5 lines or more, wide enough.
    """
    lines = page.split("\n")
    lengths = sorted(len(line) for line in lines if line.strip())
    full = 0.85 * lengths[int(0.8 * (len(lengths) - 1))] if len(lengths) >= 5 else 0
    if full < _PROSE_WIDTH:
        return page
    out = [lines[0]]
    for last, line in zip(lines, lines[1:], strict=False):  # the line as drawn, not the paragraph joined so far
        if (len(last) >= full and line and last[-1:].isalpha() and not re.match(_ITEM_START, line)
                and not _mostly_capitals(last)):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return "\n".join(out)


def _mostly_capitals(line: str) -> bool:
    """Whether half the letters of `line` or more are capitals, as in a heading."""
    letters = [ch for ch in line if ch.isalpha()]
    return sum(ch.isupper() for ch in letters) >= 0.5 * len(letters)


_GOES_ON_LOWER = re.compile(rf"(?<=[^\s.!?])\n(?!{_ITEM_START})(?={LOWERCASE})")


def _pdf_lines(text: str) -> str:
    """Rejoin codes cut at line ends, lines that go on in lowercase (a wrapped sentence, also
    after a ';' or ':' that only parts its clauses) unless the next line starts a list item
    ('a) '), lines that end on a comma or on a word no sentence ends on ('… đến hạn là⏎898
    hồ sơ') unless the next line starts a list item, and words that go on in a date, a share
    or a figure ('… đến ngày⏎30/9/2025', not a section number '1.1.'), and provinces' names.
    """
    for pattern in _CODE_BREAKS:
        text = pattern.sub(r"\1", text)
    text = _full_lines_joined(text)
    text = _WRAPPED.sub(lambda m: m.group(0)[:-1] + " ", text)
    return _places_rejoined(_GOES_ON_LOWER.sub(" ", text))


def _places_rejoined(text: str) -> str:
    """A province's name cut at a line end is one again ('Đắk⏎Nông 86,6/100 …', a table's cell
    too narrow for it): a line break that falls inside a name `find_provinces` knows goes.
    """
    breaks = [m.start() for m in re.finditer(r"(?<=\S)\n(?=\S)", text)]
    if not breaks:
        return text
    chars = list(text)
    for at in breaks:  # the two words each side of the break, at most
        line_end = text.find("\n", at + 1)
        left = " ".join(text[text.rfind("\n", 0, at) + 1:at].split(" ")[-2:])
        right = " ".join(text[at + 1:line_end if line_end >= 0 else len(text)].split(" ")[:2])
        if any(start < len(left) < end for _, start, end in find_provinces(f"{left} {right}")):
            chars[at] = " "
    return "".join(chars)


def _without_page_number(page: str, number: int) -> str:
    """The page without the number printed at its top ('2⏎⏎vị, địa phương …', '4 phương …')."""
    return re.sub(rf"^{number}(?:\n+| (?=\S))", "", page, count=1)


def _goes_on_in(text: str, page: str) -> bool:
    """Whether the sentence that ends `text` (the pages before) goes on at the top of `page`: it
    ends on no stop and the page starts in lowercase, or it ends on a comma or a word no sentence
    ends on; never when the page starts a list item.
    """
    if re.match(_ITEM_START, page):
        return False
    ends_open = bool(_ENDS_OPEN.search(text, max(0, len(text) - _LONGEST_OPEN_END)))  # the tail, not every page so far
    return ends_open or (text[-1:] not in ".!?" and not text[-1:].isspace() and bool(re.match(LOWERCASE, page)))


def _clean_meta(meta: dict) -> dict:
    """Non-empty one-line values; template titles ('CHÍNH PHỦ', 'VB CCHC') dropped."""
    meta = {key: " ".join(str(value).split()) for key, value in meta.items() if value and str(value).strip()}
    if len(meta.get("title", "").split()) < 3:
        meta.pop("title", None)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta.get("date", "0000-00-00")):
        meta.pop("date")
    return meta


# .html -----------------------------------------------------------------------

_SKIP = {"script", "style", "noscript", "template", "head", "title", "iframe", "object", "embed", "svg",
         "math", "canvas", "button", "select", "textarea", "input"}
_BLOCKS = {"p", "div", "section", "article", "main", "aside", "header", "footer", "nav", "h1", "h2", "h3",
           "h4", "h5", "h6", "ul", "ol", "dl", "table", "blockquote", "pre", "address", "figure", "hr", "center"}
_LINES = {"br", "li", "tr", "dt", "dd", "caption", "figcaption"}
_CELL = "\0"  # stands for a cell start until the rows are joined


def _read_html(data: bytes) -> Extracted:
    """A page: trafilatura's main text and metadata (all visible text if it finds none).
    A fragment (no <body>, e.g. a pháp điển đề mục): all visible text, since trafilatura
    drops source notes and headings there; its first heading is the title.
    """
    import trafilatura

    html = _decode_html(data).replace("\0", "")
    text, meta = "", {}
    if re.search(r"<body[\s>]", html[:200_000], re.I):
        doc = trafilatura.bare_extraction(html, include_tables=True, favor_recall=True, with_metadata=True)
        text = getattr(doc, "text", None) or ""
        meta = {key: getattr(doc, attr, None) for key, attr in
                (("title", "title"), ("author", "author"), ("outlet", "sitename"), ("date", "date"))}
    elif heading := re.search(r"<h[1-3][^>]*>(.*?)</h[1-3]>", html, re.I | re.S):
        meta["title"] = htmllib.unescape(re.sub(r"<[^>]*>", " ", heading.group(1)))
    if not text.strip():
        text = _html_dump(html)
    return Extracted(_tidy(text), _clean_meta(meta))


def _decode_html(data: bytes) -> str:
    """BOM, else UTF-8, else the declared charset, else the legacy guess."""
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return data.decode("utf-16", errors="replace")
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        declared = re.search(rb"charset=[\"']?([\w-]+)", data[:4096], re.I)
        try:
            return data.decode(declared.group(1).decode(), errors="replace") if declared else _decode_legacy(data)
        except LookupError:
            return _decode_legacy(data)


def _html_dump(html: str) -> str:
    """Visible text (no script, style or display:none); blocks on their own lines,
    table cells joined by ' | '. Nothing is ever run: this only reads text nodes.
    """
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.document_fromstring(html)
    except etree.ParserError:  # nothing but white space or comments
        return ""
    pieces, skipping = [], 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        hidden = "display:none" in (element.get("style") or "").replace(" ", "").lower()
        if event == "start":
            if skipping or not tag or tag in _SKIP or hidden or element.get("hidden") is not None:
                skipping += 1
                continue
            pieces.append("\n\n" if tag in _BLOCKS else "\n" if tag in _LINES else "")
            pieces.append((_CELL if tag in ("td", "th") else "") + re.sub(r"\s+", " ", element.text or ""))
        else:
            if skipping:
                skipping -= 1
                if skipping:
                    continue
            elif tag in _BLOCKS:
                pieces.append("\n\n")
            pieces.append(re.sub(r"\s+", " ", element.tail or ""))
    lines = "".join(pieces).split("\n")
    return "\n".join(line.strip().lstrip(_CELL).replace(_CELL, " | ") for line in lines)


# .pdf ------------------------------------------------------------------------

# Blanks the signing tool stamps the number and date into: "Số:      /", "ngày      tháng".
_SLOT = re.compile(r"(?<=\b[Ss]ố:)[ \t]{2,}(?=/)|(?<=\b[Ss]ố)[ \t]{2,}(?=/)"
                   r"|(?<=\bngày)[ \t]{2,}(?=tháng|/)|(?<=\btháng)[ \t]{2,}(?=năm|/)")


def _read_pdf(data: bytes) -> Extracted:
    """Pypdf's text page by page, form values filled in, pages joined by a blank line."""
    import pypdf

    if b"%PDF-" not in data[:1024]:
        raise ExtractionError("not a PDF (no PDF header)")
    if b"%%EOF" not in data[-4096:]:
        raise ExtractionError("not a PDF (truncated or damaged)")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("encrypted PDF (a password is needed)")
        pages = list(reader.pages)
    except ExtractionError:
        raise
    except Exception as err:
        reason = "encrypted PDF (cannot decrypt)" if "crypt" in str(err).lower() else "not a PDF (truncated or damaged)"
        raise ExtractionError(reason) from None
    text, spans, scans, notes, moved = "", [], ScanReader(data, len(pages)), "", []
    for number, page in enumerate(pages):
        raw, page_notes, numbers = _page_text(page)
        page_text = _pdf_lines(_tidy(raw))
        if scans.is_scan(number, page_text):  # no text layer: recognised from the image
            page_text, page_notes = _pdf_lines(_tidy(scans.read(number))) or page_text, ""
        page_text = _without_page_number(page_text, number + 1)
        goes_on = bool(text and page_text) and _goes_on_in(text, page_text)
        at = None
        if notes and not goes_on:  # the notes of the page before end it
            text = _with_notes(text, notes)
            spans[-1] = (spans[-1][0], len(text))
        elif notes:  # or, when its last sentence goes on here, follow that sentence's paragraph
            at, page_text = _with_notes_after_first_line(page_text, notes)
        text += (" " if goes_on else "\n\n") if text and page_text else ""
        if at is not None:  # drawn on the page before: cited and highlighted there
            moved.append([number, len(text) + at, len(text) + at + len(notes)])
        spans.append((len(text), len(text) + len(page_text)))
        text += page_text
        notes = notes_joined(_pdf_lines(_tidy(page_notes)), numbers)
    if notes and spans:
        text = _with_notes(text, notes)
        spans[-1] = (spans[-1][0], len(text))
    info = reader.metadata or {}
    created = re.match(r"D:(\d{4})(\d{2})(\d{2})", str(info.get("/CreationDate") or ""))
    title = re.sub(r"(?i)^(Microsoft \w+ - )?.*\.(docx?|pdf|rtf|odt)$|^Microsoft \w+ - ", "",
                   str(info.get("/Title") or ""))
    meta = {"title": title, "author": info.get("/Author"), "date": created and _iso(*created.groups())}
    meta = {**_clean_meta(meta), **scans.meta(), **({"notes": moved} if moved else {})}
    if not text.strip() and meta.get("unread_pages"):
        raise ExtractionError(f"scanned PDF, no text layer: {tesseract_missing()}")
    return Extracted(text, meta, tuple(spans))


def _page_text(page: PageObject) -> tuple[str, str, list[str]]:
    """The page's text with its form fields' values in the blanks (else on the last lines), its
    footnote markers dropped, and apart from it the text of its footnotes and their numbers
    (`footnotes.page_parts`).
    """
    try:
        parts = page_parts(page)
    except Exception:  # one bad page does not lose the document
        parts = PageParts("")
    text = parts.body
    values = [value for value in _form_values(page) if value]
    slots = list(_SLOT.finditer(text))
    if values and len(slots) == len(values) and all(re.fullmatch(r"[\w./-]{1,12}", v) for v in values):
        for slot, value in zip(reversed(slots), reversed(values), strict=False):
            gap = "" if text[slot.end():slot.end() + 1] == "/" else " "
            text = text[:slot.start()] + f" {value}{gap}" + text[slot.end():]
    elif values:
        text = text.rstrip() + "\n" + "\n".join(values)
    return text, parts.notes, parts.numbers


def _with_notes(text: str, notes: str) -> str:
    """`text` with a page's footnotes after it, as a paragraph of their own."""
    return f"{text.rstrip()}\n{notes}" if text.strip() else notes


def _with_notes_after_first_line(page: str, notes: str) -> tuple[int, str]:
    """Where the footnotes of the page before go in the page, and the page with them there: after
    its first line, the rest of the paragraph the page break cut, which they would cut again.
    """
    first, _, rest = page.partition("\n")
    return len(first) + 1, f"{first}\n{notes}" + (f"\n{rest}" if rest else "")


def _form_values(page: PageObject) -> list[str]:
    """Text drawn by the page's widgets, in reading order: signed PDFs stamp the number
    and date there, where extract_text() does not look.
    """
    found = [(-round(max(y0, y1) / 12), min(x0, x1), value) for value, (x0, y0, x1, y1) in form_fields(page)]
    return [value for *_, value in sorted(found)]


def form_fields(page: PageObject) -> list[tuple[str, tuple[float, float, float, float]]]:
    """(value, rectangle) of each widget or free-text annotation of the page: the text its
    appearance draws, a text field's /V otherwise.
    """
    import pypdf
    from pypdf.generic import DictionaryObject, NameObject

    found = []
    for annot in page.get("/Annots") or []:
        annot, value = annot.get_object(), ""
        if annot.get("/Subtype") not in ("/Widget", "/FreeText"):
            continue
        look = (annot.get("/AP") or {}).get("/N")
        if look is not None and hasattr(look.get_object(), "get_data"):
            holder = pypdf.PageObject(pdf=page.pdf)
            holder[NameObject("/Resources")] = look.get_object().get("/Resources") or DictionaryObject()
            holder[NameObject("/Contents")] = look.get_object()
            value = holder.extract_text() or ""
        if not value.strip() and isinstance(annot.get("/V"), str):
            value = annot["/V"]
        x0, y0, x1, y1 = [float(v) for v in annot.get("/Rect") or [0, 0, 0, 0]]
        found.append((" ".join(value.split()), (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))))
    return found


# .docx -----------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _read_docx(data: bytes) -> Extracted:
    """Page headers, then the body's paragraphs and tables in order (rows as 'cell | cell')."""
    import docx

    _check_zip(data)
    document = docx.Document(io.BytesIO(data))
    labels: dict[_Element, str] = {}
    with contextlib.suppress(Exception):  # a broken numbering part loses the numbers, not the text
        labels = list_labels(document)
    blocks = []
    for section in document.sections:
        with contextlib.suppress(Exception):  # a broken header does not lose the body
            if not section.header.is_linked_to_previous:  # page numbers alone are not text
                blocks += [b for b in _docx_blocks(section.header._element) if re.search(r"[^\W\d_]", b)]
    blocks += _docx_blocks(document.element.body, labels)
    core = document.core_properties
    meta = {"title": core.title, "author": core.author, "date": core.created and core.created.date().isoformat()}
    text = _tidy("\n\n".join(b for b in blocks if b.strip()))
    meta = _clean_meta(meta)
    with contextlib.suppress(Exception):  # a section is a nicety: a strange paragraph does not lose the text
        if headings := find_headings(text, _docx_headings(document, labels)):
            meta["headings"] = headings
    return Extracted(text, meta)


def _docx_headings(document: docx.document.Document, labels: dict[_Element, str]) -> list[str]:
    """The body's headings, with the numbers Word draws before them (`labels`): paragraphs styled
    Heading/Title or with an outline level, and short paragraphs written all in bold ('Điều 5. …',
    'II. KẾT QUẢ …' in official documents).
    """
    headings = []
    for paragraph in document.paragraphs:
        text = " ".join(_labelled(labels.get(paragraph._p, ""), paragraph.text).split())
        if not re.search(r"[^\W\d_]", text) or len(text) > 150:
            continue
        style = paragraph.style.name.lower() if paragraph.style is not None else ""
        outlined = paragraph._p.find(f".//{_W}outlineLvl") is not None
        runs = [run for run in paragraph.runs if run.text.strip()]
        style_bold = bool(paragraph.style is not None and paragraph.style.font.bold)
        bold = bool(runs) and all(run.bold or (run.bold is None and style_bold) for run in runs)
        if style.startswith(("heading", "title")) or outlined or bold:
            headings.append(text)
    return headings


def _check_zip(data: bytes) -> None:
    """Refuse what is not a zip, and zip bombs, from the zip directory, before any reading."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ExtractionError("old Word .doc format, not .docx")
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ExtractionError("not a .docx (not a zip archive)") from None
    total = sum(info.file_size for info in infos)
    if len(infos) > 10_000 or total > MAX_UNZIPPED or total > max(MAX_RATIO * len(data), 10_000_000):
        raise ExtractionError(f"zip bomb: {total / 1e9:.1f} GB uncompressed")
    if "word/document.xml" not in {info.filename for info in infos}:
        raise ExtractionError("not a .docx (no word/document.xml)")


def _docx_blocks(container: _Element, labels: dict[_Element, str] | None = None) -> list[str]:
    """Text of the w:p and w:tbl children of a body or header, content controls opened, each
    list paragraph led by the number or bullet Word draws before it (`labels`).
    """
    labels = labels or {}
    blocks = []
    for child in container.iterchildren():
        if child.tag == _W + "p":
            blocks.append(_paragraph_text(child, labels))
        elif child.tag == _W + "tbl":
            blocks.append(_table_text(child, container, labels))
        elif child.tag == _W + "sdt":
            for content in child.iterchildren(_W + "sdtContent"):
                blocks += _docx_blocks(content, labels)
    return blocks


def _labelled(label: str, text: str) -> str:
    """A list paragraph's text after its number or bullet (an empty paragraph stays empty)."""
    return f"{label} {text.lstrip()}" if label and text.strip() else text


def _paragraph_text(p: _Element, labels: dict[_Element, str] | None = None) -> str:
    """A paragraph's text, after the number or bullet Word draws before it (`labels`)."""
    parts = {_W + "tab": " ", _W + "br": "\n", _W + "cr": "\n"}
    text = "".join(node.text or "" if node.tag == _W + "t" else parts[node.tag] for node in p.iter(_W + "t", *parts))
    return _labelled(labels.get(p, ""), text) if labels else text


def _table_text(tbl: _Element, parent: _Element, labels: dict[_Element, str]) -> str:
    """One line per row, cells joined by ' | ': a cell spanning columns once, one spanning
    rows on each of its rows (python-docx's grid), nested tables inlined.
    """
    from docx.table import Table

    try:
        grid = [[cell._tc for cell in row.cells] for row in Table(tbl, parent).rows]
    except Exception:  # a malformed grid: each row's own cells
        grid = [list(tr.iterchildren(_W + "tc")) for tr in tbl.iterchildren(_W + "tr")]
    rows = []
    for tcs in grid:
        unique = [tc for i, tc in enumerate(tcs) if i == 0 or tc is not tcs[i - 1]]
        cells = [" ".join(" ".join(_paragraph_text(p, labels) for p in tc.iter(_W + "p")).split()) for tc in unique]
        rows.append(" | ".join(cells) if any(cells) else "")
    return "\n".join(row for row in rows if row)


_READERS = {".txt": _read_txt, ".html": _read_html, ".htm": _read_html, ".pdf": _read_pdf, ".docx": _read_docx}


# metadata from the text ---------------------------------------------------------

_DATELINES = (  # day, month, year
    re.compile(r"\bngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", re.I),
    re.compile(r"\(\s*Ngày\s+(\d{1,2})/(\d{1,2})/(\d{4})\s*\)", re.I),
    re.compile(r"\b(?:Thứ\s+(?:hai|ba|tư|năm|sáu|bảy)|Chủ\s+nhật),?\s*(\d{1,2})/(\d{1,2})/(\d{4})", re.I),
    re.compile(r"\bNgày\s+ban\s+hành:?\s*(\d{1,2})/(\d{1,2})/(\d{4})", re.I),
)
_PLACE = re.compile(r"[^\W\d_][^\n,;]{0,40},\s*$")  # "Lâm Đồng, " before "ngày 12 tháng 3 năm 2025"


def _iso(year: str, month: str, day: str) -> str | None:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def detect_meta(text: str, head_chars: int = 3000) -> dict:
    """ISO date of the first dateline, and the province named most often (at least
    twice, twice as often as any other) in the first `head_chars` characters.
    """
    head, meta = text[:head_chars], {}
    dates = []
    for number, pattern in enumerate(_DATELINES):
        for match in pattern.finditer(head):
            if number == 0 and not _PLACE.search(head[max(0, match.start() - 45):match.start()]):
                continue  # "Quyết định ... ngày 21 tháng 8 năm 2025" cites another document
            if iso := _iso(*reversed(match.groups())):
                dates.append((match.start(), iso))
                break
    if dates:
        meta["date"] = min(dates)[1]
    counts: dict[str, int] = {}
    for name, _, _ in find_provinces(head):
        counts[name] = counts.get(name, 0) + 1
    ranked = sorted(counts.values(), reverse=True) + [0, 0]
    if ranked[0] >= 2 and ranked[0] >= 2 * ranked[1]:
        meta["province"] = max(counts, key=counts.get)
    return meta
