"""What the tests share: the bundled corpus and question sets, and a deterministic fake embedder."""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"
FACTS_DOCS = DATA / "facts_docs"  # documents written for the comparison questions (tests/data/compare.jsonl)


def compare_corpus(folder: Path) -> Path:
    """The bundled corpus and the facts test documents in one folder (metadata.jsonl of both)."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in [*CORPUS.glob("*.txt"), *FACTS_DOCS.glob("*.txt")]:
        (folder / source.name).write_bytes(source.read_bytes())
    metadata = (CORPUS / "metadata.jsonl").read_text(encoding="utf-8") + (FACTS_DOCS / "metadata.jsonl").read_text(
        encoding="utf-8")
    (folder / "metadata.jsonl").write_text(metadata, encoding="utf-8")
    return folder


def _token_vector(token: str, dim: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(token.encode("utf-8")).digest()[:8], "little")
    return np.random.default_rng(seed).standard_normal(dim).astype(np.float32)


class HashEmbedder:
    """A deterministic stand-in for the real model (haystack's `_deterministic_embedding` idea).

    Each lowercased, diacritic-free word gets a vector seeded from its sha256 and a text is
    the normalised sum of its words' vectors: the same text gives the same vector in every
    process, and texts that share words are close. Fast unit tests of retrieval, the answer
    layer and the pipeline use it; the real model stays in the integration tests.
    """

    name = "test:hash"
    dim = 384

    def encode(self, texts, is_query=False, progress=None):
        """(len(texts), dim) float32 unit rows."""
        rows = []
        for text in texts:
            folded = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
            words = "".join(ch for ch in folded if not unicodedata.combining(ch)).split() or [text]
            row = np.sum([_token_vector(w.strip(".,;:!?()\"“”"), self.dim) for w in words], axis=0)
            rows.append(row / (np.linalg.norm(row) or 1.0))
        if progress:
            progress(len(texts))
        return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, self.dim), dtype=np.float32)


def index_chunks(index, source: str | None = None) -> set[tuple]:
    """(source, start, end, text) of the index's chunks (of `source` when given)."""
    return {(c.source, c.char_start, c.char_end, c.text) for c in index.chunks if source in (None, c.source)}


def milvus_chunks(target) -> set[tuple]:
    """(source, start, end, text) of every row of `target`'s collection (a MilvusTarget)."""
    from qa_bot.retrieval.milvus import connect

    rows = connect(target).query(target.collection, filter="id >= 0", limit=16_384,
                                 output_fields=["source", "char_start", "char_end", "text"])
    return {(r["source"], r["char_start"], r["char_end"], r["text"]) for r in rows}


def key_reads(monkeypatch) -> list:
    """The calls of Milvus's query_iterator (which reads every key of a collection) from now on."""
    from pymilvus import MilvusClient

    calls, read = [], MilvusClient.query_iterator
    monkeypatch.setattr(MilvusClient, "query_iterator", lambda self, *a, **k: calls.append(a) or read(self, *a, **k))
    return calls


def answered(result: dict) -> tuple:
    """What an `ask` record answers: abstained or not, the answer without its confidence, the
    passages' texts in order, and the confidence last, to be compared apart: FAISS and Milvus
    scores differ in their last float digits, so the same answer's confidence may differ in its
    7th digit (d13-en: 0.91184995 and 0.91185001), and then in its 4-digit rounding.
    """
    answer = dict(result["answer"] or {})
    confidence = answer.pop("score", 0.0)
    return result["abstained"], answer, [p["text"] for p in result["passages"]], confidence
