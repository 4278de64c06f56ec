"""The BM25 tokens of each chunk, kept with a generation so that they are never worked out twice.

Tokenising (underthesea's segmenter) costs ~10 ms a chunk: an incremental build
tokenises only the chunks whose text is new, and removing a document rebuilds the
lexical index from the kept chunks' tokens in seconds. Files of a generation:

    tokens/vocab.json    the token strings, in id order
    tokens/ids.npy       int32 ids of every chunk's tokens, one after the other
    tokens/offsets.npy   int64, chunk i's tokens are ids[offsets[i]:offsets[i + 1]]

A generation without them (built by an older qa-bot) is tokenised again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..ingest.chunking import indexed_texts
from ..schema import Chunk, Document
from ..text import lexical_tokens

__all__ = ["TOKENS", "SavedTokens", "chunk_tokens", "copy_tokens", "load_tokens", "saved_tokens", "save_tokens",
           "tokens_by_text"]

TOKENS = "tokens"


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save_tokens(folder: Path, token_lists: list[list[str]]) -> None:
    """Write each chunk's tokens (row i is chunk i) into `folder`/tokens/."""
    out = Path(folder) / TOKENS
    out.mkdir(parents=True, exist_ok=True)
    vocab: dict[str, int] = {}
    ids = [vocab.setdefault(token, len(vocab)) for tokens in token_lists for token in tokens]
    offsets = np.cumsum([0, *(len(tokens) for tokens in token_lists)], dtype=np.int64)
    np.save(out / "ids.npy", np.asarray(ids, dtype=np.int32), allow_pickle=False)
    np.save(out / "offsets.npy", offsets, allow_pickle=False)
    (out / "vocab.json").write_text(json.dumps(list(vocab), ensure_ascii=False), encoding="utf-8")


def load_tokens(folder: Path) -> list[list[str]] | None:
    """Each chunk's tokens as saved in `folder`; None when the generation has none (or they are damaged)."""
    base = Path(folder) / TOKENS
    try:
        vocab = json.loads((base / "vocab.json").read_text(encoding="utf-8"))
        ids = np.load(base / "ids.npy", allow_pickle=False)
        offsets = np.load(base / "offsets.npy", allow_pickle=False)
    except (OSError, ValueError):
        return None
    words = np.asarray(vocab, dtype=object)
    return [words[ids[offsets[i]:offsets[i + 1]]].tolist() for i in range(len(offsets) - 1)]


class SavedTokens:
    """The saved tokens of a generation, memory-mapped: a chunk's tokens are read when asked for."""

    def __init__(self, vocab: list[str], ids: np.ndarray, offsets: np.ndarray) -> None:
        self.vocab, self.ids, self.offsets = vocab, ids, offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, row: int) -> list[str]:
        return [self.vocab[i] for i in self.ids[self.offsets[row]:self.offsets[row + 1]].tolist()]

    def total(self) -> int:
        """How many tokens all the chunks have together."""
        return int(self.offsets[-1])


def saved_tokens(folder: Path) -> SavedTokens | None:
    """The tokens saved in `folder`, memory-mapped; None when the generation has none (or they are damaged)."""
    base = Path(folder) / TOKENS
    try:
        vocab = json.loads((base / "vocab.json").read_text(encoding="utf-8"))
        ids = np.load(base / "ids.npy", allow_pickle=False, mmap_mode="r")
        offsets = np.load(base / "offsets.npy", allow_pickle=False, mmap_mode="r")
    except (OSError, ValueError):
        return None
    return SavedTokens(vocab, ids, offsets)


def copy_tokens(source: Path, target: Path, rows: list[int]) -> bool:
    """Write the saved tokens of chunks `rows` of the generation `source` into `target` (their ids
    sliced, the vocabulary kept); False when `source` has none.
    """
    base = Path(source) / TOKENS
    try:
        ids = np.load(base / "ids.npy", allow_pickle=False)
        offsets = np.load(base / "offsets.npy", allow_pickle=False)
    except (OSError, ValueError):
        return False
    pieces = [ids[offsets[i]:offsets[i + 1]] for i in rows]
    out = Path(target) / TOKENS
    out.mkdir(parents=True, exist_ok=True)
    kept = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
    np.save(out / "ids.npy", kept.astype(np.int32), allow_pickle=False)
    np.save(out / "offsets.npy", np.cumsum([0, *(len(p) for p in pieces)], dtype=np.int64), allow_pickle=False)
    (out / "vocab.json").write_bytes((base / "vocab.json").read_bytes())
    return True


def tokens_by_text(folder: Path, texts: list[str]) -> dict[str, list[str]]:
    """Chunk text sha256 → tokens, from the generation in `folder` whose chunks are `texts` (in order)."""
    saved = load_tokens(folder)
    if saved is None or len(saved) != len(texts):
        return {}
    return {_key(text): tokens for text, tokens in zip(texts, saved, strict=True)}


def chunk_tokens(chunks: Sequence[Chunk], documents: Mapping[str, Document]) -> list[list[str]]:
    """The BM25 tokens of each chunk: of its text after its document's title (`indexed_texts`)."""
    return [lexical_tokens(text) or [""] for text in indexed_texts(chunks, documents)]
