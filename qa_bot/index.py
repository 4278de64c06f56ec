"""The index: chunks, FAISS vectors, BM25 over Vietnamese tokens, and its manifest.

Files of one generation (store.py keeps the folder and its atomic switch; no pickle):

    chunks.jsonl       row i is FAISS id i and BM25 document i
    documents.jsonl    source, metadata and extracted text of each document
    vectors.npy        float32 L2-normalised chunk vectors (allow_pickle=False)
    dense.faiss        the approximate dense index, above dense.EXACT_MAX_CHUNKS only
    bm25/              bm25s arrays (allow_pickle=False)
    vocabulary.json    syllable counts, to restore diacritics and weigh terms

A build reuses what the previous generation holds: files whose hash is unchanged
are not read again, and chunks whose text is unchanged are not embedded again.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import bm25s
import numpy as np

from . import __version__
from .chunking import chunk_documents
from .dense import build_dense, choose_spec, load_dense, load_vectors, save_dense
from .documents import MAX_FILE_BYTES, CorpusScan, Problem, fingerprint, scan_corpus
from .embed import Embedder, same_model
from .restore import Vocabulary, build_vocabulary
from .schema import Chunk, Document
from .store import BuildLocked, build_lock, new_generation, publish, read_jsonl, read_manifest, write_jsonl
from .text import lexical_tokens

__all__ = ["Index", "IndexError_", "BuildReport", "build_index", "load_index", "ensure_index", "FORMAT_VERSION"]

FORMAT_VERSION = 2  # 2: vectors.npy beside an optional approximate dense.faiss
CHUNK_CHARS = 600
# Bump when lexical_tokens (text.py) or chunking (chunking.py) change what they
# produce: an index built by an older qa-bot is then rebuilt by ensure_index.
PIPELINE_VERSIONS = {"tokens": 1, "chunks": 1}


class IndexError_(RuntimeError):
    """An index that cannot be used as it is; the message says what to run."""


@dataclass
class BuildReport:
    """What a build changed, for the user."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    embedded: int = 0
    reused: int = 0
    files: list[tuple[str, int, int]] = field(default_factory=list)  # source, characters, pages

    def lines(self) -> list[str]:
        """One line per changed file, then a summary."""
        out = [f"+ {s}" for s in self.added] + [f"~ {s}" for s in self.changed] + [f"- {s}" for s in self.removed]
        out.append(
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged; {self.embedded} chunks embedded, {self.reused} reused"
        )
        return out


@dataclass
class Index:
    """A loaded index: chunks, documents, the dense and the lexical index."""

    path: Path
    manifest: dict
    chunks: list[Chunk]
    documents: dict[str, Document]
    dense: object  # faiss.Index or dense.RescoredIndex: `search(queries, k)` and `ntotal`
    bm25: bm25s.BM25
    vocabulary: Vocabulary
    problems: list[Problem] = field(default_factory=list)
    report: BuildReport | None = None

    @property
    def embedder_name(self) -> str:
        """The name of the embedder that built the vectors."""
        return self.manifest["embedder"]["name"]


def _bm25_index(chunks: list[Chunk]) -> bm25s.BM25:
    bm25 = bm25s.BM25()
    bm25.index([lexical_tokens(c.text) or [""] for c in chunks], show_progress=False)
    return bm25


def _manifest(embedder: Embedder, corpus: Path, scan: CorpusScan, chunks: list[Chunk], generation: str) -> dict:
    import underthesea

    return {
        "format_version": FORMAT_VERSION,
        "qa_bot": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "generation": generation,
        "embedder": {"name": embedder.name, "dim": int(embedder.dim),
                     "equivalent_to": sorted(getattr(embedder, "equivalent_to", ()))},
        "text": {"unicode": "NFC", "fold": True, "segmenter": f"underthesea {underthesea.__version__}"},
        "chunking": {"max_chars": CHUNK_CHARS, "overlap_sentences": 1},
        "pipeline": PIPELINE_VERSIONS,
        "dense": choose_spec(len(chunks)),
        "corpus": {"path": str(Path(corpus).resolve()), "fingerprint": fingerprint(corpus)},
        "counts": {"documents": len(scan.documents), "chunks": len(chunks)},
        "files": scan.hashes,
        "problems": [{"source": p.source, "reason": p.reason} for p in scan.problems],
    }


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _previous(index_dir: Path, embedder: Embedder) -> tuple[dict, dict[str, np.ndarray]]:
    """The previous build's documents (source → (hash, Document)) and vectors (text sha → row),
    when it was made by this format and embedder; empty otherwise."""
    manifest = read_manifest(index_dir)
    if not manifest or manifest.get("format_version") != FORMAT_VERSION or not same_model(manifest["embedder"]["name"], embedder.name):
        return {}, {}
    data = Path(index_dir) / manifest["generation"]
    try:
        files = manifest.get("files", {})
        docs = {
            r["source"]: (files.get(r["source"]), Document(r["source"], r["text"], r.get("meta") or {}))
            for r in read_jsonl(data / "documents.jsonl")
        }
        chunks = read_jsonl(data / "chunks.jsonl")
        rows = load_vectors(data)
        if len(rows) != len(chunks):
            raise ValueError("vectors and chunks differ in number")
    except (OSError, ValueError, RuntimeError, KeyError):
        return {}, {}
    return docs, {_text_key(c["text"]): rows[i] for i, c in enumerate(chunks)}


def _embed(chunks: list[Chunk], embedder: Embedder, cache: dict, progress, report: BuildReport) -> np.ndarray:
    """Vectors of `chunks`, taken from `cache` where the text is unchanged."""
    todo = [c for c in chunks if _text_key(c.text) not in cache]
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("embedding", done, len(todo))

    if todo:
        fresh = embedder.encode([c.text for c in todo], progress=step)
        cache = {**cache, **{_text_key(c.text): v for c, v in zip(todo, fresh)}}
    report.embedded, report.reused = len(todo), len(chunks) - len(todo)
    if not chunks:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.ascontiguousarray(np.vstack([cache[_text_key(c.text)] for c in chunks]), dtype=np.float32)


def _compare(previous: dict, scan: CorpusScan) -> BuildReport:
    report = BuildReport()
    for source, key in scan.hashes.items():
        if source not in previous:
            report.added.append(source)
        elif previous[source][0] != key:
            report.changed.append(source)
        else:
            report.unchanged += 1
    report.removed = sorted(set(previous) - set(scan.hashes))
    report.files = [(d.source, len(d.text), len(d.meta.get("pages", []))) for d in scan.documents]
    return report


def _build_locked(corpus: Path, index_dir: Path, embedder: Embedder, progress, max_bytes: int) -> BuildReport:
    previous_docs, vectors_cache = _previous(index_dir, embedder)
    scan = scan_corpus(corpus, cache=previous_docs, max_bytes=max_bytes)
    report = _compare(previous_docs, scan)
    chunks = chunk_documents(scan.documents, max_chars=CHUNK_CHARS)
    vectors = _embed(chunks, embedder, vectors_cache, progress, report)
    generation, tmp = new_generation(index_dir)
    write_jsonl(tmp / "chunks.jsonl", (c.to_dict() for c in chunks))
    write_jsonl(tmp / "documents.jsonl", ({"source": d.source, "meta": d.meta, "text": d.text} for d in scan.documents))
    save_dense(tmp, vectors, build_dense(vectors, choose_spec(len(chunks))))
    _bm25_index(chunks).save(str(tmp / "bm25"), show_progress=False)
    vocabulary = build_vocabulary(d.text for d in scan.documents)
    (tmp / "vocabulary.json").write_text(json.dumps(vocabulary.to_dict(), ensure_ascii=False), encoding="utf-8")
    publish(index_dir, tmp, generation, _manifest(embedder, corpus, scan, chunks, generation))
    return report


def build_index(
    corpus: Path,
    index_dir: Path,
    embedder: Embedder,
    progress: Callable[[str, int, int], None] | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> Index:
    """Read, chunk, embed and index `corpus` into `index_dir`, atomically and incrementally.

    `progress(stage, done, total)` is called while embedding; the returned index
    carries what changed in `.report`. Files larger than `max_bytes` are reported,
    not read. A second build at the same time is refused.
    """
    corpus, index_dir = Path(corpus), Path(index_dir)
    if not corpus.is_dir():
        raise IndexError_(f"corpus folder not found: {corpus}")
    try:
        with build_lock(index_dir):
            report = _build_locked(corpus, index_dir, embedder, progress, max_bytes)
    except BuildLocked as err:
        raise IndexError_(str(err)) from None
    index = load_index(index_dir, embedder_name=embedder.name)
    index.report = report
    return index


def load_index(index_dir: Path, embedder_name: str | None = None) -> Index:
    """Load the index in `index_dir`; refuse another format or another embedder."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    rebuild = f"rebuild it with `qa-bot build --index {index_dir}`"
    if manifest is None:
        raise IndexError_(f"no index in {index_dir}: run `qa-bot build --index {index_dir}`")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexError_(
            f"the index in {index_dir} has format {manifest.get('format_version')}, this qa-bot "
            f"reads format {FORMAT_VERSION}: {rebuild}"
        )
    built_by = manifest["embedder"]["name"]
    if embedder_name is not None and not same_model(embedder_name, built_by):
        raise IndexError_(
            f"the index in {index_dir} was built with the embedder {built_by!r}, not {embedder_name!r}: "
            f"query it with {built_by!r}, or {rebuild}"
        )
    data = index_dir / manifest["generation"]
    if not (data / "chunks.jsonl").is_file():
        raise IndexError_(f"the index in {index_dir} is incomplete: {rebuild}")
    chunks = [Chunk.from_dict(r) for r in read_jsonl(data / "chunks.jsonl")]
    documents = {
        r["source"]: Document(r["source"], r["text"], r.get("meta") or {})
        for r in read_jsonl(data / "documents.jsonl")
    }
    dense = load_dense(data, manifest["dense"])
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
    """The index of `corpus`, built when missing, when the corpus has changed, or when
    an older qa-bot (format, tokens or chunking) built it.

    Returns the index and whether it was (re)built. An index built by another
    embedder is refused rather than silently replaced.
    """
    manifest = read_manifest(index_dir)
    current = manifest is not None and manifest.get("format_version") == FORMAT_VERSION
    if current and manifest.get("pipeline") == PIPELINE_VERSIONS:
        if not same_model(manifest["embedder"]["name"], embedder.name):
            load_index(index_dir, embedder_name=embedder.name)  # raises with the message
        if manifest["corpus"]["fingerprint"] == fingerprint(corpus):
            return load_index(index_dir, embedder_name=embedder.name), False
    return build_index(corpus, index_dir, embedder, progress=progress), True
