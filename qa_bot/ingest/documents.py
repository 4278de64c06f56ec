"""Read a corpus folder into Documents, with metadata, reporting unreadable files."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ExtractionError
from ..schema import Document
from .extract import SUFFIXES, detect_meta, extract

if TYPE_CHECKING:
    from _hashlib import HASH

__all__ = [
    "REMOVED",
    "Problem",
    "CorpusFiles",
    "CorpusScan",
    "scan_corpus",
    "load_corpus",
    "corpus_files",
    "file_key",
    "list_corpus",
    "read_metadata",
    "MAX_FILE_BYTES",
]

METADATA_FILE = "metadata.jsonl"
REMOVED = ".removed"  # documents taken out of the corpus (`qa-bot remove`, a replaced upload) are kept here
MAX_FILE_BYTES = 50_000_000  # a larger file is reported, not read
META_FIELDS = ("title", "province", "date", "outlet", "author")


@dataclass(frozen=True)
class Problem:
    """A file that could not be indexed, and why (one line for the user)."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"skipped {self.source}: {self.reason}"


def _kept(folder: Path, path: Path) -> bool:
    """False for what lies in the corpus's `.removed/` folder (documents taken out of the index)."""
    return REMOVED not in path.relative_to(folder).parts


def corpus_files(folder: Path) -> list[Path]:
    """The document files of `folder` (recursively, `.removed/` left out), sorted, links not followed."""
    folder = Path(folder)
    return sorted(
        p for p in folder.rglob("*")
        if p.suffix.lower() in SUFFIXES and p.is_file() and not p.is_symlink() and _kept(folder, p)
    )


def _sha256(path: Path) -> HASH:
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
    return sorted(p for p in folder.rglob("*") if p.is_symlink() and p.suffix.lower() in SUFFIXES and _kept(folder, p))


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


@dataclass(frozen=True)
class CorpusFiles:
    """The document files of a folder as they are now, each hashed once.

    `keys` maps each source to the sha256 of its content and its sidecar metadata
    (None when the file cannot be read, with the reason in `unreadable`). The
    fingerprint is made of these keys: taken before a build reads anything, so a
    file edited during the build differs from it and is rebuilt next time.
    """

    folder: Path
    keys: dict[str, str | None]
    unreadable: dict[str, str]
    links: tuple[str, ...]
    metadata: dict[str, dict]

    @property
    def fingerprint(self) -> str:
        """sha256 over the sources and their keys."""
        digest = hashlib.sha256()
        for source in sorted(self.keys):
            digest.update(source.encode("utf-8", "surrogateescape") + b"\0")
            digest.update((self.keys[source] or "unreadable").encode() + b"\0")
        return digest.hexdigest()


def list_corpus(folder: Path) -> CorpusFiles:
    """The files of `folder` with their keys: every file is read (hashed) once here."""
    folder = Path(folder)
    metadata = read_metadata(folder)
    keys: dict[str, str | None] = {}
    unreadable: dict[str, str] = {}
    for path in corpus_files(folder):
        source = path.relative_to(folder).as_posix()
        try:
            keys[source] = file_key(path, metadata.get(source, {}))
        except OSError as err:
            keys[source] = None
            unreadable[source] = f"cannot read file ({err.strerror or err})"
    links = tuple(_shown(p.relative_to(folder).as_posix()) for p in _links(folder))
    return CorpusFiles(folder, keys, unreadable, links, metadata)


@dataclass
class CorpusScan:
    """The documents of a folder, the files that failed, and each file's content hash."""

    documents: list[Document]
    problems: list[Problem]
    hashes: dict[str, str]  # source → sha256 of the file and its sidecar metadata
    reused: set[str]  # sources taken from the cache, not read again
    fingerprint: str = ""  # of the files as they were when the scan began


def file_key(path: Path, sidecar: dict) -> str:
    """The key an index keeps for a file: sha256 of its content and its sidecar metadata."""
    digest = _sha256(path)
    digest.update(json.dumps(sidecar, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def scan_corpus(folder: Path, cache: dict[str, tuple[str, Document]] | None = None,
                max_bytes: int = MAX_FILE_BYTES, files: CorpusFiles | None = None) -> CorpusScan:
    """Read every document of `folder`; a file whose hash is in `cache` is not read again.

    `cache` maps source → (hash, Document) from the previous build. A file whose
    text is the same as an earlier file's is indexed once. `files` is the folder's
    listing when the caller has it already (each file is hashed once per build).
    """
    files = files or list_corpus(folder)
    scan = CorpusScan([], [], {}, set(), files.fingerprint)
    scan.problems += [Problem(link, "symbolic link, not followed") for link in files.links]
    seen: dict[str, str] = {}
    for source, key in files.keys.items():
        if _shown(source) != source:  # the index, the manifest and answers are UTF-8
            scan.problems.append(Problem(_shown(source), "file name is not valid UTF-8: rename the file"))
            continue
        if key is None:
            scan.problems.append(Problem(source, files.unreadable[source]))
            continue
        doc = _document(files, source, key, cache or {}, max_bytes, scan)
        if doc is None:
            continue
        digest = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
        if digest in seen:
            scan.problems.append(Problem(source, f"same text as {seen[digest]}, indexed once"))
            continue
        seen[digest] = source
        scan.hashes[source] = key
        scan.documents.append(doc)
    return scan


def _document(files: CorpusFiles, source: str, key: str, cache: dict, max_bytes: int,
              scan: CorpusScan) -> Document | None:
    """The document of one file, from the cache when its key is unchanged; None (and a
    Problem in `scan`) when it cannot be read.
    """
    path = files.folder / source
    try:
        cached = cache.get(source)
        if cached and cached[0] == key and path.stat().st_size <= max_bytes and not _ocr_now(cached[1]):
            scan.reused.add(source)
            return cached[1]
        return read_document(path, source, files.metadata.get(source, {}), max_bytes)
    except OSError as err:
        scan.problems.append(Problem(source, f"cannot read file ({err.strerror or err})"))
    except ExtractionError as err:
        scan.problems.append(Problem(source, str(err)))
    return None


def _ocr_now(doc: Document) -> bool:
    """True for a document with scanned pages left unread when Tesseract is now there to read them."""
    from .ocr import tesseract_missing

    return bool(doc.meta.get("unread_pages")) and not tesseract_missing()


def load_corpus(folder: Path, max_bytes: int = MAX_FILE_BYTES) -> tuple[list[Document], list[Problem]]:
    """Every readable document of `folder`, and a Problem for each one that is not."""
    scan = scan_corpus(folder, max_bytes=max_bytes)
    return scan.documents, scan.problems
