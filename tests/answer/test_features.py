"""Sentence features the rankers read: list items read with their head, headings, defined subjects."""

from __future__ import annotations

from qa_bot.answer.features import is_list_item, sentence_features
from qa_bot.answer.select import _follow_on, _lead_in
from qa_bot.answer.typed import Asked
from qa_bot.question.analysis import analyze


def _asked(question: str) -> Asked:
    return Asked.of(analyze(question), lambda term: 1.0, ())


def test_a_list_item_reads_with_the_head_that_introduces_it_not_the_item_before():
    texts = ["Thời hiệu truy cứu trách nhiệm hình sự được quy định như sau:",
             "a) 05 năm đối với tội phạm ít nghiêm trọng;", "b) 10 năm đối với tội phạm nghiêm trọng;",
             "Thời hiệu được tính từ ngày tội phạm được thực hiện."]
    assert _lead_in(texts, 2) == _lead_in(texts, 1) == texts[0]
    assert _lead_in(texts, 3) == texts[2]  # not an item: the sentence before it
    assert _lead_in(texts, 0) == ""
    assert _lead_in(["Kết quả năm 2024.", "a) 10 hồ sơ;"], 1) == "Kết quả năm 2024."  # no head: the one before


def test_a_list_head_reads_into_all_its_items():
    texts = ["Phạm tội thuộc một trong các trường hợp sau đây, thì bị phạt tù từ 02 năm đến 07 năm:",
             "a) Có tổ chức;", "b) Chiếm đoạt di vật của 02 tử sĩ trở lên.", "Người phạm tội còn bị phạt tiền."]
    assert _follow_on(texts, 0) == "a) Có tổ chức; b) Chiếm đoạt di vật của 02 tử sĩ trở lên."
    assert _follow_on(texts, 1) == texts[2]  # not a head: the sentence after it
    assert _follow_on(texts, 3) == ""


def _features(question: str, sentence: str) -> dict[str, float]:
    return sentence_features(_asked(question), sentence, sentence, 0, 0.5, 0.5, [], 0)


def test_a_heading_is_told_from_a_sentence():
    question = "Chuẩn đầu ra tiếng Nhật cho sinh viên hệ chính quy?"
    heading = _features(question, "Chuẩn đầu ra tiếng Pháp và tiếng Nhật cho sinh viên hệ chính quy")
    sentence = _features(question, "Đối với chuẩn đầu ra tiếng Nhật, sinh viên cần tối thiểu JLPT_N3.")
    assert heading["heading_like"] == heading["unterminated"] == 1.0
    assert sentence["heading_like"] == sentence["unterminated"] == 0.0


def test_a_sentence_that_defines_what_the_question_asks_about_says_so():
    question = "Điểm bảo lưu được định nghĩa như thế nào?"
    defines = _features(question, "Điểm bảo lưu: sinh viên đã thi đạt yêu cầu một học phần ở trường khác.")
    mentions = _features(question, "Sinh viên nộp đơn xin bảo lưu điểm tại phòng đào tạo.")
    assert defines["subject_in_question"] == 1.0 and defines["subject_defined"] == 1.0
    assert mentions["subject_in_question"] == mentions["subject_defined"] == 0.0
    other = _features("Ai ký quyết định?", "Điểm bảo lưu: sinh viên đã thi đạt yêu cầu.")
    assert other["subject_defined"] == 0.0  # the question asks for no definition
    understood = _features("Theo Bộ luật Dân sự, hoa lợi được hiểu như thế nào?",
                           "Hoa lợi là sản vật tự nhiên mà tài sản mang lại.")
    assert understood["subject_defined"] == 1.0


def test_a_sentence_knows_whether_it_or_its_passage_names_the_question_s_year():
    asked = _asked("Chỉ số SIPAS năm 2021 của tỉnh đạt bao nhiêu?")

    def years(sentence: str, passage: str) -> tuple[float, float, float]:
        features = sentence_features(asked, sentence, passage, 0, 0.5, 0.5, [], 0)
        return features["year_said"], features["year_other"], features["year_absent"]

    assert years("Năm 2021, chỉ số SIPAS đạt 84,07%.", "") == (1.0, 0.0, 0.0)
    assert years("Chỉ số SIPAS đạt 84,07%.", "Kết quả năm 2021: chỉ số SIPAS đạt 84,07%.") == (0.0, 0.0, 0.0)
    assert years("Chỉ số SIPAS năm 2022 đạt 86,22%.", "Báo cáo năm 2022") == (0.0, 1.0, 1.0)
    # a year the figure is compared with is not the time it is of
    assert years("Chỉ số SIPAS đạt 84,07%, tăng 2 điểm so với năm 2020.", "Báo cáo năm 2021") == (0.0, 0.0, 0.0)
    assert years("Chỉ số SIPAS đạt 84,07%, tăng 2 điểm so với năm 2020.", "") == (0.0, 0.0, 1.0)
    # a span of years speaks of each of its years
    assert years("Giai đoạn 2020-2022, chỉ số SIPAS đạt trên 80%.", "") == (1.0, 0.0, 0.0)
    law = sentence_features(_asked("Luật An ninh mạng 2018 có hiệu lực từ ngày nào?"),
                            "Luật này được thông qua ngày 12 tháng 6 năm 2018.", "", 0, 0.5, 0.5, [], 0)
    assert law["year_said"] == 0.0  # the year names the law: it is not the time asked about
    unasked = sentence_features(_asked("Chỉ số SIPAS của tỉnh đạt bao nhiêu?"), "Năm 2022 đạt 86%.", "", 0, 0.5, 0.5,
                                [], 0)
    assert unasked["year_said"] == unasked["year_other"] == unasked["year_absent"] == 0.0


def test_a_span_knows_how_far_the_question_s_words_are_and_what_leads_into_it():
    from qa_bot.answer.features import span_features

    question = "Cơ sở cho việc công nhận tín chỉ là gì?"
    sentence = "Nội dung môn học là cơ sở cho việc công nhận tín chỉ, do phòng đào tạo xét."
    asked = _asked(question)
    first = sentence.index("Nội dung môn học")
    subject = span_features(asked, sentence, (first, first + len("Nội dung môn học")), {"clause"}, 0.0)
    assert subject["gap_before"] == 1.0 and subject["gap_after"] == 0.1  # 'là' stands between it and 'cơ sở'
    reason = sentence.index("phòng đào tạo")
    led = span_features(asked, sentence, (reason, reason + len("phòng đào tạo xét")), {"reason"}, 0.0)
    assert led["led_by_do"] == 1.0 and subject["led_by_do"] == 0.0
    assert led["gap_before"] == 0.1  # 'do' after 'tín chỉ'


def test_a_question_asking_what_someone_said_looks_for_quoted_words():
    from qa_bot.answer.features import span_features

    question = "Chủ tịch UBND tỉnh nói gì về chuyển đổi số?"
    sentence = "Ông A, Chủ tịch UBND tỉnh, cho biết: “Chuyển đổi số phải lấy người dân làm trung tâm”."
    assert _features(question, sentence)["quotation_asked"] == 1.0
    assert _features(question, "Chuyển đổi số được đẩy mạnh.")["quotation_asked"] == 0.0
    assert _features("Tỉnh có bao nhiêu thủ tục?", sentence)["quotation_asked"] == 0.0
    start = sentence.index("Chuyển")
    quoted = span_features(_asked(question), sentence, (start, start + 10), {"quoted"}, 0.0, [])
    assert quoted["quote_asked"] == quoted["by_quoted"] == 1.0



def test_list_items_are_told_by_their_marks():
    for item in ("a) Mục tiêu", "2. Cải cách thể chế", "3) Nộp hồ sơ", "1- Công dân có quyền", "- 100% văn bản",
                 "• Hồ sơ", "+ Bước 1"):
        assert is_list_item(item), item
    for sentence in ("2021-2025 là giai đoạn", "Điều 5 quy định", "1.565 TTHC đạt mức độ 4", "Năm 2023, tỉnh"):
        assert not is_list_item(sentence), sentence
