"""The index on disk: round trip, rebuild on change, refusal of another embedder."""

import json
import shutil

import pytest
from helpers import HashEmbedder

from qa_bot.errors import IndexUnusable
from qa_bot.index.build import build_index, ensure_index
from qa_bot.index.load import load_index
from qa_bot.index.manifest import FORMAT_VERSION
from qa_bot.retrieval.faiss import FaissBackend
from qa_bot.retrieval.fusion import search
from qa_bot.text import lexical_tokens


def test_load_gives_the_same_hits_as_the_built_index(corpus_index, qa, embedder):
    reloaded = load_index(corpus_index[1], embedder_name=embedder.name)
    question = "mạng truyền số liệu chuyên dùng có bao nhiêu điểm kết nối"
    first = search(qa.index, embedder, qa.backend, question, lexical_tokens(question))
    second = search(reloaded, embedder, FaissBackend(reloaded), question, lexical_tokens(question))
    assert [h.chunk.id for h in first] == [h.chunk.id for h in second]
    assert "222 điểm kết nối" in first[0].chunk.text


def test_manifest_records_the_build_and_no_pickle_is_written(corpus_index, embedder):
    index_dir = corpus_index[1]
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["embedder"]["name"] == embedder.name and manifest["embedder"]["dim"] == 384
    assert manifest["counts"]["documents"] == 5 and manifest["counts"]["chunks"] > 20
    assert len(manifest["corpus"]["fingerprint"]) == 64
    files = [p for p in index_dir.rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix in {".pkl", ".pickle"}]
    assert (index_dir / manifest["generation"] / "vectors.npy").is_file()


def test_a_changed_corpus_triggers_a_rebuild(small_corpus, tmp_path, embedder):
    index_dir = tmp_path / "idx"
    index, built = ensure_index(small_corpus, index_dir, embedder)
    assert built and index.manifest.documents == 2
    _, built_again = ensure_index(small_corpus, index_dir, embedder)
    assert not built_again
    (small_corpus / "c.txt").write_text("Tỉnh Cao Bằng có 7 sở thí điểm phần mềm một cửa.", encoding="utf-8")
    index, rebuilt = ensure_index(small_corpus, index_dir, embedder)
    assert rebuilt and index.manifest.documents == 3
    assert any(c.source == "c.txt" for c in index.chunks)


def test_an_index_of_another_embedder_is_refused(small_corpus, tmp_path, embedder):
    index_dir = tmp_path / "idx"
    build_index(small_corpus, index_dir, HashEmbedder())
    with pytest.raises(IndexUnusable, match="test:hash"):
        load_index(index_dir, embedder_name=embedder.name)
    with pytest.raises(IndexUnusable, match="rebuild"):
        ensure_index(small_corpus, index_dir, embedder)


def test_an_index_of_another_format_is_refused(fresh_copy):
    manifest = json.loads((fresh_copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = 99
    (fresh_copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexUnusable, match="qa-bot build"):
        load_index(fresh_copy)


def test_a_missing_index_says_what_to_run(tmp_path):
    with pytest.raises(IndexUnusable, match="qa-bot build"):
        load_index(tmp_path / "nothing")


def test_a_rebuild_replaces_the_index_and_keeps_only_the_previous_generation(small_corpus, tmp_path):
    index_dir, embedder = tmp_path / "idx", HashEmbedder()

    def current() -> str:
        return json.loads((index_dir / "manifest.json").read_text())["generation"]

    build_index(small_corpus, index_dir, embedder)
    first = current()
    (small_corpus / "d.txt").write_text("Huyện Bảo Lạc có 14 xã hoàn thành chuyển đổi số.", encoding="utf-8")
    build_index(small_corpus, index_dir, embedder)
    second = current()
    assert first != second and load_index(index_dir).manifest.documents == 3
    assert (index_dir / first).is_dir(), "the previous generation stays for readers still loading it"
    (small_corpus / "e.txt").write_text("Xã Yên Minh có 3 điểm phục vụ.", encoding="utf-8")
    build_index(small_corpus, index_dir, embedder)
    third = current()
    assert sorted(p.name for p in index_dir.glob("gen-*")) == sorted([second, third])
    assert load_index(index_dir).manifest.documents == 4


def test_an_update_rereads_and_reembeds_only_what_changed(small_corpus, tmp_path, embedder):
    index_dir = tmp_path / "idx"
    build_index(small_corpus, index_dir, embedder)
    (small_corpus / "b.txt").write_text("Ngày 1/4/2024, UBND huyện ban hành kế hoạch mới.", encoding="utf-8")
    (small_corpus / "c.txt").write_text("Tỉnh có 9 trung tâm phục vụ hành chính công.", encoding="utf-8")
    shutil.copy(small_corpus / "a.txt", small_corpus / "z-copy.txt")
    report = build_index(small_corpus, index_dir, embedder).report
    assert report.added == ["c.txt"] and report.changed == ["b.txt"] and report.removed == []
    assert report.unchanged == 1 and report.reused >= 1 and report.embedded == 2
    (small_corpus / "c.txt").unlink()
    index = build_index(small_corpus, index_dir, embedder)
    assert index.report.removed == ["c.txt"] and index.report.embedded == 0
    assert any("z-copy.txt" in str(p) and "indexed once" in p.reason for p in index.problems)


def test_a_second_build_at_the_same_time_is_refused_with_a_message(small_corpus, tmp_path, embedder):
    from qa_bot.index.store import build_lock

    index_dir = tmp_path / "idx"
    with build_lock(index_dir):
        with pytest.raises(IndexUnusable, match="another qa-bot build is running"):
            build_index(small_corpus, index_dir, embedder)


def test_a_chunk_is_retrieved_by_its_document_s_title_and_re_embedded_when_the_title_changes(small_corpus, tmp_path):
    """Retrieval reads a chunk after its document's title (a report's passages seldom name the
    report): BM25 and the vector both; the answer's offsets stay on the chunk's own text.
    """
    from qa_bot.ingest.chunking import indexed_text

    embedder = HashEmbedder()
    (small_corpus / "metadata.jsonl").write_text(
        json.dumps({"file": "b.txt", "title": "Kế hoạch của huyện Quản Bạ"}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    index = build_index(small_corpus, tmp_path / "idx", embedder)
    (chunk,) = [c for c in index.chunks if c.source == "b.txt"]
    assert "Quản Bạ" not in chunk.text and chunk.text == index.documents["b.txt"].text[chunk.char_start:chunk.char_end]
    assert indexed_text(chunk.text, "Kế hoạch của huyện Quản Bạ") == f"Kế hoạch của huyện Quản Bạ\n{chunk.text}"
    hits = search(index, embedder, FaissBackend(index), "Quản Bạ", lexical_tokens("Quản Bạ"), k=1, mode="bm25")
    assert hits[0].chunk.source == "b.txt"
    expected = embedder.encode([indexed_text(chunk.text, "Kế hoạch của huyện Quản Bạ")])[0]
    assert (index.dense.reconstruct(chunk.id) @ expected) > 0.999

    assert build_index(small_corpus, tmp_path / "idx", embedder).report.embedded == 0  # nothing changed
    (small_corpus / "metadata.jsonl").write_text(
        json.dumps({"file": "b.txt", "title": "Kế hoạch của huyện Mèo Vạc"}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    assert build_index(small_corpus, tmp_path / "idx", embedder).report.embedded == 1  # the titled chunk only


def test_a_sentence_vector_whose_key_ends_in_a_zero_byte_is_found_again(tmp_path):
    """The keys are stored as 16-byte strings, and numpy drops the trailing zero bytes of such a
    string: one sentence in 256 was embedded again at every rebuild.
    """
    import numpy as np

    from qa_bot.index.sentences import KEYS, VECTORS, previous_sentence_vectors

    keys = [b"\x01" * 15 + b"\x00", b"\x02" * 16, b"\x03" * 14 + b"\x00\x00"]
    np.save(tmp_path / KEYS, np.asarray(keys, dtype="S16"), allow_pickle=False)
    np.save(tmp_path / VECTORS, np.eye(3, dtype=np.float16), allow_pickle=False)
    found = previous_sentence_vectors(tmp_path)
    assert sorted(found) == sorted(keys)
    assert found[keys[2]].tolist() == [0.0, 0.0, 1.0]
