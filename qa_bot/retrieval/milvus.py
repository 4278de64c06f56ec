"""The Milvus backend: an index's vectors in a Milvus collection, two searches a question.

A collection holds one row per chunk (written by `milvus_push.push`), updated in
place push after push. Its primary key is the chunk's key (`chunk_keys`: a hash
of source, range and text, the same in every build), and a hit is brought back
to its row in the local index by its source and start; answer extraction still
reads the chunks, documents and vocabulary of the (small) local index folder:

    id                         INT64, the chunk's key (chunk_keys.chunk_key)
    dense                      FLOAT_VECTOR, the embedder's unit vector (FLAT, IP = cosine)
    sparse                     SPARSE_FLOAT_VECTOR, the chunk's half of BM25 (bm25_split; SPARSE_INVERTED_INDEX, IP)
    text, source, char_start, char_end    so that the collection describes itself

A question is a dense search and a sparse one; the sparse candidates are scored
exactly with the index's own bm25s weights (`bm25_split`), and the two rankings
fused here by `fusion.rrf`, as the FAISS backend fuses them: the same ranking.

The collection's property `qa_bot` records the generation it was last synced to,
the embedder, and the avgdl its rows hold: a backend refuses a collection synced
to another generation or made by another embedder.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..embedders import same_model
from ..errors import MilvusError
from ..index.load import Index
from ..index.subset import Subset
from .bm25_split import exact_scores, proven, query_weights
from .chunk_keys import ChunkRows
from .fusion import Fused, fused

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
    "reported",
]

DEFAULT_COLLECTION = "qa_bot"
INSTALL = "pip install 'qa-bot[milvus]'"
META_KEY = "qa_bot"
LAYOUT = 2  # 1: a collection per generation behind an alias; 2: one collection updated in place
MAX_LIMIT = 16384  # the most hits Milvus returns for one search


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
    """Refuse a collection synced to another index generation or made by another embedder."""
    where = f"the collection {target.collection!r} at {target.uri}"
    push_it = f"`{target.push_command(index.path)}`"
    if meta is None:
        raise MilvusError(f"{where} was not made by `qa-bot build --milvus`: choose another --collection")
    if meta.get("layout") != LAYOUT:
        raise MilvusError(f"{where} was written by an older qa-bot: push the index again with {push_it}")
    if not same_model(meta.get("embedder", ""), index.embedder_name):
        raise MilvusError(f"{where} holds vectors of the embedder {meta.get('embedder')!r}, the index in "
                          f"{index.path} those of {index.embedder_name!r}: push this index with {push_it}")
    if meta.get("generation") != index.manifest.generation:
        raise MilvusError(f"{where} is synced to generation {meta.get('generation')} of an index, the index in "
                          f"{index.path} is at {index.manifest.generation}: push it with {push_it}")


def open_backend(index: Index, target: MilvusTarget) -> MilvusBackend:
    """A backend over `target`'s collection, which must be synced to this generation of `index`."""
    client = connect(target)
    with reported(target, f"open the collection {target.collection!r}"):
        if alias_of(client, target.collection) is not None:  # a collection per generation (LAYOUT 1)
            meta = {"layout": 1}
        elif client.has_collection(target.collection):
            meta = collection_meta(client, target.collection)
        else:
            raise MilvusError(f"no collection {target.collection!r} at {target.uri}: push the index with "
                              f"`{target.push_command(index.path)}`")
        _check(meta, index, target)
        client.load_collection(target.collection)
    written, avgdl = min(meta["avgdl"]), meta["index_avgdl"]
    return MilvusBackend(client, target, index, floor=min(1.0, written / avgdl) if avgdl else 1.0)


class MilvusBackend:
    """The dense and BM25 rankings searched in Milvus, scored and fused here as by the FAISS backend.

    A hit of a chunk this index lacks (rows pushed from a newer generation while
    this backend is open) is left out.
    """

    def __init__(self, client: MilvusClient, target: MilvusTarget, index: Index, floor: float = 1.0) -> None:
        self.client, self.target, self.index, self.floor = client, target, index, floor
        self.collection = target.collection
        self.rows = ChunkRows(index)

    def _search(self, vector: list[float] | dict[int, float], field: str, limit: int,
                subset: Subset | None) -> tuple[list[tuple[int, float]], int, float]:
        """(row, Milvus's score) of the best `limit` rows by `field`, best first, leaving out rows this
        index lacks; and how many rows Milvus returned, and the last one's score.
        """
        expr = "" if subset is None else subset.milvus_filter()
        with reported(self.target, "search"):
            found = self.client.search(self.collection, [vector], anns_field=field, limit=limit, filter=expr,
                                       search_params={"metric_type": "IP"},
                                       output_fields=["source", "char_start"])[0]
        hits = [(self.rows.row(hit["entity"]["source"], hit["entity"]["char_start"]), float(hit["distance"]))
                for hit in found]
        last = hits[-1][1] if hits else 0.0
        return [(row, score) for row, score in hits if row is not None], len(hits), last

    def _dense(self, query_vector: np.ndarray, depth: int, subset: Subset | None) -> tuple[list[int], dict[int, float]]:
        if depth <= 0:
            return [], {}
        vector = np.asarray(query_vector, dtype=np.float32).tolist()
        hits = sorted(self._search(vector, "dense", depth, subset)[0], key=lambda h: (-h[1], h[0]))
        return [row for row, _ in hits], dict(hits)

    def _bm25(self, tokens: list[str], depth: int, subset: Subset | None) -> list[int]:
        """bm25s's ranking: Milvus's candidates (2 × depth, else 8 × depth), when no chunk left out
        can enter it; else the index's own ranking.
        """
        lexical = self.index.lexical
        query = query_weights(lexical, tokens)
        if not query or depth <= 0:
            return []
        for asked in (min(MAX_LIMIT, 2 * depth), min(MAX_LIMIT, 8 * depth)):
            hits, returned, last = self._search(query, "sparse", asked, subset)
            rows = np.unique(np.asarray([row for row, _ in hits], dtype=np.int64))
            scores = exact_scores(lexical, tokens, rows)
            order = [i for i in sorted(range(len(rows)), key=lambda i: (-scores[i], rows[i])) if scores[i] > 0]
            if proven(scores[order[:depth]], depth, returned, asked, last, self.floor):
                return rows[order[:depth]].tolist()
        return lexical.top(tokens, depth, ids=None if subset is None else subset.ids)

    def rank(self, query_vector: np.ndarray | None, tokens: list[str], k: int, depth: int, mode: str,
             subset: Subset | None = None) -> list[Fused]:
        """The top `k` chunks (of `subset`'s documents, by a filter expression, when given), as
        the FAISS backend ranks them.
        """
        rankings: dict[str, list[int]] = {}
        cosines: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            rankings["dense"], cosines = self._dense(query_vector, depth, subset)
        if mode in ("hybrid", "bm25"):
            rankings["bm25"] = self._bm25(tokens, depth, subset)
        return fused(rankings, cosines, k)
