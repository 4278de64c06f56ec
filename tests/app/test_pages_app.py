"""The app's parts for pages and administration: citations with pages and sections, the OCR
mark, the page view's HTML, and the admin gate."""

from __future__ import annotations

import json

from pdf_samples import signed_report

from qa_bot.app.admin import FIRST_LOCK_S, MAX_FAILURES, Gate, is_local_address
from qa_bot.app.export import answer_json, answer_markdown, citation, quote
from qa_bot.app.page_view import is_pdf, ocr_pages, page_images, page_view_html
from qa_bot.app.render import answer_card, source_line
from qa_bot.ingest.documents import read_document
from qa_bot.ingest.pages import cite
from qa_bot.schema import Answer, Chunk, Document, Hit, Result

PDF = Document("bao-cao.pdf", "Trang một có 5 xã.\n\nTrang hai có 7 huyện.",
               {"title": "Báo cáo quý I", "pages": [[0, 18], [20, 41]], "ocr": {"2": [["Trang", 0.1, 0.1, 0.2, 0.12]]}})
DOCX = Document("nghi-dinh.docx", "Chương I\n\nĐiều 5. Hiệu lực\n\nVăn bản có hiệu lực từ ngày ký.",
                {"headings": [[0, "Chương I"], [10, "Điều 5. Hiệu lực"]]})


def _result(doc: Document, start: int, end: int, span: tuple[int, int]) -> Result:
    chunk = Chunk(0, doc.source, 0, len(doc.text), doc.text, ((start, end),))
    hit = Hit(chunk, 1.0)
    answer = Answer(doc.source, start, end, *span, doc.text[start:end], doc.text[span[0]:span[1]], 0.9, hit)
    return cite(Result("câu hỏi", None, [hit], answer, 1.0), {doc.source: doc})


def test_citations_carry_pages_or_the_section():
    assert citation(PDF, PDF.source, 20, 41) == "Báo cáo quý I, tr. 2 (bao-cao.pdf, ký tự 20–41)"
    assert citation(PDF, PDF.source, 5, 30).endswith("tr. 1–2 (bao-cao.pdf, ký tự 5–30)")
    assert citation(DOCX, DOCX.source, 27, 58) == "nghi-dinh.docx, mục “Điều 5. Hiệu lực” (nghi-dinh.docx, ký tự 27–58)"
    result = _result(PDF, 20, 41, (33, 40))
    assert quote(result.answer, PDF).endswith("tr. 2 (bao-cao.pdf, ký tự 20–41)")
    record = json.loads(answer_json(result, {PDF.source: PDF}))
    assert record["answer"]["pages"] == [2] and record["passages"][0]["pages"] == [1, 2]
    assert "ocr" not in record["documents"]["bao-cao.pdf"] and "pages" not in record["documents"]["bao-cao.pdf"]
    assert "tr. 1–2" in answer_markdown(result, {PDF.source: PDF})
    docx_record = _result(DOCX, 27, 58, (27, 35)).to_dict()
    assert docx_record["answer"]["section"] == "Điều 5. Hiệu lực" and "pages" not in docx_record["answer"]


def test_the_card_marks_text_read_from_a_scan():
    scanned = _result(PDF, 20, 41, (33, 40))
    card = answer_card(scanned.answer, PDF)
    assert "tr. 2" in card and "văn bản nhận dạng từ ảnh quét" in card
    assert "ảnh quét" not in source_line(PDF, PDF.source, 0, 10)  # page 1 has a text layer
    assert "text recognised from a scanned image" in answer_card(scanned.answer, PDF, "en")
    assert "mục “Điều 5. Hiệu lực”" in source_line(DOCX, DOCX.source, 27, 58)
    assert ocr_pages(PDF) == {2} and ocr_pages(DOCX) == set()


def test_the_page_view_draws_the_boxes_over_the_rendered_page(tmp_path):
    data, drawn = signed_report()
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(data)
    doc = read_document(path, path.name, {})
    assert is_pdf(doc, tmp_path) and not is_pdf(doc, tmp_path / "elsewhere")
    start = doc.text.index("987 hồ sơ")
    sentence = (doc.text.rindex("\n", 0, start) + 1, doc.text.index("\n", start))
    images = page_images(path, doc, {"passage": None, "sentence": sentence, "span": (start, start + 20)})
    assert [image.page for image in images] == [1]
    assert images[0].png.startswith(b"\x89PNG") and images[0].boxes["span"] and images[0].boxes["sentence"]
    assert images[0].covered["span"] == "987 hồ sơ trực tuyến"
    html = page_view_html(images, "Trang", "ảnh quét", ocr={2})
    assert html.count('class="qa-box span"') == len(images[0].boxes["span"])
    assert 'data-span-text="987 hồ sơ trực tuyến"' in html and "scrollIntoView" in html and "ảnh quét" not in html
    other = page_images(path, doc, {"span": (start, start + 20)}, shown=[2])
    assert [image.page for image in other] == [2] and not other[0].boxes


def test_the_gate_checks_the_password_and_locks_out_guessers():
    now = [0.0]
    gate = Gate("bí mật", local_only=False, clock=lambda: now[0])
    assert gate.needs_password and not gate.open_to_all
    assert not gate.check("sai", "a") and gate.check("bí mật", "a")
    for _ in range(MAX_FAILURES):
        assert not gate.check("sai", "b")
    assert gate.wait_s("b") == FIRST_LOCK_S and not gate.check("bí mật", "b")  # locked: even the right one
    assert gate.check("bí mật", "c")  # another client is not locked out
    now[0] += FIRST_LOCK_S + 1
    assert gate.wait_s("b") == 0 and gate.check("bí mật", "b")
    assert Gate(None, local_only=True).open_to_all and not Gate(None, local_only=False).open_to_all
    assert not Gate(None, local_only=True).check("", "a")
    assert is_local_address("127.0.0.1") and not is_local_address("") and not is_local_address("0.0.0.0")


def test_a_pdf_changed_since_indexing_is_not_highlighted(tmp_path):
    from qa_bot.app.page_view import is_indexed_version
    from qa_bot.ingest.documents import list_corpus

    (tmp_path / "bao-cao.pdf").write_bytes(signed_report()[0])
    doc = read_document(tmp_path / "bao-cao.pdf", "bao-cao.pdf", {})
    key = list_corpus(tmp_path).keys["bao-cao.pdf"]
    assert is_indexed_version(doc, tmp_path, key)
    (tmp_path / "bao-cao.pdf").write_bytes(signed_report()[0] + b"\n% changed\n")
    assert not is_indexed_version(doc, tmp_path, key) and not is_indexed_version(doc, tmp_path, None)
