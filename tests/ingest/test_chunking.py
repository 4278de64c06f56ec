"""Chunks are whole sentences, overlap by one, and slice their source exactly."""

import unicodedata

from helpers import CORPUS
from hypothesis import given, settings
from hypothesis import strategies as st

from qa_bot.ingest.chunking import chunk_document, split_sentences
from qa_bot.ingest.documents import load_corpus
from qa_bot.schema import Document


def test_every_chunk_slices_its_source_and_never_cuts_a_sentence():
    docs, problems = load_corpus(CORPUS)
    assert len(docs) == 5 and not problems
    for doc in docs:
        sentences = split_sentences(doc.text)
        starts, ends = {s for s, _ in sentences}, {e for _, e in sentences}
        for chunk in chunk_document(doc):
            assert doc.text[chunk.char_start:chunk.char_end] == chunk.text
            assert chunk.char_start in starts and chunk.char_end in ends
            assert all(chunk.char_start <= s < e <= chunk.char_end for s, e in chunk.sentences)


def test_consecutive_chunks_share_one_sentence():
    text = " ".join(f"Câu số {i} nói về cải cách hành chính của tỉnh trong năm nay." for i in range(30))
    chunks = chunk_document(Document("x.txt", text), max_chars=200)
    assert len(chunks) > 3
    for first, second in zip(chunks, chunks[1:], strict=False):
        assert first.sentences[-1] == second.sentences[0]


def test_decomposed_text_keeps_exact_offsets():
    text = unicodedata.normalize("NFD", "Hà Giang có 1.895 TTHC. Tỉnh Hoà Bình có 12 sở.\nCao Bằng có 7 sở.")
    doc = Document("nfd.txt", text)
    spans = split_sentences(text)
    assert len(spans) == 3
    assert unicodedata.normalize("NFC", text[spans[1][0]:spans[1][1]]) == "Tỉnh Hoà Bình có 12 sở."
    for chunk in chunk_document(doc):
        assert text[chunk.char_start:chunk.char_end] == chunk.text


def test_a_quotation_s_closing_mark_ends_the_sentence_it_closes():
    text = "Ông B nói: “Bà con coi chữ ký số là việc của doanh nghiệp. Chúng tôi đi từng nhà.” Huyện đạt 50%."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Ông B nói: “Bà con coi chữ ký số là việc của doanh nghiệp.", "Chúng tôi đi từng nhà.”", "Huyện đạt 50%."]


def test_the_dots_of_a_web_or_mail_address_end_no_sentence():
    text = "Cổng thông tin: http://student.uit.edu.vn. Hồ sơ gửi daotao@uit.edu.vn hoặc dichvucong.gov.vn."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Cổng thông tin: http://student.uit.edu.vn.", "Hồ sơ gửi daotao@uit.edu.vn hoặc dichvucong.gov.vn."]


def test_an_article_or_item_number_stays_with_its_text():
    text = ("Điều 2. Đối tượng áp dụng\n1. Nghị định này áp dụng đối với cơ quan. 2. Tổ chức khác.\n"
            "II. KẾT QUẢ\nKT. CỤC TRƯỞNG")
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Điều 2. Đối tượng áp dụng", "1. Nghị định này áp dụng đối với cơ quan.", "2. Tổ chức khác.", "II. KẾT QUẢ",
        "KT.", "CỤC TRƯỞNG"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["Hà Giang có 1.565 TTHC.", "Hoà Bình!", "x", "\n", " ", "Ðà Nẵng?", "e\u0301", "”",
                                 '"']), max_size=12))
def test_chunks_of_any_mix_slice_the_source(pieces):
    text = "".join(pieces)
    for chunk in chunk_document(Document("t.txt", text), max_chars=40):
        assert text[chunk.char_start:chunk.char_end] == chunk.text
        assert chunk.text.strip()
