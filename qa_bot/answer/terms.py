"""Question terms in answer text: rarity weights, coverage, proximity, term pairs.

Terms are folded lowercase syllables (diacritics off, đ → d), number values
(`1.565` → `#1565`) and the syllables of abbreviations spelled out, so `TTHC`
covers `thủ tục hành chính` and `90,2%` covers `phần trăm`.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from ..index.vocabulary import Vocabulary
from ..question.analysis import abbreviation_syllables
from ..text import fold, number_values, syllables

__all__ = ["TermWeights", "coverage", "pair_coverage", "proximity", "segment", "term_set", "terms_in_order",
           "weights_of", "window_match"]


class TermWeights:
    """Rarity weights of folded syllables, from the corpus vocabulary."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.counts: dict[str, int] = {}
        for word, count in vocabulary.unigrams.items():
            key = fold(word)
            self.counts[key] = self.counts.get(key, 0) + count
        self.total = sum(self.counts.values()) or 1
        self._cache: dict[str, float] = {}

    def __call__(self, term: str) -> float:
        """The rarity weight of the folded syllable `term`."""
        if term not in self._cache:
            self._cache[term] = math.log(1 + self.total / (self.counts.get(term, 0) + 1))
        return self._cache[term]


@lru_cache(maxsize=4)
def weights_of(vocabulary: Vocabulary) -> TermWeights:
    """The rarity weights of `vocabulary` (made once per index)."""
    return TermWeights(vocabulary)


@lru_cache(maxsize=200_000)
def term_set(text: str) -> frozenset[str]:
    """Folded syllables of `text`, number values, and the words of its abbreviations."""
    terms: set[str] = set()
    expand = abbreviation_syllables()
    for token, _, _ in syllables(text.lower()):
        folded = fold(token)
        terms.add(folded)
        terms.update(number_values(token))
        if folded.endswith("%"):
            terms.update(("phan", "tram"))
        terms.update(expand.get(folded, ()))
        for piece in re.split(r"[/\-]", folded):
            terms.update(expand.get(piece, ()))
    return frozenset(terms)


def coverage(terms: list[str], present: set[str], weight: TermWeights) -> float:
    """Weighted share of `terms` found in `present` (0.0 when there are no terms)."""
    total = sum(weight(t) for t in terms)
    if total == 0:
        return 0.0
    return sum(weight(t) for t in terms if t in present) / total


_SEGMENT_END = re.compile(r"[;.!?](?:\s|$)")


def segment(text: str, start: int, end: int) -> tuple[int, int]:
    """The part of the sentence between ';' (or sentence ends) around [start, end)."""
    seg_start = 0
    for m in _SEGMENT_END.finditer(text, 0, start):
        seg_start = m.end()
    m = _SEGMENT_END.search(text, end)
    return seg_start, (m.start() if m else len(text))


def proximity(text: str, start: int, end: int, terms: set[str], weight: TermWeights) -> float:
    """Question terms near [start, end), each weighted by rarity and closeness.

    Terms beyond the ';'-separated part of the sentence count for a third.
    """
    score = 0.0
    seg_start, seg_end = segment(text, start, end)
    for token, t_start, t_end in syllables(text.lower()):
        if start <= t_start < end:
            continue
        matched = terms & term_set(token)
        if matched:
            distance = t_start - end if t_start >= end else start - t_end
            closeness = math.exp(-max(distance, 0) / 40) * (1.0 if seg_start <= t_start < seg_end else 0.33)
            score += sum(weight(t) for t in matched) * closeness
    return score


def terms_in_order(text: str) -> list[str]:
    """Folded content syllables of `text` in order, abbreviations spelled out."""
    return list(_terms_in_order(text))


@lru_cache(maxsize=65_536)
def _terms_in_order(text: str) -> tuple[str, ...]:
    out = []
    for token, _, _ in syllables(text.lower()):
        expanded = abbreviation_syllables().get(fold(token))
        out.extend(expanded or [fold(token)])
    return tuple(out)


def window_match(question_words: list[str], window: list[str], weight: TermWeights) -> float:
    """Rarity-weighted question words found in a window of the sentence."""
    present = set(window)
    return sum(weight(w) for w in dict.fromkeys(question_words) if w in present)




def _pairs(terms: list[str]) -> set[tuple[str, str]]:
    return set(zip(terms, terms[1:], strict=False))


def pair_coverage(question_terms: list[str], question_text: str, sentence: str, weight: TermWeights) -> float:
    """Weighted share of the question's adjacent term pairs that the sentence has adjacent."""
    wanted = set(question_terms)
    asked = _pairs([t for t in terms_in_order(question_text) if t in wanted])
    if not asked:
        return 0.0
    present = _pairs(terms_in_order(sentence))
    total = sum(weight(a) + weight(b) for a, b in asked)
    return sum(weight(a) + weight(b) for a, b in asked & present) / total
