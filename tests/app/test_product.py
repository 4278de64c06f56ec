"""What the app builds on, checked on the real session index: filters, quotes and
downloads, feedback turned into questions, uploads kept safely."""

from __future__ import annotations

import json

from qa_bot.app.export import answer_markdown, answer_record, citation, quote
from qa_bot.evaluation.feedback import feedback_questions, feedback_record, is_feedback
from qa_bot.evaluation.metrics import score
from qa_bot.ingest.uploads import safe_name, save_upload
from qa_bot.question.analysis import abbreviations_in
from qa_bot.question.filters import Filters, filter_options

QUESTION = "Chỉ số cải cách hành chính xếp thứ mấy?"


def test_filter_options_come_from_the_documents(qa):
    options = filter_options(qa.index.documents)
    assert {"Hà Giang", "Lạng Sơn", "Bắc Kạn"} <= set(options.provinces)
    assert "2021" in options.years and len(options.sources) == len(qa.index.documents)


def test_province_filter_answers_from_that_province_only(qa):
    unfiltered = qa.ask(QUESTION)
    shown = qa.index.documents[unfiltered.answer.source].meta["province"]
    other = "Bắc Kạn" if shown == "Lạng Sơn" else "Lạng Sơn"
    filtered = qa.ask(QUESTION, filters=Filters(provinces=(other,)))
    assert unfiltered.answer.source != filtered.answer.source
    assert {h.chunk.source for h in filtered.hits} == {filtered.answer.source}
    assert qa.index.documents[filtered.answer.source].meta["province"] == other


def test_document_and_year_filters(qa):
    source = "004_39ce35e93a8fb1a9.txt"
    by_document = qa.ask("Có bao nhiêu thủ tục hành chính?", filters=Filters(sources=(source,)))
    assert by_document.hits and {h.chunk.source for h in by_document.hits} == {source}
    by_year = qa.ask("Có bao nhiêu thủ tục hành chính?", filters=Filters(years=("2017",)))
    docs = [qa.index.documents[s] for s in {h.chunk.source for h in by_year.hits}]
    assert any(d.meta["date"].startswith("2017") for d in docs)
    # a year means documents of that year, or later ones that write about it
    assert all(d.meta["date"].startswith("2017") or (d.meta["date"] > "2017" and "2017" in d.text) for d in docs)


def test_filters_that_allow_nothing_give_no_answer(qa):
    result = qa.ask(QUESTION, filters=Filters(provinces=("Đà Nẵng",)))
    assert result.abstained and result.hits == []


def test_empty_filters_drop_the_question_facets(qa):
    named = "Hà Giang có bao nhiêu thủ tục hành chính đạt mức độ 4?"
    assert qa.ask(named).facets.provinces == ("Hà Giang",)
    assert qa.ask(named, filters=Filters()).facets.provinces == ()
    assert qa.facets_of("ha giang bao nhieu thu tuc").provinces == ("Hà Giang",)


def test_quote_and_downloads_carry_the_citation(qa):
    result = qa.ask("Hà Giang có bao nhiêu thủ tục hành chính đạt mức độ 4?")
    doc = qa.index.documents[result.answer.source]
    quoted = quote(result.answer, doc)
    assert quoted.startswith("“") and result.answer.span in quoted and doc.title in quoted
    assert f"{result.answer.sentence_start}–{result.answer.sentence_end}" in quoted
    assert doc.text[result.answer.sentence_start:result.answer.sentence_end] in result.answer.sentence
    record = answer_record(result, qa.index.documents)
    assert record["answer"]["quote"] == quoted and record["documents"][doc.source]["title"] == doc.title
    json.dumps(record, ensure_ascii=False)
    markdown = answer_markdown(result, qa.index.documents)
    answer = result.answer
    short = f"**{answer.value}** ({answer.span})" if answer.value_inside else f"**{answer.span}**"
    assert answer.value == "1.565" and short in markdown and markdown.count("ký tự") == len(result.hits) + 1


def test_citation_without_metadata():
    assert citation(None, "a.txt", 3, 9) == "a.txt (a.txt, ký tự 3–9)"


def test_abbreviations_in_answer_text():
    assert abbreviations_in("Giảm 30 TTHC, tăng DVC; cchc") == [("TTHC", "thủ tục hành chính"), ("DVC", "dịch vụ công")]


def test_feedback_becomes_questions_that_score(qa):
    answered = qa.ask("Hà Giang có bao nhiêu thủ tục hành chính đạt mức độ 4?")
    unanswered = qa.ask("Thành phố Đà Nẵng có bao nhiêu thủ tục hành chính đạt mức độ 4?")
    disliked = qa.ask(QUESTION)
    assert not disliked.abstained
    records = [feedback_record(answered, "up"), feedback_record(unanswered, "up"), feedback_record(disliked, "down")]
    assert is_feedback(records) and not is_feedback([{"question": "x"}])
    questions = feedback_questions(json.loads(json.dumps(records)))
    assert [q["kind"] for q in questions] == ["feedback", "unanswerable", "review"]
    report = score(questions, [qa.ask(q["question"]).to_dict() for q in questions])["overall"]
    assert report["span_accuracy"] == 1.0 and report["abstain_accuracy"] == 1.0
    assert report["disliked_repeated"] == 1.0  # nothing changed since the 👎


def test_latest_feedback_on_a_question_wins(qa):
    result = qa.ask(QUESTION)
    questions = feedback_questions([feedback_record(result, "up"), feedback_record(result, "down")])
    assert len(questions) == 1 and questions[0]["kind"] == "review"


def test_uploads_never_leave_the_folder_nor_overwrite(tmp_path):
    assert safe_name("../../etc/passwd") == "passwd" and safe_name("..\\x:y.txt") == "x_y.txt"
    assert safe_name("") == "document.txt"
    first = save_upload(tmp_path, "../báo cáo.txt", b"one")
    assert first == "uploads/báo cáo.txt" and (tmp_path / first).read_bytes() == b"one"
    assert save_upload(tmp_path, "báo cáo.txt", b"one") == first  # same content: kept once
    second = save_upload(tmp_path, "báo cáo.txt", b"two")
    assert second == "uploads/báo cáo-2.txt" and (tmp_path / first).read_bytes() == b"one"
