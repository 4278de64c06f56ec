"""The corpus vocabulary: how often each syllable and syllable pair is written.

It is saved with the index (`vocabulary.json`); questions typed without diacritics
are restored from it (`question.restore`) and answer terms are weighted by it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ..datafiles import read_lines
from ..ingest.provinces import load_provinces
from ..text import fold, normalize, syllables

__all__ = ["Vocabulary", "build_vocabulary", "text_counts", "without_texts"]


@dataclass(eq=False)
class Vocabulary:
    """Counts of lowercase syllables and syllable pairs as the corpus writes them."""

    unigrams: dict[str, int]
    bigrams: dict[str, int]  # "á b" → count

    def __post_init__(self) -> None:
        self._forms: dict[str, list[str]] = defaultdict(list)
        for word in self.unigrams:
            self._forms[fold(word)].append(word)
        self._total = sum(self.unigrams.values()) or 1

    def forms(self, folded: str) -> list[str]:
        """The written forms of a folded syllable seen in the corpus."""
        return self._forms.get(folded, [])

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"unigrams": self.unigrams, "bigrams": self.bigrams}

    @classmethod
    def from_dict(cls, data: dict) -> Vocabulary:
        """The inverse of `to_dict`."""
        return cls(dict(data.get("unigrams", {})), dict(data.get("bigrams", {})))

    def score(self, prev: str | None, word: str) -> float:
        """Log P(word | prev), interpolated with the unigram probability."""
        unigram = (self.unigrams.get(word, 0) + 0.1) / self._total
        if prev is None:
            return math.log(unigram)
        pair = self.bigrams.get(f"{prev} {word}", 0)
        prev_count = self.unigrams.get(prev, 0) + 1
        return math.log(0.7 * pair / prev_count + 0.3 * unigram)


def _general_phrases() -> list[tuple[str, int]]:
    """(phrase, weight): question phrases and place names a corpus may lack."""
    phrases = [(line, 5) for line in read_lines("question_phrases.txt")]
    return phrases + [(p["name"], 20) for p in load_provinces()]


def build_vocabulary(texts: Iterable[str]) -> Vocabulary:
    """Syllable and syllable-pair counts (lowercase, as written) of `texts`.

    General question phrases and province names are counted too (several
    times each), so that questions restore well over any corpus.
    """
    unigrams: Counter = Counter()
    bigrams: Counter = Counter()

    def count(text: str, times: int = 1) -> None:
        ones, pairs = text_counts(text)
        for _ in range(times):
            unigrams.update(ones)
            bigrams.update(pairs)

    for text in texts:
        count(text)
    for phrase, weight in _general_phrases():
        count(phrase, weight)
    return Vocabulary(dict(unigrams), dict(bigrams))


def text_counts(text: str) -> tuple[Counter, Counter]:
    """The syllable and syllable-pair counts one text adds to a vocabulary."""
    words = [tok.lower() for tok, _, _ in syllables(normalize(text).text)]
    return Counter(words), Counter(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))


def without_texts(vocabulary: Vocabulary, texts: Iterable[str]) -> Vocabulary:
    """`vocabulary` as if `texts` had never been counted (a removed document's)."""
    unigrams, bigrams = Counter(vocabulary.unigrams), Counter(vocabulary.bigrams)
    for text in texts:
        ones, pairs = text_counts(text)
        unigrams.subtract(ones)
        bigrams.subtract(pairs)
    return Vocabulary({k: v for k, v in unigrams.items() if v > 0}, {k: v for k, v in bigrams.items() if v > 0})
