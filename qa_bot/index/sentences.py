"""Sentence vectors: each distinct sentence of the chunks embedded once, at index time.

The answer layer compares the question with every candidate sentence of the top
passages (e5 is multilingual: an English question meets a Vietnamese sentence
there). Files of a generation:

    sentences.npy          float16 unit rows, one per distinct sentence (read by row: npyrows.py)
    sentence_keys.npy      the first 16 bytes of sha256 of each sentence's text (S16), so a
                           rebuild embeds only new sentence texts
    sentence_rows.npy      int32 row of each sentence of each chunk, chunk after chunk
    sentence_offsets.npy   int64: chunk i's rows are sentence_rows[offsets[i]:offsets[i+1]]

A sentence text shared by two overlapping chunks, or repeated anywhere, has one row. Vectors are float16:
half the disk of float32; cosines move by < 1e-3.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..embedders import Embedder
from ..schema import Chunk, Document
from .npyrows import NpyRows

__all__ = ["SentenceVectors", "build_sentence_vectors", "keep_sentence_vectors", "load_sentence_vectors",
           "previous_sentence_vectors"]

VECTORS, KEYS, ROWS, OFFSETS = "sentences.npy", "sentence_keys.npy", "sentence_rows.npy", "sentence_offsets.npy"


def _key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


@dataclass(frozen=True)
class SentenceVectors:
    """The sentence vectors of an index, looked up by chunk."""

    vectors: np.ndarray | NpyRows  # (sentences, dim) float16
    rows: np.ndarray  # int32
    offsets: np.ndarray  # int64, chunks + 1

    def of_chunk(self, chunk_id: int) -> np.ndarray:
        """(sentences of the chunk, dim) float32, in the chunk's sentence order."""
        rows = self.rows[self.offsets[chunk_id]:self.offsets[chunk_id + 1]]
        return np.asarray(self.vectors[rows], dtype=np.float32)


def _table(chunks: list[Chunk], documents: dict[str, Document]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The distinct sentence texts, and each chunk's rows into them (a text repeated across
    chunks or documents, a header or a signature block, has one row).
    """
    texts: list[str] = []
    row_of: dict[str, int] = {}
    rows, offsets = [], [0]
    for chunk in chunks:
        text = documents[chunk.source].text
        for start, end in chunk.sentences:
            sentence = text[start:end]
            if sentence not in row_of:
                row_of[sentence] = len(texts)
                texts.append(sentence)
            rows.append(row_of[sentence])
        offsets.append(len(rows))
    return texts, np.asarray(rows, dtype=np.int32), np.asarray(offsets, dtype=np.int64)


def previous_sentence_vectors(folder: Path) -> dict[bytes, np.ndarray]:
    """Key → vector of a previous generation's sentences, to be reused; empty when it has none."""
    try:
        vectors = np.load(Path(folder) / VECTORS, mmap_mode="r", allow_pickle=False)
        keys = np.load(Path(folder) / KEYS, allow_pickle=False)
    except (OSError, ValueError):
        return {}
    if len(keys) != len(vectors):
        return {}
    raw, width = keys.tobytes(), keys.dtype.itemsize  # not bytes(k): numpy drops a key's trailing zero bytes
    return {raw[i * width:(i + 1) * width]: vectors[i] for i in range(len(keys))}


def build_sentence_vectors(
    folder: Path,
    chunks: list[Chunk],
    documents: dict[str, Document],
    embedder: Embedder,
    cache: dict[bytes, np.ndarray],
    progress: Callable[[str, int, int], None] | None = None,
) -> int:
    """Embed the chunks' distinct sentences (those not in `cache`) and write the four files.

    Returns how many sentences were embedded.
    """
    texts, rows, offsets = _table(chunks, documents)
    keys = [_key(t) for t in texts]
    todo = [i for i, k in enumerate(keys) if k not in cache]
    fresh: dict[bytes, np.ndarray] = {}
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("embedding sentences", done, len(todo))

    if todo:
        encoded = embedder.encode([texts[i] for i in todo], progress=step)
        fresh = {keys[i]: row for i, row in zip(todo, encoded, strict=True)}
    vectors = np.zeros((len(texts), embedder.dim), dtype=np.float16)
    for i, k in enumerate(keys):
        vectors[i] = fresh[k] if k in fresh else cache[k]
    folder = Path(folder)
    np.save(folder / VECTORS, vectors, allow_pickle=False)
    np.save(folder / KEYS, np.asarray(keys, dtype="S16"), allow_pickle=False)
    np.save(folder / ROWS, rows, allow_pickle=False)
    np.save(folder / OFFSETS, offsets, allow_pickle=False)
    return len(todo)


def keep_sentence_vectors(source: Path, target: Path, keep: list[int]) -> bool:
    """Write into `target` the sentence vectors of the chunks `keep` (rows of `source`'s chunks,
    in their new order), nothing embedded again. False when `source` has none to keep.
    """
    loaded = load_sentence_vectors(source)
    if loaded is None:
        return False
    try:
        keys = np.load(Path(source) / KEYS, allow_pickle=False)
    except (OSError, ValueError):
        return False
    rows = [loaded.rows[loaded.offsets[i]:loaded.offsets[i + 1]] for i in keep]
    old = np.unique(np.concatenate(rows)) if rows else np.zeros(0, dtype=np.int32)
    new_of = np.full(len(loaded.vectors), -1, dtype=np.int64)
    new_of[old] = np.arange(len(old))
    target = Path(target)
    np.save(target / VECTORS, np.asarray(loaded.vectors[old], dtype=np.float16), allow_pickle=False)
    np.save(target / KEYS, keys[old], allow_pickle=False)
    np.save(target / ROWS, np.concatenate([new_of[r] for r in rows]).astype(np.int32) if rows
            else np.zeros(0, dtype=np.int32), allow_pickle=False)
    np.save(target / OFFSETS, np.cumsum([0] + [len(r) for r in rows]).astype(np.int64), allow_pickle=False)
    return True


def load_sentence_vectors(folder: Path) -> SentenceVectors | None:
    """The sentence vectors of a generation folder (rows read when asked for); None for a generation written
    without them (the answer layer then compares the question with whole passages).
    """
    folder = Path(folder)
    if not all((folder / name).is_file() for name in (VECTORS, ROWS, OFFSETS)):
        return None
    return SentenceVectors(
        NpyRows(folder / VECTORS),
        np.load(folder / ROWS, allow_pickle=False),
        np.load(folder / OFFSETS, allow_pickle=False),
    )
