"""The manifest of an index: what was built, from what, by which embedder (`manifest.json`).

A frozen record read once from the JSON file; every reader asks it, not the raw
dict. Its JSON layout is the on-disk format: `to_dict()` writes it back unchanged,
keys this version does not know included.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..embedders import same_model
from ..errors import IndexUnusable
from .store import read_manifest

__all__ = ["FORMAT_VERSION", "PIPELINE_VERSIONS", "READABLE_FORMATS", "Manifest", "load_manifest"]

# 2: vectors.npy beside an optional approximate dense.faiss; 3: chunk store (Arrow); 4: sentence vectors
FORMAT_VERSION = 4
READABLE_FORMATS = (2, 3, FORMAT_VERSION)  # formats whose documents and vectors a build reuses (converts)
# Bump when lexical_tokens (text.py), chunking (ingest/chunking.py) or text extraction
# (ingest/extract.py) change what they produce: an index built by an older qa-bot is then rebuilt
# by ensure_index, its files read again when extraction changed.
# chunks 2: a quotation's closing mark ends the sentence it closes; 3: no sentence ends without white space;
# 4: an item's or an article's number ('1.', 'Điều 2.') stays with its text; 5: a chunk is embedded and
# tokenised with its document's title (ingest.chunking.indexed_text)
# extract 2: a PDF line that ends on a comma or on 'của', 'là', 'số' … goes on in the next;
# 3: and a lowercase word into a date or a figure on the next line; 4: a line as wide as the page goes on;
# 5: a sentence goes on over a page break, the page's number dropped; a lowercase line after ';' or ':'
# 6: a capital beyond Latin-1 starts a new line; a .docx list item keeps its number; a title from the heading;
# 7: a PDF footnote's number leaves the word it annotates, its note the sentence it would cut (ingest/footnotes.py);
# 8: a PDF line goes on in the next when it, not the paragraph joined so far, is as wide as the page;
# 9: a province's name cut at a PDF line end is one again; 10: a PDF page's footnotes are one line each
PIPELINE_VERSIONS = {"tokens": 1, "chunks": 5, "facts": 1, "extract": 10}  # facts: the index has facts.sqlite
_KNOWN = {"format_version", "generation", "embedder", "dense", "pipeline", "corpus", "counts", "files", "problems",
          "created", "qa_bot", "text", "chunking", "milvus"}


@dataclass(frozen=True)
class Manifest:
    """One generation of an index, as `manifest.json` records it."""

    format_version: int
    generation: str
    embedder: str  # the name of the embedder that made the vectors
    dim: int
    equivalent_to: tuple[str, ...] = ()
    dense: dict = field(default_factory=dict)  # the dense index spec (index/dense.py)
    pipeline: dict = field(default_factory=dict)
    corpus_path: str = ""
    fingerprint: str = ""
    documents: int = 0
    chunks: int = 0
    files: dict = field(default_factory=dict)  # source → sha256 of the file and its metadata
    problems: tuple[dict, ...] = ()  # {"source", "reason"} of each file left out
    created: str = ""
    qa_bot: str = ""
    text: dict = field(default_factory=dict)
    chunking: dict = field(default_factory=dict)
    milvus: tuple[dict, ...] = ()  # the Milvus collections this generation was pushed to
    extra: dict = field(default_factory=dict)  # keys of a newer qa-bot, kept as they are

    @classmethod
    def from_dict(cls, data: dict) -> Manifest:
        """The manifest recorded in `data` (a KeyError or TypeError when it is not one)."""
        embedder, corpus, counts = data["embedder"], data.get("corpus", {}), data.get("counts", {})
        return cls(
            format_version=data["format_version"], generation=data["generation"],
            embedder=embedder["name"], dim=int(embedder["dim"]),
            equivalent_to=tuple(embedder.get("equivalent_to", ())), dense=data.get("dense", {}),
            pipeline=data.get("pipeline", {}), corpus_path=corpus.get("path", ""),
            fingerprint=corpus.get("fingerprint", ""), documents=counts.get("documents", 0),
            chunks=counts.get("chunks", 0), files=data.get("files", {}), problems=tuple(data.get("problems", ())),
            created=data.get("created", ""), qa_bot=data.get("qa_bot", ""), text=data.get("text", {}),
            chunking=data.get("chunking", {}), milvus=tuple(data.get("milvus", ())),
            extra={k: v for k, v in data.items() if k not in _KNOWN},
        )

    def to_dict(self) -> dict:
        """The JSON layout of `manifest.json`."""
        record = {
            "format_version": self.format_version, "qa_bot": self.qa_bot, "created": self.created,
            "generation": self.generation,
            "embedder": {"name": self.embedder, "dim": self.dim, "equivalent_to": sorted(self.equivalent_to)},
            "text": self.text, "chunking": self.chunking, "pipeline": self.pipeline, "dense": self.dense,
            "corpus": {"path": self.corpus_path, "fingerprint": self.fingerprint},
            "counts": {"documents": self.documents, "chunks": self.chunks},
            "files": self.files, "problems": list(self.problems),
        }
        if self.milvus:
            record["milvus"] = list(self.milvus)
        return {**record, **self.extra}

    @property
    def current(self) -> bool:
        """Written by this qa-bot's format, tokens and chunking (else a rebuild is due)."""
        return self.format_version == FORMAT_VERSION and self.pipeline == PIPELINE_VERSIONS

    def check(self, index_dir: Path, embedder_name: str | None = None) -> None:
        """Raise IndexUnusable, saying what to run, for another format or another embedder."""
        rebuild = f"rebuild it with `qa-bot build --index {index_dir}`"
        if self.format_version != FORMAT_VERSION:
            raise IndexUnusable(
                f"the index in {index_dir} has format {self.format_version}, this qa-bot "
                f"reads format {FORMAT_VERSION}: {rebuild}"
            )
        if embedder_name is not None and not same_model(embedder_name, self.embedder):
            raise IndexUnusable(
                f"the index in {index_dir} was built with the embedder {self.embedder!r}, not {embedder_name!r}: "
                f"query it with {self.embedder!r}, or {rebuild}"
            )

    def with_push(self, push: dict) -> Manifest:
        """A copy with `push` ({"uri", "collection", ...}) replacing the record of the same collection."""
        kept = [p for p in self.milvus if (p["uri"], p["collection"]) != (push["uri"], push["collection"])]
        return replace(self, milvus=(*kept, push))


def load_manifest(index_dir: Path) -> Manifest | None:
    """The manifest of the index in `index_dir`; None when there is none or it is unreadable."""
    data = read_manifest(index_dir)
    if data is None:
        return None
    try:
        return Manifest.from_dict(data)
    except (KeyError, TypeError, ValueError):
        return None


def now() -> str:
    """The time a manifest records, UTC."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
