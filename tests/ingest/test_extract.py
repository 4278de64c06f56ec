"""Extraction from every format, on files written here, and refusal of hostile files."""

from __future__ import annotations

import io
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdf_samples import NOTE, NOTED_HEAD, NOTED_NEXT, NOTED_TAIL, POWER, footnoted_report, make_pdf

from qa_bot.ingest.extract import (
    SUFFIXES,
    Extracted,
    ExtractionError,
    detect_meta,
    extract,
)
from qa_bot.ingest.provinces import find_provinces, load_provinces

SENTENCE = "Ủy ban nhân dân tỉnh Hà Giang ban hành Quyết định số 787/QĐ-UBND về cải cách hành chính năm 2025."
TONES = "\u0300\u0301\u0303\u0309\u0323"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese software writes it: base letters, then combining tones."""
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        out.append(base + "".join(c for c in parts if c in TONES))
    return "".join(out).encode("cp1258")


# ---------------------------------------------------------------- .txt


@pytest.mark.parametrize("data", [
    SENTENCE.encode("utf-8"),
    b"\xef\xbb\xbf" + SENTENCE.encode("utf-8"),
    SENTENCE.encode("utf-16"),  # with its BOM
    SENTENCE.encode("utf-16-be").join([b"\xfe\xff", b""]),
])
def test_txt_unicode_round_trip(tmp_path, data):
    result = extract(write(tmp_path, "a.txt", data))
    assert result == Extracted(SENTENCE, {}, ())


def test_txt_cp1258_comes_out_nfc(tmp_path):
    data = cp1258(SENTENCE)
    assert b"\xcc" in data or b"\xd2" in data  # really uses combining tone marks
    text = extract(write(tmp_path, "legacy.txt", data)).text
    assert text == SENTENCE
    assert unicodedata.is_normalized("NFC", text)


def test_txt_utf8_is_not_normalised(tmp_path):
    nfd = unicodedata.normalize("NFD", SENTENCE) + "\r\n"
    assert extract(write(tmp_path, "nfd.txt", nfd.encode())).text == nfd


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\n\t\r"),
               min_size=1).filter(lambda t: t.strip() and not t.startswith("\ufeff")))
def test_txt_any_utf8_text_round_trips(tmp_path, text):
    path = write(tmp_path, "prop.txt", text.encode("utf-8"))
    assert extract(path).text == text


# ---------------------------------------------------------------- .html

HOSTILE_HTML = """<!DOCTYPE html><html><head><title>Thông báo lịch tiếp công dân tháng 3</title>
<script>var secret = "SCRIPTCODE"; alert(1);</script><style>p { color: red }</style></head>
<body><nav><a href="/">Trang chủ</a></nav><h1>Thông báo lịch tiếp công dân tháng 3</h1>
<p>Ủy ban nhân dân tỉnh Hà Giang thông báo lịch tiếp công dân định kỳ vào ngày 15 hằng tháng
tại trụ sở tiếp công dân của tỉnh, số 1 đường Nguyễn Trãi.</p>
<img src="x.png" onerror="alert('ONERRORCODE')">
<p>Người dân có thể <a href="javascript:alert('JSLINKCODE')">xem chi tiết</a> và đăng ký trước
qua số điện thoại đường dây nóng của Văn phòng Ủy ban nhân dân tỉnh.</p>
<script>document.write("INJECTEDCODE")</script>
<table><tr><td>Ngày</td><td>Người tiếp</td></tr><tr><td>15/3/2025</td><td>Chủ tịch UBND tỉnh</td></tr></table>
</body></html>"""
FRAGMENT = ("<h3>Đề mục 39.3<br/>Cư trú</h3><p style='display: none'>HIDDENTEXT</p>"
            "<p>Điều 1. Cư trú là việc công dân sinh sống tại một địa điểm.<p>(Điều 1 Luật số 81/2006/QH11)</p></p>"
            "<script>alert('FRAGMENTSCRIPT')</script><p onclick=\"alert('CLICK')\">Điều 2. Đối tượng áp dụng.</p>")
CODE_WORDS = ("SCRIPTCODE", "ONERRORCODE", "JSLINKCODE", "INJECTEDCODE", "alert", "javascript", "HIDDENTEXT",
              "FRAGMENTSCRIPT", "CLICK", "color: red")


@pytest.mark.parametrize("wrap", [lambda s: s.encode(), lambda s: b"\xef\xbb\xbf" + s.replace("\n", "\r\n").encode()])
def test_html_page_keeps_visible_text_only(tmp_path, capfd, wrap):
    result = extract(write(tmp_path, "page.html", wrap(HOSTILE_HTML)))
    for words in ("lịch tiếp công dân định kỳ", "xem chi tiết", "đường dây nóng", "Chủ tịch UBND tỉnh"):
        assert words in result.text
    assert not any(code in result.text for code in CODE_WORDS)
    assert "\r" not in result.text and "\ufeff" not in result.text
    assert result.meta.get("title") == "Thông báo lịch tiếp công dân tháng 3"
    assert capfd.readouterr().err == ""


def test_html_fragment_keeps_every_paragraph(tmp_path):
    text = extract(write(tmp_path, "fragment.htm", b"\xef\xbb\xbf" + FRAGMENT.encode())).text
    assert text.splitlines()[:2] == ["Đề mục 39.3", "Cư trú"]
    assert "(Điều 1 Luật số 81/2006/QH11)" in text and "Điều 2. Đối tượng áp dụng." in text
    assert not any(code in text for code in CODE_WORDS)


# ---------------------------------------------------------------- .pdf


SIGNED_PAGE = ["UBND TINH LAM DONG", "Số:       /BC-UBND", "Lâm Đồng, ngày       tháng 12 năm 2025",
               "Thực hiện Quyết định số 787/QĐ-", "UBND của tỉnh về cải cách hành chính"]


def test_pdf_text_and_page_offsets(tmp_path):
    result = extract(write(tmp_path, "two.pdf", make_pdf([["First page text."], ["Second page, more text."]])))
    assert result.text == "First page text.\n\nSecond page, more text."
    assert [result.text[s:e] for s, e in result.pages] == ["First page text.", "Second page, more text."]


def test_pdf_signed_fields_fill_their_blanks_and_codes_are_joined(tmp_path):
    pdf = make_pdf([SIGNED_PAGE], widgets=[(0, 150, 700, "329"), (0, 300, 686, "19")])
    text = extract(write(tmp_path, "signed.pdf", pdf)).text
    assert "Số: 329/BC-UBND" in text
    assert "Lâm Đồng, ngày 19 tháng 12 năm 2025" in text
    assert "Quyết định số 787/QĐ-UBND của tỉnh" in text  # code rejoined, line unwrapped
    assert detect_meta(text) == {"date": "2025-12-19", "province": "Lâm Đồng"}


def test_a_footnote_neither_glues_its_number_to_a_word_nor_cuts_the_sentence_it_annotates(tmp_path):
    """A report's footnote: the raised number after `đặc khu` is dropped (the PDF's text read
    `đặc khu1`), and the note set small at the page's foot, which read between the two halves of a
    sentence that goes on over the page break, follows that sentence's paragraph. A raised 2 that
    opens no note (`500 m²`) stays.
    """
    result = extract(write(tmp_path, "noted.pdf", footnoted_report()))
    sentence = f"{NOTED_HEAD} {NOTED_TAIL} {NOTED_NEXT}"
    assert f"{sentence}\n1 {NOTE}\n{POWER}2" in result.text
    first, second = (result.text[start:end] for start, end in result.pages)
    assert first.endswith(f"{NOTED_HEAD} {NOTED_TAIL}") and second.startswith(NOTED_NEXT)


def test_a_pdf_line_that_ends_on_a_comma_or_a_word_no_sentence_ends_on_goes_on_in_the_next(tmp_path):
    lines = ["Số hồ sơ trễ hạn là", "898 hồ sơ, theo Nghị định số", "126/2020/NĐ-CP của", "Chính phủ, đến ngày",
             "30/9/2025 đạt", "98,5%.", "Điều 2. Người nộp phí", "Tổ chức nộp hồ sơ gồm các đơn vị,", "- Sở Nội vụ.",
             "Kết quả đạt được", "1.1. Về công tác"]
    text = extract(write(tmp_path, "wrapped.pdf", make_pdf([lines]))).text
    assert "là 898 hồ sơ, theo Nghị định số 126/2020/NĐ-CP của Chính phủ, đến ngày 30/9/2025 đạt 98,5%." in text
    assert "Người nộp phí\nTổ chức" in text and "đơn vị,\n- Sở Nội vụ." in text  # a heading, a list item
    assert "đạt được\n1.1. Về" in text  # a section number is no figure


def test_a_pdf_line_as_wide_as_the_page_goes_on_in_the_next_whatever_that_starts_with(tmp_path):
    lines = ["II. KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH TRONG NĂM 2025 CỦA TỈNH",
             "Trong năm, tỉnh tiếp nhận hồ sơ tại Văn phòng Đăng ký đất đai tỉnh, các chi nhánh",
             "Văn phòng Đăng ký đất đai khu vực và các xã, phường; hồ sơ trực tuyến đạt 90,58%.",
             "Sở Nội vụ đã tham mưu UBND tỉnh ban hành kế hoạch kiểm tra công tác cải cách hành",
             "chính năm 2025 tại các sở, ngành và địa phương trên địa bàn toàn tỉnh Lâm Đồng.",
             "Điều 3. Tổ chức thu phí", "Cơ quan thu phí nộp toàn bộ số tiền phí thu được vào ngân sách."]
    text = extract(write(tmp_path, "wide.pdf", make_pdf([lines]))).text
    assert "các chi nhánh Văn phòng Đăng ký đất đai khu vực" in text
    assert "NĂM 2025 CỦA TỈNH\nTrong năm" in text and "thu phí\nCơ quan" in text  # headings stay lines


def test_a_short_line_ends_its_paragraph_even_after_wide_lines_were_joined(tmp_path):
    """Width is read line by line as drawn: a short last line that ends on a word (a heading, a
    subject, `Kính gửi: …`) does not go on in the next because the paragraph joined before it is wide.
    """
    lines = ["Sở Nội vụ đã tham mưu Ủy ban nhân dân tỉnh ban hành kế hoạch triển khai tại",
             "Trung tâm Phục vụ hành chính công tỉnh các thủ tục hành chính thuộc thẩm",
             "quyền giải quyết của Sở Nội vụ",
             "Kính gửi: Chủ tịch Ủy ban nhân dân tỉnh",
             "Trong thời gian thí điểm, Sở Nội vụ phối hợp hướng dẫn các xã, phường thực",
             "hiện đúng quy trình đã được phê duyệt trong kế hoạch của Ủy ban nhân dân.",
             "Kết quả đạt được rất khả quan theo đánh giá của người dân trên toàn tỉnh."]
    text = extract(write(tmp_path, "paragraphs.pdf", make_pdf([lines]))).text
    assert "triển khai tại Trung tâm Phục vụ" in text  # a wide line goes on, whatever the next starts with
    assert "của Sở Nội vụ\nKính gửi: Chủ tịch Ủy ban nhân dân tỉnh\nTrong thời gian" in text


def test_a_province_s_name_cut_by_a_narrow_table_cell_is_one_again(tmp_path):
    lines = ["Tỉnh", "(trước sắp xếp)", "PAR Index Thứ hạng", "Đắk", "Nông 86,6/100 50/63", "Bình",
             "Thuận 88,3/100 34/63", "Lâm Đồng 83,1/100 62/63", "Đồng Nai đạt 90,1 điểm."]
    text = extract(write(tmp_path, "table.pdf", make_pdf([lines]))).text
    assert "\nĐắk Nông 86,6/100 50/63\nBình Thuận 88,3/100 34/63\nLâm Đồng 83,1/100 62/63\nĐồng Nai" in text
    assert text.startswith("Tỉnh\n(trước sắp xếp)\nPAR Index")  # no name across those breaks
    first = extract(write(tmp_path, "first.pdf", make_pdf([["Hà", "Giang 1.565/1.842 100%", "Tổng 2.001"]]))).text
    assert first.startswith("Hà Giang 1.565/1.842")  # at the very start of the page too


def test_a_line_that_starts_with_a_capital_beyond_latin_1_starts_anew(tmp_path):
    lines = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "3. Về công tác kiểm tra CCHC",
             "Ủy ban nhân dân tỉnh đã ban hành kế hoạch kiểm tra", "ưu tiên các sở, ngành.",
             "4. Dịch vụ công trực tuyến"]
    pages = [lines, ["Ứng dụng định danh điện tử được triển khai."]]
    text = extract(write(tmp_path, "capitals.pdf", make_pdf(pages))).text
    assert "VIỆT NAM\nĐộc lập" in text and "CCHC\nỦy ban" in text  # Đ, Ủ are no lowercase letters
    assert "kiểm tra ưu tiên" in text  # ư is
    assert text.endswith("trực tuyến\n\nỨng dụng định danh điện tử được triển khai.")  # a page of its own


def test_a_sentence_goes_on_over_the_page_and_its_number(tmp_path):
    pages = [["Kết quả kiểm tra được công khai.", "Sở Nội vụ kiểm tra tại các cơ quan, đơn"],
             ["2", "vị, địa phương; kết quả:", "có 09 sở, ban, ngành góp ý;", "a) Sở Tư pháp."],
             ["3", "Năm 2026, tỉnh tiếp tục."]]
    result = extract(write(tmp_path, "pages.pdf", make_pdf(pages)))
    text = result.text
    assert "cơ quan, đơn vị, địa phương; kết quả: có 09 sở, ban, ngành góp ý;\na) Sở Tư pháp.\n\nNăm" in text
    assert "tiếp tục." in text and "\n3" not in text and "\n2" not in text  # page numbers dropped
    assert [text[s:e][:4] for s, e in result.pages] == ["Kết ", "vị, ", "Năm "]


def test_a_sentence_goes_on_over_the_page_after_a_word_no_sentence_ends_on(tmp_path):
    pages = [["Tỉnh đã triển khai các nhiệm vụ theo chỉ đạo của"], ["2", "Chính phủ về cải cách hành chính."],
             ["Tỉnh tiếp nhận hồ sơ của xcủa"], ["Sở Nội vụ."]]  # a word that only ends in 'của' ends nothing
    text = extract(write(tmp_path, "open.pdf", make_pdf(pages))).text
    assert "chỉ đạo của Chính phủ về" in text and "xcủa\n\nSở Nội vụ." in text


def test_pdf_unplaceable_field_values_end_their_page(tmp_path):
    pdf = make_pdf([["Body of the page."], ["Next page."]], widgets=[(0, 400, 100, "Approved")])
    result = extract(write(tmp_path, "form.pdf", pdf))
    start, end = result.pages[0]
    assert result.text[start:end] == "Body of the page.\nApproved"


def test_pdf_encrypted(tmp_path):
    from pypdf import PdfReader, PdfWriter

    def encrypted(password: str) -> bytes:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([["Secret text here."]]))))
        writer.encrypt(user_password=password, owner_password="owner", algorithm="RC4-128")
        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue()

    assert extract(write(tmp_path, "open.pdf", encrypted(""))).text == "Secret text here."
    with pytest.raises(ExtractionError, match="encrypted"):
        extract(write(tmp_path, "locked.pdf", encrypted("s3cret")))


# ---------------------------------------------------------------- .docx


def test_docx_paragraphs_and_tables_in_order(tmp_path):
    import docx

    document = docx.Document()
    document.core_properties.title = "Báo cáo cải cách hành chính quý I"
    document.core_properties.author = "Sở Nội vụ"
    document.add_paragraph("Đoạn mở đầu của báo cáo.")
    table = document.add_table(rows=2, cols=2)
    for (r, c), value in {(0, 0): "Chỉ số", (0, 1): "Kết quả", (1, 0): "PAR Index", (1, 1): "83,1"}.items():
        table.cell(r, c).text = value
    document.add_paragraph(unicodedata.normalize("NFD", "Kết luận: pháp luật quốc gia."))
    buffer = io.BytesIO()
    document.save(buffer)
    result = extract(write(tmp_path, "report.docx", buffer.getvalue()))
    assert result.text == ("Đoạn mở đầu của báo cáo.\n\nChỉ số | Kết quả\nPAR Index | 83,1\n\n"
                           "Kết luận: pháp luật quốc gia.")
    assert unicodedata.is_normalized("NFC", result.text)
    assert result.meta["title"] == "Báo cáo cải cách hành chính quý I"
    assert result.meta["author"] == "Sở Nội vụ"


# ---------------------------------------------------------------- hostile files


def zip_bytes(members: dict[str, int]) -> bytes:
    """A zip whose members are that many zero bytes each, written in 1 MB pieces."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, size in members.items():
            with archive.open(name, "w", force_zip64=True) as member:
                for _ in range(size // 2**20):
                    member.write(bytes(2**20))
    return buffer.getvalue()


@pytest.mark.parametrize("name, data, reason", [
    ("empty.txt", b"", "empty file"),
    ("blank.html", b"   \n\t ", "empty file"),
    ("binary.txt", bytes(range(256)) * 20, "binary"),
    ("controls.txt", b"\x01\x02\x03\x04\x05\x06\x07\x08" * 200, "binary"),
    ("garbage.txt", bytes(range(128, 256)) * 30, "encoding"),
    ("empty.pdf", b"", "empty file"),
    ("notpdf.pdf", b"hello, this is not a PDF at all", "not a PDF"),
    ("truncated.pdf", None, "truncated"),
    ("scanned.pdf", None, "no text"),
    ("notzip.docx", b"PK but not really a zip archive" * 10, "not a zip"),
    ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), ".doc"),
    ("nodoc.docx", None, "word/document.xml"),
    ("image.png", b"\x89PNG\r\n", "unsupported"),
])
def test_hostile_files_raise_extraction_error(tmp_path, name, data, reason):
    if name == "truncated.pdf":
        data = make_pdf([["Some text."] * 40] * 3)[:600]
    elif name == "scanned.pdf":
        data = make_pdf([[]])
    elif name == "nodoc.docx":
        data = zip_bytes({"readme.txt": 0})
    with pytest.raises(ExtractionError, match=reason) as caught:
        extract(write(tmp_path, name, data))
    assert str(caught.value)


def test_zip_bomb_docx_is_refused_quickly(tmp_path):
    started = time.monotonic()
    bomb = write(tmp_path, "bomb.docx", zip_bytes({"word/document.xml": 210 * 2**20}))
    with pytest.raises(ExtractionError, match=r"zip bomb: 0\.2 GB"):
        extract(bomb)
    dense = write(tmp_path, "dense.docx", zip_bytes({"word/document.xml": 20 * 2**20}))
    with pytest.raises(ExtractionError, match="zip bomb"):
        extract(dense)
    assert time.monotonic() - started < 15


def test_file_over_the_limit(tmp_path):
    path = write(tmp_path, "big.txt", b"a" * 2000)
    with pytest.raises(ExtractionError, match="larger than the 0.001 MB limit"):
        extract(path, max_bytes=1000)
    assert extract(path, max_bytes=2000).text == "a" * 2000


def test_suffixes():
    assert SUFFIXES == (".txt", ".html", ".htm", ".pdf", ".docx")


# ---------------------------------------------------------------- metadata and provinces


@pytest.mark.parametrize("text, date", [
    ("Tin tức (Ngày 05/10/2021) Hà Giang đẩy mạnh cải cách", "2021-10-05"),
    ("Thứ ba, 05/10/2021 22:34 | Tin địa phương", "2021-10-05"),
    ("UBND TỈNH LÂM ĐỒNG\nSố: 12/BC-UBND  Lâm Đồng, ngày 12 tháng 3 năm 2025", "2025-03-12"),
    ("Căn cứ Quyết định số 5/QĐ-UBND ngày 12 tháng 3 năm 2025 của UBND", None),
    ("Hà Nội, ngày 31 tháng 2 năm 2025", None),
])
def test_detect_meta_date(text, date):
    assert detect_meta(text).get("date") == date


def test_detect_meta_province_is_conservative():
    assert detect_meta("UBND TỈNH HÀ GIANG\nHà Giang, ngày 1 tháng 2 năm 2024")["province"] == "Hà Giang"
    assert "province" not in detect_meta("Hà Nội, ngày 5 tháng 3 năm 2020")  # named once
    assert "province" not in detect_meta("Hà Giang và Cao Bằng; Hà Giang và Cao Bằng")  # a tie
    assert "province" not in detect_meta("người Việt Nam định cư ở nước ngoài; Việt Nam định cư")


def test_find_provinces():
    def names(text):
        return [(name, text[start:end]) for name, start, end in find_provinces(text)]

    assert names("tỉnh Hà Giang") == [("Hà Giang", "Hà Giang")]
    assert names("tinh ha giang") == [("Hà Giang", "ha giang")]
    assert names("tại TP.HCM và TP. Hồ Chí Minh") == [("Thành phố Hồ Chí Minh", "TP.HCM"),
                                                      ("Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh")]
    assert names("sông Giang, Giang Nam") == []
    assert names("tư tưởng Hồ Chí Minh; bà Huệ; Thái Bình Dương; hòa bình") == []
    assert names("Thừa Thiên Huế") == [("Thừa Thiên Huế", "Thừa Thiên Huế")]
    nfd = unicodedata.normalize("NFD", "ở Hoà Bình")
    assert names(nfd) == [("Hòa Bình", nfd[nfd.index("H"):])]


def test_provinces_data():
    records = load_provinces()
    assert sum(r["before_2025"] for r in records) == 63
    assert sum(r["after_2025"] for r in records) == 34
    names = {r["name"] for r in records}
    assert all(r.get("merged_into") in names for r in records if "merged_into" in r)
