"""Put diacritics back on an unaccented question, from the corpus' own vocabulary.

`ha giang bao nhieu thu tuc muc do 4` → `hà giang bao nhiêu thủ tục mức độ 4`:
each folded syllable may stand for several written ones (`do` → độ, đó, do);
the choice is the sequence the corpus makes most likely (bigram counts, with
unigram counts as back-off), found by Viterbi search.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from .text import fold, normalize, syllables

__all__ = ["Vocabulary", "build_vocabulary", "restore_diacritics"]


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
    def from_dict(cls, data: dict) -> "Vocabulary":
        """The inverse of `to_dict`."""
        return cls(dict(data.get("unigrams", {})), dict(data.get("bigrams", {})))

    def score(self, prev: str | None, word: str) -> float:
        """log P(word | prev), interpolated with the unigram probability."""
        unigram = (self.unigrams.get(word, 0) + 0.1) / self._total
        if prev is None:
            return math.log(unigram)
        pair = self.bigrams.get(f"{prev} {word}", 0)
        prev_count = self.unigrams.get(prev, 0) + 1
        return math.log(0.7 * pair / prev_count + 0.3 * unigram)


def _general_phrases() -> list[tuple[str, int]]:
    """(phrase, weight): question phrases and place names a corpus may lack."""
    from .provinces import load_provinces

    path = Path(__file__).with_name("data") / "question_phrases.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    phrases = [(line.strip(), 5) for line in lines if line.strip() and not line.startswith("#")]
    return phrases + [(p["name"], 20) for p in load_provinces()]


def build_vocabulary(texts) -> Vocabulary:
    """Syllable and syllable-pair counts (lowercase, as written) of `texts`.

    General question phrases and province names are counted too (several
    times each), so that questions restore well over any corpus.
    """
    unigrams: Counter = Counter()
    bigrams: Counter = Counter()

    def count(text: str, times: int = 1) -> None:
        words = [tok.lower() for tok, _, _ in syllables(normalize(text).text)]
        for _ in range(times):
            unigrams.update(words)
            bigrams.update(f"{a} {b}" for a, b in zip(words, words[1:]))

    for text in texts:
        count(text)
    for phrase, weight in _general_phrases():
        count(phrase, weight)
    return Vocabulary(dict(unigrams), dict(bigrams))


def _best_path(candidates: list[list[str]], vocab: Vocabulary) -> list[str]:
    """Viterbi over the candidate forms of each position."""
    best = {c: (vocab.score(None, c), [c]) for c in candidates[0]}
    for options in candidates[1:]:
        step = {}
        for c in options:
            step[c] = max(((s + vocab.score(p, c), path + [c]) for p, (s, path) in best.items()), key=lambda x: x[0])
        best = step
    return max(best.values(), key=lambda x: x[0])[1]


def _match_case(original: str, restored: str) -> str:
    if original.isupper() and len(original) > 1:
        return restored.upper()
    if original[:1].isupper():
        return restored[:1].upper() + restored[1:]
    return restored


def restore_diacritics(text: str, vocab: Vocabulary) -> str:
    """`text` with each unaccented syllable given the corpus' likeliest diacritics.

    Syllables that already carry diacritics, and those the corpus never writes
    with any, are kept as typed; so are the characters between syllables.
    """
    tokens = syllables(text)
    if not tokens:
        return text
    candidates = []
    for token, _, _ in tokens:
        low = token.lower()
        forms = vocab.forms(low) if fold(low) == low else []
        candidates.append(forms or [low])
    path = _best_path(candidates, vocab)
    out, cursor = [], 0
    for (token, start, end), word in zip(tokens, path):
        out.append(text[cursor:start])
        out.append(token if word == token.lower() else _match_case(token, word))
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
