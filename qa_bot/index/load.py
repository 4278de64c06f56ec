"""A loaded index: chunks, documents, the dense and the lexical index, its vocabulary.

Files of one generation (`store.py` keeps the folder and its atomic switch; no pickle):

    chunks.jsonl       row i is FAISS id i and BM25 document i
    documents.jsonl    source, metadata and extracted text of each document
    vectors.npy        float32 L2-normalised chunk vectors (allow_pickle=False)
    dense.faiss        the approximate dense index, above dense.EXACT_MAX_CHUNKS only
    bm25/              bm25s arrays (allow_pickle=False)
    vocabulary.json    syllable counts, to restore diacritics and weigh terms
    sentences.npy …    a vector per distinct sentence, for the answer layer (sentences.py)
    facts.sqlite       the facts read from the documents (fact_store.py)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import bm25s

from ..errors import IndexUnusable
from ..ingest.documents import Problem
from ..schema import Chunk, Document
from .dense import load_dense
from .manifest import FORMAT_VERSION, Manifest
from .sentences import SentenceVectors, load_sentence_vectors
from .store import read_jsonl, read_manifest
from .vocabulary import Vocabulary

__all__ = ["Index", "load_index", "read_documents"]


@dataclass
class Index:
    """A loaded index: chunks, documents, the dense and the lexical index."""

    path: Path
    manifest: Manifest
    chunks: list[Chunk]
    documents: dict[str, Document]
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


def read_documents(folder: Path) -> dict[str, Document]:
    """Source → Document of a generation folder's documents.jsonl."""
    return {
        r["source"]: Document(r["source"], r["text"], r.get("meta") or {})
        for r in read_jsonl(Path(folder) / "documents.jsonl")
    }


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
    if not (data / "chunks.jsonl").is_file():
        raise IndexUnusable(f"the index in {index_dir} is incomplete: "
                            f"rebuild it with `qa-bot build --index {index_dir}`")
    chunks = [Chunk.from_dict(r) for r in read_jsonl(data / "chunks.jsonl")]
    dense = load_dense(data, manifest.dense)
    bm25 = bm25s.BM25.load(str(data / "bm25"), allow_pickle=False, show_progress=False, verbosity=0)
    vocabulary = Vocabulary.from_dict(json.loads((data / "vocabulary.json").read_text(encoding="utf-8")))
    problems = [Problem(p["source"], p["reason"]) for p in manifest.problems]
    return Index(index_dir, manifest, chunks, read_documents(data), dense, bm25, vocabulary, problems,
                 load_sentence_vectors(data))
