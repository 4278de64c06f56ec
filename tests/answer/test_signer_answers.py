"""'Who signed this report?': the answer is the name under the report's signature block, even
when no passage retrieved for the question holds it."""

from __future__ import annotations

import pytest

from qa_bot.index.build import build_index
from qa_bot.pipeline import QA
from qa_bot.retrieval.faiss import FaissBackend

PARAGRAPHS = [
    "Năm 2024, tỉnh Hòa Bình tiếp tục đẩy mạnh cải cách hành chính gắn với chuyển đổi số.",
    "Toàn tỉnh có 1.312 thủ tục hành chính được cung cấp dịch vụ công trực tuyến toàn trình.",
    "Tỷ lệ hồ sơ giải quyết đúng hạn đạt 98,6%, tăng 1,2 điểm phần trăm so với năm 2023.",
    "Bộ phận Một cửa cấp xã được đầu tư trang thiết bị, bố trí công chức có năng lực.",
    "Chỉ số hài lòng của người dân đối với sự phục vụ của cơ quan hành chính đạt 84,5%.",
    "Công tác kiểm tra cải cách hành chính được thực hiện tại 25 cơ quan, đơn vị.",
    "Việc số hóa hồ sơ, kết quả giải quyết thủ tục hành chính đạt 76% ở cấp tỉnh.",
    "Tỉnh đã tổ chức 12 lớp tập huấn kỹ năng số cho cán bộ, công chức cấp xã.",
    "Một số thủ tục về đất đai còn chậm do phải xác minh nguồn gốc sử dụng đất.",
    "Năm 2025, tỉnh phấn đấu đưa tỷ lệ hồ sơ trực tuyến toàn trình lên 80%.",
]
SIGNATURE = "\n\nNơi nhận:\n- Bộ Nội vụ;\n- Lưu: VT, NC.\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\nBùi Văn Khánh\n"


@pytest.fixture(scope="module")
def report_qa(tmp_path_factory, embedder):
    """A QA over a report that ends in a signature block, and a news article."""
    folder = tmp_path_factory.mktemp("signed") / "corpus"
    folder.mkdir()
    body = "BÁO CÁO KẾT QUẢ CẢI CÁCH HÀNH CHÍNH NĂM 2024 CỦA UBND TỈNH HÒA BÌNH\n\n" + "\n".join(PARAGRAPHS * 3)
    (folder / "bao_cao_cchc_hoa_binh_2024.txt").write_text(body + SIGNATURE, encoding="utf-8")
    (folder / "tin_bai.txt").write_text("Ông Nguyễn Văn An, Giám đốc Sở Nội vụ, cho biết tỉnh sẽ tổ chức hội nghị "
                                        "tổng kết cải cách hành chính vào tháng 12.\n", encoding="utf-8")
    index = build_index(folder, folder.parent / "index", embedder)
    return QA(index, embedder, FaissBackend(index))


@pytest.mark.parametrize("question", [
    "Ai ký báo cáo kết quả cải cách hành chính năm 2024 của UBND tỉnh Hòa Bình?",
    "ai ky bao cao ket qua cai cach hanh chinh nam 2024 cua ubnd tinh hoa binh",
    "Who signed Hoa Binh's 2024 administrative reform report?",
])
def test_who_signed_is_answered_with_the_name_under_the_signature(report_qa, question):
    result = report_qa.ask(question)
    assert result.answer is not None, question
    assert "Bùi Văn Khánh" in result.answer.span
    text = report_qa.index.documents[result.answer.source].text
    assert text[result.answer.span_start:result.answer.span_end] == result.answer.span
    assert result.hits[0].chunk.char_start <= result.answer.span_start < result.hits[0].chunk.char_end


def test_a_question_that_does_not_ask_who_signed_is_not_answered_with_the_signer(report_qa):
    result = report_qa.ask("Tỷ lệ hồ sơ giải quyết đúng hạn của tỉnh Hòa Bình năm 2024 là bao nhiêu?")
    assert result.answer is not None and "98,6%" in result.answer.span
