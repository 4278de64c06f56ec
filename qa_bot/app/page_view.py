"""The original page of a PDF, rendered, with the answer's sentence and span highlighted on it.

`page_images()` renders the pages a passage is on and finds the boxes of its
sentence and span (`ingest.highlight`); `page_view_html()` lays the boxes over the
images (positions in percent, so they follow the image at any width) and scrolls
the first span box into view. Only qa-bot's own script runs in the page.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

from ..ingest.documents import file_key, read_metadata
from ..ingest.highlight import PdfPages
from ..ingest.pages import pages_of
from ..schema import Document
from .render import escape_text

__all__ = ["PageImage", "is_indexed_version", "is_pdf", "ocr_pages", "page_images", "page_view_html"]

PAGE_WIDTH = 1000  # pixels of a rendered page


@dataclass
class PageImage:
    """One rendered page and the boxes to draw on it, by kind ('sentence', 'span')."""

    page: int
    png: bytes
    boxes: dict[str, list[tuple[float, float, float, float]]] = field(default_factory=dict)
    covered: dict[str, str] = field(default_factory=dict)  # kind → the text the boxes were aligned to


def is_pdf(document: Document | None, corpus: Path) -> bool:
    """True when `document` is a PDF whose file is still in the corpus folder."""
    return (document is not None and document.source.lower().endswith(".pdf")
            and bool(document.meta.get("pages")) and (Path(corpus) / document.source).is_file())


def is_indexed_version(document: Document, corpus: Path, key: str | None) -> bool:
    """True when the corpus file of `document` is the one the index read (`key`, the manifest's):
    a file replaced since would put the highlights on another text.
    """
    path = Path(corpus) / document.source
    return key is not None and file_key(path, read_metadata(corpus).get(document.source, {})) == key


def ocr_pages(document: Document | None) -> set[int]:
    """The pages of `document` whose text was recognised from a scanned image."""
    return {int(page) for page in ((document.meta.get("ocr") or {}) if document is not None else {})}


def page_images(path: Path, document: Document, ranges: dict[str, tuple[int, int] | None],
                shown: list[int] | None = None) -> list[PageImage]:
    """The pages `shown` (default: the pages of the widest range) rendered, each with the boxes
    of every range of `ranges` ({'passage'|'sentence'|'span': (start, end)}) that falls on it.
    """
    pages = PdfPages(path, document)
    try:
        wanted = [r for r in ranges.values() if r is not None]
        if shown is None:
            widest = max(wanted, key=lambda r: r[1] - r[0], default=None)
            shown = list(pages_of(document, *widest)) if widest else [1]
        shown = [p for p in shown if 1 <= p <= len(pages)] or [1]
        images = {p: PageImage(p, pages.render(p, PAGE_WIDTH)) for p in shown}
        for kind, span in ranges.items():
            if span is None or kind == "passage":
                continue
            for found in pages.boxes(*span):
                if found.page in images:
                    images[found.page].boxes[kind] = list(found.boxes)
                    images[found.page].covered[kind] = found.text
        return [images[p] for p in shown]
    finally:
        pages.close()


_CSS = """
body {margin: 0; padding: .5rem; background: #f0f2f6; font-family: "Source Sans Pro", sans-serif;}
.qa-page {position: relative; margin: 0 auto 1rem auto; max-width: 100%; box-shadow: 0 1px 4px rgba(0,0,0,.25);
  background: #fff;}
.qa-page img {display: block; width: 100%; height: auto;}
.qa-page-number {font-size: .8rem; color: #555; text-align: center; margin: .2rem 0 .4rem 0;}
.qa-box {position: absolute; pointer-events: none; mix-blend-mode: multiply; border-radius: 2px;}
.qa-box.sentence {background: rgba(255, 226, 122, .55);}
.qa-box.span {background: rgba(255, 170, 0, .75); outline: 2px solid #e8590c;}
"""

_SCROLL = ("<script>const m = document.querySelector('.qa-box.span') || document.querySelector('.qa-box.sentence');"
           " if (m) { const go = () => m.scrollIntoView({block: 'center'});"
           " const img = m.parentElement.querySelector('img');"
           " if (img.complete) go(); else img.addEventListener('load', go); }</script>")


def _box_div(kind: str, box: tuple[float, float, float, float]) -> str:
    x0, y0, x1, y1 = box
    pad = 0.002
    style = (f"left:{100 * (x0 - pad):.3f}%;top:{100 * (y0 - pad):.3f}%;"
             f"width:{100 * (x1 - x0 + 2 * pad):.3f}%;height:{100 * (y1 - y0 + 2 * pad):.3f}%")
    return f'<div class="qa-box {kind}" data-box="{x0:.5f},{y0:.5f},{x1:.5f},{y1:.5f}" style="{style}"></div>'


def page_view_html(images: list[PageImage], page_label: str = "Trang", ocr_note: str = "",
                   ocr: set[int] | None = None) -> str:
    """A whole HTML page: each page image with its sentence and span boxes over it, the first
    span box scrolled into view. `ocr_note` is shown under a page recognised from a scan.
    """
    parts = []
    for image in images:
        data = base64.b64encode(image.png).decode("ascii")
        boxes = [_box_div(kind, box) for kind in ("sentence", "span") for box in image.boxes.get(kind, [])]
        covered = escape_text(image.covered.get("span", ""))
        note = f" · {escape_text(ocr_note)}" if ocr_note and image.page in (ocr or set()) else ""
        parts.append(
            f'<div class="qa-page-number">{escape_text(page_label)} {image.page}{note}</div>'
            f'<div class="qa-page" data-page="{image.page}" data-span-text="{covered}">'
            f'<img alt="{escape_text(page_label)} {image.page}" src="data:image/png;base64,{data}">'
            f'{"".join(boxes)}</div>'
        )
    return (f'<!doctype html><html><head><meta charset="utf-8"><style>{_CSS}</style></head>'
            f'<body>{"".join(parts)}{_SCROLL}</body></html>')
