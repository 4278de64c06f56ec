"""The Milvus backend: an index's vectors in a Milvus collection, one hybrid search a question.

A collection holds one row per chunk (written by `milvus_push.push`); its primary
key is the chunk's row in the local index, so answer extraction still reads the
chunks, documents and vocabulary of the (small) local index folder:

    id                         INT64, the chunk's row in the chunk store (chunks.arrow)
    dense                      FLOAT_VECTOR, the embedder's unit vector (FLAT, IP = cosine)
    sparse                     SPARSE_FLOAT_VECTOR, the chunk's BM25 weights (SPARSE_INVERTED_INDEX, IP)
    text, source, char_start, char_end    so that the collection describes itself

The collection's property `qa_bot` records the generation and embedder: a
backend refuses a collection of another generation or embedder.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shlex
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import bm25s
import numpy as np

from ..embedders import same_model
from ..errors import MilvusError
from ..index.load import Index
from ..index.subset import Subset
from .fusion import RRF_K, Fused

if TYPE_CHECKING:
    from pymilvus import MilvusClient

__all__ = [
    "DEFAULT_COLLECTION",
    "MilvusBackend",
    "MilvusTarget",
    "alias_of",
    "collection_meta",
    "connect",
    "open_backend",
    "query_counts",
    "reported",
]

DEFAULT_COLLECTION = "qa_bot"
INSTALL = "pip install 'qa-bot[milvus]'"
META_KEY = "qa_bot"
TIE_MARGIN = 10  # fused hits fetched beyond k, so that a tie at the cut is settled as the FAISS backend does


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


def query_counts(bm25: bm25s.BM25, tokens: list[str]) -> dict[int, float]:
    """Term id → count of the query's tokens that the index knows."""
    return {int(term): float(count) for term, count in Counter(bm25.get_tokens_ids(tokens)).items()}


def _reason(err: Exception) -> str:
    return str(getattr(err, "message", "") or err)


@contextlib.contextmanager
def reported(target: MilvusTarget, doing: str) -> Iterator[None]:
    """Milvus' exceptions as a MilvusError naming the URI."""
    from pymilvus.exceptions import MilvusException

    try:
        yield
    except MilvusException as err:
        raise MilvusError(f"Milvus at {target.uri} failed to {doing}: {_reason(err)}") from None


def connect(target: MilvusTarget, create: bool = False) -> MilvusClient:
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


def alias_of(client: MilvusClient, name: str) -> str | None:
    """The collection the alias `name` points to, or None when there is no such alias."""
    from pymilvus.exceptions import MilvusException

    try:
        return client.describe_alias(name).get("collection_name") or None
    except MilvusException:
        return None


def collection_meta(client: MilvusClient, collection: str) -> dict | None:
    """What qa-bot recorded on `collection`, or None."""
    raw = client.describe_collection(collection).get("properties", {}).get(META_KEY)
    try:
        return json.loads(raw) if raw else None
    except json.JSONDecodeError:
        return None


def _check(meta: dict | None, index: Index, target: MilvusTarget) -> None:
    """Refuse a collection made from another index generation or embedder."""
    where = f"the collection {target.collection!r} at {target.uri}"
    push_it = f"`{target.push_command(index.path)}`"
    if meta is None:
        raise MilvusError(f"{where} was not made by `qa-bot build --milvus`: choose another --collection")
    if not same_model(meta.get("embedder", ""), index.embedder_name):
        raise MilvusError(f"{where} holds vectors of the embedder {meta.get('embedder')!r}, the index in "
                          f"{index.path} those of {index.embedder_name!r}: push this index with {push_it}")
    if meta.get("generation") != index.manifest.generation:
        raise MilvusError(f"{where} holds generation {meta.get('generation')} of an index, the index in "
                          f"{index.path} is at {index.manifest.generation}: push it with {push_it}")


def open_backend(index: Index, target: MilvusTarget) -> MilvusBackend:
    """A backend over `target`'s collection, which must hold this generation of `index`."""
    client = connect(target)
    with reported(target, f"open the collection {target.collection!r}"):
        name = alias_of(client, target.collection)
        if name is None and not client.has_collection(target.collection):
            raise MilvusError(f"no collection {target.collection!r} at {target.uri}: push the index with "
                              f"`{target.push_command(index.path)}`")
        name = name or target.collection
        _check(collection_meta(client, name), index, target)
        client.load_collection(name)
    return MilvusBackend(client, name, index.bm25, target)


class MilvusBackend:
    """The dense and BM25 rankings of one Milvus hybrid search, fused by its RRFRanker(60).

    Milvus reports the fused score, not each ranking's rank: hits carry empty
    `ranks`, and their cosine from the returned vector.
    """

    def __init__(self, client: MilvusClient, collection: str, bm25: bm25s.BM25, target: MilvusTarget) -> None:
        from pymilvus import AnnSearchRequest, RRFRanker

        self.client, self.collection, self.bm25, self.target = client, collection, bm25, target
        self._request, self._ranker = AnnSearchRequest, RRFRanker(RRF_K)

    def _requests(self, query_vector: np.ndarray | None, tokens: list[str], depth: int, mode: str,
                  subset: Subset | None = None) -> list:
        requests = []
        expr = {} if subset is None else {"expr": subset.milvus_filter()}
        if mode in ("hybrid", "dense"):
            vector = np.asarray(query_vector, dtype=np.float32).tolist()
            requests.append(self._request([vector], "dense", {"metric_type": "IP"}, depth, **expr))
        counts = query_counts(self.bm25, tokens) if mode in ("hybrid", "bm25") else {}
        if counts:
            requests.append(self._request([counts], "sparse", {"metric_type": "IP"}, depth, **expr))
        return requests

    def rank(self, query_vector: np.ndarray | None, tokens: list[str], k: int, depth: int, mode: str,
             subset: Subset | None = None) -> list[Fused]:
        """The top `k` chunks (of `subset`'s documents, by a filter expression, when given); ties
        in fused score go to the higher cosine, as in `retrieve.rrf`.
        """
        requests = self._requests(query_vector, tokens, depth, mode, subset)
        if not requests:
            return []
        dense = mode in ("hybrid", "dense")
        with reported(self.target, "search"):
            found = self.client.hybrid_search(self.collection, requests, self._ranker, limit=k + TIE_MARGIN,
                                              output_fields=["dense"] if dense else ["id"])[0]
        fused = [(int(hit["id"]), float(hit["distance"]), {},
                  float(np.dot(hit["entity"]["dense"], query_vector)) if dense else 0.0) for hit in found]
        fused.sort(key=lambda f: (-f[1], -f[3]))
        return fused[:k]
