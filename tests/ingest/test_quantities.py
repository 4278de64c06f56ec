"""Values, periods and measures read from sentences: Vietnamese number formats, times, measure names."""

import pytest

from qa_bot.ingest.measures import bind_measures, canonical, measures_named
from qa_bot.ingest.periods import document_period, find_periods
from qa_bot.ingest.quantities import find_quantities, parse_number


def _values(text):
    return [(q.kind, q.text, q.value, q.unit) for q in find_quantities(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("có 1.565 TTHC", [("count", "1.565", 1565.0, "")]),
    ("đạt 90,2%", [("percent", "90,2%", 90.2, "%")]),
    ("đạt 83,1/100 điểm", [("score", "83,1/100 điểm", 83.1, "/100")]),
    ("đạt 67,87 điểm", [("score", "67,87 điểm", 67.87, "điểm")]),
    ("xếp thứ 5/63 tỉnh", [("rank", "thứ 5/63", 5.0, "/63")]),
    ("xếp hạng 11/34 tỉnh thành", [("rank", "hạng 11/34", 11.0, "/34")]),
    ("đạt 32.006 tỷ đồng", [("money", "32.006 tỷ đồng", 32006.0, "tỷ đồng")]),
    ("Có 31/34 cơ quan", [("ratio", "31/34", 31.0, "/34")]),
])
def test_vietnamese_number_formats_are_read_with_their_unit(text, expected):
    assert _values(text) == expected


@pytest.mark.parametrize("text", [
    "Chiều nay (20/6), hội nghị", "ngày 31/5/2021", "Nghị định số 108/2014/NĐ-CP", "năm 2020", "Chỉ thị số 623",
    "lần thứ 2", "ngành1 được giao",
])
def test_dates_codes_years_and_positions_are_not_values(text):
    assert find_quantities(text) == []


def test_points_of_a_place_are_a_count_not_a_score():
    assert _values("222 điểm kết nối") == [("count", "222", 222.0, "")]


def test_offsets_point_into_the_text_even_when_it_is_decomposed():
    text = "Tỷ le\u0302\u0323 đạt 97,28% năm 2025"  # 'lệ' written as e + combining marks
    [quantity] = find_quantities(text)
    assert text[quantity.start:quantity.end] == "97,28%"


def test_thousands_dot_and_decimal_comma():
    assert parse_number("1.565") == 1565 and parse_number("90,2") == 90.2 and parse_number("2.846.632") == 2846632


def test_periods_years_quarters_until_and_coordinated_years():
    groups = find_periods("năm 2016 xếp thứ 60; năm 2017 và năm 2018 xếp thứ 49; quý I/2026; tính đến ngày 27/11/2025")
    assert [[p.label for p in g] for g in groups] == [["năm 2016"], ["năm 2017", "năm 2018"], ["quý I/2026"],
                                                      ["27/11/2025"]]
    assert groups[2][0].end_date == "2026-03-31" and groups[3][0].end_date == "2025-11-27"


def test_dates_citing_another_document_or_compared_with_are_not_periods():
    assert find_periods("Nghị quyết số 07-NQ/TU ngày 18/4/2017 của Tỉnh ủy, tăng so với năm 2020") == []


def test_document_date_is_the_fallback_period():
    period = document_period("2021-10-05")
    assert (period.label, period.year, period.end_date) == ("05/10/2021", 2021, "2021-10-05")
    assert document_period("") is None


def test_canonical_form_expands_abbreviations_and_drops_defined_ones():
    text = "Có 1.565 TTHC được cung cấp dịch vụ công (DVC) trực tuyến"
    form = canonical(text, [(3, 8)])
    assert form.text == "co # thu tuc hanh chinh duoc cung cap dich vu cong truc tuyen"
    assert form.values == (1,)


@pytest.mark.parametrize(("text", "label"), [
    ("toàn tỉnh có 1.895 TTHC, trong đó", "số TTHC"),
    ("1.565 TTHC được cung cấp dịch vụ công trực tuyến mức độ 4", "TTHC mức độ 4"),
    ("1.565 thủ tục hành chính được cung cấp DVC trực tuyến mức độ 4", "TTHC mức độ 4"),
    ("Tỷ lệ hồ sơ giải quyết đúng hẹn toàn tỉnh đạt 97,28%", "tỷ lệ hồ sơ đúng hạn"),
    ("chỉ số CCHC của tỉnh xếp thứ 52/63", "xếp hạng chỉ số CCHC"),
    ("PAR Index đạt 83,1/100", "chỉ số CCHC"),
])
def test_the_first_measure_whose_pattern_binds_the_value_names_it(text, label):
    quantities = find_quantities(text)
    form = canonical(text, [(q.start, q.end) for q in quantities])
    bound = bind_measures(form, [q.kind for q in quantities])
    assert bound[0] is not None and bound[0][1] == label


def test_a_count_of_a_measure_that_takes_no_count_is_not_bound():
    text = "chỉ số CCHC phải có 03 cuộc họp"
    quantities = find_quantities(text)
    assert bind_measures(canonical(text, [(q.start, q.end) for q in quantities]), ["count"]) == [None]


@pytest.mark.parametrize(("question", "english", "name"), [
    ("tỉnh nào có nhiều TTHC mức độ 4 nhất", False, "TTHC mức độ 4"),
    ("tinh nao co nhieu thu tuc hanh chinh muc do 4 nhat", False, "TTHC mức độ 4"),
    ("so sánh số DVC trực tuyến", False, "DVC trực tuyến"),
    ("Which province had the highest PAR Index score?", True, "chỉ số CCHC"),
    ("Compare the on-time rate of applications", True, "hồ sơ đúng hạn"),
])
def test_questions_name_measures_with_or_without_diacritics_and_in_english(question, english, name):
    assert name in [m.name for m, _, _ in measures_named(question, english=english)]
