"""Table answers over the bundled corpus and the facts test documents (fake embedder)."""

import json

from helpers import DATA

from qa_bot.evaluation.tables import score_tables

QUESTIONS = [json.loads(line) for line in (DATA / "compare.jsonl").read_text(encoding="utf-8").splitlines()]


def _rows(result):
    return [(r.place, r.span, r.year) for r in result.table.rows]


def test_a_ranking_lists_each_province_once_sorted_with_disagreeing_documents_as_rows(compare_qa):
    result = compare_qa.ask("Tỉnh nào có nhiều TTHC mức độ 4 nhất?")
    assert result.table.kind == "rank"
    assert _rows(result) == [("Hà Giang", "1.584", 2021), ("Hà Giang", "1.565", 2021), ("Cao Bằng", "986", 2021),
                             ("Bắc Kạn", "713", 2021), ("Lạng Sơn", "412", 2019)]
    assert result.answer.span == "1.584" and result.answer.source == "t02_ha_giang_2021.txt"
    assert result.hits[0].chunk.source == "t02_ha_giang_2021.txt", "the passage of the answer comes first"


def test_a_rank_is_best_when_its_number_is_lowest(compare_qa):
    result = compare_qa.ask("Tỉnh nào xếp hạng chỉ số CCHC cao nhất năm 2020?")
    assert [r.place for r in result.table.rows] == ["Hải Phòng", "Hà Giang", "Cao Bằng", "Bắc Kạn"]


def test_a_comparison_names_the_places_without_a_figure(compare_qa):
    result = compare_qa.ask("So sánh số TTHC mức độ 4 của Hà Giang và Đắk Lắk")
    assert result.table.missing == ["Đắk Lắk"]
    assert {r.place for r in result.table.rows} == {"Hà Giang"}


def test_a_figure_over_time_has_a_row_per_year_and_per_disagreeing_document(compare_qa):
    result = compare_qa.ask("How has Bac Kan's PAR Index ranking changed over the years?")
    assert [(r.year, r.span) for r in result.table.rows] == [
        (2016, "thứ 60/63"), (2017, "thứ 49/63"), (2018, "thứ 48/63"), (2018, "thứ 49/63"), (2019, "thứ 55/63"),
        (2020, "thứ 50/63"), (2021, "thứ 33/63")]
    agreed = [r for r in result.table.rows if r.year == 2019]
    assert len(agreed[0].also_in) == 1, "the other document giving the same rank is named"


def test_a_single_answer_shows_the_other_documents_figures_newest_first(compare_qa):
    # the fake embedder's cosines are not the ones the confidence was fitted on: no threshold
    result = compare_qa.ask("Năm 2021 Hà Giang có bao nhiêu TTHC được cung cấp dịch vụ công trực tuyến mức độ 4?",
                            threshold=0)
    assert result.answer is not None
    assert result.table.kind == "conflict"
    assert [(r.span, r.date) for r in result.table.rows] == [("1.584", "2021-12-28"), ("1.565", "2021-10-05")]


def test_every_row_quotes_its_document_exactly(compare_qa):
    documents = compare_qa.index.documents
    for question in ("Chỉ số CCHC của Bắc Kạn qua các năm", "Tỉnh nào có chỉ số cải cách hành chính cao nhất?"):
        for row in compare_qa.ask(question).table.rows:
            text = documents[row.source].text
            assert text[row.char_start:row.char_end] == row.span
            assert text[row.sentence_start:row.sentence_end] == row.sentence


def test_the_table_is_an_optional_field_of_the_jsonl_answer(compare_qa):
    record = compare_qa.ask("Tỉnh nào có nhiều TTHC mức độ 4 nhất?", threshold=0).to_dict()  # fake vectors
    row = record["table"]["rows"][0]
    assert set(row) >= set(record["answer"])
    assert "table" not in compare_qa.ask("Ai chủ trì hội nghị ở Hà Giang?").to_dict()


def test_the_question_set_scores_with_the_fake_embedder_too(compare_qa):
    """The rows come from the facts table, not from retrieval; conflicts need the answer's sentence."""
    tables = [q for q in QUESTIONS if q["kind"] != "conflict"]
    report = score_tables(tables, [compare_qa.ask(q["question"]).to_dict() for q in tables],
                          compare_qa.index.documents)
    overall = report["overall"]
    assert overall["row_recall"] >= 0.9 and overall["row_precision"] >= 0.9 and overall["quote_exact"] == 1.0


def test_the_question_set_meets_its_targets_with_the_real_model(tmp_path, embedder):
    """The whole set, conflicts included (their table hangs on the answer the real model picks)."""
    from helpers import compare_corpus

    from qa_bot.index.build import build_index
    from qa_bot.pipeline import QA
    from qa_bot.retrieval.faiss import FaissBackend

    index = build_index(compare_corpus(tmp_path / "corpus"), tmp_path / "index", embedder)
    qa = QA(index, embedder, FaissBackend(index))
    overall = score_tables(QUESTIONS, [qa.ask(q["question"]).to_dict() for q in QUESTIONS], index.documents)["overall"]
    assert len(QUESTIONS) >= 40
    assert overall["row_recall"] >= 0.9 and overall["row_precision"] >= 0.9 and overall["quote_exact"] == 1.0


class _CountingChunks:
    """The index's chunks, noting every chunk read."""

    def __init__(self, chunks, read):
        self._chunks, self._read = chunks, read

    def __len__(self):
        return len(self._chunks)

    def __getitem__(self, item):
        chunk = self._chunks[item]
        self._read.append(chunk.source)
        return chunk

    def __iter__(self):
        for chunk in self._chunks:
            self._read.append(chunk.source)
            yield chunk


def test_a_ranking_answer_reads_only_its_document_s_chunks(compare_qa):
    import dataclasses

    from qa_bot.answer.figures import row_answer

    row = compare_qa.ask("Tỉnh nào có nhiều TTHC mức độ 4 nhất?").table.rows[0]
    read = []
    index = dataclasses.replace(compare_qa.index, chunks=_CountingChunks(compare_qa.index.chunks, read))
    answer = row_answer(row, index)
    assert answer.span == row.span and answer.hit.chunk.source == row.source
    assert answer.hit.chunk.char_start <= answer.sentence_start < answer.sentence_end <= answer.hit.chunk.char_end
    assert read and set(read) == {row.source}
