"""The dense index chosen by size: exact below the threshold, IVF-SQ8 re-scored above."""

import json

import faiss
import numpy as np

from qa_bot.bench.synth import noisy_vectors
from qa_bot.index.build import ensure_index
from qa_bot.index.dense import (
    EXACT_MAX_CHUNKS,
    RescoredIndex,
    build_dense,
    choose_spec,
    exact_index,
    load_dense,
    save_dense,
)
from qa_bot.index.load import load_index
from qa_bot.index.manifest import PIPELINE_VERSIONS
from qa_bot.index.subset import Subset


def test_exact_search_up_to_the_threshold_and_approximate_above():
    assert choose_spec(10)["type"] == "flat"
    assert choose_spec(EXACT_MAX_CHUNKS)["type"] == "flat"
    above = choose_spec(EXACT_MAX_CHUNKS + 1)
    assert above["type"] == "ivf_sq8_rescored" and above["nprobe"] <= above["nlist"]
    assert above["train_size"] >= 39 * above["nlist"]  # faiss asks for 39 points per list


def _recall_at_10(index, exact, queries):
    _, truth = exact.search(queries, 10)
    _, found = index.search(queries, 10)
    return np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=False)])


def test_the_approximate_index_keeps_recall_at_10_against_exact_search(corpus_index, tmp_path):
    bases = np.load(next(corpus_index[1].glob("gen-*/vectors.npy")))
    vectors = noisy_vectors(bases, 20_000, seed=1)
    queries = noisy_vectors(bases, 50, seed=2)
    spec = {**choose_spec(EXACT_MAX_CHUNKS + 1), "nlist": 128, "train_size": 128 * 40}
    index = build_dense(vectors, spec)
    assert isinstance(index, RescoredIndex)
    assert _recall_at_10(index, exact_index(vectors), queries) >= 0.98
    save_dense(tmp_path, vectors, index)
    reloaded = load_dense(tmp_path, spec)
    scores, ids = reloaded.search(queries[:3], 10)
    assert np.allclose(scores, np.einsum("qd,qkd->qk", queries[:3], vectors[ids]), atol=1e-5)  # exact scores


def test_an_index_of_an_older_text_extraction_reads_its_files_again(small_corpus, tmp_path, embedder):
    index_dir = tmp_path / "idx"
    ensure_index(small_corpus, index_dir, embedder)
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["pipeline"] = {k: v for k, v in PIPELINE_VERSIONS.items() if k != "extract"}  # before it was recorded
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    index, rebuilt = ensure_index(small_corpus, index_dir, embedder)
    assert rebuilt and index.manifest.pipeline == PIPELINE_VERSIONS
    assert index.report.unchanged == 0 and len(index.report.added) == len(index.documents)  # read again
    assert index.report.embedded == 0  # the chunks' vectors are still reused by text


def test_an_index_of_an_older_tokenizer_is_rebuilt_reusing_its_vectors(small_corpus, tmp_path, embedder):
    index_dir = tmp_path / "idx"
    first, _ = ensure_index(small_corpus, index_dir, embedder)
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["pipeline"] = {**PIPELINE_VERSIONS, "tokens": PIPELINE_VERSIONS["tokens"] - 1}
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    index, rebuilt = ensure_index(small_corpus, index_dir, embedder)
    assert rebuilt and index.manifest.pipeline == PIPELINE_VERSIONS
    assert index.report.embedded == 0 and index.report.reused == len(index.chunks)
    again = load_index(index_dir)
    assert np.array_equal(again.dense.reconstruct_n(0, again.dense.ntotal),
                          first.dense.reconstruct_n(0, first.dense.ntotal))


def test_a_filtered_search_returns_a_full_top_k_of_the_subset_only():
    from qa_bot.index.dense import build_dense, choose_spec, search_subset
    from qa_bot.index.subset import Subset

    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((24_000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    spec = {**choose_spec(60_000), "nlist": 40, "train_size": 4_000}
    index = build_dense(vectors, spec)
    exact = build_dense(vectors, choose_spec(100))
    query = vectors[5] + 0.1
    for ids in (np.arange(0, 24_000, 2), np.arange(100, 130)):  # above and below EXACT_SUBSET_CHUNKS
        subset = Subset(ids, (), len(vectors))
        for searched in (index, exact):
            scores, found = search_subset(searched, query, 20, subset)
            truth = ids[np.argsort(-(vectors[ids] @ query), kind="stable")[:20]]
            assert len(found) == 20 and set(found.tolist()) <= set(ids.tolist())
            assert len(set(found.tolist()) & set(truth.tolist())) >= 19


def test_a_subsets_bitmap_selector_keeps_exactly_its_ids():
    rng = np.random.default_rng(4)
    vectors = rng.standard_normal((3_000, 8)).astype(np.float32)
    flat = faiss.IndexFlatIP(8)
    flat.add(vectors)
    for ids in (np.sort(rng.choice(3_000, 700, replace=False)), np.arange(3_000), np.array([0, 7, 8, 2_999])):
        chosen = Subset(ids, (), len(vectors))
        _, found = flat.search(vectors[:20], 5, params=faiss.SearchParameters(sel=chosen.selector))
        _, batch = flat.search(vectors[:20], 5, params=faiss.SearchParameters(sel=faiss.IDSelectorBatch(ids)))
        assert np.array_equal(found, batch) and set(found[found >= 0].ravel().tolist()) <= set(ids.tolist())
