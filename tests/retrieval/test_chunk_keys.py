"""Chunk keys across builds, and a Milvus hit's way back to its row."""

from qa_bot.index.build import build_index
from qa_bot.retrieval.chunk_keys import ChunkRows, chunk_key, chunk_keys


def test_every_chunk_is_found_by_its_source_and_start_and_no_other(fake_qa):
    index = fake_qa.index
    rows = ChunkRows(index)
    assert [rows.row(c.source, c.char_start) for c in index.chunks] == list(range(len(index.chunks)))
    chunk = index.chunks[3]
    assert rows.row(chunk.source, chunk.char_start + 1) is None
    assert rows.row("không-có.txt", chunk.char_start) is None


def test_keys_read_from_the_store_are_those_of_the_chunks(fake_qa):
    index = fake_qa.index
    assert chunk_keys(index).tolist() == [chunk_key(c.source, c.char_start, c.char_end, c.text) for c in index.chunks]
    assert len(set(chunk_keys(index).tolist())) == len(index.chunks)


def test_unchanged_chunks_keep_their_keys_when_rows_move(small_corpus, fake_embedder, tmp_path):
    before = build_index(small_corpus, tmp_path / "index", fake_embedder)
    keys = dict(zip(chunk_keys(before).tolist(), (c.source for c in before.chunks), strict=True))
    # a document sorting first moves the rows of the others
    (small_corpus / "0-first.txt").write_text("Tỉnh Lào Cai có 12 điểm cầu trực tuyến.\n", encoding="utf-8")
    (small_corpus / "a.txt").write_text("Sở Nội vụ tỉnh Hòa Bình tổ chức hội nghị sơ kết.\n", encoding="utf-8")
    after = build_index(small_corpus, tmp_path / "index", fake_embedder)
    moved = {c.id for c in after.chunks if c.source == "b.txt"} - {c.id for c in before.chunks if c.source == "b.txt"}
    assert moved, "b.txt's rows moved"
    now = dict(zip(chunk_keys(after).tolist(), (c.source for c in after.chunks), strict=True))
    assert {k for k, s in keys.items() if s == "b.txt"} <= set(now), "b.txt's chunks kept their keys"
    assert not {k for k, s in keys.items() if s == "a.txt"} & set(now), "the edited a.txt's chunks did not"
