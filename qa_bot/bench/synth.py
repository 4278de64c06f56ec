"""A generated Vietnamese corpus of any size for `qa-bot bench`, from real sentences.

- Sentences: those of the given texts (underthesea's splitter) and of the VLSP 2013
  sentences underthesea ships (when present), then variants of them until there are
  `target` distinct ones: numbers re-drawn (same number of digits), province names
  swapped, one or two words replaced by words of underthesea's dictionary
  (Viet74K), and some given a place (a ward or commune of the 2025 address list)
  or a person (family, middle and given names) — a varied vocabulary, as users' corpora have.
- Tokens: every distinct sentence is tokenised once with `lexical_tokens`; a
  chunk's tokens are its sentences' tokens put together (words across a sentence
  boundary are not segmented, which tokenising whole chunks would do).
- Chunks: a seeded random stream of sentences cut every ~`target_chars` characters.
- Vectors: `noisy_vectors` mixes two real chunk vectors, adds Gaussian noise and
  re-normalises (the chunk's vector is not its text's: for timing only).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

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
    "chunks of ~{chars} characters = random sequences of {sentences:,} distinct sentences ({vocabulary:,} distinct "
    "BM25 tokens): the {real:,} real sentences (corpus/ and underthesea's VLSP 2013 sentences) and variants of them "
    "with numbers re-drawn (years within 2005–2025), province names swapped, one or two words replaced from "
    "underthesea's Viet74K dictionary, some with a ward or commune and a person's name added; BM25 tokens = "
    "the sentences' lexical_tokens (each sentence tokenised once) put together; "
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


_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
           "Dương", "Lý", "Đinh", "Trịnh", "Mai", "Tạ")
_MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Xuân", "Thu", "Kim", "Hồng", "Công")
_ROLES = ("Giám đốc Sở Nội vụ", "Chủ tịch UBND", "Phó Chủ tịch UBND xã", "Trưởng phòng Tư pháp", "Bí thư Đảng ủy",
          "công chức một cửa", "Chánh Văn phòng", "Phó Giám đốc Trung tâm Phục vụ hành chính công")


def _underthesea_file(*parts: str) -> Path | None:
    """A data file shipped inside the underthesea package, when this version has it."""
    import underthesea

    path = Path(underthesea.__file__).parent.joinpath(*parts)
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def vlsp_sentences() -> tuple[str, ...]:
    """The VLSP 2013 test sentences underthesea ships (word per line), as running text."""
    path = _underthesea_file("pipeline", "pos_tag", "models", "pos_crf_vlsp2013_20230303", "test_output.txt")
    if path is None:
        return ()
    sentences, words = [], []
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.strip():
            words.append(line.split("\t")[0])
        elif words:
            text = re.sub(r" ([.,;:!?%)])", r"\1", " ".join(words)).replace("( ", "(")
            sentences.append(text)
            words = []
    return tuple(sentences)


@dataclass(frozen=True)
class _Lexicon:
    """Words, places and given names the variants draw from."""

    words: tuple[str, ...]
    places: tuple[str, ...]
    given: tuple[str, ...]


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    words_file = _underthesea_file("corpus", "data", "Viet74K.txt")
    words = tuple(w.strip() for w in words_file.read_text(encoding="utf-8").splitlines()
                  if w.strip() and w.strip().islower()) if words_file else ()
    places, given = [], set()
    address = _underthesea_file("address", "data", "mapping.json")
    if address is not None:
        for row in json.loads(address.read_text(encoding="utf-8"))["ward_mapping"]:
            if not (row.get("old_ward") and row.get("old_district")):
                continue
            places.append(f"{row['old_ward'][:1].lower()}{row['old_ward'][1:]}, {row['old_district'].lower()[:1]}"
                          f"{row['old_district'][1:]}")
            given.add(row["old_ward"].split()[-1])
    return _Lexicon(words, tuple(places), tuple(sorted(given)) or ("An", "Bình", "Hùng", "Lan"))


def _variant(sentence: str, names: list[str], rng: np.random.Generator, lexicon: _Lexicon | None = None) -> str:
    def number(match: re.Match) -> str:
        width = len(match.group(0))
        if _YEAR.fullmatch(match.group(0)):
            return str(rng.integers(2005, 2026))
        return str(rng.integers(10 ** (width - 1) if width > 1 else 0, 10 ** width))

    sentence = _NUMBER.sub(number, sentence)
    for name in names:
        if name in sentence:
            sentence = sentence.replace(name, names[rng.integers(len(names))])
    if lexicon is None or not lexicon.words:
        return sentence
    words = sentence.split(" ")
    for _ in range(int(rng.integers(1, 3))):
        at = int(rng.integers(len(words)))
        if words[at].isalpha() and words[at].islower():
            words[at] = lexicon.words[rng.integers(len(lexicon.words))]
    sentence = " ".join(words).rstrip(" .")
    if lexicon.places and rng.random() < 0.4:
        sentence += f" tại {lexicon.places[rng.integers(len(lexicon.places))]}"
    if rng.random() < 0.25:
        person = (f"{_FAMILY[rng.integers(len(_FAMILY))]} {_MIDDLE[rng.integers(len(_MIDDLE))]} "
                  f"{lexicon.given[rng.integers(len(lexicon.given))]}")
        sentence = f"Theo ông {person}, {_ROLES[rng.integers(len(_ROLES))]}, {sentence[:1].lower()}{sentence[1:]}"
    return sentence + "."


def _real_sentences(texts: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for text in texts:
        text = nfc(text)
        for start, end in split_sentences(text):
            sentence = " ".join(text[start:end].split())
            if len(sentence) >= 20:
                seen.setdefault(sentence)
    return list(seen)


def sentence_pool(texts: list[str], variants: int = 0, seed: int = 0, target: int = 0, extra_real: bool = False,
                  tokenize: Callable[[list[str]], list[list[str]]] | None = None) -> SentencePool:
    """The distinct sentences of `texts` (and underthesea's VLSP sentences with `extra_real`),
    `variants` variants of each, then more until there are `target`; tokenised once each
    (by `tokenize`, a list of texts in, their lexical_tokens out: several processes may do it).
    """
    rng = np.random.default_rng(seed)
    real = _real_sentences(texts)
    if extra_real:
        real += [s for s in vlsp_sentences() if len(s) >= 20 and s not in set(real)]
    names = sorted({p["name"] for p in load_provinces()}, key=len, reverse=True)
    lexicon = _lexicon() if target else None
    sentences = dict.fromkeys(real)
    for _ in range(variants):
        for sentence in real:
            sentences.setdefault(_variant(sentence, names, rng, lexicon))
    while len(sentences) < target:
        sentences.setdefault(_variant(real[rng.integers(len(real))], names, rng, lexicon))
    sentences = list(sentences)
    tokenized = (tokenize or (lambda batch: [lexical_tokens(t) for t in batch]))(sentences)
    vocabulary: dict[str, int] = {}
    ids, offsets = [], [0]
    for tokens in tokenized:
        ids.extend(vocabulary.setdefault(t, len(vocabulary)) for t in tokens)
        offsets.append(len(ids))
    return SentencePool(sentences, np.asarray(ids, np.int32), np.asarray(offsets, np.int64), vocabulary, len(real))


def compose(pool: SentencePool, n_chunks: int, target_chars: int = 500, seed: int = 0) -> Composition:
    """`n_chunks` chunks: a random sentence stream cut at every `target_chars` characters."""
    rng = np.random.default_rng(seed)
    lengths = np.asarray([len(s) + 1 for s in pool.sentences], np.int64)
    per_chunk = max(1.0, target_chars / lengths.mean())
    stream = rng.integers(0, len(pool.sentences), int(n_chunks * (per_chunk + 2)) + 16).astype(np.int32)
    ends = np.cumsum(lengths[stream])
    cuts = np.searchsorted(ends, np.arange(1, n_chunks + 1) * target_chars, side="left") + 1
    steps = np.arange(n_chunks)
    cuts = np.maximum.accumulate(cuts - steps) + steps  # a sentence longer than a chunk: no empty chunk after it
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
