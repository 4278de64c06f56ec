"""The Milvus backend: an index's vectors in a Milvus collection, one hybrid search a question.

A collection holds one row per chunk; its primary key is the chunk's row in the
local index, so answer extraction still reads the chunks, documents and
vocabulary of the (small) local index folder:

    id                         INT64, the chunk's row in chunks.jsonl
    dense                      FLOAT_VECTOR, the embedder's unit vector (FLAT, IP = cosine)
    sparse                     SPARSE_FLOAT_VECTOR, the chunk's BM25 weights (SPARSE_INVERTED_INDEX, IP)
    text, source, char_start, char_end    so that the collection describes itself

BM25 as an inner product: bm25s precomputes, for every term t of chunk d, the
weight idf(t) × tf-saturation(t, d) (its k1, b and idf variant). The chunk's
sparse vector holds those weights under the bm25s term ids, the query's holds the
count of each of its terms, so query · chunk is bm25s's score; unknown terms drop out.

A push writes the collection `<name>_<generation>` and then points the alias
`<name>` at it in one step (the previous one is kept for readers still on it).
The collection's property `qa_bot` records the generation and embedder: a
backend refuses a collection of another generation or embedder.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shlex
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import scipy.sparse

from .dense import load_vectors
from .embed import same_model
from .index import Index, IndexError_
from .retrieve import RRF_K, Fused
from .store import BuildLocked, build_lock, read_manifest, write_json_atomic

__all__ = [
    "DEFAULT_COLLECTION",
    "MilvusBackend",
    "MilvusError",
    "MilvusTarget",
    "bm25_matrix",
    "open_backend",
    "push",
    "query_counts",
]

DEFAULT_COLLECTION = "qa_bot"
INSTALL = "pip install 'qa-bot[milvus]'"
META_KEY = "qa_bot"
BATCH_ROWS = 256
MAX_VARCHAR_BYTES = 65535
TIE_MARGIN = 10  # fused hits fetched beyond k, so that a tie at the cut is settled as the FAISS backend does


class MilvusError(IndexError_):
    """A Milvus server or collection that cannot be used; the message says what to run."""


@dataclass(frozen=True)
class MilvusTarget:
    """Where a collection lives: a server URI (http://host:19530) or a Milvus Lite file (*.db)."""

    uri: str
    collection: str = DEFAULT_COLLECTION
    token: str = ""

    @property
    def is_lite(self) -> bool:
        """Whether the URI names a Milvus Lite file (pymilvus' own rule)."""
        return self.uri.endswith(".db")

    def push_command(self, index_dir: Path) -> str:
        """The command that pushes the index in `index_dir` here."""
        named = "" if self.collection == DEFAULT_COLLECTION else f" --collection {shlex.quote(self.collection)}"
        return f"qa-bot build --index {shlex.quote(str(index_dir))} --milvus {shlex.quote(self.uri)}{named}"


def bm25_matrix(bm25: bm25s.BM25) -> scipy.sparse.csr_matrix:
    """(chunks × terms) BM25 weights, as bm25s precomputed them."""
    scores = bm25.scores
    shape = (int(scores["num_docs"]), len(scores["indptr"]) - 1)
    return scipy.sparse.csc_matrix((scores["data"], scores["indices"], scores["indptr"]), shape=shape).tocsr()


def query_counts(bm25: bm25s.BM25, tokens: list[str]) -> dict[int, float]:
    """Term id → count of the query's tokens that the index knows."""
    return {int(term): float(count) for term, count in Counter(bm25.get_tokens_ids(tokens)).items()}


def _sparse_row(weights: scipy.sparse.csr_matrix, row: int) -> dict[int, float]:
    start, end = weights.indptr[row], weights.indptr[row + 1]
    return {int(t): float(w) for t, w in zip(weights.indices[start:end], weights.data[start:end])}


def _clip(text: str) -> str:
    """`text` cut to what a VARCHAR field holds."""
    return text.encode("utf-8", "ignore")[:MAX_VARCHAR_BYTES].decode("utf-8", "ignore")


def _reason(err: Exception) -> str:
    return str(getattr(err, "message", "") or err)


@contextlib.contextmanager
def _reported(target: MilvusTarget, doing: str):
    """Milvus' exceptions as a MilvusError naming the URI."""
    from pymilvus.exceptions import MilvusException

    try:
        yield
    except MilvusException as err:
        raise MilvusError(f"Milvus at {target.uri} failed to {doing}: {_reason(err)}") from None


def connect(target: MilvusTarget, create: bool = False):
    """A client of `target`'s server; a Lite file is created only when `create`."""
    if target.is_lite:  # its server runs in this process: no gRPC keepalive chatter on stderr
        os.environ.setdefault("GRPC_VERBOSITY", "NONE")
    try:
        from pymilvus import MilvusClient
        from pymilvus.exceptions import MilvusException
    except ImportError:
        raise MilvusError(f"the Milvus backend needs pymilvus: {INSTALL}") from None
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)  # its errors become our messages
    if target.is_lite:
        logging.getLogger("grpc._server").setLevel(logging.CRITICAL)  # Milvus Lite runs in this process
        if create:
            Path(target.uri).parent.mkdir(parents=True, exist_ok=True)
        elif not Path(target.uri).exists():
            raise MilvusError(f"no Milvus Lite database at {target.uri}: push an index there with "
                              f"`qa-bot build --milvus {target.uri}`")
    try:
        return MilvusClient(uri=target.uri, token=target.token)
    except MilvusException as err:
        raise MilvusError(f"cannot reach Milvus at {target.uri}: {_reason(err)}") from None


def _alias_of(client, name: str) -> str | None:
    """The collection the alias `name` points to, or None when there is no such alias."""
    from pymilvus.exceptions import MilvusException

    try:
        return client.describe_alias(name).get("collection_name") or None
    except MilvusException:
        return None


def _meta(client, collection: str) -> dict | None:
    """What qa-bot recorded on `collection`, or None."""
    raw = client.describe_collection(collection).get("properties", {}).get(META_KEY)
    try:
        return json.loads(raw) if raw else None
    except json.JSONDecodeError:
        return None


def _index_meta(index: Index) -> dict:
    return {"generation": index.manifest["generation"], "embedder": index.embedder_name,
            "dim": int(index.manifest["embedder"]["dim"]), "chunks": len(index.chunks)}


def _schema(client, dim: int):
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


def _write_collection(client, name: str, index: Index, progress) -> None:
    """Create the collection `name` and insert every chunk of `index`."""
    if client.has_collection(name):
        client.drop_collection(name)  # left by an interrupted push
    dim = int(index.manifest["embedder"]["dim"])
    schema, indexes = _schema(client, dim)
    client.create_collection(name, schema=schema, index_params=indexes,
                             properties={META_KEY: json.dumps(_index_meta(index))})
    total = len(index.chunks)
    # the exact float32 vectors (the FAISS index of a large corpus is approximate)
    vectors = load_vectors(index.path / index.manifest["generation"], mmap=True) if total else np.zeros((0, dim), np.float32)
    weights = bm25_matrix(index.bm25)
    for start in range(0, total, BATCH_ROWS):
        client.insert(name, _rows(index, start, min(total, start + BATCH_ROWS), vectors, weights))
        if progress:
            progress("pushing", min(total, start + BATCH_ROWS), total)
    client.flush(name)


def _point_alias(client, target: MilvusTarget, name: str, previous: str | None) -> None:
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
            manifest = read_manifest(index.path)
            if not manifest or manifest.get("generation") != index.manifest["generation"]:
                return  # a newer build has replaced the index meanwhile
            pushes = [p for p in manifest.get("milvus", []) if (p["uri"], p["collection"]) != (target.uri, target.collection)]
            pushes.append({"uri": target.uri, "collection": target.collection, "generation": manifest["generation"],
                           "pushed": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
            write_json_atomic(index.path / "manifest.json", {**manifest, "milvus": pushes})
    except BuildLocked as err:
        raise MilvusError(f"pushed, but could not record it in {index.path}: {err}") from None


def push(index: Index, target: MilvusTarget, progress: Callable[[str, int, int], None] | None = None) -> bool:
    """Copy `index` into `target`'s collection; False when it already held this generation.

    `progress(stage, done, total)` is called after each batch of rows.
    """
    client = connect(target, create=True)
    name = f"{target.collection}_{index.manifest['generation'].replace('-', '_')}"
    with _reported(target, f"take the index as {target.collection!r}"):
        previous = _alias_of(client, target.collection)
        if previous is None and client.has_collection(target.collection):
            raise MilvusError(f"{target.collection!r} at {target.uri} is a collection that qa-bot did not make: "
                              "choose another --collection")
        fresh = previous is None or _meta(client, previous) != _index_meta(index)
        if fresh:
            _write_collection(client, name, index, progress)
            _point_alias(client, target, name, previous)
    _record_push(index, target)
    return fresh


def _check(meta: dict | None, index: Index, target: MilvusTarget) -> None:
    """Refuse a collection made from another index generation or embedder."""
    where = f"the collection {target.collection!r} at {target.uri}"
    push_it = f"`{target.push_command(index.path)}`"
    if meta is None:
        raise MilvusError(f"{where} was not made by `qa-bot build --milvus`: choose another --collection")
    if not same_model(meta.get("embedder", ""), index.embedder_name):
        raise MilvusError(f"{where} holds vectors of the embedder {meta.get('embedder')!r}, the index in "
                          f"{index.path} those of {index.embedder_name!r}: push this index with {push_it}")
    if meta.get("generation") != index.manifest["generation"]:
        raise MilvusError(f"{where} holds generation {meta.get('generation')} of an index, the index in "
                          f"{index.path} is at {index.manifest['generation']}: push it with {push_it}")


def open_backend(index: Index, target: MilvusTarget) -> MilvusBackend:
    """A backend over `target`'s collection, which must hold this generation of `index`."""
    client = connect(target)
    with _reported(target, f"open the collection {target.collection!r}"):
        name = _alias_of(client, target.collection)
        if name is None and not client.has_collection(target.collection):
            raise MilvusError(f"no collection {target.collection!r} at {target.uri}: push the index with "
                              f"`{target.push_command(index.path)}`")
        name = name or target.collection
        _check(_meta(client, name), index, target)
        client.load_collection(name)
    return MilvusBackend(client, name, index.bm25, target)


class MilvusBackend:
    """The dense and BM25 rankings of one Milvus hybrid search, fused by its RRFRanker(60).

    Milvus reports the fused score, not each ranking's rank: hits carry empty
    `ranks`, and their cosine from the returned vector.
    """

    def __init__(self, client, collection: str, bm25: bm25s.BM25, target: MilvusTarget) -> None:
        from pymilvus import AnnSearchRequest, RRFRanker

        self.client, self.collection, self.bm25, self.target = client, collection, bm25, target
        self._request, self._ranker = AnnSearchRequest, RRFRanker(RRF_K)

    def _requests(self, query_vector: np.ndarray | None, tokens: list[str], depth: int, mode: str) -> list:
        requests = []
        if mode in ("hybrid", "dense"):
            vector = np.asarray(query_vector, dtype=np.float32).tolist()
            requests.append(self._request([vector], "dense", {"metric_type": "IP"}, depth))
        counts = query_counts(self.bm25, tokens) if mode in ("hybrid", "bm25") else {}
        if counts:
            requests.append(self._request([counts], "sparse", {"metric_type": "IP"}, depth))
        return requests

    def rank(self, query_vector: np.ndarray | None, tokens: list[str], k: int, depth: int, mode: str) -> list[Fused]:
        """The top `k` chunks; ties in fused score go to the higher cosine, as in `retrieve.rrf`."""
        requests = self._requests(query_vector, tokens, depth, mode)
        if not requests:
            return []
        dense = mode in ("hybrid", "dense")
        with _reported(self.target, "search"):
            found = self.client.hybrid_search(self.collection, requests, self._ranker, limit=k + TIE_MARGIN,
                                              output_fields=["dense"] if dense else ["id"])[0]
        fused = [(int(hit["id"]), float(hit["distance"]), {},
                  float(np.dot(hit["entity"]["dense"], query_vector)) if dense else 0.0) for hit in found]
        fused.sort(key=lambda f: (-f[1], -f[3]))
        return fused[:k]
