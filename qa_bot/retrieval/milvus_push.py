"""Push an index into a Milvus collection: one row per chunk, dense vector and BM25 weights.

BM25 as an inner product: bm25s precomputes, for every term t of chunk d, the
weight idf(t) × tf-saturation(t, d) (its k1, b and idf variant). The chunk's
sparse vector holds those weights under the bm25s term ids, the query's holds the
count of each of its terms (`milvus.query_counts`), so query · chunk is bm25s's score.

A push writes the collection `<name>_<generation>` and then points the alias
`<name>` at it in one step (the previous one is kept for readers still on it).
The collection's property `qa_bot` records the generation and embedder
(`milvus.MilvusBackend` refuses a collection of another generation or embedder),
and the index's manifest records the push.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import bm25s
import numpy as np
import scipy.sparse

from ..errors import BuildLocked, MilvusError
from ..index.dense import load_vectors
from ..index.load import Index
from ..index.manifest import load_manifest, now
from ..index.store import MANIFEST, build_lock, write_json_atomic
from .milvus import META_KEY, MilvusTarget, alias_of, collection_meta, connect, reported

if TYPE_CHECKING:
    from pymilvus import CollectionSchema, MilvusClient
    from pymilvus.milvus_client import IndexParams

__all__ = ["bm25_matrix", "push"]

BATCH_ROWS = 256
MAX_VARCHAR_BYTES = 65535


def bm25_matrix(bm25: bm25s.BM25) -> scipy.sparse.csr_matrix:
    """(chunks × terms) BM25 weights, as bm25s precomputed them."""
    scores = bm25.scores
    shape = (int(scores["num_docs"]), len(scores["indptr"]) - 1)
    return scipy.sparse.csc_matrix((scores["data"], scores["indices"], scores["indptr"]), shape=shape).tocsr()


def _sparse_row(weights: scipy.sparse.csr_matrix, row: int) -> dict[int, float]:
    start, end = weights.indptr[row], weights.indptr[row + 1]
    return {int(t): float(w) for t, w in zip(weights.indices[start:end], weights.data[start:end], strict=False)}


def _clip(text: str) -> str:
    """`text` cut to what a VARCHAR field holds."""
    return text.encode("utf-8", "ignore")[:MAX_VARCHAR_BYTES].decode("utf-8", "ignore")


def _index_meta(index: Index) -> dict:
    return {"generation": index.manifest.generation, "embedder": index.embedder_name,
            "dim": index.manifest.dim, "chunks": len(index.chunks)}


def _schema(client: MilvusClient, dim: int) -> tuple[CollectionSchema, IndexParams]:
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("text", DataType.VARCHAR, max_length=MAX_VARCHAR_BYTES)
    schema.add_field("source", DataType.VARCHAR, max_length=MAX_VARCHAR_BYTES)
    schema.add_field("char_start", DataType.INT64)
    schema.add_field("char_end", DataType.INT64)
    indexes = client.prepare_index_params()
    indexes.add_index("dense", index_type="FLAT", metric_type="IP")
    indexes.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    return schema, indexes


def _rows(index: Index, start: int, end: int, vectors: np.ndarray, weights: scipy.sparse.csr_matrix) -> list[dict]:
    return [
        {"id": i, "dense": vectors[i].tolist(), "sparse": _sparse_row(weights, i), "text": _clip(chunk.text),
         "source": _clip(chunk.source), "char_start": chunk.char_start, "char_end": chunk.char_end}
        for i, chunk in enumerate(index.chunks[start:end], start)
    ]


def _write_collection(client: MilvusClient, name: str, index: Index,
                      progress: Callable[[str, int, int], None] | None) -> None:
    """Create the collection `name` and insert every chunk of `index`."""
    if client.has_collection(name):
        client.drop_collection(name)  # left by an interrupted push
    dim = index.manifest.dim
    schema, indexes = _schema(client, dim)
    client.create_collection(name, schema=schema, index_params=indexes,
                             properties={META_KEY: json.dumps(_index_meta(index))})
    total = len(index.chunks)
    # the exact float32 vectors (the FAISS index of a large corpus is approximate)
    vectors = load_vectors(index.data, mmap=True) if total else np.zeros((0, dim), np.float32)
    weights = bm25_matrix(index.bm25)
    for start in range(0, total, BATCH_ROWS):
        client.insert(name, _rows(index, start, min(total, start + BATCH_ROWS), vectors, weights))
        if progress:
            progress("pushing", min(total, start + BATCH_ROWS), total)
    client.flush(name)


def _point_alias(client: MilvusClient, target: MilvusTarget, name: str, previous: str | None) -> None:
    """Point the alias at `name`, then drop the collections older than the previous one."""
    if previous is None:
        client.create_alias(name, target.collection)
    else:
        client.alter_alias(name, target.collection)
    prefix = f"{target.collection}_gen_"
    for old in client.list_collections():
        if old.startswith(prefix) and old not in (name, previous):
            client.drop_collection(old)


def _record_push(index: Index, target: MilvusTarget) -> None:
    """Note in the index's manifest which generation `target` holds."""
    try:
        with build_lock(index.path):
            manifest = load_manifest(index.path)
            if manifest is None or manifest.generation != index.manifest.generation:
                return  # a newer build has replaced the index meanwhile
            push = {"uri": target.uri, "collection": target.collection, "generation": manifest.generation,
                    "pushed": now()}
            write_json_atomic(index.path / MANIFEST, manifest.with_push(push).to_dict())
    except BuildLocked as err:
        raise MilvusError(f"pushed, but could not record it in {index.path}: {err}") from None


def push(index: Index, target: MilvusTarget, progress: Callable[[str, int, int], None] | None = None) -> bool:
    """Copy `index` into `target`'s collection; False when it already held this generation.

    `progress(stage, done, total)` is called after each batch of rows.
    """
    client = connect(target, create=True)
    name = f"{target.collection}_{index.manifest.generation.replace('-', '_')}"
    with reported(target, f"take the index as {target.collection!r}"):
        previous = alias_of(client, target.collection)
        if previous is None and client.has_collection(target.collection):
            raise MilvusError(f"{target.collection!r} at {target.uri} is a collection that qa-bot did not make: "
                              "choose another --collection")
        fresh = previous is None or collection_meta(client, previous) != _index_meta(index)
        if fresh:
            _write_collection(client, name, index, progress)
            _point_alias(client, target, name, previous)
    _record_push(index, target)
    return fresh
