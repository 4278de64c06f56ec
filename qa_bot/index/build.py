"""Build an index of a corpus folder: read, chunk, embed, index; atomically and incrementally.

A build reuses what the previous generation holds: files whose hash is unchanged
are not read again, and chunks whose text is unchanged are not embedded again.
Each file is hashed once per build, before anything is read: the fingerprint the
manifest records is of the files as the build found them.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np
import pyarrow as pa

from .. import __version__
from ..embedders import Embedder, same_model
from ..errors import BuildLocked, IndexUnusable
from ..ingest.chunking import chunk_documents, indexed_texts
from ..ingest.documents import (
    MAX_FILE_BYTES,
    CorpusFiles,
    CorpusScan,
    list_corpus,
    scan_corpus,
)
from ..schema import Chunk
from .chunkstore import write_store
from .dense import build_dense, choose_spec, load_vectors, save_dense
from .engines import BuildEngine, LocalEngine
from .fact_store import previous_generation, write_facts
from .load import Index, load_index, read_chunk_texts, read_documents, read_indexed_texts
from .manifest import FORMAT_VERSION, PIPELINE_VERSIONS, READABLE_FORMATS, Manifest, load_manifest, now
from .sentences import build_sentence_vectors, previous_sentence_vectors
from .store import build_lock, new_generation, publish
from .tokens import save_tokens, tokens_by_text
from .vocabulary import build_vocabulary

__all__ = ["BuildReport", "build_index", "ensure_index", "CHUNK_CHARS"]

CHUNK_CHARS = 600
logger = logging.getLogger("qa_bot")

Progress = Callable[[str, int, int], None]


@dataclass
class BuildReport:
    """What a build changed, for the user."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    embedded: int = 0
    reused: int = 0
    sentences_embedded: int = 0
    files: list[tuple[str, int, int]] = field(default_factory=list)  # source, characters, pages

    def lines(self) -> list[str]:
        """One line per changed file, then a summary."""
        out = [f"+ {s}" for s in self.added] + [f"~ {s}" for s in self.changed] + [f"- {s}" for s in self.removed]
        out.append(
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged; {self.embedded} chunks embedded, {self.reused} reused; "
            f"{self.sentences_embedded} sentences embedded"
        )
        return out


def bm25_index(tokens: list[list[str]]) -> bm25s.BM25:
    """The lexical index of chunks given their tokens (`tokens.chunk_tokens`)."""
    bm25 = bm25s.BM25()
    bm25.index([t or [""] for t in tokens], show_progress=False)
    return bm25


def _manifest(embedder: Embedder, corpus: Path, scan: CorpusScan, chunks: list[Chunk], generation: str) -> Manifest:
    from ..text import underthesea

    return Manifest(
        format_version=FORMAT_VERSION, qa_bot=__version__, created=now(), generation=generation,
        embedder=embedder.name, dim=int(embedder.dim), equivalent_to=tuple(getattr(embedder, "equivalent_to", ())),
        text={"unicode": "NFC", "fold": True, "segmenter": f"underthesea {underthesea().__version__}"},
        chunking={"max_chars": CHUNK_CHARS, "overlap_sentences": 1}, pipeline=PIPELINE_VERSIONS,
        dense=choose_spec(len(chunks)), corpus_path=str(Path(corpus).resolve()), fingerprint=scan.fingerprint,
        documents=len(scan.documents), chunks=len(chunks), files=scan.hashes,
        problems=tuple({"source": p.source, "reason": p.reason} for p in scan.problems),
    )


_TITLED_CHUNKS = 5  # the chunks version from which a chunk is embedded and tokenised with its title


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _previous(index_dir: Path, embedder: Embedder) -> tuple[dict, dict[str, np.ndarray], dict[str, list[str]]]:
    """The previous build's documents (source → (hash, Document); none when text extraction
    changed since), vectors and BM25 tokens (sha of the text they were made of → row, tokens),
    when it was made by this embedder in this format or one it converts; empty otherwise.
    """
    manifest = load_manifest(index_dir)
    if (manifest is None or manifest.format_version not in READABLE_FORMATS
            or not same_model(manifest.embedder, embedder.name)):
        return {}, {}, {}
    data = Path(index_dir) / manifest.generation
    same_extraction = manifest.pipeline.get("extract", 1) == PIPELINE_VERSIONS["extract"]  # else read again
    try:
        docs = ({source: (manifest.files.get(source), doc) for source, doc in read_documents(data).items()}
                if same_extraction else {})
        texts = read_indexed_texts(data) if manifest.pipeline.get("chunks", 1) >= _TITLED_CHUNKS \
            else read_chunk_texts(data)  # an older build embedded the chunks' text alone
        rows = load_vectors(data, mmap=True)
        if len(rows) != len(texts):
            raise ValueError("vectors and chunks differ in number")
    except (OSError, ValueError, RuntimeError, KeyError, pa.ArrowException):
        return {}, {}, {}
    return docs, {_text_key(text): rows[i] for i, text in enumerate(texts)}, tokens_by_text(data, texts)


def _previous_sentences(index_dir: Path, embedder: Embedder) -> dict:
    """The previous generation's sentence vectors (key → row) when this embedder made them."""
    manifest = load_manifest(index_dir)
    if (manifest is None or manifest.format_version not in READABLE_FORMATS
            or not same_model(manifest.embedder, embedder.name)):
        return {}
    return previous_sentence_vectors(Path(index_dir) / manifest.generation)


def _per_text(texts: list[str], cache: dict, compute: Callable[[list[str], Callable[[int], None]], Sequence],
              stage: str, progress: Progress | None) -> tuple[list, int]:
    """`compute(texts, step)` of each text, taken from `cache` (text sha → value) where the text is
    unchanged; each new text computed once. Returns the values in order and how many texts were new.
    """
    todo = list({key: text for text in texts if (key := _text_key(text)) not in cache}.items())
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(stage, done, len(todo))

    if todo:
        fresh = compute([text for _, text in todo], step)
        cache = {**cache, **{key: value for (key, _), value in zip(todo, fresh, strict=True)}}
    return [cache[_text_key(text)] for text in texts], len(todo)


def _embed(texts: list[str], embedder: Embedder, cache: dict, progress: Progress | None,
           report: BuildReport, engine: BuildEngine) -> np.ndarray:
    """Vectors of the chunks' `texts` (`indexed_texts`), taken from `cache` where the text is unchanged."""
    rows, report.embedded = _per_text(texts, cache, lambda todo, step: engine.embed(todo, embedder, step),
                                      "embedding", progress)
    report.reused = len(texts) - report.embedded  # repeats of a new text count as reused
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.ascontiguousarray(np.vstack(rows), dtype=np.float32)


def _tokens(texts: list[str], cache: dict[str, list[str]], engine: BuildEngine,
            progress: Progress | None) -> list[list[str]]:
    """The BM25 tokens of the chunks' `texts` (`[""]` for none), taken from `cache` where the text is unchanged."""
    tokens = _per_text(texts, cache, engine.tokenize, "tokenising", progress)[0]
    return [t or [""] for t in tokens]


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


def _build_locked(corpus: Path, index_dir: Path, embedder: Embedder, progress: Progress | None, max_bytes: int,
                  files: CorpusFiles | None, engine: BuildEngine) -> BuildReport:
    previous_docs, vectors_cache, tokens_cache = _previous(index_dir, embedder)
    files = files or list_corpus(corpus)
    read = engine.extract(files, previous_docs, max_bytes)  # files the engine read already
    scan = scan_corpus(corpus, cache={**previous_docs, **read}, max_bytes=max_bytes, files=files)
    report = _compare(previous_docs, scan)
    chunks = chunk_documents(scan.documents, max_chars=CHUNK_CHARS)
    documents = {d.source: d for d in scan.documents}
    texts = indexed_texts(chunks, documents)  # each with its document's title
    vectors = _embed(texts, embedder, vectors_cache, progress, report, engine)
    tokens = _tokens(texts, tokens_cache, engine, progress)
    generation, tmp = new_generation(index_dir)
    report.sentences_embedded = build_sentence_vectors(tmp, chunks, documents, embedder,
                                                       _previous_sentences(index_dir, embedder), progress)
    write_store(tmp, chunks, scan.documents)
    write_facts(tmp, scan.documents, chunks, previous=previous_generation(index_dir),
                unchanged=scan.reused - set(read))  # a file the engine read is new or changed
    save_dense(tmp, vectors, build_dense(vectors, choose_spec(len(chunks))))
    save_tokens(tmp, tokens)
    bm25_index(tokens).save(str(tmp / "bm25"), show_progress=False)
    vocabulary = build_vocabulary(d.text for d in scan.documents)
    (tmp / "vocabulary.json").write_text(json.dumps(vocabulary.to_dict(), ensure_ascii=False), encoding="utf-8")
    publish(index_dir, tmp, generation, _manifest(embedder, corpus, scan, chunks, generation).to_dict())
    return report


def build_index(
    corpus: Path,
    index_dir: Path,
    embedder: Embedder,
    progress: Progress | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    files: CorpusFiles | None = None,
    workers: int | None = None,
    engine: BuildEngine | None = None,
) -> Index:
    """Read, chunk, embed and index `corpus` into `index_dir`, atomically and incrementally.

    `progress(stage, done, total)` is called while embedding; the returned index
    carries what changed in `.report`. Files larger than `max_bytes` are reported,
    not read. A second build at the same time is refused (BuildLocked). `files` is
    the corpus listing when the caller has made it already. New files are read, and new
    chunks tokenised and embedded, by `engine` (engines.py: default, this machine with
    `workers` processes, one per core; or a Ray cluster).
    """
    corpus, index_dir = Path(corpus), Path(index_dir)
    if not corpus.is_dir():
        raise IndexUnusable(f"corpus folder not found: {corpus}")
    with build_lock(index_dir):
        report = _build_locked(corpus, index_dir, embedder, progress, max_bytes, files,
                               engine or LocalEngine(workers))
    index = load_index(index_dir, embedder_name=embedder.name)
    index.report = report
    return index


def ensure_index(
    corpus: Path,
    index_dir: Path,
    embedder: Embedder,
    progress: Progress | None = None,
) -> tuple[Index, bool]:
    """The index of `corpus`, built when missing, when the corpus has changed, or when
    an older qa-bot (format, tokens or chunking) built it.

    Returns the index and whether it was (re)built. An index built by another
    embedder is refused rather than silently replaced. While another build of the
    same index runs, the current index is returned at once, with `updating` set.
    """
    manifest = load_manifest(index_dir)
    files = list_corpus(corpus) if Path(corpus).is_dir() else None
    if manifest is not None and manifest.current:
        manifest.check(Path(index_dir), embedder.name)
        if files is not None and manifest.fingerprint == files.fingerprint:
            return load_index(index_dir, embedder_name=embedder.name), False
    elif manifest is not None:
        logger.warning("the index in %s was written by an older qa-bot (format %s, tokens/chunks %s): rebuilding it "
                       "in format %s%s", index_dir, manifest.format_version, manifest.pipeline, FORMAT_VERSION,
                       ", reusing its vectors" if manifest.format_version in READABLE_FORMATS else "")
    try:
        return build_index(corpus, index_dir, embedder, progress=progress, files=files), True
    except BuildLocked:
        return _current_while_building(index_dir, embedder, manifest), False


def _current_while_building(index_dir: Path, embedder: Embedder, manifest: Manifest | None) -> Index:
    """The index as it is, marked `updating`, while another build of it runs: readers never wait
    for writers. Without a usable index there is nothing to answer from: BuildLocked.
    """
    if manifest is None or not manifest.current:
        raise BuildLocked(f"another qa-bot build is building the index in {index_dir}; wait for it to finish")
    index = load_index(index_dir, embedder_name=embedder.name)
    index.updating = True
    return index
