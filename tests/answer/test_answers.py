"""Answers from the real corpus: the sentence, the short span, and "not found"."""

import json

import pytest
from helpers import DATA

DEV = [json.loads(line) for line in (DATA / "dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
SAMPLE = [q for q in DEV if q["id"] in {"d01", "d01-na", "d01-en", "d03", "d03-na", "d04-en", "d07", "d12-na", "d13",
                                         "d13-en", "d04"}]


def test_the_officials_question_gets_1565_highlighted_in_its_source_sentence(qa):
    result = qa.ask("Hà Giang có bao nhiêu thủ tục hành chính đạt mức độ 4?")
    answer = result.answer
    assert answer is not None and "1.565" in answer.span
    assert len(answer.span) <= 120
    text = qa.index.documents[answer.source].text
    assert text[answer.span_start:answer.span_end] == answer.span
    assert text[answer.sentence_start:answer.sentence_end] == answer.sentence
    assert answer.sentence_start <= answer.span_start < answer.span_end <= answer.sentence_end
    assert answer.source == "004_39ce35e93a8fb1a9.txt"


@pytest.mark.parametrize("item", SAMPLE, ids=[q["id"] for q in SAMPLE])
def test_dev_questions_are_answered_with_and_without_diacritics(qa, item):
    result = qa.ask(item["question"])
    assert not result.abstained
    assert any(a.casefold() in result.answer.span.casefold() for a in item["answers"])
    assert any(item["evidence"].casefold() in h.chunk.text.casefold() for h in result.hits[:5])


def test_unaccented_question_is_read_with_the_corpus_diacritics(qa):
    result = qa.ask("ha giang bao nhieu thu tuc muc do 4")
    assert result.query.restored == "hà giang bao nhiêu thủ tục mức độ 4"
    assert "1.565" in result.answer.span


@pytest.mark.parametrize(
    "question",
    [
        "Thành phố Đà Nẵng có bao nhiêu thủ tục hành chính đạt mức độ 4?",
        "Thanh pho Da Nang co bao nhieu thu tuc hanh chinh dat muc do 4?",
        "Giá vé máy bay đi Phú Quốc tháng này là bao nhiêu?",
    ],
)
def test_questions_the_corpus_cannot_answer_abstain(qa, question):
    result = qa.ask(question)
    assert result.abstained and result.answer is None
    assert result.hits, "the closest passages are still offered"


@pytest.mark.parametrize("question", ["", "   ", "🙂🙂", "\x00\x07", "?" * 50])
def test_empty_or_meaningless_questions_get_a_message(qa, question):
    result = qa.ask(question)
    assert result.abstained and result.message


def test_a_very_long_question_is_cut_with_a_message(qa):
    result = qa.ask("Hà Giang có bao nhiêu thủ tục hành chính? " * 300)
    assert "quá dài" in result.message
