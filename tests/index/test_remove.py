"""Removing and replacing documents; readers answering while a build runs; BM25 tokens kept."""

import json
import shutil

import numpy as np
import pytest
from helpers import CORPUS, HashEmbedder

from qa_bot.errors import BuildLocked, IndexUnusable
from qa_bot.index import tokens as token_module
from qa_bot.index import workers as workers_module
from qa_bot.index.build import build_index, ensure_index
from qa_bot.index.chunkstore import ChunkTable, DocumentTable
from qa_bot.index.dense import load_vectors
from qa_bot.index.remove import remove_documents
from qa_bot.index.store import build_lock
from qa_bot.index.tokens import load_tokens, save_tokens
from qa_bot.pipeline import QA
from qa_bot.retrieval.faiss import FaissBackend

GONE = "004_39ce35e93a8fb1a9.txt"
QUESTION = "Hà Giang có bao nhiêu thủ tục hành chính đạt mức độ 4?"


@pytest.fixture(scope="module")
def built(tmp_path_factory, fake_embedder):
    """The bundled corpus and its index (fake embedder), built once for this module."""
    folder = tmp_path_factory.mktemp("built")
    shutil.copytree(CORPUS, folder / "corpus")
    build_index(folder / "corpus", folder / "index", fake_embedder)
    return folder


@pytest.fixture
def corpus_copy(built, tmp_path):
    """A fresh copy of the corpus and its index for one test (the index names its corpus by
    fingerprint, not by path, so the copy is current)."""
    shutil.copytree(built / "corpus", tmp_path / "corpus")
    shutil.copytree(built / "index", tmp_path / "index")
    return tmp_path / "corpus", tmp_path / "index"


def _qa(index, embedder):
    return QA(index, embedder, FaissBackend(index))


def test_a_removed_document_leaves_the_index_and_the_folder_and_stops_answering(corpus_copy, fake_embedder):
    corpus, index_dir = corpus_copy
    before = ensure_index(corpus, index_dir, fake_embedder)[0]
    assert _qa(before, fake_embedder).ask(QUESTION, threshold=0).answer.source == GONE  # fake vectors: no threshold
    index = remove_documents(corpus, index_dir, [GONE])
    assert index.report.removed == [GONE] and index.report.moved == [(GONE, f".removed/{GONE}")]
    assert not (corpus / GONE).exists() and (corpus / ".removed" / GONE).is_file()
    assert GONE not in index.documents and all(c.source != GONE for c in index.chunks)
    assert [c.id for c in index.chunks] == list(range(len(index.chunks)))
    assert index.sentences is not None and len(index.sentences.offsets) == len(index.chunks) + 1
    for chunk in index.chunks[:5]:  # each chunk keeps the vectors of its own sentences, none embedded again
        assert len(index.sentences.of_chunk(chunk.id)) == len(chunk.sentences)
    assert index.report.chunks == len(before.chunks) - len(index.chunks) > 0
    result = _qa(index, fake_embedder).ask(QUESTION)
    assert all(h.chunk.source != GONE for h in result.hits)
    assert result.answer is None or result.answer.source != GONE
    again, rebuilt = ensure_index(corpus, index_dir, fake_embedder)  # the folder matches: nothing to build
    assert not rebuilt and GONE not in again.documents
    later = build_index(corpus, index_dir, fake_embedder)  # no later build brings it back
    assert GONE not in later.documents and later.report.added == []


def test_a_removal_gives_the_index_a_fresh_build_would(corpus_copy, fake_embedder, tmp_path):
    corpus, index_dir = corpus_copy
    removed = remove_documents(corpus, index_dir, [f"{corpus}/{GONE}"])  # a path inside the corpus works too
    fresh = build_index(corpus, tmp_path / "fresh", fake_embedder)
    assert [c.to_dict() for c in removed.chunks] == [c.to_dict() for c in fresh.chunks]
    assert np.allclose(load_vectors(removed.data), load_vectors(fresh.data))
    assert removed.vocabulary.unigrams == fresh.vocabulary.unigrams
    assert removed.vocabulary.bigrams == fresh.vocabulary.bigrams
    for question in ("chuyển đổi số", "mạng truyền số liệu chuyên dùng", "Bình Định dịch vụ công"):
        ours, theirs = _qa(removed, fake_embedder).ask(question), _qa(fresh, fake_embedder).ask(question)
        assert [(h.chunk.id, round(h.score, 6)) for h in ours.hits] == \
            [(h.chunk.id, round(h.score, 6)) for h in theirs.hits]


def test_a_replaced_file_answers_with_its_new_content(corpus_copy, fake_embedder):
    corpus, index_dir = corpus_copy
    (corpus / GONE).write_text("Tỉnh Hà Giang có 2.468 thủ tục hành chính đạt mức độ 4 trong năm nay.\n",
                               encoding="utf-8")
    index, rebuilt = ensure_index(corpus, index_dir, fake_embedder)
    assert rebuilt and index.report.changed == [GONE] and index.report.embedded >= 1
    # threshold 0: the fake embedder's cosines are not e5's, which the confidence model reads
    answer = _qa(index, fake_embedder).ask(QUESTION, threshold=0.0).answer
    assert answer is not None and answer.source == GONE and "2.468" in answer.span


def test_an_unknown_name_changes_nothing(corpus_copy):
    corpus, index_dir = corpus_copy
    manifest = (index_dir / "manifest.json").read_text(encoding="utf-8")
    with pytest.raises(IndexUnusable, match="no-such.pdf"):
        remove_documents(corpus, index_dir, [GONE, "no-such.pdf"])
    assert (corpus / GONE).is_file() and (index_dir / "manifest.json").read_text(encoding="utf-8") == manifest


def test_a_second_removal_of_the_same_name_keeps_both_copies(corpus_copy):
    corpus, index_dir = corpus_copy
    remove_documents(corpus, index_dir, [GONE])
    (corpus / GONE).write_text("Một phiên bản khác của tài liệu.\n", encoding="utf-8")
    index = remove_documents(corpus, index_dir, [GONE])
    assert index.report.moved == [(GONE, ".removed/004_39ce35e93a8fb1a9-2.txt")]
    assert (corpus / ".removed" / GONE).is_file() and (corpus / ".removed" / "004_39ce35e93a8fb1a9-2.txt").is_file()


def test_readers_answer_from_the_current_index_while_a_build_runs(corpus_copy, fake_embedder):
    corpus, index_dir = corpus_copy
    (corpus / "new.txt").write_text("Tỉnh Cao Bằng có 7 sở thí điểm phần mềm một cửa.\n", encoding="utf-8")
    with build_lock(index_dir):  # another build holds the index
        index, built = ensure_index(corpus, index_dir, fake_embedder)
        assert not built and index.updating and "new.txt" not in index.documents
        assert _qa(index, fake_embedder).ask(QUESTION, threshold=0).answer.source == GONE
        with pytest.raises(BuildLocked):
            remove_documents(corpus, index_dir, [GONE])
        assert (corpus / GONE).is_file()
    index, built = ensure_index(corpus, index_dir, fake_embedder)
    assert built and not index.updating and "new.txt" in index.documents


def test_without_any_index_a_reader_is_told_to_wait(small_corpus, tmp_path, fake_embedder):
    with build_lock(tmp_path / "idx"), pytest.raises(BuildLocked, match="wait"):
        ensure_index(small_corpus, tmp_path / "idx", fake_embedder)


def test_tokens_round_trip_and_builds_tokenise_only_new_chunks(small_corpus, tmp_path, monkeypatch):
    save_tokens(tmp_path, [["hà", "ha"], [], ["#1565", "1.565", "hà"]])
    assert load_tokens(tmp_path) == [["hà", "ha"], [], ["#1565", "1.565", "hà"]]
    index_dir = tmp_path / "idx"
    build_index(small_corpus, index_dir, HashEmbedder())
    calls = []
    real = token_module.lexical_tokens
    # builds tokenise through index.workers (worker processes, or this one for few chunks)
    monkeypatch.setattr(workers_module, "lexical_tokens", lambda text: calls.append(text) or real(text))
    (small_corpus / "c.txt").write_text("Tỉnh Cao Bằng có 7 sở thí điểm phần mềm một cửa.\n", encoding="utf-8")
    index = build_index(small_corpus, index_dir, HashEmbedder())
    assert calls and all("Cao Bằng" in text for text in calls)
    saved = load_tokens(index.data)
    assert len(saved) == len(index.chunks) and saved[-1] == real(index.chunks[-1].text)
    assert json.loads((index.data / "tokens" / "vocab.json").read_text(encoding="utf-8"))
    assert len(ChunkTable(index.data, DocumentTable(index.data))) == len(saved)
