"""Questions that rank, compare or follow a figure over time are recognised; others are not."""

import json

import pytest
from helpers import DATA

from qa_bot.question.analysis import analyze
from qa_bot.question.compare import read_comparison


def _read(question, vocabulary=None):
    return read_comparison(analyze(question, vocabulary))


@pytest.mark.parametrize(("question", "kind", "places", "order"), [
    ("Tỉnh nào có nhiều TTHC mức độ 4 nhất?", "rank", (), "desc"),
    ("Tỉnh nào có ít TTHC mức độ 4 nhất?", "rank", (), "asc"),
    ("Which province has the lowest on-time rate?", "rank", (), "asc"),
    ("So sánh số DVC trực tuyến của Hà Giang và Cao Bằng", "compare", ("Hà Giang", "Cao Bằng"), "desc"),
    ("so sanh so dvc truc tuyen cua ha giang va cao bang", "compare", ("Hà Giang", "Cao Bằng"), "desc"),
    ("Chỉ số CCHC của Bắc Kạn qua các năm", "trend", ("Bắc Kạn",), "desc"),
    ("How has Bac Kan's PAR Index ranking changed over the years?", "trend", ("Bắc Kạn",), "desc"),
])
def test_comparison_questions_are_recognised(question, kind, places, order):
    comparison = _read(question)
    assert comparison is not None
    assert (comparison.kind, comparison.places, comparison.order) == (kind, places, order)


def test_a_range_of_years_is_a_question_over_time_and_what_it_wants_is_read():
    comparison = _read("Xếp hạng chỉ số CCHC của Lạng Sơn từ năm 2016 đến 2018")
    assert comparison.kind == "trend" and comparison.years == (2016, 2017, 2018) and comparison.wants == "rank"
    assert comparison.measures == ("chỉ số CCHC",)


def test_a_member_of_a_family_named_with_it_is_the_measure():
    comparison = _read("Which province has the most level 4 online public services?")
    assert comparison.measures == ("TTHC mức độ 4",)


@pytest.mark.parametrize("question", [
    "Hà Giang có bao nhiêu thủ tục hành chính đạt mức độ 4?",
    "Năm 2018 chỉ số CCHC của Bắc Kạn xếp thứ mấy?",
    "Chỉ số CCHC năm 2016 của Lạng Sơn bị giảm điểm nhiều nhất ở những nội dung nào?",
    "Tỉnh nào tổ chức hội nghị?",
])
def test_single_answer_questions_are_not_comparisons(question):
    assert _read(question) is None


def test_no_question_of_the_answer_sets_is_read_as_a_comparison(fake_qa):
    for name in ("dev.jsonl", "extra.jsonl", "heldout.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            question = json.loads(line)["question"]
            assert _read(question, fake_qa.index.vocabulary) is None, question
