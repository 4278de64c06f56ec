"""A document that names no title of its own is titled from its heading."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa_bot.datafiles import read_lines
from qa_bot.ingest.extract import extract
from qa_bot.ingest.titles import title_from_text

_DECREE = """CHÍNH PHỦ _______ Số: 30/2020/NĐ-CP | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc
NGHỊ ĐỊNH
Về công tác văn thư
__________
Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;
Chương I
"""

_CIRCULAR = """BỘ TÀI CHÍNH
---------
Số: 02/2021/TT-BTC Hà Nội, ngày 08 tháng 01 năm 2021
THÔNG TƯ
QUY ĐỊNH MỨC THU, CHẾ ĐỘ THU, NỘP PHÍ KIỂM ĐỊNH
PHƯƠNG TIỆN PHÒNG CHÁY VÀ CHỮA CHÁY
Căn cứ Luật Phí và lệ phí ngày 25 tháng 11 năm 2015;
"""

_DRAFT_REPORT = """Số: /BC-UBND | Lâm Đồng, ngày tháng 3 năm 2026
BÁO CÁO
Công tác cải cách hành chính quý I năm 2026 và
phương hướng, nhiệm vụ quý II năm 2026 tỉnh Lâm Đồng
Thực hiện Công văn số 4625/BNV-CCHC ngày 02/7/2025 của Bộ Nội vụ, Ủy ban nhân dân tỉnh báo cáo như sau:
I. CÔNG TÁC CHỈ ĐẠO
"""

_LETTER = """BỘ CÔNG AN
Số: 286/C07-P6
V/v đề nghị góp ý dự thảo TCVN
Hà Nội, ngày 27 tháng 01 năm 2026
Kính gửi:
"""


@pytest.mark.parametrize(("text", "title"), [
    (_DECREE, "NGHỊ ĐỊNH 30/2020/NĐ-CP Về công tác văn thư"),
    (_CIRCULAR, "THÔNG TƯ 02/2021/TT-BTC QUY ĐỊNH MỨC THU, CHẾ ĐỘ THU, NỘP PHÍ KIỂM ĐỊNH PHƯƠNG TIỆN PHÒNG CHÁY "
                "VÀ CHỮA CHÁY"),
    (_DRAFT_REPORT, "BÁO CÁO Công tác cải cách hành chính quý I năm 2026 và phương hướng, nhiệm vụ quý II năm "
                    "2026 tỉnh Lâm Đồng"),  # a draft's number is blank; a lowercase line carries the subject on
    (_LETTER, "Công văn 286/C07-P6 V/v đề nghị góp ý dự thảo TCVN"),
])
def test_the_kind_number_and_subject_of_an_official_document(text, title):
    assert title_from_text(text) == title


def test_a_subject_that_runs_into_the_body_is_cut_there_and_a_long_one_shortened():
    text = "BÁO CÁO\nTổng kết thực hiện Quyết định số 787/QĐ-UBND Kính gửi: Chủ tịch Ủy ban nhân dân tỉnh\n"
    assert title_from_text(text) == "BÁO CÁO Tổng kết thực hiện Quyết định số 787/QĐ-UBND"
    long = title_from_text("KẾ HOẠCH\n" + "triển khai nhiệm vụ cải cách hành chính " * 20 + "\n")
    assert len(long) < 270 and long.endswith(" …")
    unbroken = title_from_text("KẾ HOẠCH\n" + "x" * 400 + "\n")
    assert unbroken == "KẾ HOẠCH " + "x" * 250 + " …"


@pytest.mark.parametrize("text", [
    "Hà Giang có 1.565 thủ tục hành chính đạt mức độ 4.\nBÁO CÁO\n",  # a kind's name inside a news text, no subject
    "Tập trung đẩy mạnh công tác cải cách hành chính\nNgày 10/3, UBND tỉnh họp.\n",
    "Báo cáo\nKết quả năm 2023\n",  # not written as a heading
    "",
])
def test_text_that_does_not_open_as_an_official_document_has_no_title(text):
    assert title_from_text(text) is None


def test_the_kinds_of_documents_are_written_in_capitals():
    kinds = read_lines("document_types.txt")
    assert {"NGHỊ ĐỊNH", "THÔNG TƯ", "QUYẾT ĐỊNH", "BÁO CÁO", "KẾ HOẠCH", "LUẬT"} <= set(kinds)
    assert all(kind == kind.upper() and kind.strip() == kind for kind in kinds)


def test_an_extracted_file_without_a_title_takes_its_heading_but_a_title_of_its_own_stays(tmp_path):
    plain = tmp_path / "decree.txt"
    plain.write_text(_DECREE + "Điều 1. Phạm vi điều chỉnh\n", encoding="utf-8")
    assert extract(plain).meta["title"] == "NGHỊ ĐỊNH 30/2020/NĐ-CP Về công tác văn thư"
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>Cổng thông tin điện tử tỉnh Lâm Đồng</title></head><body><article>"
                    + "".join(f"<p>{line}</p>" for line in _DECREE.splitlines()) + "<p>" + "Nội dung. " * 40
                    + "</p></article></body></html>", encoding="utf-8")
    assert extract(page).meta["title"] == "Cổng thông tin điện tử tỉnh Lâm Đồng"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["BÁO CÁO", "V/v x", "Số: 1/QĐ", "Căn cứ", "a", "PHÍ", "|", "___", ""])
                | st.text(max_size=80), max_size=12))
def test_any_text_gives_a_title_or_none_without_failing(lines):
    title = title_from_text("\n".join(lines))
    assert title is None or (title.strip() == title and len(title) < 400)
