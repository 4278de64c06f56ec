"""Scanned PDFs: read by Tesseract's Vietnamese model, highlighted on the image; without
Tesseract, said so with what to install, the rest indexed."""

from __future__ import annotations

import io
import unicodedata

import pytest
from pdf_samples import SCANNED, scanned_page, signed_report

from qa_bot.errors import ExtractionError
from qa_bot.ingest import ocr
from qa_bot.ingest.documents import read_document, scan_corpus
from qa_bot.ingest.highlight import PdfPages
from qa_bot.ingest.pages import pages_of


def character_accuracy(truth: str, read: str) -> float:
    """1 − (edit distance / length of the truth), white space compared as single spaces."""
    truth, read = " ".join(truth.split()), " ".join(read.split())
    previous = list(range(len(read) + 1))
    for i, a in enumerate(truth, 1):
        row = [i]
        for j, b in enumerate(read, 1):
            row.append(min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a != b)))
        previous = row
    return 1 - previous[-1] / max(len(truth), 1)


@pytest.fixture
def no_tesseract(monkeypatch):
    monkeypatch.setenv("QA_BOT_TESSERACT", "/nonexistent/tesseract")
    ocr.tesseract_missing.cache_clear()
    yield
    ocr.tesseract_missing.cache_clear()


def _mixed_pdf() -> bytes:
    """The signed report's first page, then a scanned page."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(signed_report()[0])), pages=[0])
    writer.append(PdfReader(io.BytesIO(scanned_page()[0])))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_without_tesseract_a_scan_is_reported_with_the_install_command_and_the_rest_indexed(tmp_path, no_tesseract):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(scanned_page()[0])
    (folder / "mixed.pdf").write_bytes(_mixed_pdf())
    (folder / "note.txt").write_text("Tỉnh có 12 điểm phục vụ hành chính công.\n", encoding="utf-8")
    with pytest.raises(ExtractionError, match="tesseract-ocr-vie"):
        read_document(folder / "scan.pdf", "scan.pdf", {})
    scan = scan_corpus(folder)
    assert [p.source for p in scan.problems] == ["scan.pdf"] and "apt-get install" in scan.problems[0].reason
    mixed = next(d for d in scan.documents if d.source == "mixed.pdf")
    assert mixed.meta["unread_pages"] == [2] and "987 hồ sơ" in mixed.text and "ocr" not in mixed.meta
    assert {d.source for d in scan.documents} == {"mixed.pdf", "note.txt"}


@pytest.mark.slow
def test_a_scanned_page_is_read_and_its_words_highlight_on_the_image(tmp_path):
    assert not ocr.tesseract_missing(), ocr.tesseract_missing()
    data, drawn = scanned_page()
    path = tmp_path / "scan.pdf"
    path.write_bytes(data)
    doc = read_document(path, path.name, {})
    assert list(doc.meta["ocr"]) == ["1"] and doc.meta["pages"] == [[0, len(doc.text)]]
    assert character_accuracy("\n".join(SCANNED), doc.text) >= 0.97, doc.text
    needle = unicodedata.normalize("NFC", "156 thủ tục hành chính")
    start = doc.text.find(needle)
    assert start >= 0 and pages_of(doc, start, start + len(needle)) == (1,)
    (found,) = PdfPages(path, doc).boxes(start, start + len(needle))
    page, rect = drawn.places[SCANNED[2]]
    for x0, y0, x1, y1 in found.boxes:
        assert rect[0] - 0.01 <= x0 < x1 <= rect[2] + 0.01 and rect[1] - 0.01 <= y0 < y1 <= rect[3] + 0.01
    assert " ".join(found.text.split()) == needle


@pytest.mark.slow
def test_a_mixed_pdf_reads_its_scanned_page_too(tmp_path):
    path = tmp_path / "mixed.pdf"
    path.write_bytes(_mixed_pdf())
    doc = read_document(path, path.name, {})
    assert list(doc.meta["ocr"]) == ["2"] and "unread_pages" not in doc.meta
    assert "987 hồ sơ" in doc.text and "156 thủ tục" in doc.text
    start = doc.text.find("156 thủ tục")
    assert pages_of(doc, start, start + 3) == (2,)
