"""Read a corpus folder into Documents, with metadata, reporting unreadable files."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .extract import SUFFIXES, ExtractionError, detect_meta, extract
from .schema import Document

__all__ = ["Problem", "CorpusScan", "scan_corpus", "load_corpus", "corpus_files", "fingerprint", "read_metadata",
           "MAX_FILE_BYTES"]

METADATA_FILE = "metadata.jsonl"
MAX_FILE_BYTES = 50_000_000  # a larger file is reported, not read
META_FIELDS = ("title", "province", "date", "outlet", "author")


@dataclass(frozen=True)
class Problem:
    """A file that could not be indexed, and why (one line for the user)."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"skipped {self.source}: {self.reason}"


def corpus_files(folder: Path) -> list[Path]:
    """The document files of `folder` (recursively), sorted, links not followed."""
    folder = Path(folder)
    return sorted(
        p for p in folder.rglob("*")
        if p.suffix.lower() in SUFFIXES and p.is_file() and not p.is_symlink()
    )


def fingerprint(folder: Path) -> str:
    """sha256 over the names and contents of the corpus files and the metadata."""
    folder = Path(folder)
    digest = hashlib.sha256()
    paths = corpus_files(folder)
    if (folder / METADATA_FILE).is_file():
        paths.append(folder / METADATA_FILE)
    for path in paths:
        digest.update(path.relative_to(folder).as_posix().encode("utf-8", "surrogateescape") + b"\0")
        try:
            digest.update(_sha256(path).digest())
        except OSError:  # unreadable, or gone: scan_corpus reports it
            digest.update(b"unreadable")
    return digest.hexdigest()


def _sha256(path: Path):
    """sha256 of a file, read in blocks (a huge file is never held in memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest


def _shown(source: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by Python as surrogates) become '�'."""
    return source.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _links(folder: Path) -> list[Path]:
    """Symbolic links with a document suffix: not followed, so reported."""
    return sorted(p for p in folder.rglob("*") if p.is_symlink() and p.suffix.lower() in SUFFIXES)


def read_metadata(folder: Path) -> dict[str, dict]:
    """Per-file metadata from the sidecar `metadata.jsonl` (keyed by 'file')."""
    path = Path(folder) / METADATA_FILE
    if not path.is_file():
        return {}
    records = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and record.get("file"):
            records[record["file"]] = {k: record.get(k) for k in META_FIELDS if record.get(k)}
    return records


def read_document(path: Path, source: str, sidecar: dict, max_bytes: int = MAX_FILE_BYTES) -> Document:
    """One document: extracted text, and metadata from the sidecar, else the file, else the text.

    Raises ExtractionError with a one-line reason when the file cannot be read.
    """
    extracted = extract(path, max_bytes=max_bytes)
    if not extracted.text.strip():
        raise ExtractionError("no text in the file")
    meta = {**extracted.meta, **detect_meta(extracted.text), **sidecar}
    if extracted.pages:
        meta["pages"] = [list(p) for p in extracted.pages]
    return Document(source, extracted.text, meta)


@dataclass
class CorpusScan:
    """The documents of a folder, the files that failed, and each file's content hash."""

    documents: list[Document]
    problems: list[Problem]
    hashes: dict[str, str]  # source → sha256 of the file and its sidecar metadata
    reused: set[str]  # sources taken from the cache, not read again


def _file_key(path: Path, sidecar: dict) -> str:
    digest = _sha256(path)
    digest.update(json.dumps(sidecar, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def scan_corpus(folder: Path, cache: dict[str, tuple[str, Document]] | None = None,
                max_bytes: int = MAX_FILE_BYTES) -> CorpusScan:
    """Read every document of `folder`; a file whose hash is in `cache` is not read again.

    `cache` maps source → (hash, Document) from the previous build. A file whose
    text is the same as an earlier file's is indexed once.
    """
    folder = Path(folder)
    metadata = read_metadata(folder)
    scan = CorpusScan([], [], {}, set())
    scan.problems += [Problem(_shown(p.relative_to(folder).as_posix()), "symbolic link, not followed")
                      for p in _links(folder)]
    seen: dict[str, str] = {}
    for path in corpus_files(folder):
        source = path.relative_to(folder).as_posix()
        if _shown(source) != source:  # the index, the manifest and answers are UTF-8
            scan.problems.append(Problem(_shown(source), "file name is not valid UTF-8: rename the file"))
            continue
        sidecar = metadata.get(source, {})
        try:
            key = _file_key(path, sidecar)
            cached = (cache or {}).get(source)
            if cached and cached[0] == key and path.stat().st_size <= max_bytes:
                doc = cached[1]
                scan.reused.add(source)
            else:
                doc = read_document(path, source, sidecar, max_bytes)
        except OSError as err:
            scan.problems.append(Problem(source, f"cannot read file ({err.strerror or err})"))
            continue
        except ExtractionError as err:
            scan.problems.append(Problem(source, str(err)))
            continue
        digest = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
        if digest in seen:
            scan.problems.append(Problem(source, f"same text as {seen[digest]}, indexed once"))
            continue
        seen[digest] = source
        scan.hashes[source] = key
        scan.documents.append(doc)
    return scan


def load_corpus(folder: Path, max_bytes: int = MAX_FILE_BYTES) -> tuple[list[Document], list[Problem]]:
    """Every readable document of `folder`, and a Problem for each one that is not."""
    scan = scan_corpus(folder, max_bytes=max_bytes)
    return scan.documents, scan.problems
