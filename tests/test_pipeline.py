"""The pipeline with the deterministic fake embedder: real analysis, BM25, facets and answer
layer, no model (fast). The same questions with the real model are in answer/test_answers.py.

The answer models are fitted on the real model's cosines, so the fake embedder's answers are
asked for with no confidence threshold (`threshold=0`): these tests check the pipeline, not
the calibration."""

from __future__ import annotations

from dataclasses import replace

from qa_bot.question.analysis import analyze
from qa_bot.retrieval.fusion import search

OFFICIALS = "Hà Giang có bao nhiêu thủ tục hành chính đạt mức độ 4?"


def test_an_answer_and_every_passage_point_into_their_documents(fake_qa):
    result = fake_qa.ask(OFFICIALS, threshold=0)
    answer = result.answer
    assert answer is not None and "1.565" in answer.span
    text = fake_qa.index.documents[answer.source].text
    assert text[answer.span_start:answer.span_end] == answer.span
    assert text[answer.sentence_start:answer.sentence_end] == answer.sentence
    assert answer.sentence_start <= answer.span_start < answer.span_end <= answer.sentence_end
    assert len(result.hits) == 10 and result.hits[0].chunk is answer.hit.chunk
    for hit in result.hits:
        assert fake_qa.index.documents[hit.chunk.source].text[hit.chunk.char_start:hit.chunk.char_end] == hit.chunk.text


def test_the_official_gets_the_figure_the_span_is_built_around(fake_qa):
    """The span may be a window of words; the answer still names its figure, with its offsets."""
    answer = fake_qa.ask(OFFICIALS, threshold=0).answer
    assert answer is not None and answer.value == "1.565"
    text = fake_qa.index.documents[answer.source].text
    assert text[answer.value_start:answer.value_end] == "1.565"
    assert answer.span_start <= answer.value_start < answer.value_end <= answer.span_end
    record = answer.to_dict()
    assert (record["value"], record["value_start"], record["value_end"]) == ("1.565", answer.value_start,
                                                                            answer.value_end)


def test_an_answer_without_a_value_has_no_value_fields(fake_qa):
    answer = fake_qa.ask(OFFICIALS, threshold=0).answer
    record = replace(answer, value="", value_start=0, value_end=0).to_dict()
    assert not {"value", "value_start", "value_end"} & set(record) and record["span"] == answer.span


def test_the_contract_record_of_a_result(fake_qa):
    record = fake_qa.ask(OFFICIALS, threshold=0).to_dict()
    assert set(record) >= {"question", "abstained", "answer", "passages", "latency_ms"}
    assert record["abstained"] is False and record["answer"]["char_end"] > record["answer"]["char_start"]
    assert all(set(p) == {"source", "text", "score", "char_start", "char_end"} for p in record["passages"])


def test_answer_from_injected_hits_is_what_ask_gives(fake_qa):
    """The ablation's baselines answer through the same step as `ask`."""
    query = analyze(OFFICIALS, fake_qa.index.vocabulary)
    hits = search(fake_qa.index, fake_qa.embedder, fake_qa.backend, query.dense_text, query.tokens, k=20)
    injected, asked = fake_qa.answer_from(query, hits, threshold=0), fake_qa.ask(OFFICIALS, threshold=0)
    assert injected.answer == asked.answer and [h.chunk.id for h in injected.hits] == [h.chunk.id for h in asked.hits]


def test_the_question_facets_are_found_once_on_the_query(fake_qa):
    query = analyze("ha giang nam 2021 co bao nhieu thu tuc muc do 4", fake_qa.index.vocabulary)
    assert query.facets.provinces == ("Hà Giang",) and query.facets.years == ("2021",) == query.years
    assert fake_qa.facets_of("Hà Giang năm 2021 có bao nhiêu thủ tục?") == query.facets


def test_a_province_the_documents_do_not_cover_gets_no_answer(fake_qa):
    assert fake_qa.ask("Đà Nẵng có bao nhiêu thủ tục hành chính đạt mức độ 4?").abstained


def test_empty_and_unprintable_questions_get_a_message(fake_qa):
    for question in ("", "   ", "\x00\x01", None):
        result = fake_qa.ask(question)
        assert result.abstained and result.message and result.hits == []
