"""Who signed a document: the name under its signature block, and questions that ask for it."""

from __future__ import annotations

import pytest

from qa_bot.ingest.signers import asks_for_signer, signer_span


def _signer(text: str) -> str | None:
    span = signer_span(text)
    return text[span[0]:span[1]] if span else None


REPORT_END = "Đề nghị các cơ quan triển khai thực hiện./.\n\nNơi nhận:\n- Bộ Nội vụ;\n- Lưu: VT, NC.\n"


@pytest.mark.parametrize("block, name", [
    ("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\nNguyễn Ngọc Phúc", "Nguyễn Ngọc Phúc"),
    ("TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n(Đã ký)\nTrần Minh Khoa\n", "Trần Minh Khoa"),
    ("KT. CỤC TRƯỞNG\nPHÓ CỤC TRƯỞNG\n\nĐại tá Nguyễn Thanh Điệp", "Nguyễn Thanh Điệp"),  # a rank before the name
    ("| KT. CHỦ TỊCH PHÓ CHỦ TỊCH Nguyễn Ngọc Phúc |", "Nguyễn Ngọc Phúc"),  # a DOCX table cell read as one line
    ("KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG\n[đã ký]\nĐặng Quốc Trung\n\nPHỤ LỤC\nBIỂU MẪU THỐNG KÊ", "Đặng Quốc Trung"),
])
def test_the_name_under_a_signature_block_is_the_signer(block, name):
    assert _signer(REPORT_END + block) == name


def test_a_document_without_a_signature_block_has_no_signer():
    article = ("Theo ông Nguyễn Văn An, Giám đốc Sở Nội vụ, tỷ lệ hồ sơ trực tuyến đạt 80%.\n"
               "CHỦ TỊCH UBND TỈNH: \"Người dân là người chấm điểm cuối cùng\"\n")
    assert _signer(article) is None
    assert _signer("") is None


def test_a_name_that_runs_on_into_a_sentence_is_not_a_signature():
    assert _signer("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH Nguyễn Văn Bình phát biểu tại hội nghị tổng kết.") is None


def test_the_last_signature_block_is_the_document_s_own():
    quoted = "Căn cứ văn bản của UBND tỉnh:\nTM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\nLê Văn Cũ\n\n"
    assert _signer(quoted + REPORT_END + "GIÁM ĐỐC\nPhạm Thị Mới") == "Phạm Thị Mới"


@pytest.mark.parametrize("question", [
    "Ai ký báo cáo kết quả cải cách hành chính năm 2023?", "Quyết định này do ai kí?",
    "Người ký kế hoạch là ai?", "Who signed the province's 2023 report?", "Báo cáo do thứ trưởng nào ký?",
    "ai ky bao cao cchc nam 2023 cua tinh quang ninh", "quyet dinh nay do ai ki",
])
def test_questions_that_ask_who_signed(question):
    assert asks_for_signer(question)


@pytest.mark.parametrize("question", [
    "Đăng ký khai sinh ở đâu?", "Thư ký hội đồng là ai?", "Học kỳ hè bắt đầu khi nào?",
    "How do I sign in to the public service portal?", "Ký hiệu văn bản là gì?",
    "hoc ky he bat dau khi nao", "ai phu trach ky thuat he thong", "dang ky khai sinh o dau",
])
def test_questions_that_do_not(question):
    assert not asks_for_signer(question)
