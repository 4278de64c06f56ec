"""Phrase spans: the slot of the question word, reason clauses, windows; never a cut word or number."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa_bot.answer.phrases import (
    lead_run,
    longest_run,
    match_spans,
    question_slot,
    quoted_spans,
    reason_spans,
    sentence_spans,
    slot_spans,
    whole_words,
    window_spans,
    with_enumeration,
    with_full_stop,
    with_lead_in,
    without_cut_demonstrative,
)
from qa_bot.answer.spans import MAX_SPAN, list_candidates, person_candidates
from qa_bot.question.analysis import analyze

SENTENCE = "Hiện nay, Hà Giang có 1.565 TTHC được cung cấp dịch vụ công trực tuyến mức độ 4, tăng 12% so với năm 2020."


def _texts(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[a:b] for a, b in spans]


def test_the_slot_is_what_stands_where_the_question_word_stands():
    slot = question_slot("Hà Giang có bao nhiêu TTHC đạt mức độ 4?")
    found = _texts(SENTENCE, slot_spans(SENTENCE, slot))
    assert "1.565" in found
    assert any(t.startswith("1.565 TTHC") for t in found)


def test_an_unaccented_question_finds_the_same_slot():
    slot = question_slot("ha giang co bao nhieu tthc dat muc do 4")
    assert "1.565" in _texts(SENTENCE, slot_spans(SENTENCE, slot))


def test_an_english_question_is_aligned_through_its_vietnamese_terms():
    query = analyze("How many administrative procedures does Ha Giang have at level 4?")
    assert "thủ tục hành chính" in query.aligned
    text = "Hà Giang có 1.565 thủ tục hành chính được cung cấp trực tuyến mức độ 4."
    assert slot_spans(text, question_slot(query.matching)) == []
    assert "Hà Giang có 1.565" in _texts(text, slot_spans(text, question_slot(query.aligned)))


def test_a_question_without_a_question_word_has_no_slot():
    slot = question_slot("thủ tục hành chính mức độ 4")
    assert not slot and slot_spans(SENTENCE, slot) == []


def test_without_a_question_word_the_answer_follows_the_words_of_the_question():
    text = "Sinh viên chính quy là các thí sinh trúng tuyển vào hệ chính quy và đã hoàn tất thủ tục nhập học."
    found = _texts(text, match_spans(text, "Đối tượng nào được gọi là sinh viên chính quy"))
    assert "là các thí sinh trúng tuyển vào hệ chính quy và đã hoàn tất thủ tục nhập học." in found \
        or "các thí sinh trúng tuyển vào hệ chính quy và đã hoàn tất thủ tục nhập học." in found


def test_a_phrase_too_long_for_a_span_is_also_kept_by_its_end():
    text = "Lý do là " + "một hai ba bốn năm sáu bảy tám chín mười " * 3 + "kết thúc ở đây."
    found = _texts(text, reason_spans(text))
    assert any(t.endswith("kết thúc ở đây.") for t in found) and all(len(t) <= 120 for t in found)


def test_a_reason_is_what_follows_its_marker():
    text = "Tỷ lệ hồ sơ trễ hạn còn cao do thiếu nhân lực và trang thiết bị, nhất là ở cấp xã."
    assert "thiếu nhân lực và trang thiết bị, nhất là ở cấp xã." in _texts(text, reason_spans(text))


def test_a_short_sentence_is_its_own_span_and_a_long_one_is_not():
    assert _texts("Tỉnh đạt 90,2%.", sentence_spans("Tỉnh đạt 90,2%.")) == ["Tỉnh đạt 90,2%."]
    assert sentence_spans("x " * 100) == []


def test_a_window_never_ends_inside_a_quotation():
    text = "Tỉnh triển khai mô hình " + "“" + "một cửa, một cửa liên thông hiện đại" + "”" + " tại 7 sở."
    for span in _texts(text, window_spans(text)):
        assert span.count("“") == span.count("”")


def test_a_window_never_cuts_a_quotation_in_straight_marks_either():
    text = ('Ông C, Giám đốc Sở Nội vụ, nhấn mạnh: "Cải cách hành chính ở vùng cao không thể làm theo kiểu '
            'phong trào, phải đi từng bản, hướng dẫn từng người dân cho đến khi họ tự làm được."')
    windows = _texts(text, window_spans(text))
    assert all(w.count('"') % 2 == 0 for w in windows), windows  # never `… nhấn mạnh: "Cải cách …`
    assert any(w.startswith("Cải cách hành chính ở vùng cao") for w in windows)  # the words quoted, cut
    event = 'Tỉnh tổ chức Hội thi "Tìm hiểu cải cách hành chính năm 2023" bằng hình thức trực tuyến, có 25.316 lượt.'
    assert all(w.count('"') % 2 == 0 for w in _texts(event, window_spans(event)))


def test_a_description_from_its_anchor_never_ends_inside_a_quotation_that_goes_on():
    text = ('Phát biểu chỉ đạo, ông Hầu Minh Quang, Chủ tịch UBND tỉnh, nhấn mạnh: "Cải cách hành chính ở '
            'vùng cao không thể làm theo kiểu phong trào, phải đi từng bản, hướng dẫn từng người dân.')  # goes on
    found = list_candidates(text, ["nhan", "manh"])
    assert found and all(text[s:e].count('"') == 0 for _, _, s, e in found)
    assert any(text[s:e].startswith("Cải cách hành chính") for _, _, s, e in found)
    assert all(s <= v_start <= v_end <= e for v_start, v_end, s, e in found)  # the value within its span


def test_a_quotation_is_its_words_and_a_long_one_is_kept_by_both_ends():
    text = "Ông Nguyễn Văn A cho biết: “Tỉnh lấy người dân làm trung tâm”, và thêm \"không có vùng cấm\"."
    assert _texts(text, quoted_spans(text)) == ["Tỉnh lấy người dân làm trung tâm", "không có vùng cấm"]
    long = "Bà B nói: “" + "cải cách hành chính là nhiệm vụ trọng tâm, " * 4 + "không thể chậm trễ”."
    first, last = _texts(long, quoted_spans(long))
    assert first.startswith("cải cách") and last.endswith("không thể chậm trễ")
    assert max(len(first), len(last)) <= MAX_SPAN
    assert quoted_spans("Không có trích dẫn nào.") == []


def test_a_quotation_over_several_sentences_is_found_in_each():
    first, last = "Ông B thừa nhận: “Bà con vẫn coi chữ ký số là việc của doanh nghiệp.", "Chúng tôi phải đi từng nhà.”"
    assert _texts(first, quoted_spans(first)) == ["Bà con vẫn coi chữ ký số là việc của doanh nghiệp."]
    assert _texts(last, quoted_spans(last)) == ["Chúng tôi phải đi từng nhà."]
    straight = 'Ông A nói: "Cải cách không thể làm theo kiểu phong trào.'
    assert _texts(straight, quoted_spans(straight)) == ["Cải cách không thể làm theo kiểu phong trào."]


def test_a_phrase_keeps_the_question_words_and_markers_that_lead_into_it():
    text = "Người dân bổ sung bằng cách đăng nhập lại tài khoản, vào mục hồ sơ đã nộp."
    terms = analyze("Người dân bổ sung hồ sơ bằng cách nào?").terms
    start = text.index("đăng nhập")
    grown = with_lead_in(text, (start, text.index(",")), frozenset(terms))
    assert text[grown[0]:grown[1]] == "bằng cách đăng nhập lại tài khoản"


def test_a_phrase_grows_past_no_comma_line_break_third_word_or_span_limit():
    terms = frozenset({"a", "b", "c", "d"})
    assert with_lead_in("a b, c d x", (9, 10), terms) == (5, 10)
    assert with_lead_in("a b c d x", (8, 9), terms) == (2, 9)
    assert with_lead_in("a b\nc x", (6, 7), terms) == (4, 7)
    long_tail = "a " + "x" * (MAX_SPAN - 1)
    assert with_lead_in(long_tail, (2, len(long_tail)), terms) == (2, len(long_tail))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(["Hà", "Giang", "có", "1.565", "TTHC,", "do", "thiếu", "90,2%", "“5 tại chỗ”",
                                 "vì", "(ảnh)", "nhằm", "cải", "cách;", "15/11/2025", "-", "mức", "độ", "4."]),
                min_size=1, max_size=60))
def test_phrase_spans_are_short_and_never_cut_a_word_or_a_number(words):
    text = " ".join(words)
    slot = question_slot("Hà Giang có bao nhiêu TTHC?")
    spans = reason_spans(text) + quoted_spans(text) + sentence_spans(text) + window_spans(text) + slot_spans(text, slot)
    for start, end in spans + match_spans(text, "Hà Giang có 1.565 TTHC mức độ"):
        assert 0 <= start < end <= len(text) and end - start <= MAX_SPAN
        assert start == 0 or not (text[start - 1].isalnum() and text[start].isalnum())
        assert end == len(text) or not (text[end - 1].isalnum() and text[end].isalnum())


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(["Nghị", "quyết", "số", "98/2023/QH15", "được", "bằng", "cách", "sẽ", ",", "của",
                                 "Quốc", "hội", "x"]), min_size=2, max_size=40), st.data())
def test_a_grown_phrase_still_holds_what_it_held(words, data):
    text = " ".join(words)
    bounds = sorted(data.draw(st.lists(st.integers(0, len(text)), min_size=2, max_size=2, unique=True)))
    start, end = with_lead_in(text, (bounds[0], bounds[1]), frozenset({"nghi", "quyet", "so"}))
    assert end == bounds[1] and start <= bounds[0]
    assert text[bounds[0]:bounds[1]] in text[start:end]
    assert start == bounds[0] or end - start <= MAX_SPAN


def test_a_sentence_that_mirrors_the_words_before_the_question_word():
    slot = question_slot("Danh mục được ban hành theo đề nghị của ai?")
    assert lead_run("Theo đề nghị của Giám đốc Sở Thông tin và Truyền thông.", slot) == 4
    assert lead_run("Phê duyệt Danh mục 1.337 thủ tục hành chính.", slot) == 0  # its words, not before the gap
    assert lead_run("Đề nghị của Sở được chấp thuận.", slot) == 3
    assert lead_run("Ai cũng biết.", question_slot("Ai chủ trì?")) == 0  # nothing before the question word


def test_the_longest_run_of_the_question_a_sentence_says():
    question = "Bộ Tư pháp thí điểm cấp Phiếu lý lịch tư pháp qua ứng dụng nào?"
    assert longest_run("Bộ phối hợp thí điểm cấp Phiếu lý lịch tư pháp qua ứng dụng VNeID.", question) == 11
    assert longest_run("bo tu phap", question) == 3  # folded, as unaccented text reads
    assert longest_run("Ứng dụng nào cũng được.", "Khi nào nộp hồ sơ?") == 1
    assert longest_run("Không có gì chung.", question) == 0


def test_runs_read_an_abbreviation_as_the_words_it_stands_for():
    slot = question_slot("Chỉ số cải cách hành chính xếp thứ mấy?")
    ranked = "Năm 2016, chỉ số CCHC của tỉnh xếp thứ 52/63 tỉnh, thành."
    assert lead_run(ranked, slot) == lead_run("Chỉ số cải cách hành chính của tỉnh.", slot) == 6
    assert longest_run(ranked, "Chỉ số cải cách hành chính xếp thứ mấy?") == 6
    assert longest_run("Giải quyết thủ tục hành chính đúng hạn.", "Bao nhiêu TTHC được giải quyết đúng hạn?") == 4


def test_a_span_grows_to_the_whole_words_it_cuts():
    text = "Chủ trì Hội nghị có ông Lý Thái Hải, Chủ tịch UBND tỉnh."
    start = text.index("trì")
    grown = whole_words(text, (start, text.index(" có")))
    assert text[grown[0]:grown[1]] == "Chủ trì Hội nghị"  # not `trì Hội nghị`
    whole = (text.index("Lý"), text.index(","))
    assert whole_words(text, whole) == whole  # whole words already: unchanged
    interleaved = "Toàn tỉnh đã số hóa trong quý I. công tiếp nhận 987 hồ sơ trực tuyến."  # two PDF columns
    start = interleaved.index("công")  # the segmenter joins `I. công`: never across punctuation
    end = interleaved.index(" trực")
    assert whole_words(interleaved, (start, end)) == (start, end)
    portal = ("Từ tháng 6 năm 2024, người dân có thể nhận bản điện tử Giấy khai sinh và thẻ bảo hiểm y tế điện tử "
              "qua tài khoản trên Cổng Dịch vụ công quốc gia.")
    cut = (portal.index("người"), portal.index(" gia"))  # 119 characters that cut `quốc gia`
    start, end = whole_words(portal, cut)  # grown, it would pass 120: the cut word is left out instead
    assert portal[start:end] == portal[cut[0]:portal.index(" quốc")]
    whole = (cut[0], portal.index(" Cổng"))
    assert whole_words(portal, whole) == whole  # no cut word: unchanged
    review = ("Phòng Đào tạo xem xét, thông qua ý kiến của đơn vị phụ trách chuyên môn các học phần có liên quan "
              "về việc công nhận và chuyển đổi tín chỉ.")
    start, end = whole_words(review, (review.index("ét,"), len(review) - 1))  # `xét` left out, and its comma
    assert review[start:end].startswith("thông qua ý kiến") and review[start:end].endswith("tín chỉ")


def test_a_span_grows_over_the_rest_of_the_enumeration_it_ends_in():
    text = ("Từ ngày 25/9/2023, Bộ phối hợp với Bộ Công an thí điểm cấp Phiếu lý lịch tư pháp qua ứng dụng VNeID "
            "tại Hà Nội, Thành phố Hồ Chí Minh và Thừa Thiên Huế, sau đó mở rộng ra cả nước.")
    first = (text.index("tại Hà Nội"), text.index(", Thành phố"))
    assert text[slice(*with_enumeration(text, first))] == "tại Hà Nội, Thành phố Hồ Chí Minh và Thừa Thiên Huế"
    whole = with_enumeration(text, first)
    assert with_enumeration(text, whole) == whole  # up to the item joined by `và`, not past it
    clause = "Tỉnh giao Sở Nội vụ chủ trì, phối hợp với các sở, ngành có liên quan tổ chức thực hiện kế hoạch này."
    head = (0, clause.index(", phối hợp"))  # the next clause is no short item
    assert with_enumeration(clause, head) == head
    target = ("Năm 2024, Cần Thơ đặt mục tiêu cấp thêm 150.000 chữ ký số cá nhân, ưu tiên cho hộ kinh doanh, "
              "người lao động tự do và hội viên nông dân.")
    chosen = (0, target.index(", người lao động"))  # the whole would pass 120: its first clauses go
    assert target[slice(*with_enumeration(target, chosen))] == (
        "ưu tiên cho hộ kinh doanh, người lao động tự do và hội viên nông dân")
    value = target.index("150.000")  # a value the span names in its first clause: that clause stays,
    assert with_enumeration(target, chosen, keep=value) == chosen  # and then the whole does not fit
    long = "Các xã gồm " + ", ".join(f"xã số {i} của huyện miền núi" for i in range(6)) + " và xã số 6 của tỉnh."
    grown = with_enumeration(long, (0, long.index(",")))  # the first items, as many as fit
    assert grown[1] > long.index(",") and grown[1] - grown[0] <= MAX_SPAN and long[grown[1]] == ","


def test_a_span_that_runs_to_the_end_of_its_sentence_keeps_the_full_stop():
    text = "Thời gian đào tạo được xác định trên cơ sở học phần và khối lượng tích lũy."
    start = text.index("xác")
    assert text[slice(*with_full_stop(text, (start, len(text) - 1)))] == text[start:]
    middle = (start, text.index(" trên"))
    assert with_full_stop(text, middle) == middle  # words follow: unchanged
    quoted = 'Ông nói: "Người dân là người chấm điểm cuối cùng." '
    inner = (quoted.index("Người"), quoted.index('."'))
    assert quoted[slice(*with_full_stop(quoted, inner))] == "Người dân là người chấm điểm cuối cùng."
    opened = (quoted.index('"'), quoted.index('."'))  # the span opens the quotation: it closes it
    assert quoted[slice(*with_full_stop(quoted, opened))] == '"Người dân là người chấm điểm cuối cùng."'
    long = "Ủy ban nhân dân " * 8 + "tỉnh."
    assert with_full_stop(long, (0, 132)) == (0, 132)  # past 120 characters: left as it was
    assert with_full_stop(long, (13, 132)) == (13, 133)


def test_a_name_with_a_one_letter_part_is_a_person_and_a_lettered_heading_is_not():
    def names(text):
        return [text[start:end] for start, end, _, _ in person_candidates(text, set())]

    assert names("Trong khi đó, ông A Thuyên, Chủ tịch UBND huyện thẳng thắn nhìn nhận.") == ["A Thuyên"]
    assert names("bà Y Thị Hoa, Chủ tịch UBND huyện Đăk Hà cho biết") == ["Y Thị Hoa"]
    assert names("Theo Phụ lục A Danh mục thủ tục") == []


@pytest.mark.parametrize(("text", "span", "expected"), [
    ("có 1.895 TTHC, trong đó 1.565 TTHC đạt mức độ 4", "đó 1.565 TTHC đạt mức độ 4", "1.565 TTHC đạt mức độ 4"),
    ("không được học quá số tín chỉ của học kỳ đó, trừ những sinh viên được phép",
     "đó, trừ những sinh viên được phép", "trừ những sinh viên được phép"),
    ("Tỉnh đã số hóa hồ sơ, đó là bước đầu tiên", "đó là bước đầu tiên", "đó là bước đầu tiên"),  # opens a clause
    ("Đó là bước đầu tiên", "Đó là bước đầu tiên", "Đó là bước đầu tiên"),
    ("tính đến nay", "nay", "nay"),  # nothing would be left
    ("trong đó 1.565 TTHC", "trong đó 1.565 TTHC", "trong đó 1.565 TTHC"),
])
def test_a_span_does_not_open_on_the_demonstrative_that_ends_the_phrase_before_it(text, span, expected):
    start = text.rindex(span)
    got = without_cut_demonstrative(text, (start, start + len(span)))
    assert text[slice(*got)] == expected
