"""The chunk store: records round-trip through the Arrow files, read lazily; facets; tokens; an
older index is converted (its vectors reused) with a message."""

import json
import logging

import numpy as np
import pytest
from helpers import HashEmbedder

from qa_bot.index.build import build_index, ensure_index
from qa_bot.index.chunkstore import (
    CHUNKS,
    ChunkTable,
    ChunkWriter,
    DocumentTable,
    document_facets,
    write_documents,
    write_store,
)
from qa_bot.index.load import load_index
from qa_bot.index.manifest import FORMAT_VERSION
from qa_bot.index.store import write_jsonl
from qa_bot.schema import Chunk, Document


def _records():
    docs = [Document("a.txt", "Hà Giang năm 2021. Câu hai.", {"date": "2022-03-01", "title": "A"}),
            Document("sub/b.txt", "Không tỉnh nào ở đây.", {}),
            Document("c.txt", "Văn bản không có đoạn nào", {"province": "Cao Bằng"})]
    chunks = [Chunk(0, "a.txt", 0, 18, "Hà Giang năm 2021.", ((0, 18),)),
              Chunk(1, "a.txt", 10, 27, "2021. Câu hai.", ((10, 18), (19, 27))),
              Chunk(2, "sub/b.txt", 0, 21, "Không tỉnh nào ở đây.", ((0, 21),))]
    return chunks, docs


def test_chunks_and_documents_round_trip_and_are_read_lazily(tmp_path):
    chunks, docs = _records()
    write_store(tmp_path, chunks, docs)
    documents = DocumentTable(tmp_path)
    table = ChunkTable(tmp_path, documents)
    assert list(table) == chunks and table[1] == chunks[1] and table[-1] == chunks[-1] and table[0:2] == chunks[:2]
    assert len(table) == 3 and list(table.texts()) == [c.text for c in chunks]
    with pytest.raises(IndexError):
        table[3]
    assert dict(documents) == {d.source: d for d in docs} and "c.txt" in documents and "x" not in documents
    assert documents.chunk_counts() == {"a.txt": 2, "sub/b.txt": 1, "c.txt": 0}
    assert documents.chunk_ranges([0, 1]).tolist() == [0, 1, 2] and documents.chunk_ranges([2]).tolist() == []
    facets = documents.facets
    assert facets[0].provinces_named == ("Hà Giang",) and "2021" in facets[0].years_named
    assert facets[0].date == "2022-03-01" and facets[2].province == "Cao Bằng" and facets[1].province is None
    assert facets == [document_facets(d) for d in docs]


def test_chunks_out_of_document_order_are_refused(tmp_path):
    chunks, docs = _records()
    with pytest.raises(ValueError, match="document order"):
        write_store(tmp_path, [chunks[2], chunks[0]], docs)


def test_a_format_2_index_is_rebuilt_with_a_message_reusing_its_vectors(small_corpus, tmp_path, caplog):
    embedder = HashEmbedder()
    index_dir = tmp_path / "idx"
    index = build_index(small_corpus, index_dir, embedder)
    data = index.data
    # turn it into what qa-bot wrote before the chunk store: JSON lines, format 2
    write_jsonl(data / "chunks.jsonl", (c.to_dict() for c in index.chunks))
    write_jsonl(data / "documents.jsonl", (d.to_dict() for d in index.documents.values()))
    for name in ("chunks.arrow", "documents.arrow"):
        (data / name).unlink()
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = 2
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    calls = []
    original = embedder.encode
    embedder.encode = lambda texts, **kw: calls.append(len(texts)) or original(texts, **kw)
    with caplog.at_level(logging.WARNING, logger="qa_bot"):
        rebuilt, built = ensure_index(small_corpus, index_dir, embedder)
    assert built and rebuilt.manifest.format_version == FORMAT_VERSION
    assert "format 2" in caplog.text and "reusing its vectors" in caplog.text
    assert calls == [] and rebuilt.report.embedded == 0  # every vector came from the old index
    assert [c.text for c in rebuilt.chunks] == [c.text for c in index.chunks]


def test_a_loaded_index_reads_its_records_from_the_store(small_corpus, tmp_path):
    build_index(small_corpus, tmp_path / "idx", HashEmbedder())
    index = load_index(tmp_path / "idx")
    assert isinstance(index.chunks, ChunkTable) and isinstance(index.documents, DocumentTable)
    assert not list(index.data.glob("*.jsonl"))
    assert np.array_equal(index.subset(lambda f: f.source == "b.txt").ids,
                          [c.id for c in index.chunks if c.source == "b.txt"])


def test_the_chunk_writer_writes_whole_batches_and_the_rows_read_back(tmp_path, monkeypatch):
    import pyarrow.ipc as ipc

    monkeypatch.setattr("qa_bot.index.chunkstore.BATCH_ROWS", 64)
    texts = [f"đoạn {i}" for i in range(250)]
    with ChunkWriter(tmp_path) as writer:
        for first in range(0, 250, 30):  # 30 chunks of one document a call, the last call 10
            rows = np.arange(first, min(first + 30, 250))
            bounds = np.stack([rows * 0, np.full(len(rows), 4)], axis=1).ravel()
            writer.write(rows // 30, rows * 10, rows * 10 + 8, texts[first:first + 30],
                         np.arange(0, 2 * len(rows) + 1, 2), bounds)
    documents = [Document(f"{d}.txt", "x" * 3000, {}) for d in range(9)]
    write_documents(tmp_path, documents, [30 * d for d in range(9)], [30] * 8 + [10],
                    [document_facets(d) for d in documents])
    with open(tmp_path / CHUNKS, "rb") as file:
        reader = ipc.open_file(file)
        assert [reader.get_batch(i).num_rows for i in range(reader.num_record_batches)] == [64, 64, 64, 58]
    table = ChunkTable(tmp_path, DocumentTable(tmp_path))
    assert [c.text for c in table] == texts
    assert table[200].source == "6.txt" and table[200].char_start == 2000 and table[200].sentences == ((0, 4),)
