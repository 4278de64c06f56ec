"""Page numbers, DOCX sections and page highlights, on PDFs and DOCX files the tests make."""

from __future__ import annotations

import io
import unicodedata

import pytest
from pdf_samples import (
    COLUMN_LEFT,
    COLUMN_RIGHT,
    CROSSING,
    DECOMPOSED,
    NOTE,
    NOTED_HEAD,
    NOTED_NEXT,
    OLD_TONES,
    STAMP_DAY,
    STAMP_NUMBER,
    TABLE_ROW,
    footnoted_report,
    signed_report,
)

from qa_bot.ingest.documents import read_document
from qa_bot.ingest.highlight import Glyph, PdfPages, align
from qa_bot.ingest.pages import cite, pages_of, section_of
from qa_bot.schema import Answer, Chunk, Document, Hit, Result


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """(path, Document, Drawn) of the generated signed report."""
    data, drawn = signed_report()
    path = tmp_path_factory.mktemp("pdf") / "bao-cao.pdf"
    path.write_bytes(data)
    return path, read_document(path, path.name, {}), drawn


@pytest.fixture(scope="module")
def pages(report):
    path, doc, _ = report
    return PdfPages(path, doc)


def _inside(box, rect, slack=0.004):
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return rect[0] - slack <= x <= rect[2] + slack and rect[1] - slack <= y <= rect[3] + slack


def _find(doc, text):
    nfc = unicodedata.normalize("NFC", text)
    start = doc.text.find(nfc)
    assert start >= 0, f"{nfc!r} not in the extracted text"
    return start, start + len(nfc)


def test_a_pdf_keeps_its_pages_and_a_paragraph_crossing_the_break_is_on_both(report):
    _, doc, _ = report
    assert len(doc.meta["pages"]) == 2
    assert pages_of(doc, *_find(doc, "Nội dung 1 ")) == (1,)
    paragraph = doc.text.rfind("\n", 0, _find(doc, "Nội dung 1 ")[0]) + 1, _find(doc, CROSSING)[1]
    assert pages_of(doc, *paragraph) == (1, 2)
    assert pages_of(doc, *_find(doc, CROSSING)) == (2,)


@pytest.mark.parametrize("needle", ["987 hồ sơ trực tuyến", "4.321 hồ sơ", "Hoà Bình", "47 cơ quan chuyên môn",
                                    " ".join(TABLE_ROW[:2])])
def test_highlight_lands_on_the_drawn_words(report, pages, needle):
    _, doc, drawn = report
    lines = [(page, rect) for text, (page, rect) in drawn.places.items()
             if unicodedata.normalize("NFC", needle.split()[0]) in unicodedata.normalize("NFC", text)]
    found = pages.boxes(*_find(doc, needle))
    assert found and all(b.page == 1 for b in found)
    boxes = [box for b in found for box in b.boxes]
    if needle.startswith(TABLE_ROW[0]):  # a table row: the cells' text, on the row's line
        assert {round(box[1], 2) for box in boxes} == {round(boxes[0][1], 2)}
        assert " ".join(pages.text_under(1, boxes).split()) == needle
        return
    assert any(all(_inside(box, rect) for box in boxes) for _, rect in lines), (needle, boxes, lines)
    under = unicodedata.normalize("NFC", pages.text_under(1, boxes))
    assert under.split() == unicodedata.normalize("NFC", needle).split()


def test_old_tones_and_decomposed_text_highlight_whole(report, pages):
    _, doc, drawn = report
    for line in (OLD_TONES, DECOMPOSED):
        page, rect = drawn.places[line]
        found = pages.boxes(*_find(doc, line))
        assert [b.page for b in found] == [page]
        (box,) = found[0].boxes
        assert _inside(box, rect) and box[2] - box[0] > 0.9 * (rect[2] - rect[0])


def test_both_columns_highlight_in_their_own_column(report, pages):
    _, doc, drawn = report
    right = [rect for text, (_, rect) in drawn.places.items() if text in COLUMN_RIGHT]
    left = [rect for text, (_, rect) in drawn.places.items() if text in COLUMN_LEFT]
    for words, rects in (("987 hồ sơ", right), ("4.321 hồ sơ", left), ("trong quý I", left)):
        boxes = [box for b in pages.boxes(*_find(doc, words)) for box in b.boxes]
        assert boxes and all(any(_inside(box, r) for r in rects) for box in boxes), words


def test_the_stamped_number_and_day_highlight_in_their_fields(report, pages):
    _, doc, _ = report
    assert f"Số: {STAMP_NUMBER}/BC-UBND" in doc.text and f"ngày {STAMP_DAY} tháng 3" in doc.text
    width, height = 595.28, 841.89
    fields = {STAMP_NUMBER: (72 / width, 80 / height, 110 / width, 94 / height),
              STAMP_DAY: (390 / width, 80 / height, 412 / width, 94 / height)}
    for value, rect in fields.items():
        start = doc.text.find(value)
        (found,) = pages.boxes(start, start + len(value))
        assert found.boxes and all(_inside(box, rect) for box in found.boxes)


def test_a_passage_crossing_the_page_break_highlights_on_both_pages(report, pages):
    _, doc, _ = report
    start = doc.text.rfind("Nội dung", 0, doc.meta["pages"][0][1] - 20)
    last_on_first = doc.text[start:doc.meta["pages"][0][1]]
    end = _find(doc, CROSSING)[1]
    found = pages.boxes(start, end)
    assert [b.page for b in found] == [1, 2]
    assert " ".join(last_on_first.split()) in " ".join(found[0].text.split()) and "92,5" in found[1].text
    assert CROSSING.split()[-1] in pages.text_under(2, found[1].boxes)


def test_alignment_survives_nfc_tone_moves_reordering_and_rejoined_lines():
    glyphs = [Glyph(ch, (i / 100, 0.1, (i + 1) / 100, 0.12)) for i, ch in
              enumerate(unicodedata.normalize("NFD", "B. thứ hai\nA. Hòa Bình có 12 xã"))]
    text = "A. Hoà Bình có 12 xã B. thứ hai"
    mapping = align(text, glyphs)
    drawn = "".join(g.text for g in glyphs)
    for word in ("Hoà", "12", "thứ hai"):
        start = text.find(word)
        got = [mapping[i] for i in range(start, start + len(word)) if not text[i].isspace()]
        assert all(g >= 0 for g in got), word
        assert unicodedata.normalize("NFC", drawn[min(got):max(got) + 1]).replace("ò", "o").replace("à", "a") \
            .startswith(word[0])


def _docx(paragraphs):
    import docx

    document = docx.Document()
    for style, text in paragraphs:
        if style == "bold":
            document.add_paragraph().add_run(text).bold = True
        elif style:
            document.add_paragraph(text, style=style)
        else:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_docx_passage_carries_the_heading_above_it(tmp_path):
    path = tmp_path / "nghi-dinh.docx"
    path.write_bytes(_docx([
        ("Title", "Nghị định về công tác văn thư"), ("Heading 1", "Chương I"),
        ("bold", "Điều 5. Giá trị pháp lý của văn bản điện tử"),
        ("", "Văn bản điện tử được ký số có giá trị pháp lý như bản gốc văn bản giấy."),
        ("bold", "Điều 6. Trách nhiệm"), ("", "Người đứng đầu chịu trách nhiệm về công tác văn thư."),
    ]))
    doc = read_document(path, path.name, {})
    assert section_of(doc, doc.text.find("Văn bản điện tử được")) == "Điều 5. Giá trị pháp lý của văn bản điện tử"
    assert section_of(doc, doc.text.find("Người đứng đầu")) == "Điều 6. Trách nhiệm"
    assert section_of(doc, 0) == "" or section_of(doc, 0).startswith("Nghị định")
    assert pages_of(doc, 0, 10) == ()


def test_cite_puts_pages_and_sections_on_the_answer_and_passages():
    doc = Document("a.pdf", "Trang một có 5 xã.\n\nTrang hai có 7 huyện.", {"pages": [[0, 18], [20, 41]]})
    chunks = [Chunk(0, "a.pdf", 0, 41, doc.text, ((0, 18), (20, 41))), Chunk(1, "b.txt", 0, 5, "hello", ((0, 5),))]
    hits = [Hit(chunks[0], 1.0), Hit(chunks[1], 0.5)]
    answer = Answer("a.pdf", 20, 41, 33, 40, doc.text[20:41], "7 huyện", 0.9, hits[0])
    cited = cite(Result("q", None, hits, answer, 0.0), {"a.pdf": doc, "b.txt": Document("b.txt", "hello")})
    record = cited.to_dict()
    assert record["answer"]["pages"] == [2]
    assert record["passages"][0]["pages"] == [1, 2]
    assert "pages" not in record["passages"][1] and "section" not in record["passages"][1]
    assert cited.answer.hit.pages == (1, 2)


def test_a_footnote_placed_after_the_paragraph_it_would_cut_is_cited_and_highlighted_on_its_own_page(tmp_path):
    """The note at the foot of page 1 follows, in the text, the paragraph that goes on over the break
    (within page 2's range): it is cited as page 1 and its boxes are drawn on page 1, where it is.
    """
    path = tmp_path / "noted.pdf"
    path.write_bytes(footnoted_report())
    doc = read_document(path, path.name, {})
    note = doc.text.index(NOTE)
    assert doc.meta["pages"][1][0] < note < doc.meta["pages"][1][1]
    assert pages_of(doc, note, note + len(NOTE)) == (1,)
    sentence = doc.text.index(NOTED_HEAD), doc.text.index(NOTED_NEXT) + len(NOTED_NEXT)
    assert pages_of(doc, *sentence) == (1, 2)
    pages = PdfPages(path, doc)
    try:
        (drawn,) = pages.boxes(note, note + len(NOTE))
        assert drawn.page == 1 and drawn.text == NOTE
        assert drawn.boxes[0][1] > 0.85  # at the foot of the page
        assert [b.page for b in pages.boxes(*sentence)] == [1, 2]
    finally:
        pages.close()
