"""A generated Vietnamese corpus of any size for `qa-bot bench`, from real sentences.

- Sentences: those of the given texts (underthesea's splitter), each also in
  `variants` copies with its numbers re-drawn (same number of digits) and its
  province names swapped for others.
- Tokens: every distinct sentence is tokenised once with `lexical_tokens`; a
  chunk's tokens are its sentences' tokens put together (words across a sentence
  boundary are not segmented, which tokenising whole chunks would do).
- Chunks: a seeded random stream of sentences cut every ~`target_chars` characters.
- Vectors: `noisy_vectors` mixes two real chunk vectors, adds Gaussian noise and
  re-normalises (the chunk's vector is not its text's: for timing only).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import bm25s
import numpy as np
import scipy.sparse as sp

from ..ingest.chunking import split_sentences
from ..ingest.provinces import load_provinces
from ..text import lexical_tokens, nfc

__all__ = [
    "DESCRIPTION",
    "Composition",
    "SentencePool",
    "bm25_from_pool",
    "chunk_texts",
    "chunk_tokens",
    "compose",
    "noisy_vectors",
    "sentence_pool",
]

DESCRIPTION = (
    "chunks of ~{chars} characters = random sequences of {sentences} distinct sentences: the "
    "{real} sentences of corpus/ and {variants} variants of each with numbers re-drawn (years within 2005–2025) "
    "and province names "
    "swapped; BM25 tokens = the sentences' lexical_tokens (each sentence tokenised once) put together; "
    "vectors = normalise(a·v_i + (1-a)·v_j + {noise}·g/√d), v from {sample} real chunks embedded by the "
    "default embedder, a ~ U(0,1), g ~ N(0, I)"
)
_NUMBER = re.compile(r"\d+")
_YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass
class SentencePool:
    """Distinct sentences, their token ids (ragged: values + offsets) and the vocabulary."""

    sentences: list[str]
    token_ids: np.ndarray
    token_offsets: np.ndarray
    vocabulary: dict[str, int]
    real: int

    @cached_property
    def words(self) -> list[str]:
        """Token id → token."""
        return list(self.vocabulary)


@dataclass
class Composition:
    """Which pool sentences make up each chunk (ragged: values + offsets)."""

    sentence_ids: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1


def _variant(sentence: str, names: list[str], rng: np.random.Generator) -> str:
    def number(match: re.Match) -> str:
        width = len(match.group(0))
        if _YEAR.fullmatch(match.group(0)):
            return str(rng.integers(2005, 2026))
        return str(rng.integers(10 ** (width - 1) if width > 1 else 0, 10 ** width))

    sentence = _NUMBER.sub(number, sentence)
    for name in names:
        if name in sentence:
            sentence = sentence.replace(name, names[rng.integers(len(names))])
    return sentence


def _real_sentences(texts: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for text in texts:
        text = nfc(text)
        for start, end in split_sentences(text):
            sentence = " ".join(text[start:end].split())
            if len(sentence) >= 20:
                seen.setdefault(sentence)
    return list(seen)


def sentence_pool(texts: list[str], variants: int, seed: int = 0,
                  progress: Callable[[int, int], None] | None = None) -> SentencePool:
    """The distinct sentences of `texts` and their variants, tokenised once each."""
    rng = np.random.default_rng(seed)
    real = _real_sentences(texts)
    names = sorted({p["name"] for p in load_provinces()}, key=len, reverse=True)
    sentences = dict.fromkeys(real)
    for _ in range(variants):
        for sentence in real:
            sentences.setdefault(_variant(sentence, names, rng))
    sentences = list(sentences)
    vocabulary: dict[str, int] = {}
    ids, offsets = [], [0]
    for done, sentence in enumerate(sentences, 1):
        ids.extend(vocabulary.setdefault(t, len(vocabulary)) for t in lexical_tokens(sentence))
        offsets.append(len(ids))
        if progress:
            progress(done, len(sentences))
    return SentencePool(sentences, np.asarray(ids, np.int32), np.asarray(offsets, np.int64), vocabulary, len(real))


def compose(pool: SentencePool, n_chunks: int, target_chars: int = 500, seed: int = 0) -> Composition:
    """`n_chunks` chunks: a random sentence stream cut at every `target_chars` characters."""
    rng = np.random.default_rng(seed)
    lengths = np.asarray([len(s) + 1 for s in pool.sentences], np.int64)
    per_chunk = max(1.0, target_chars / lengths.mean())
    stream = rng.integers(0, len(pool.sentences), int(n_chunks * (per_chunk + 2)) + 16).astype(np.int32)
    ends = np.cumsum(lengths[stream])
    cuts = np.searchsorted(ends, np.arange(1, n_chunks + 1) * target_chars, side="left") + 1
    if cuts[-1] > len(stream):  # unlucky draw: not enough sentences
        return compose(pool, n_chunks, target_chars, seed + 1)
    offsets = np.concatenate([[0], cuts]).astype(np.int64)
    return Composition(stream[:offsets[-1]], offsets)


def _gather(values: np.ndarray, offsets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The concatenated ragged rows `rows` of (values, offsets), and their lengths."""
    starts = offsets[rows]
    lengths = offsets[rows + 1] - starts
    positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    return values[positions], lengths


def chunk_texts(pool: SentencePool, comp: Composition, start: int = 0, end: int | None = None) -> list[str]:
    """The text of chunks [start, end): their sentences joined by a space."""
    end = len(comp) if end is None else end
    s, ids, off = pool.sentences, comp.sentence_ids, comp.offsets
    return [" ".join([s[i] for i in ids[off[c]:off[c + 1]]]) for c in range(start, end)]


def chunk_tokens(pool: SentencePool, comp: Composition, chunk: int) -> list[str]:
    """The BM25 tokens of one chunk (its sentences' tokens put together)."""
    words = pool.words
    rows = comp.sentence_ids[comp.offsets[chunk]:comp.offsets[chunk + 1]]
    ids, _ = _gather(pool.token_ids, pool.token_offsets, rows)
    return [words[i] for i in ids]


def _term_counts(pool: SentencePool, comp: Composition, start: int,
                 end: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(doc, token, count) of chunks [start, end), and each chunk's length in tokens."""
    rows = comp.sentence_ids[comp.offsets[start]:comp.offsets[end]]
    docs_of_rows = np.repeat(np.arange(start, end), np.diff(comp.offsets[start:end + 1]))
    tokens, lengths = _gather(pool.token_ids, pool.token_offsets, rows)
    docs = np.repeat(docs_of_rows, lengths)
    keys, counts = np.unique((docs - start).astype(np.int64) * len(pool.vocabulary) + tokens, return_counts=True)
    doc_lengths = np.bincount(docs - start, minlength=end - start)
    return ((keys // len(pool.vocabulary) + start).astype(np.int32), (keys % len(pool.vocabulary)).astype(np.int32),
            counts, doc_lengths)


def bm25_from_pool(pool: SentencePool, comp: Composition, batch: int = 50_000) -> bm25s.BM25:
    """The bm25s index of the composed chunks, as `bm25s.BM25().index(tokens)` builds it
    (lucene scoring, k1=1.5, b=0.75), computed with array operations instead of per token.
    """
    parts = [_term_counts(pool, comp, s, min(s + batch, len(comp))) for s in range(0, len(comp), batch)]
    docs = np.concatenate([p[0] for p in parts])
    tokens = np.concatenate([p[1] for p in parts])
    tf = np.concatenate([p[2] for p in parts]).astype(np.float32)
    doc_lengths = np.concatenate([p[3] for p in parts]).astype(np.float32)
    del parts
    bm25 = bm25s.BM25()
    n, vocab = len(comp), len(pool.vocabulary)
    df = np.bincount(tokens, minlength=vocab).astype(np.float64)
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    norm = bm25.k1 * ((1 - bm25.b) + bm25.b * doc_lengths / doc_lengths.mean())
    scores = idf[tokens] * (tf / (norm[docs] + tf))
    del tf
    matrix = sp.csc_matrix((scores, (docs, tokens)), shape=(n, vocab), dtype=np.float32)
    bm25.scores = {"data": matrix.data, "indices": matrix.indices.astype(np.int32),
                   "indptr": matrix.indptr.astype(np.int64), "num_docs": n}
    bm25.vocab_dict = {**pool.vocabulary, **({"": vocab} if "" not in pool.vocabulary else {})}
    bm25.unique_token_ids_set = set(bm25.vocab_dict.values())
    bm25.nonoccurrence_array = None
    return bm25


def noisy_vectors(bases: np.ndarray, n: int, seed: int = 0, noise: float = 0.15) -> np.ndarray:
    """`n` unit rows, each a random mix of two `bases` rows plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    dim = bases.shape[1]
    out = np.empty((n, dim), np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        i, j = rng.integers(0, len(bases), m), rng.integers(0, len(bases), m)
        a = rng.random((m, 1), dtype=np.float32)
        rows = (a * bases[i] + (1 - a) * bases[j]
                + noise / np.sqrt(dim) * rng.standard_normal((m, dim), dtype=np.float32))
        out[start:start + m] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out
