"""The chunk store: chunk and document records in Arrow IPC files, memory-mapped and read lazily.

    chunks.arrow       one row per chunk (row i is FAISS id i and BM25 document i):
                       doc (row of its document), char_start, char_end, text, sentences
    documents.arrow    one row per document: source, meta (JSON), text, first_chunk,
                       chunks, and the facets a filter needs (province, provinces and
                       years the text names), worked out once at build time

Opening a store maps the files and reads nothing else: a million chunks open in
milliseconds, and a question reads only its hits' rows. Arrow IPC (uncompressed)
rather than Parquet (compressed pages: no zero-copy row access) or SQLite (rows
as fast, whole columns ~1,000× slower): see docs/benchmark.md "Chunk store".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from ..ingest.provinces import document_province, find_provinces
from ..schema import Chunk, Document
from .mapped import map_file

__all__ = ["CHUNKS", "DOCUMENTS", "ChunkTable", "ChunkWriter", "DocumentFacets", "DocumentTable", "chunk_holding",
           "document_facets", "has_store", "write_documents", "write_store"]

CHUNKS = "chunks.arrow"
DOCUMENTS = "documents.arrow"
BATCH_ROWS = 65_536
_YEARS = re.compile(r"(?=(19\d\d|20\d\d))")  # every year a text contains, overlapping as `in` finds them

_CHUNK_SCHEMA = pa.schema([
    ("doc", pa.int32()), ("char_start", pa.int64()), ("char_end", pa.int64()),
    ("text", pa.large_string()), ("sentences", pa.list_(pa.int64())),
])
_DOC_SCHEMA = pa.schema([
    ("source", pa.string()), ("meta", pa.large_string()), ("text", pa.large_string()),
    ("first_chunk", pa.int64()), ("chunks", pa.int64()), ("province", pa.string()),
    ("provinces_named", pa.list_(pa.string())), ("years_named", pa.list_(pa.string())),
])


@dataclass(frozen=True)
class DocumentFacets:
    """What a filter asks of a document, without its text."""

    source: str
    date: str
    province: str | None  # from its metadata, else the one its beginning names most
    provinces_named: tuple[str, ...]  # every province its text names (only read, and kept, when province is None)
    years_named: frozenset[str]  # every year (19xx, 20xx) its text contains


def document_facets(doc: Document) -> DocumentFacets:
    """The facets of `doc`, as the filters read them.

    >>> f = document_facets(Document("a.txt", "Hà Giang năm 2021", {"date": "2022-01-05"}))
    >>> f.province, f.provinces_named, sorted(f.years_named), f.date
    (None, ('Hà Giang',), ['2021'], '2022-01-05')
    """
    province = document_province(doc)
    # the provinces named anywhere count only for a document without a province of its own
    named = () if province else tuple(dict.fromkeys(name for name, _, _ in find_provinces(doc.text)))
    return DocumentFacets(doc.source, str(doc.meta.get("date") or ""), province, named,
                          frozenset(_YEARS.findall(doc.text)))


def _write(path: Path, schema: pa.Schema, columns: dict[str, list]) -> None:
    table = pa.table({name: pa.array(columns[name], schema.field(name).type) for name in schema.names},
                     schema=schema)
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, schema) as writer:
        writer.write_table(table, max_chunksize=BATCH_ROWS)


class ChunkWriter:
    """Writes chunks.arrow a batch of columns at a time (for corpora too large to hold as
    `Chunk` records, such as the benchmark's): `with ChunkWriter(folder) as w: w.write(...)`.
    The file has record batches of BATCH_ROWS rows, as `write_store` writes them (opening
    a store reads every batch's header: 10,000 small batches mapped 630 MB of a 1M index).
    """

    def __init__(self, folder: Path) -> None:
        self._sink = pa.OSFile(str(Path(folder) / CHUNKS), "wb")
        self._writer = ipc.new_file(self._sink, _CHUNK_SCHEMA)
        self._pending: list[pa.RecordBatch] = []

    def write(self, doc: np.ndarray, char_start: np.ndarray, char_end: np.ndarray, texts: list[str],
              sentence_offsets: np.ndarray, sentence_bounds: np.ndarray) -> None:
        """Append chunks: their document rows, ranges, texts, and sentence bounds (chunk i's
        [start, end, start, end, …] are sentence_bounds[sentence_offsets[i]:sentence_offsets[i + 1]]).
        """
        sentences = pa.ListArray.from_arrays(pa.array(sentence_offsets, pa.int32()),
                                             pa.array(sentence_bounds, pa.int64()))
        batch = pa.record_batch([pa.array(doc, pa.int32()), pa.array(char_start, pa.int64()),
                                 pa.array(char_end, pa.int64()), pa.array(texts, pa.large_string()), sentences],
                                schema=_CHUNK_SCHEMA)
        self._pending.append(batch)
        if sum(b.num_rows for b in self._pending) >= BATCH_ROWS:
            self._flush(whole_batches_only=True)

    def _flush(self, whole_batches_only: bool) -> None:
        """Write the pending rows in batches of BATCH_ROWS (keeping back a last, partial one when asked)."""
        table = pa.Table.from_batches(self._pending, schema=_CHUNK_SCHEMA).combine_chunks()
        written = (table.num_rows // BATCH_ROWS) * BATCH_ROWS if whole_batches_only else table.num_rows
        if written:
            self._writer.write_table(table.slice(0, written), max_chunksize=BATCH_ROWS)
        self._pending = table.slice(written).to_batches() if written < table.num_rows else []

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pending:
            self._flush(whole_batches_only=False)
        self._writer.close()
        self._sink.close()


def write_documents(folder: Path, documents: Sequence[Document], firsts: Sequence[int], counts: Sequence[int],
                    facets: Sequence[DocumentFacets]) -> None:
    """Write documents.arrow: each document, its first chunk and number of chunks, its facets."""
    _write(Path(folder) / DOCUMENTS, _DOC_SCHEMA, {
        "source": [d.source for d in documents], "meta": [json.dumps(d.meta, ensure_ascii=False) for d in documents],
        "text": [d.text for d in documents], "first_chunk": list(firsts), "chunks": list(counts),
        "province": [f.province for f in facets], "provinces_named": [list(f.provinces_named) for f in facets],
        "years_named": [sorted(f.years_named) for f in facets]})


def write_store(folder: Path, chunks: Sequence[Chunk], documents: Sequence[Document],
                facets: Sequence[DocumentFacets] | None = None) -> None:
    """Write `chunks` (in document order, ids 0..n-1) and `documents` into `folder`.

    `facets` are the documents' facets when the caller has them (else worked out here).
    """
    folder = Path(folder)
    row_of = {doc.source: row for row, doc in enumerate(documents)}
    doc_rows = np.asarray([row_of[c.source] for c in chunks], dtype=np.int64)
    if np.any(np.diff(doc_rows) < 0) or any(c.id != i for i, c in enumerate(chunks)):
        raise ValueError("chunks must come in document order with ids 0, 1, 2, …")
    _write(folder / CHUNKS, _CHUNK_SCHEMA, {
        "doc": doc_rows.tolist(), "char_start": [c.char_start for c in chunks],
        "char_end": [c.char_end for c in chunks], "text": [c.text for c in chunks],
        "sentences": [[x for pair in c.sentences for x in pair] for c in chunks]})
    counts = np.bincount(doc_rows, minlength=len(documents)) if len(chunks) else np.zeros(len(documents), np.int64)
    firsts = np.searchsorted(doc_rows, np.arange(len(documents))) if len(chunks) else counts
    facets = list(facets) if facets is not None else [document_facets(d) for d in documents]
    write_documents(folder, documents, firsts.tolist(), counts.tolist(), facets)


def has_store(folder: Path) -> bool:
    """Whether `folder` holds a chunk store."""
    return (Path(folder) / CHUNKS).is_file() and (Path(folder) / DOCUMENTS).is_file()


class _Rows:
    """The record batches of a memory-mapped Arrow IPC file, addressed by row."""

    def __init__(self, path: Path) -> None:
        reader = ipc.open_file(pa.BufferReader(pa.py_buffer(map_file(path))))  # zero-copy over the map
        self.batches = [reader.get_batch(i) for i in range(reader.num_record_batches)]
        self.starts = np.cumsum([0] + [b.num_rows for b in self.batches]).astype(np.int64)

    def __len__(self) -> int:
        return int(self.starts[-1])

    def cell(self, column: str, row: int) -> object:
        """The value of `column` in `row`."""
        batch = int(np.searchsorted(self.starts, row, side="right")) - 1
        return self.batches[batch].column(column)[row - int(self.starts[batch])].as_py()

    def column(self, column: str) -> np.ndarray:
        """A whole numeric column as one array."""
        if not self.batches:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([b.column(column).to_numpy() for b in self.batches])


class DocumentTable(Mapping[str, Document]):
    """Source → Document over documents.arrow; a document's text is read when it is asked for."""

    def __init__(self, folder: Path) -> None:
        self._rows = _Rows(Path(folder) / DOCUMENTS)
        self._cache: dict[str, Document] = {}

    @cached_property
    def sources(self) -> list[str]:
        """The sources, in row order."""
        return [s for b in self._rows.batches for s in b.column("source").to_pylist()]

    @cached_property
    def _row_of(self) -> dict[str, int]:
        return {source: row for row, source in enumerate(self.sources)}

    def __getitem__(self, source: str) -> Document:
        doc = self._cache.get(source)
        if doc is None:
            row = self._row_of[source]
            doc = Document(source, self._rows.cell("text", row), json.loads(self._rows.cell("meta", row)))
            if len(self._cache) >= 256:
                self._cache.clear()
            self._cache[source] = doc
        return doc

    def __contains__(self, source: object) -> bool:
        return source in self._row_of

    def titles(self) -> list[str]:
        """Each document's own title ('' for none), in row order, without reading its text."""
        return [json.loads(meta or "{}").get("title", "") for b in self._rows.batches
                for meta in b.column("meta").to_pylist()]

    def __iter__(self) -> Iterator[str]:
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self._rows)

    def chunk_counts(self) -> dict[str, int]:
        """Source → number of chunks."""
        return dict(zip(self.sources, self._rows.column("chunks").tolist(), strict=True))

    def chunk_ranges(self, rows: Iterable[int]) -> np.ndarray:
        """The ids of the chunks of the documents in `rows` (row numbers), ascending."""
        firsts, counts = self._first_chunks, self._chunk_counts
        rows = np.asarray(sorted(rows), dtype=np.int64)
        if not len(rows):
            return np.zeros(0, dtype=np.int64)
        lengths = counts[rows]
        starts = np.repeat(firsts[rows] - np.cumsum(lengths) + lengths, lengths)
        return starts + np.arange(int(lengths.sum()), dtype=np.int64)

    @cached_property
    def _first_chunks(self) -> np.ndarray:
        return self._rows.column("first_chunk").astype(np.int64)

    @cached_property
    def _chunk_counts(self) -> np.ndarray:
        return self._rows.column("chunks").astype(np.int64)

    @cached_property
    def facets(self) -> list[DocumentFacets]:
        """Every document's facets, in row order (read once)."""
        out = []
        for batch in self._rows.batches:
            meta = batch.column("meta").to_pylist()
            columns = zip(batch.column("source").to_pylist(), meta, batch.column("province").to_pylist(),
                          batch.column("provinces_named").to_pylist(), batch.column("years_named").to_pylist(),
                          strict=True)
            for source, m, province, named, years in columns:
                date = str(json.loads(m).get("date") or "") if '"date"' in m else ""
                out.append(DocumentFacets(source, date, province, tuple(named), frozenset(years)))
        return out


class ChunkTable(Sequence[Chunk]):
    """The chunks of chunks.arrow by id (row); each row is read when it is asked for."""

    def __init__(self, folder: Path, documents: DocumentTable) -> None:
        self._rows = _Rows(Path(folder) / CHUNKS)
        self._documents = documents

    def __len__(self) -> int:
        return len(self._rows)

    def _chunk(self, row: int) -> Chunk:
        if not -len(self) <= row < len(self):
            raise IndexError(f"chunk {row} out of range")
        row = row % len(self)
        batch = int(np.searchsorted(self._rows.starts, row, side="right")) - 1
        record, at = self._rows.batches[batch], row - int(self._rows.starts[batch])
        flat = record.column("sentences")[at].as_py()
        return Chunk(row, self._documents.sources[record.column("doc")[at].as_py()],
                     record.column("char_start")[at].as_py(), record.column("char_end")[at].as_py(),
                     record.column("text")[at].as_py(), tuple(zip(flat[::2], flat[1::2], strict=True)))

    def __getitem__(self, item: int | slice) -> Chunk | list[Chunk]:
        if isinstance(item, slice):
            return [self._chunk(i) for i in range(*item.indices(len(self)))]
        return self._chunk(int(item))

    def __iter__(self) -> Iterator[Chunk]:
        return (self._chunk(i) for i in range(len(self)))

    def texts(self) -> Iterator[str]:
        """Every chunk's text, in id order (a batch at a time)."""
        for batch in self._rows.batches:
            yield from batch.column("text").to_pylist()

    @cached_property
    def document_rows(self) -> np.ndarray:
        """The document row of every chunk."""
        return self._rows.column("doc")

    @cached_property
    def char_starts(self) -> np.ndarray:
        """Where every chunk starts in its document."""
        return self._rows.column("char_start")

    @cached_property
    def char_ends(self) -> np.ndarray:
        """Where every chunk ends in its document."""
        return self._rows.column("char_end")


def chunk_holding(chunks: Sequence[Chunk], near: Chunk, offset: int) -> Chunk | None:
    """The chunk of `near`'s document whose text holds the character `offset` (None when none does,
    as in the gap page clutter leaves), searched from `near` outwards: a document's chunks have
    consecutive ids, in text order, so a few reads find it however long the document.
    """
    if near.char_start <= offset < near.char_end:
        return near
    forward = offset >= near.char_start

    def before_target(i: int) -> bool:  # chunk i lies between `near` and the target, target excluded
        if not 0 <= i < len(chunks):
            return False
        chunk = chunks[i]
        if chunk.source != near.source:
            return False
        return chunk.char_end <= offset if forward else chunk.char_start > offset

    step = 1 if forward else -1
    inside, distance = near.id, 1  # `inside` is known to lie before the target (or be `near`)
    while before_target(near.id + step * distance):
        inside, distance = near.id + step * distance, distance * 2
    outside = near.id + step * distance  # the first probe past it
    while abs(outside - inside) > 1:
        middle = (inside + outside) // 2
        inside, outside = (middle, outside) if before_target(middle) else (inside, middle)
    if not 0 <= outside < len(chunks):
        return None
    chunk = chunks[outside]
    return chunk if chunk.source == near.source and chunk.char_start <= offset < chunk.char_end else None
