"""A loaded index: chunks, documents, the dense and the lexical index, its vocabulary.

Files of one generation (`store.py` keeps the folder and its atomic switch; no pickle):

    chunks.arrow       row i is FAISS id i and BM25 document i (chunkstore.py: memory-mapped,
    documents.arrow    read row by row); source, metadata, text and facets of each document
    vectors.npy        float32 L2-normalised chunk vectors (allow_pickle=False)
    dense.faiss        the approximate dense index, above dense.EXACT_MAX_CHUNKS only
    bm25/              bm25s arrays (allow_pickle=False, memory-mapped)
    vocabulary.json    syllable counts, to restore diacritics and weigh terms
    sentences.npy …    a vector per distinct sentence, for the answer layer (sentences.py)
    facts.sqlite       the facts read from the documents (fact_store.py)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import bm25s
import numpy as np

from ..errors import IndexUnusable
from ..ingest.chunking import indexed_text
from ..ingest.documents import Problem
from ..schema import Chunk, Document
from .chunkstore import ChunkTable, DocumentFacets, DocumentTable, document_facets, has_store
from .dense import load_dense
from .lexical import LexicalIndex, load_bm25
from .manifest import FORMAT_VERSION, Manifest
from .sentences import SentenceVectors, load_sentence_vectors
from .store import read_jsonl, read_manifest
from .subset import Subset
from .vocabulary import Vocabulary

__all__ = ["Index", "load_index", "read_chunk_texts", "read_documents"]


@dataclass
class Index:
    """A loaded index: chunks, documents, the dense and the lexical index."""

    path: Path
    manifest: Manifest
    chunks: Sequence[Chunk]  # chunkstore.ChunkTable when loaded: rows read on access
    documents: Mapping[str, Document]  # chunkstore.DocumentTable when loaded
    dense: object  # faiss.Index or dense.RescoredIndex: `search(queries, k)` and `ntotal`
    bm25: bm25s.BM25
    vocabulary: Vocabulary
    problems: list[Problem] = field(default_factory=list)
    sentences: SentenceVectors | None = None
    report: object = None  # build.BuildReport of the build that made it, when it was just built
    updating: bool = False  # another build of this index was running when it was loaded

    @property
    def embedder_name(self) -> str:
        """The name of the embedder that built the vectors."""
        return self.manifest.embedder

    @property
    def data(self) -> Path:
        """The folder of this generation's files."""
        return self.path / self.manifest.generation

    @cached_property
    def lexical(self) -> LexicalIndex:
        """The BM25 ranking over `bm25`."""
        return LexicalIndex(self.bm25)

    def chunk_counts(self) -> dict[str, int]:
        """Source → number of chunks (read from the documents' records, not by reading every chunk)."""
        if isinstance(self.documents, DocumentTable):
            return self.documents.chunk_counts()
        counts: dict[str, int] = {}
        for chunk in self.chunks:
            counts[chunk.source] = counts.get(chunk.source, 0) + 1
        return counts

    def subset(self, allows: Callable[[DocumentFacets], bool]) -> Subset:
        """The chunks of the documents whose facets `allows`."""
        if isinstance(self.documents, DocumentTable):
            rows = [row for row, facets in enumerate(self.documents.facets) if allows(facets)]
            ids = self.documents.chunk_ranges(rows)
            sources = tuple(self.documents.sources[row] for row in rows)
        else:  # records held in memory (an index made by hand)
            sources = tuple(s for s, doc in self.documents.items() if allows(document_facets(doc)))
            kept = set(sources)
            ids = np.asarray([c.id for c in self.chunks if c.source in kept], dtype=np.int64)
        return Subset(ids, sources, len(self.chunks))


def read_documents(folder: Path) -> dict[str, Document]:
    """Source → Document of a generation folder (its store, or the documents.jsonl of format 2)."""
    if has_store(folder):
        table = DocumentTable(folder)
        return {source: table[source] for source in table}
    return {
        r["source"]: Document(r["source"], r["text"], r.get("meta") or {})
        for r in read_jsonl(Path(folder) / "documents.jsonl")
    }


def read_indexed_texts(folder: Path) -> list[str]:
    """What retrieval read of every chunk of a generation folder, in id order (either format): its text
    after its document's title (`ingest.chunking.indexed_text`).
    """
    if not has_store(folder):  # format 2: JSON lines
        documents = read_documents(folder)
        return [indexed_text(r["text"], documents[r["source"]].meta.get("title", "") if r["source"] in documents
                                else "") for r in read_jsonl(Path(folder) / "chunks.jsonl")]
    table = DocumentTable(folder)
    chunks = ChunkTable(folder, table)
    titles = table.titles()
    return [indexed_text(text, titles[row]) for text, row in zip(chunks.texts(), chunks.document_rows.tolist(),
                                                                     strict=True)]


def read_chunk_texts(folder: Path) -> list[str]:
    """The text of every chunk of a generation folder, in id order (either format)."""
    if has_store(folder):
        return list(ChunkTable(folder, DocumentTable(folder)).texts())
    return [r["text"] for r in read_jsonl(Path(folder) / "chunks.jsonl")]


def _manifest_of(index_dir: Path) -> Manifest:
    """The index's manifest, or IndexUnusable saying what to run."""
    data = read_manifest(index_dir)
    if data is None:
        raise IndexUnusable(f"no index in {index_dir}: run `qa-bot build --index {index_dir}`")
    if data.get("format_version") != FORMAT_VERSION:
        raise IndexUnusable(
            f"the index in {index_dir} has format {data.get('format_version')}, this qa-bot "
            f"reads format {FORMAT_VERSION}: rebuild it with `qa-bot build --index {index_dir}`"
        )
    try:
        return Manifest.from_dict(data)
    except (KeyError, TypeError, ValueError):
        raise IndexUnusable(f"the manifest of the index in {index_dir} is damaged: "
                            f"rebuild it with `qa-bot build --index {index_dir}`") from None


def load_index(index_dir: Path, embedder_name: str | None = None) -> Index:
    """Load the index in `index_dir`; refuse another format or another embedder."""
    index_dir = Path(index_dir)
    manifest = _manifest_of(index_dir)
    manifest.check(index_dir, embedder_name)
    data = index_dir / manifest.generation
    if not has_store(data):
        raise IndexUnusable(f"the index in {index_dir} is incomplete: "
                            f"rebuild it with `qa-bot build --index {index_dir}`")
    documents = DocumentTable(data)
    chunks = ChunkTable(data, documents)
    dense = load_dense(data, manifest.dense)
    bm25 = load_bm25(data / "bm25")
    vocabulary = Vocabulary.from_dict(json.loads((data / "vocabulary.json").read_text(encoding="utf-8")))
    problems = [Problem(p["source"], p["reason"]) for p in manifest.problems]
    return Index(index_dir, manifest, chunks, documents, dense, bm25, vocabulary, problems,
                 load_sentence_vectors(data))
