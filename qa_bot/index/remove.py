"""Take documents out of an index and out of the corpus folder, incrementally and atomically.

A removed file is moved into the corpus's `.removed/` folder (which the scanner
skips): nothing a user wrote is destroyed, and no later build brings it back.
The index gets a new generation without the document's chunks: the other chunks'
vectors, BM25 tokens and documents are reused as they are (no reading, no
embedding, no tokenising), the vocabulary loses the document's counts, and the
switch is the same atomic one as a build's, under the same lock.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..errors import IndexUnusable
from ..ingest.documents import REMOVED, list_corpus
from .build import bm25_index
from .chunkstore import ChunkTable, DocumentTable, write_store
from .dense import build_dense, choose_spec, load_vectors, save_dense
from .fact_store import write_facts
from .load import Index, load_index
from .manifest import Manifest, load_manifest, now
from .sentences import keep_sentence_vectors
from .store import build_lock, new_generation, publish
from .tokens import chunk_tokens, copy_tokens, load_tokens, save_tokens
from .vocabulary import Vocabulary, without_texts

__all__ = ["RemoveReport", "move_to_removed", "remove_documents", "source_of"]


@dataclass
class RemoveReport:
    """What a removal changed, for the user."""

    removed: list[str] = field(default_factory=list)  # sources taken out of the index
    moved: list[tuple[str, str]] = field(default_factory=list)  # (source, where it was moved), in the corpus
    chunks: int = 0  # chunks taken out
    documents_left: int = 0
    chunks_left: int = 0
    corpus_changed: bool = False  # other files changed meanwhile: the next build indexes them

    def lines(self) -> list[str]:
        """One line per document, then a summary."""
        out = [f"- {source}" for source in self.removed]
        out += [f"  {source} moved to {target}" for source, target in self.moved]
        out.append(f"{len(self.removed)} removed ({self.chunks} chunks); "
                   f"{self.documents_left} documents, {self.chunks_left} chunks left")
        if self.corpus_changed:
            out.append("other files of the corpus have changed: `qa-bot build` indexes them")
        return out


def source_of(corpus: Path, name: str | Path) -> str:
    """The source name (relative to `corpus`, as the index names it) of `name`: a source name
    already, or a path to a file inside the corpus folder.
    """
    corpus = Path(corpus).resolve()
    path = Path(name)
    for candidate in (path, corpus / path):
        try:
            return candidate.resolve().relative_to(corpus).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def move_to_removed(corpus: Path, source: str) -> str:
    """Move the corpus file `source` to `.removed/<source>` (a suffix when one is there already);
    returns where it went, relative to the corpus.
    """
    corpus = Path(corpus)
    target = corpus / REMOVED / source
    target.parent.mkdir(parents=True, exist_ok=True)
    stem, suffix, number = target.stem, target.suffix, 1
    while target.exists():
        number += 1
        target = target.with_name(f"{stem}-{number}{suffix}")
    os.replace(corpus / source, target)
    return target.relative_to(corpus).as_posix()


def remove_documents(corpus: Path, index_dir: Path, names: list[str], embedder_name: str | None = None) -> Index:
    """Take the documents `names` out of the index in `index_dir` and move their files out of
    `corpus` into `.removed/`; returns the new index with a RemoveReport in `.report`.

    Raises IndexUnusable (nothing changed) when a name is neither in the index nor in the
    corpus folder, and BuildLocked when a build is running.
    """
    corpus, index_dir = Path(corpus), Path(index_dir)
    with build_lock(index_dir):
        manifest = load_manifest(index_dir)
        if manifest is None:
            raise IndexUnusable(f"no index in {index_dir}: run `qa-bot build --index {index_dir}` first")
        manifest.check(index_dir, embedder_name)
        sources = [source_of(corpus, name) for name in names]
        problems = {p["source"] for p in manifest.problems}
        unknown = [s for s in sources if s not in manifest.files and s not in problems and not (corpus / s).is_file()]
        if unknown:
            raise IndexUnusable("not in the index nor in the corpus folder: " + ", ".join(unknown)
                                + " (name a file as `qa-bot ask` names its source)")
        report = RemoveReport()
        for source in dict.fromkeys(sources):
            if (corpus / source).is_file():
                report.moved.append((source, move_to_removed(corpus, source)))
            if source in manifest.files:
                report.removed.append(source)
        _write_without(corpus, index_dir, manifest, set(sources), report)
    index = load_index(index_dir, embedder_name=embedder_name)
    index.report = report
    return index


def _write_without(corpus: Path, index_dir: Path, manifest: Manifest, gone: set[str], report: RemoveReport) -> None:
    """Publish a generation of the current one without the documents `gone`."""
    data = index_dir / manifest.generation
    documents = DocumentTable(data)
    records = ChunkTable(data, documents)
    gone_rows = [row for row, source in enumerate(documents.sources) if source in gone]
    keep = np.flatnonzero(~np.isin(records.document_rows, gone_rows)).tolist()
    kept = [replace(records[i], id=row) for row, i in enumerate(keep)]  # ids are rows: numbered again
    vectors = load_vectors(data)[keep]
    saved = load_tokens(data)
    if saved is not None and len(saved) == len(records):
        tokens = [saved[i] for i in keep]
    else:  # a generation of an older qa-bot: tokenised again
        tokens = chunk_tokens(kept, documents)
    vocabulary = Vocabulary.from_dict(json.loads((data / "vocabulary.json").read_text(encoding="utf-8")))
    vocabulary = without_texts(vocabulary, (documents[s].text for s in gone if s in documents))
    generation, tmp = new_generation(index_dir)
    left = [row for row, source in enumerate(documents.sources) if source not in gone]
    write_store(tmp, kept, [documents[documents.sources[row]] for row in left],
                facets=[documents.facets[row] for row in left])  # facets kept, not worked out again
    save_dense(tmp, vectors, build_dense(vectors, choose_spec(len(kept))))
    if saved is None or not copy_tokens(data, tmp, keep):
        save_tokens(tmp, tokens)
    bm25_index(tokens).save(str(tmp / "bm25"), show_progress=False)
    (tmp / "vocabulary.json").write_text(json.dumps(vocabulary.to_dict(), ensure_ascii=False), encoding="utf-8")
    keep_sentence_vectors(data, tmp, keep)
    remaining = [documents[documents.sources[row]] for row in left]
    write_facts(tmp, remaining, kept, previous=data, unchanged=[d.source for d in remaining])
    files = {s: key for s, key in manifest.files.items() if s not in gone}
    fingerprint = _fingerprint(corpus, files)
    report.corpus_changed = not fingerprint
    report.chunks, report.documents_left, report.chunks_left = len(records) - len(kept), len(files), len(kept)
    updated = replace(manifest, generation=generation, created=now(), files=files, documents=len(files),
                      chunks=len(kept), dense=choose_spec(len(kept)), fingerprint=fingerprint, milvus=(),
                      problems=tuple(p for p in manifest.problems if p["source"] not in gone))
    publish(index_dir, tmp, generation, updated.to_dict())


def _fingerprint(corpus: Path, files: dict[str, str]) -> str:
    """The corpus fingerprint the new generation stands for: the folder's as it is now when it
    holds exactly the indexed files, unchanged; else '' (the next `ask --corpus` builds).
    """
    if not Path(corpus).is_dir():
        return ""
    listing = list_corpus(corpus)
    return listing.fingerprint if listing.keys == files else ""
