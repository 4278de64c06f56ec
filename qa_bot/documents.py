"""Read a corpus folder into Documents, with metadata, reporting unreadable files."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .schema import Document

__all__ = ["Problem", "load_corpus", "corpus_files", "fingerprint", "read_metadata"]

METADATA_FILE = "metadata.jsonl"
SUFFIXES = (".txt",)
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
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


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


def read_text_file(path: Path) -> str:
    """The text of a UTF-8 file (a BOM is dropped); raises ValueError when it is not text."""
    data = path.read_bytes()
    if b"\0" in data[:4096]:
        raise ValueError("binary data, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"not valid UTF-8 (byte {err.start})") from None


def load_corpus(folder: Path) -> tuple[list[Document], list[Problem]]:
    """Every readable document of `folder`, and a Problem for each one that is not."""
    folder = Path(folder)
    metadata = read_metadata(folder)
    docs, problems = [], []
    for path in corpus_files(folder):
        source = path.relative_to(folder).as_posix()
        try:
            text = read_text_file(path)
        except (OSError, ValueError) as err:
            problems.append(Problem(source, str(err)))
            continue
        if not text.strip():
            problems.append(Problem(source, "empty file"))
            continue
        docs.append(Document(source, text, metadata.get(source, {})))
    return docs, problems
