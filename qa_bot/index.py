"""The index on disk: chunks, FAISS vectors, BM25 over Vietnamese tokens, a manifest.

Layout of an index folder (no pickle anywhere)::

    manifest.json          what was built, by which embedder, from which corpus;
                           names the generation folder that holds the data
    gen-<id>/chunks.jsonl  row i is FAISS id i and BM25 document i
    gen-<id>/documents.jsonl   source, metadata and extracted text of each document
    gen-<id>/dense.faiss   inner-product index over L2-normalised vectors
    gen-<id>/bm25/         bm25s arrays (allow_pickle=False)
    gen-<id>/vocabulary.json   syllable counts, to restore diacritics and weigh terms

A build writes a new generation folder, then replaces manifest.json in one
atomic rename: a reader sees the old index or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import bm25s
import faiss
import numpy as np

from . import __version__
from .chunking import chunk_documents
from .documents import Problem, fingerprint, load_corpus
from .embed import Embedder
from .restore import Vocabulary, build_vocabulary
from .schema import Chunk, Document
from .text import lexical_tokens

__all__ = ["Index", "IndexError_", "build_index", "load_index", "ensure_index", "FORMAT_VERSION"]

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK_CHARS = 600


class IndexError_(RuntimeError):
    """An index that cannot be used as it is; the message says what to run."""


@dataclass
class Index:
    """A loaded index: chunks, documents, the dense and the lexical index."""

    path: Path
    manifest: dict
    chunks: list[Chunk]
    documents: dict[str, Document]
    dense: faiss.Index
    bm25: bm25s.BM25
    vocabulary: Vocabulary
    problems: list[Problem] = field(default_factory=list)

    @property
    def embedder_name(self) -> str:
        """The name of the embedder that built the vectors."""
        return self.manifest["embedder"]["name"]


def _write_jsonl(path: Path, records) -> None:
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _write_json_atomic(path: Path, data: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False, indent=2)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _dense_index(vectors: np.ndarray, dim: int) -> faiss.Index:
    index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index


def _bm25_index(chunks: list[Chunk]) -> bm25s.BM25:
    bm25 = bm25s.BM25()
    bm25.index([lexical_tokens(c.text) or [""] for c in chunks], show_progress=False)
    return bm25


def _manifest(embedder: Embedder, corpus: Path, docs, chunks, problems, generation: str) -> dict:
    import underthesea

    return {
        "format_version": FORMAT_VERSION,
        "qa_bot": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "generation": generation,
        "embedder": {"name": embedder.name, "dim": int(embedder.dim)},
        "text": {"unicode": "NFC", "fold": True, "segmenter": f"underthesea {underthesea.__version__}"},
        "chunking": {"max_chars": CHUNK_CHARS, "overlap_sentences": 1},
        "corpus": {"path": str(Path(corpus).resolve()), "fingerprint": fingerprint(corpus)},
        "counts": {"documents": len(docs), "chunks": len(chunks)},
        "problems": [{"source": p.source, "reason": p.reason} for p in problems],
    }


def build_index(
    corpus: Path,
    index_dir: Path,
    embedder: Embedder,
    progress: Callable[[str, int, int], None] | None = None,
) -> Index:
    """Read, chunk, embed and index `corpus` into `index_dir`, atomically.

    `progress(stage, done, total)` is called while embedding.
    """
    corpus, index_dir = Path(corpus), Path(index_dir)
    if not corpus.is_dir():
        raise IndexError_(f"corpus folder not found: {corpus}")
    docs, problems = load_corpus(corpus)
    chunks = chunk_documents(docs, max_chars=CHUNK_CHARS)
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("embedding", done, len(chunks))

    vectors = embedder.encode([c.text for c in chunks], progress=step) if chunks else np.zeros(
        (0, embedder.dim), dtype=np.float32
    )
    index_dir.mkdir(parents=True, exist_ok=True)
    generation = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = index_dir / f".{generation}.partial"
    tmp.mkdir()
    _write_jsonl(tmp / "chunks.jsonl", (c.to_dict() for c in chunks))
    _write_jsonl(tmp / "documents.jsonl", ({"source": d.source, "meta": d.meta, "text": d.text} for d in docs))
    faiss.write_index(_dense_index(vectors, embedder.dim), str(tmp / "dense.faiss"))
    _bm25_index(chunks).save(str(tmp / "bm25"), show_progress=False)
    vocabulary = build_vocabulary(d.text for d in docs)
    (tmp / "vocabulary.json").write_text(json.dumps(vocabulary.to_dict(), ensure_ascii=False), encoding="utf-8")
    manifest = _manifest(embedder, corpus, docs, chunks, problems, generation)
    _write_json_atomic(tmp / MANIFEST, manifest)
    os.replace(tmp, index_dir / generation)
    previous = _read_manifest(index_dir)
    _write_json_atomic(index_dir / MANIFEST, manifest)
    _remove_old_generations(index_dir, keep={generation, (previous or {}).get("generation")})
    return load_index(index_dir, embedder_name=embedder.name)


def _remove_old_generations(index_dir: Path, keep: set) -> None:
    """Drop generation folders older than the current and the previous one."""
    for path in index_dir.iterdir():
        if path.is_dir() and path.name.startswith(("gen-", ".gen-")) and path.name not in keep:
            if path.name.endswith(".partial") and time.time() - path.stat().st_mtime < 3600:
                continue  # may belong to a build still running
            shutil.rmtree(path, ignore_errors=True)


def _read_manifest(index_dir: Path) -> dict | None:
    path = Path(index_dir) / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def load_index(index_dir: Path, embedder_name: str | None = None) -> Index:
    """Load the index in `index_dir`; refuse another format or another embedder."""
    index_dir = Path(index_dir)
    manifest = _read_manifest(index_dir)
    if manifest is None:
        raise IndexError_(f"no index in {index_dir}: run `qa-bot build --index {index_dir}`")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexError_(
            f"the index in {index_dir} has format {manifest.get('format_version')}, this qa-bot "
            f"reads format {FORMAT_VERSION}: rebuild it with `qa-bot build --index {index_dir}`"
        )
    built_by = manifest["embedder"]["name"]
    if embedder_name is not None and embedder_name != built_by:
        raise IndexError_(
            f"the index in {index_dir} was built with the embedder {built_by!r}, not {embedder_name!r}: "
            f"query it with {built_by!r}, or rebuild it with `qa-bot build --index {index_dir}`"
        )
    data = index_dir / manifest["generation"]
    chunks = [Chunk.from_dict(r) for r in _read_jsonl(data / "chunks.jsonl")]
    documents = {
        r["source"]: Document(r["source"], r["text"], r.get("meta") or {})
        for r in _read_jsonl(data / "documents.jsonl")
    }
    dense = faiss.read_index(str(data / "dense.faiss"))
    bm25 = bm25s.BM25.load(str(data / "bm25"), allow_pickle=False, show_progress=False, verbosity=0)
    vocabulary = Vocabulary.from_dict(json.loads((data / "vocabulary.json").read_text(encoding="utf-8")))
    problems = [Problem(p["source"], p["reason"]) for p in manifest.get("problems", [])]
    return Index(index_dir, manifest, chunks, documents, dense, bm25, vocabulary, problems)


def ensure_index(
    corpus: Path,
    index_dir: Path,
    embedder: Embedder,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[Index, bool]:
    """The index of `corpus`, built when missing or when the corpus has changed.

    Returns the index and whether it was (re)built. An index built by another
    embedder is refused rather than silently replaced.
    """
    manifest = _read_manifest(index_dir)
    if manifest is not None and manifest.get("format_version") == FORMAT_VERSION:
        if manifest["embedder"]["name"] != embedder.name:
            load_index(index_dir, embedder_name=embedder.name)  # raises with the message
        if manifest["corpus"]["fingerprint"] == fingerprint(corpus):
            return load_index(index_dir, embedder_name=embedder.name), False
    return build_index(corpus, index_dir, embedder, progress=progress), True
