"""Build engines: a Ray Data pipeline on a local Ray cluster builds the same index as this machine."""

import shutil

import numpy as np
import pytest
from helpers import CORPUS

from qa_bot.index.build import build_index
from qa_bot.index.dense import load_vectors
from qa_bot.index.engines import LocalEngine, RayEngine
from qa_bot.index.tokens import load_tokens


@pytest.mark.slow
def test_a_ray_build_gives_the_same_index_as_a_local_one(tmp_path, embedder):
    ray = pytest.importorskip("ray")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(CORPUS.glob("*.txt"))[:2]:
        shutil.copy(path, corpus)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    here = build_index(corpus, tmp_path / "local", embedder, engine=LocalEngine(1))
    engine = RayEngine("local", 2)  # a local 2-worker Ray cluster
    try:
        remote = build_index(corpus, tmp_path / "ray", embedder, engine=engine)
    finally:
        ray.shutdown()
    assert list(remote.chunks) == list(here.chunks) and dict(remote.documents) == dict(here.documents)
    assert load_tokens(remote.data) == load_tokens(here.data)
    assert np.allclose(load_vectors(remote.data), load_vectors(here.data), atol=1e-5)
    assert [p.source for p in remote.problems] == [p.source for p in here.problems] == ["broken.pdf"]
    assert remote.report.embedded == len(here.chunks) and len(here.chunks) > 10
