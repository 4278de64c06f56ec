"""Text of scanned PDF pages, read by Tesseract's Vietnamese model (the `[ocr]` extra).

A page with no text layer is rendered (pdfium, 300 dpi) and recognised by
Tesseract (`pytesseract`, Debian's `tesseract-ocr` and `tesseract-ocr-vie`). Each
word keeps its box, as fractions of the page, so the page view can highlight an
answer on the scanned image. Without Tesseract, `tesseract_missing()` says what to
install and the build indexes the rest.
"""

from __future__ import annotations

import os
import shutil
from functools import lru_cache

__all__ = ["INSTALL", "OCR_DPI", "OcrPage", "ocr_page", "tesseract_missing"]

OCR_DPI = 300
LANGUAGE = "vie"
INSTALL = "apt-get install tesseract-ocr tesseract-ocr-vie, and pip install 'qa-bot[ocr]'"


class OcrPage:
    """The recognised text of one page and its words with their boxes ([text, x0, y0, x1, y1])."""

    def __init__(self, text: str, words: list[list]) -> None:
        self.text = text
        self.words = words


@lru_cache(maxsize=1)
def tesseract_missing() -> str:
    """'' when Tesseract and its Vietnamese model can be used, else what is missing and how to install it."""
    try:
        import pytesseract
    except ImportError:
        return f"OCR needs pytesseract and Tesseract: {INSTALL}"
    command = os.environ.get("QA_BOT_TESSERACT") or "tesseract"
    if shutil.which(command) is None:
        return f"OCR needs Tesseract ({command!r} not found): {INSTALL}"
    pytesseract.pytesseract.tesseract_cmd = command
    try:
        languages = pytesseract.get_languages(config="")
    except Exception as err:  # a broken installation
        return f"Tesseract does not run ({type(err).__name__}): {INSTALL}"
    if LANGUAGE not in languages:
        return f"Tesseract has no Vietnamese model ('{LANGUAGE}'): apt-get install tesseract-ocr-vie"
    return ""


def ocr_page(pdf: object, index: int) -> OcrPage:
    """Recognise page `index` (from 0) of the pypdfium2 document `pdf`."""
    import pytesseract

    page = pdf[index]
    image = page.render(scale=OCR_DPI / 72, may_draw_forms=True).to_pil().convert("L")
    data = pytesseract.image_to_data(image, lang=LANGUAGE, output_type=pytesseract.Output.DICT)
    width, height = image.size
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, word in enumerate(data["text"]):
        if word.strip() and float(data["conf"][i]) >= 0:
            lines.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
    text, words, previous = [], [], None
    for key in sorted(lines):
        if previous is not None:
            text.append("\n\n" if key[:2] != previous[:2] else "\n")
        previous = key
        text.append(" ".join(data["text"][i].strip() for i in lines[key]))
        for i in lines[key]:
            left, top = data["left"][i], data["top"][i]
            words.append([data["text"][i].strip(), round(left / width, 5), round(top / height, 5),
                          round((left + data["width"][i]) / width, 5), round((top + data["height"][i]) / height, 5)])
    return OcrPage("".join(text), words)


class ScanReader:
    """The scanned pages of one PDF, recognised as the reader reaches them: their words (for
    the document's `meta["ocr"]`) and the pages left unread for want of Tesseract.
    """

    def __init__(self, data: bytes, pages: int) -> None:
        self.data, self.pages = data, pages
        self.words: dict[str, list[list]] = {}
        self.unread: list[int] = []
        self._pdf = None
        self._bar = None

    @property
    def pdf(self) -> object:
        """The document, opened by pdfium on first use."""
        if self._pdf is None:
            import pypdfium2

            self._pdf = pypdfium2.PdfDocument(self.data)
            self._pdf.init_forms()
        return self._pdf

    def is_scan(self, index: int, text: str) -> bool:
        """A page with (almost) no text but an image: a scan."""
        if sum(ch.isalpha() for ch in text) >= 10:
            return False
        import pypdfium2.raw as pdfium_c

        try:
            images = self.pdf[index].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2)
            return next(iter(images), None) is not None
        except Exception:  # pdfium cannot open what pypdf read: the page keeps the text it has
            return False

    def read(self, index: int) -> str:
        """The recognised text of page `index` ('' and the page noted as unread without Tesseract)."""
        if tesseract_missing():
            self.unread.append(index + 1)
            return ""
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=self.pages, desc="OCR", unit="page", disable=None, leave=False)
        try:
            page = ocr_page(self.pdf, index)
        except Exception:  # Tesseract failed on this page: the others are read all the same
            self.unread.append(index + 1)
            return ""
        self._bar.update(1)
        self.words[str(index + 1)] = page.words
        return page.text

    def meta(self) -> dict:
        """What the document's metadata keeps: the OCR words of each page, the pages left unread."""
        if self._bar is not None:
            self._bar.close()
        if self._pdf is not None:
            self._pdf.close()
        return {key: value for key, value in (("ocr", self.words), ("unread_pages", self.unread)) if value}
