"""Put diacritics back on an unaccented question, from the corpus' own vocabulary.

`ha giang bao nhieu thu tuc muc do 4` → `hà giang bao nhiêu thủ tục mức độ 4`:
each folded syllable may stand for several written ones (`do` → độ, đó, do);
the choice is the sequence the corpus makes most likely (bigram counts, with
unigram counts as back-off), found by Viterbi search.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from ..index.vocabulary import Vocabulary
from ..text import fold, syllables

__all__ = ["restore_diacritics", "restore_names"]


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
    for (token, start, end), word in zip(tokens, path, strict=False):
        out.append(text[cursor:start])
        out.append(token if word == token.lower() else _match_case(token, word))
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)+\b")


def restore_names(text: str, vocab: Vocabulary, english_words: Collection[str]) -> str:
    """`text` (an English question) with diacritics put back on the Vietnamese names in it:
    runs of two or more capitalised words that the corpus writes as syllables ('Ha Giang' →
    'Hà Giang', 'Pham Minh Chinh'). Other words are kept as typed, `english_words` ('The',
    'Of') and a single word among English ones ('Decision No') included.
    """
    def restore_run(match: re.Match) -> str:
        run, out, cursor = match.group(0), [], 0
        for name in _syllable_runs(run, vocab, english_words):
            out += [run[cursor:name[0]], restore_diacritics(run[name[0]:name[1]], vocab)]
            cursor = name[1]
        return "".join(out) + run[cursor:]

    return _CAPITALISED_RUN.sub(restore_run, text)


def _syllable_runs(run: str, vocab: Vocabulary, english_words: Collection[str]) -> list[tuple[int, int]]:
    """(start, end) of each stretch of two or more words of `run` the corpus writes as syllables."""
    stretches, current = [], []
    for word, start, end in syllables(run) + [("", len(run), len(run))]:
        low = word.lower()
        if low and low not in english_words and vocab.forms(fold(low)):
            current.append((start, end))
            continue
        if len(current) >= 2:
            stretches.append((current[0][0], current[-1][1]))
        current = []
    return stretches
