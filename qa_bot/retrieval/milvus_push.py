"""Push an index into its Milvus collection, sending only the chunks that changed.

One collection, updated in place. Each row is keyed by its chunk's key
(`chunk_keys`: source, range and text), so an unchanged chunk keeps its row from
push to push. A push finds the keys the collection holds, upserts the rows of the
chunks it lacks, deletes the rows of the chunks that are gone (documents removed
or edited), and then records on the collection the generation it is synced to
(`milvus.open_backend` refuses a collection synced to another one) and in the
index's manifest what it sent.

The keys held are those the index folder's last push left (`pushed_keys`) when
the collection is as that push left it: synced to its generation, no push marked
under way, as many rows as it left. Otherwise (another index pushed meanwhile, an
interrupted push, no readable record) they are read from the collection, every
one. A push marks the collection (`pushing`: its token) before it sends a row and
clears the mark with the generation at the end; it records its keys only when no
other push was marked at its start or took the mark over meanwhile.

A row's BM25 half (`bm25_split`) depends on the corpus through avgdl only: the
collection records the avgdl its rows hold, and every row is rewritten once the
index's avgdl has moved more than `bm25_split.AVGDL_TOLERANCE` from it. A
collection of another embedder, of other tokens or written by an older qa-bot
(a collection per generation behind an alias) is written again from scratch.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..embedders import same_model
from ..errors import BuildLocked, MilvusError
from ..index.dense import load_vectors
from ..index.load import Index
from ..index.manifest import PIPELINE_VERSIONS, load_manifest, now
from ..index.store import MANIFEST, build_lock, write_json_atomic
from ..index.tokens import chunk_tokens, saved_tokens
from .bm25_split import AVGDL_TOLERANCE, K1, B, row_weights
from .chunk_keys import chunk_keys
from .milvus import LAYOUT, META_KEY, MilvusTarget, alias_of, collection_meta, connect, reported
from .pushed_keys import forget_pushed, pushed_keys, record_pushed

if TYPE_CHECKING:
    from pymilvus import CollectionSchema, MilvusClient
    from pymilvus.milvus_client import IndexParams

__all__ = ["PushReport", "push"]

BATCH_ROWS = 256
KEY_BATCH = 10_000
MAX_VARCHAR_BYTES = 65535
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class PushReport:
    """What a push sent: rows upserted and deleted, rows kept as they were, why every row was
    written when it was ('' when only the changes were sent), and why the collection's keys
    were read ('' when those of the last push were taken).
    """

    upserted: int
    deleted: int
    kept: int
    rewritten: str = ""
    keys_read: str = ""

    @property
    def sent(self) -> bool:
        """Whether the push sent any row."""
        return bool(self.upserted or self.deleted)

    def line(self, chunks: int, where: str, seconds: float) -> str:
        """The summary `qa-bot build --milvus` prints."""
        if not self.sent:
            return f"{where} already holds this index: {self.kept} rows kept, nothing sent"
        why = f" (every row written: {self.rewritten})" if self.rewritten else ""
        return (f"pushed {chunks} chunks to {where}: {self.upserted} rows upserted, {self.deleted} deleted, "
                f"{self.kept} kept in {seconds:.1f} s{why}")


@dataclass(frozen=True)
class _Lexical:
    """Each chunk's BM25 tokens (read when asked for) and the index's average chunk length."""

    tokens: Sequence[list[str]]
    avgdl: float


def _lexical(index: Index) -> _Lexical:
    saved = saved_tokens(index.data)
    if saved is not None and len(saved) == len(index.chunks):
        tokens, total = saved, saved.total()
    else:  # a generation of an older qa-bot: tokenised again
        tokens = chunk_tokens(index.chunks, index.documents)
        total = sum(len(t) for t in tokens)
    return _Lexical(tokens, total / len(tokens) if len(tokens) else 0.0)


def _clip(text: str) -> str:
    """`text` cut to what a VARCHAR field holds."""
    return text.encode("utf-8", "ignore")[:MAX_VARCHAR_BYTES].decode("utf-8", "ignore")


def _meta(index: Index, avgdl: float, written: list[float], generation: str) -> dict:
    """What the collection records: the rows' kind, the avgdl they hold, the generation synced to."""
    return {"layout": LAYOUT, "embedder": index.embedder_name, "dim": index.manifest.dim,
            "tokens": PIPELINE_VERSIONS["tokens"], "k1": K1, "b": B, "avgdl": written,
            "index_avgdl": avgdl, "generation": generation, "chunks": len(index.chunks)}


def _same_rows(meta: dict, index: Index) -> str:
    """Why rows of the collection `meta` describes cannot be kept for `index` ('' when they can)."""
    if meta.get("layout") != LAYOUT:
        return "written by an older qa-bot"
    if not same_model(meta.get("embedder", ""), index.embedder_name) or meta.get("dim") != index.manifest.dim:
        return f"it held vectors of {meta.get('embedder')!r}"
    if (meta.get("tokens"), meta.get("k1"), meta.get("b")) != (PIPELINE_VERSIONS["tokens"], K1, B):
        return "it held BM25 weights of other tokens"
    return ""


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


def _drop_generations(client: MilvusClient, name: str) -> None:
    """Drop an older qa-bot's alias `name` and its collections `name_gen_…`."""
    client.drop_alias(name)
    for old in client.list_collections():
        if old.startswith(f"{name}_gen_"):
            client.drop_collection(old)


def _collection(client: MilvusClient, target: MilvusTarget, index: Index, lexical: _Lexical) -> tuple[dict, str]:
    """The collection's record, and why every row is to be written ('' when only changes are):
    made here when missing, made again when its rows cannot be kept.
    """
    name = target.collection
    why = ""
    if alias_of(client, name) is not None:
        why = "the collection was written by an older qa-bot"
        _drop_generations(client, name)
    elif client.has_collection(name):
        meta = collection_meta(client, name)
        if meta is None:
            raise MilvusError(f"{name!r} at {target.uri} is a collection that qa-bot did not make: "
                              "choose another --collection")
        why = _same_rows(meta, index)
        if not why:
            client.load_collection(name)  # a new connection finds it released
            return meta, _drift(meta["avgdl"], lexical.avgdl)
        client.drop_collection(name)
    meta = _meta(index, lexical.avgdl, [lexical.avgdl, lexical.avgdl], "")
    schema, indexes = _schema(client, index.manifest.dim)
    client.create_collection(name, schema=schema, index_params=indexes, properties={META_KEY: json.dumps(meta)})
    return meta, why or "a new collection"


def _drift(written: list[float], avgdl: float) -> str:
    """Why the rows holding the avgdls `written` are to be rewritten for `avgdl` ('' when they are not)."""
    low, high = min(written), max(written)
    if low != high:
        return "an earlier push was interrupted while rewriting them"
    moved = abs(avgdl / low - 1) if low else float(avgdl != 0)
    return f"avgdl moved {moved:.1%}" if moved > AVGDL_TOLERANCE else ""


def _held_keys(client: MilvusClient, name: str) -> np.ndarray:
    """The keys of every row of the collection `name`."""
    iterator = client.query_iterator(name, batch_size=KEY_BATCH, filter="", output_fields=["id"])
    keys: list[int] = []
    try:
        while batch := iterator.next():
            keys.extend(row["id"] for row in batch)
    finally:
        iterator.close()
    return np.asarray(keys, dtype=np.int64)


def _row_count(client: MilvusClient, name: str) -> int:
    """The rows of the collection `name` now (deleted ones left out)."""
    found = client.query(name, filter="", output_fields=["count(*)"], consistency_level="Strong")
    return int(found[0]["count(*)"])


def _last_push(client: MilvusClient, target: MilvusTarget, index: Index, meta: dict) -> tuple[np.ndarray | None, str]:
    """The keys the index folder's last push left in the collection `meta` describes, when it is
    as that push left it; else None and why not.
    """
    if not meta.get("generation"):
        return None, "nothing was pushed to it yet"
    if "pushing" in meta:
        return None, "another push was under way or interrupted"
    keys, why = pushed_keys(index.path, target, meta["generation"])
    if keys is None:
        return None, why
    rows = _row_count(client, target.collection)
    if rows != len(keys) or meta.get("chunks") != len(keys):
        return None, f"it holds {rows} rows, the last push left {len(keys)}"
    return keys, ""


def _mark(client: MilvusClient, name: str, meta: dict, token: str, both: list[float] | None) -> None:
    """Mark the collection as being pushed to by `token`; its rows hold the avgdls `both` meanwhile."""
    marked = {**meta, "pushing": token, **({"avgdl": both} if both else {})}
    client.alter_collection_properties(name, properties={META_KEY: json.dumps(marked)})


def _synced(client: MilvusClient, name: str, synced: dict, token: str) -> bool:
    """Record `synced` on the collection; whether this push (`token`) still held the mark (else
    the other push's mark is kept).
    """
    mark = (collection_meta(client, name) or {}).get("pushing")
    record = synced if mark in (None, token) else {**synced, "pushing": mark}
    client.alter_collection_properties(name, properties={META_KEY: json.dumps(record)})
    return mark == token


def _rows(index: Index, rows: Sequence[int], keys: np.ndarray, vectors: np.ndarray, lexical: _Lexical,
          avgdl: float) -> list[dict]:
    out = []
    for row in rows:
        chunk = index.chunks[row]
        out.append({"id": int(keys[row]), "dense": vectors[row].tolist(),
                    "sparse": row_weights(lexical.tokens[row], avgdl), "text": _clip(chunk.text),
                    "source": _clip(chunk.source), "char_start": chunk.char_start, "char_end": chunk.char_end})
    return out


def _send(client: MilvusClient, name: str, index: Index, send: np.ndarray, gone: np.ndarray, keys: np.ndarray,
          lexical: _Lexical, avgdl: float, progress: Progress | None) -> None:
    """Upsert the rows of the chunks `send` (rows of the index), delete the keys `gone`."""
    vectors = load_vectors(index.data, mmap=True) if len(send) else None
    for start in range(0, len(send), BATCH_ROWS):
        batch = send[start:start + BATCH_ROWS].tolist()
        client.upsert(name, _rows(index, batch, keys, vectors, lexical, avgdl))
        if progress:
            progress("pushing", start + len(batch), len(send))
    for start in range(0, len(gone), KEY_BATCH):
        client.delete(name, ids=gone[start:start + KEY_BATCH].tolist())
    if len(send) or len(gone):
        client.flush(name)


def _record_push(index: Index, target: MilvusTarget, report: PushReport) -> None:
    """Note in the index's manifest which generation `target` holds, and what the push sent."""
    try:
        with build_lock(index.path):
            manifest = load_manifest(index.path)
            if manifest is None or manifest.generation != index.manifest.generation:
                return  # a newer build has replaced the index meanwhile
            push = {"uri": target.uri, "collection": target.collection, "generation": manifest.generation,
                    "pushed": now(), "upserted": report.upserted, "deleted": report.deleted, "kept": report.kept,
                    "keys_read": report.keys_read}
            write_json_atomic(index.path / MANIFEST, manifest.with_push(push).to_dict())
    except BuildLocked as err:
        raise MilvusError(f"pushed, but could not record it in {index.path}: {err}") from None


def _keys(index: Index) -> np.ndarray:
    keys = chunk_keys(index)
    if len(np.unique(keys)) != len(keys):
        raise MilvusError(f"two chunks of the index in {index.path} have the same key: rebuild it")
    return keys


def push(index: Index, target: MilvusTarget, progress: Progress | None = None) -> PushReport:
    """Bring `target`'s collection to `index`: upsert the rows of new chunks, delete those of
    chunks that are gone, keep the others; every row when the collection is new or its rows
    are out of date. `progress(stage, done, total)` is called after each batch of rows.
    """
    client = connect(target, create=True)
    name, token = target.collection, uuid.uuid4().hex
    keys, lexical = _keys(index), _lexical(index)
    with reported(target, f"take the index as {name!r}"):
        meta, rewrite = _collection(client, target, index, lexical)
        last, keys_read = _last_push(client, target, index, meta)
        avgdl = lexical.avgdl if rewrite else min(meta["avgdl"])
        both = [min(avgdl, *meta["avgdl"]), max(avgdl, *meta["avgdl"])]  # readers meanwhile: rows hold either
        _mark(client, name, meta, token, both if rewrite else None)
        held = _held_keys(client, name) if last is None else last
        send = np.arange(len(keys)) if rewrite else np.flatnonzero(~np.isin(keys, held))
        gone = held[~np.isin(held, keys)]
        _send(client, name, index, send, gone, keys, lexical, avgdl, progress)
        synced = _meta(index, lexical.avgdl, [avgdl, avgdl], index.manifest.generation)
        alone = _synced(client, name, synced, token) and "pushing" not in meta
    if alone:
        record_pushed(index.path, target, index.manifest.generation, keys)
    else:  # another push may have sent rows this one did not see
        forget_pushed(index.path, target)
    report = PushReport(upserted=len(send), deleted=len(gone), kept=len(keys) - len(send), rewritten=rewrite,
                        keys_read=keys_read)
    _record_push(index, target, report)
    return report
