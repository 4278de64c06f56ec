"""A chunk's identity across index generations, and the way back from a Milvus row to the chunk.

A chunk's row number changes whenever a document before it is added or removed,
so a Milvus row is keyed by what the chunk is: a 63-bit hash of its source, its
character range and its text. An unchanged chunk keeps its key in every build;
an edited document's chunks from the edit on get new ones.

A search hit names its chunk by source and start (fields of the row), which
`ChunkRows` turns into the chunk's row in the local index without reading any
chunk's text: the chunks of a document are consecutive rows, in order of start.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ..index.chunkstore import ChunkTable, DocumentTable
from ..index.load import Index

__all__ = ["ChunkRows", "chunk_key", "chunk_keys"]


def chunk_key(source: str, char_start: int, char_end: int, text: str) -> int:
    """The chunk's key: the same for the same source, range and text, in any build.

    >>> chunk_key("a.txt", 0, 5, "Hà Nội") == chunk_key("a.txt", 0, 5, "Hà Nội") != chunk_key("a.txt", 0, 5, "Ha Noi")
    True
    """
    head = f"{source}\x1f{char_start}\x1f{char_end}\x1f".encode()
    digest = hashlib.blake2b(head + text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1  # INT64, not negative


def chunk_keys(index: Index) -> np.ndarray:
    """The key of every chunk of `index`, in row order (read column by column from a chunk store)."""
    chunks = index.chunks
    if isinstance(chunks, ChunkTable) and isinstance(index.documents, DocumentTable):
        sources = index.documents.sources
        rows = zip(chunks.document_rows.tolist(), chunks.char_starts.tolist(), chunks.char_ends.tolist(),
                   chunks.texts(), strict=True)
        keys = (chunk_key(sources[doc], start, end, text) for doc, start, end, text in rows)
    else:  # chunks held in memory (an index made by hand)
        keys = (chunk_key(c.source, c.char_start, c.char_end, c.text) for c in chunks)
    return np.fromiter(keys, dtype=np.int64, count=len(chunks))


class ChunkRows:
    """(source, start) of a chunk → its row in `index`, or None for a chunk the index lacks."""

    def __init__(self, index: Index) -> None:
        chunks = index.chunks
        self.starts = chunks.char_starts if isinstance(chunks, ChunkTable) else \
            np.asarray([c.char_start for c in chunks], dtype=np.int64)
        counts = index.chunk_counts()  # in row order: a document's chunks are consecutive rows
        firsts = np.cumsum([0, *counts.values()])
        self.ranges = {source: (int(first), int(first + n)) for (source, n), first in zip(counts.items(), firsts,
                                                                                          strict=False)}

    def row(self, source: str, char_start: int) -> int | None:
        """The row of the chunk of `source` starting at `char_start`."""
        first, end = self.ranges.get(source, (0, 0))
        at = first + int(np.searchsorted(self.starts[first:end], char_start))
        return at if at < end and int(self.starts[at]) == char_start else None
