"""Who signed an administrative document: the name under its signature block.

A Vietnamese administrative document closes (before any appendix) with the signer's
authority and title in capitals, then, after a possible `(Đã ký)`, the name
(Nghị định 30/2020/NĐ-CP, Phụ lục I)::

    KT. CHỦ TỊCH
    PHÓ CHỦ TỊCH
    (Đã ký)
    Nguyễn Ngọc Phúc

The words that mark the block, military and academic ranks before a name, and the
words by which a question asks who signed are data (`data/signatures.json`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..datafiles import read_json
from ..text import fold

__all__ = ["asks_for_signer", "is_name_word", "signer_span"]

_WORD = re.compile(r"\S+")
_LETTERS = re.compile(r"[^\W_]+")
_MAX_NAME_WORDS = 5


def _data() -> dict:
    return read_json("signatures.json")


def _in_capitals(word: str) -> bool:
    """A word written in capitals ('CHỦ', 'KT.', 'UBND'): it has letters and no small ones."""
    return any(ch.isalpha() for ch in word) and not any(ch.islower() for ch in word)


def is_name_word(word: str) -> bool:
    """A word of a person's name: letters only, capitalised ('Nguyễn', 'Ý')."""
    return word.isalpha() and word[0].isupper() and (len(word) == 1 or word[1:].islower())


def _names_a_title(words: list[str]) -> bool:
    """Whether a run of words in capitals holds a signer's authority or title ('KT. CHỦ TỊCH')."""
    run = f" {' '.join(words)} "
    return any(f" {title}" in run for title in _data()["authority_titles"])


def _skip_marks(text: str, words: list[re.Match], k: int) -> int:
    """The first word from `k` past a '(Đã ký)' or '[đã ký]' mark and a rank ('Đại tá')."""
    if k < len(words) and words[k].group()[0] in "([":
        for end in range(k, min(k + 6, len(words))):
            if words[end].group()[-1] in ")]":
                k = end + 1
                break
    if k < len(words):
        for rank in _data()["ranks"]:
            if text.startswith(rank, words[k].start()):
                k += len(rank.split())
                break
    return k


def _name_after(text: str, words: list[re.Match], k: int) -> tuple[int, int] | None:
    """The name that starts at word `k` (after marks), ending its line: 2 to 5 capitalised words."""
    k = _skip_marks(text, words, k)
    n = 0
    while k + n < len(words) and n < _MAX_NAME_WORDS and is_name_word(words[k + n].group()):
        n += 1
    if n < 2:
        return None
    start, end = words[k].start(), words[k + n - 1].end()
    rest = text[end:end + 200].lstrip(" \t")
    follows = words[k + n].group() if k + n < len(words) else ""
    if rest and rest[0] not in "\n|" and not _in_capitals(follows):
        return None  # the name runs on into a sentence: not a signature
    return start, end


@lru_cache(maxsize=64)  # keyed by the text itself: a few documents' worth, for the questions that ask
def signer_span(text: str) -> tuple[int, int] | None:
    r"""Offsets of the name of whoever signed the document `text` (the last signature block), or None.

    >>> text = "Nơi nhận:\n- Lưu: VT.\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n(Đã ký)\nNguyễn Ngọc Phúc\n\nPHỤ LỤC"
    >>> start, end = signer_span(text)
    >>> text[start:end]
    'Nguyễn Ngọc Phúc'
    """
    words = list(_WORD.finditer(text))
    found, i = None, 0
    while i < len(words):
        j = i
        while j < len(words) and _in_capitals(words[j].group()):
            j += 1
        if j > i and _names_a_title([w.group() for w in words[i:j]]):
            found = _name_after(text, words, j) or found
        i = max(j, i + 1)
    return found


@lru_cache(maxsize=4096)
def asks_for_signer(question: str) -> bool:
    """Whether `question` asks who signed ('Ai ký Quyết định …?', 'Who signed the report?'); an
    unaccented question is read folded, without the words 'ky' also spells ('hoc ky', 'ky nang').

    >>> asks_for_signer("Quyết định này do ai ký?"), asks_for_signer("Đăng ký khai sinh ở đâu?")
    (True, False)
    >>> asks_for_signer("quyet dinh nay do ai ky"), asks_for_signer("hoc ky he bat dau khi nao")
    (True, False)
    """
    text = " " + " ".join(_LETTERS.findall(question.lower())) + " "
    spelled = fold if fold(text) == text else str  # an unaccented question: compare folded
    for phrase in _data()["not_signing"]:
        text = text.replace(f" {spelled(phrase)} ", " ")
    return any(f" {spelled(word)} " in text for word in _data()["signing_words"])
