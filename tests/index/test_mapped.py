"""Mapped index files: the arrays read through the maps equal np.load's, and `release_all`
unmaps the pages a reader touched (Linux) without changing what is read next.
"""

import sys
from pathlib import Path

import faiss
import numpy as np
import pytest

from qa_bot.index.dense import RescoredIndex, build_dense, choose_spec, load_dense, save_dense
from qa_bot.index.mapped import load_npy, map_file, release_all
from qa_bot.index.npyrows import NpyRows

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/smaps")


def resident_kb(path: Path) -> int:
    """Resident kB of this process's maps of `path` (from /proc/self/smaps)."""
    total, current = 0, None
    for line in Path("/proc/self/smaps").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 5 and "-" in parts[0] and not parts[0].endswith(":"):
            current = parts[5] if len(parts) > 5 else None
        elif parts[0] == "Rss:" and current == str(path):
            total += int(parts[1])
    return total


@pytest.mark.parametrize("array", [
    np.arange(12, dtype=np.float32).reshape(3, 4),
    np.arange(7, dtype=np.int64),
    np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3)),
    np.zeros((0, 5), dtype=np.float16),
    np.array(3.5),
])
def test_load_npy_reads_what_np_load_reads(tmp_path, array):
    path = tmp_path / "a.npy"
    np.save(path, array, allow_pickle=False)
    loaded = load_npy(path)
    assert loaded.dtype == array.dtype and loaded.shape == array.shape
    assert np.array_equal(loaded, np.load(path))
    assert not loaded.flags.writeable


def test_load_npy_refuses_python_objects(tmp_path):
    path = tmp_path / "o.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="o.npy"):
        load_npy(path)


def test_an_empty_file_maps_to_no_bytes(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    assert map_file(tmp_path / "empty").size == 0


@linux_only
def test_release_unmaps_the_pages_read_and_the_data_reads_the_same(tmp_path):
    path = tmp_path / "big.npy"
    data = np.random.default_rng(0).standard_normal((4096, 256)).astype(np.float32)  # 4 MB
    np.save(path, data, allow_pickle=False)
    mapped = load_npy(path)
    assert np.array_equal(mapped[::64], data[::64])  # one row in 64 touches every page
    assert resident_kb(path) >= 1024
    release_all()
    assert resident_kb(path) == 0
    assert np.array_equal(mapped, data)  # read again from the page cache


def _vectors(n: int = 2_000, dim: int = 16) -> np.ndarray:
    vectors = np.random.default_rng(1).standard_normal((n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@linux_only
def test_ivf_lists_are_read_in_place_and_released_and_vectors_by_row(tmp_path, monkeypatch):
    monkeypatch.setattr("qa_bot.index.dense.EXACT_MAX_CHUNKS", 100)
    vectors = _vectors()
    spec = {**choose_spec(len(vectors)), "nlist": 16, "train_size": 800}
    save_dense(tmp_path, vectors, build_dense(vectors, spec))
    loaded = load_dense(tmp_path, spec)
    assert isinstance(loaded, RescoredIndex)
    reference = faiss.read_index(str(tmp_path / "dense.faiss"))
    reference.nprobe = loaded.ann.nprobe = 16
    queries = vectors[:20]
    assert np.array_equal(loaded.ann.search(queries, 10)[1], reference.search(queries, 10)[1])
    before = loaded.search(queries, 10)  # re-scoring reads vector rows
    assert resident_kb(tmp_path / "dense.faiss") > 0 and resident_kb(tmp_path / "vectors.npy") == 0  # pread
    release_all()
    assert resident_kb(tmp_path / "dense.faiss") == 0
    after = loaded.search(queries, 10)
    assert np.array_equal(before[1], after[1]) and np.array_equal(before[0], after[0])


@linux_only
def test_a_question_lets_go_of_the_index_pages_it_read(fake_qa):
    data = fake_qa.index.data
    fake_qa.index.lexical.top(["thủ", "tục"], 10)
    _ = [fake_qa.index.chunks[i].text for i in range(len(fake_qa.index.chunks))]
    assert sum(resident_kb(p) for p in data.rglob("*") if p.is_file()) > 0
    result = fake_qa.ask("Có bao nhiêu thủ tục hành chính?")
    assert result.hits
    assert {p.name: resident_kb(p) for p in data.rglob("*") if p.is_file() and resident_kb(p)} == {}


def test_rows_read_by_pread_are_the_rows_of_the_array(tmp_path):
    array = np.random.default_rng(2).standard_normal((500, 7)).astype(np.float16)
    np.save(tmp_path / "r.npy", array, allow_pickle=False)
    rows = NpyRows(tmp_path / "r.npy")
    assert len(rows) == 500 and rows.shape == (500, 7) and rows.dtype == np.float16
    for ids in ([3, 4, 5, 499], [499, 0, 250, 251, 250], [-1, -500], np.arange(100, 400), []):
        assert np.array_equal(rows[ids], array[np.asarray(ids, dtype=np.int64)])
    assert np.array_equal(rows[10:20], array[10:20])
    with pytest.raises(IndexError, match="r.npy"):
        rows[[500]]


def test_a_pread_file_is_refused_when_it_is_not_rows_of_numbers(tmp_path):
    np.save(tmp_path / "one.npy", np.arange(5), allow_pickle=False)
    with pytest.raises(ValueError, match="one.npy"):
        NpyRows(tmp_path / "one.npy")


@linux_only
def test_vector_rows_are_not_mapped(tmp_path):
    np.save(tmp_path / "v.npy", np.ones((4096, 256), dtype=np.float32), allow_pickle=False)
    assert float(NpyRows(tmp_path / "v.npy")[np.arange(0, 4096, 64)].sum()) == 64 * 256
    assert resident_kb(tmp_path / "v.npy") == 0
