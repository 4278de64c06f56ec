"""Vietnamese text for matching: NFC with a map back to the source, folding, tokens.

Offsets are never computed on rewritten text: `normalize()` returns the matching
form of a text together with an array that maps each of its positions back to
the original string, so spans found in the matching form land on the source.
"""

from __future__ import annotations

import re
import sys
import types
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = [
    "Normalized",
    "normalize",
    "nfc",
    "fold",
    "syllables",
    "word_tokenize",
    "lexical_tokens",
    "LOWERCASE",
    "YEAR",
    "YEAR_PATTERN",
    "years_named",
]


def _marked_letters() -> str:
    """The lowercase letters of Vietnamese beyond a–z: đ, ă â ê ô ơ ư, and each vowel with each tone (NFC)."""
    tones = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
    toned = {unicodedata.normalize("NFC", vowel + tone) for vowel in "aăâeêioôơuưy" for tone in tones}
    return "".join(sorted(set("đăâêôơư") | toned))


# a regex class of one lowercase Vietnamese letter; `[a-zà-ỹ]` would take Đ, Ư, Ủ … too (U+0110–U+1EF8)
LOWERCASE = f"[a-z{_marked_letters()}]"

YEAR_PATTERN = r"(19[5-9]\d|20\d\d)"  # a year a question or a document may name (one group)
YEAR = re.compile(rf"(?<!\d){YEAR_PATTERN}(?!\d)")
# a year a figure is compared with, not the time it is of: 'tăng 1,2 điểm so với năm 2023',
# 'so với cùng kỳ năm 2022', 'so với 2021'
_BASELINE_YEAR = re.compile(
    rf"(?<!\w)so v(?:ớ|o)i\s+(?:c(?:ù|u)ng (?:k(?:ỳ|y)|th(?:ờ|o)i (?:đ|d)i(?:ể|e)m)\s+)?(?:c(?:ủ|u)a\s+)?"
    rf"(?:n(?:ă|a)m\s+)?{YEAR_PATTERN}(?!\d)",
    re.IGNORECASE,
)


# a span of years, every year of which the text speaks of: 'giai đoạn 2021-2025', 'từ năm 2019 đến năm 2022'
_YEAR_RANGE = re.compile(
    rf"(?<!\d){YEAR_PATTERN}\s*[-–—]\s*{YEAR_PATTERN}(?!\d)"
    rf"|(?<!\w)t(?:ừ|u)\s+(?:n(?:ă|a)m\s+)?{YEAR_PATTERN}\s+(?:đ|d)(?:ế|e)n\s+(?:n(?:ă|a)m\s+)?{YEAR_PATTERN}(?!\d)",
    re.IGNORECASE,
)


def years_named(text: str) -> frozenset[str]:
    """The years `text` names as the time of what it says: not those it compares with, and every
    year of a span of years.

    >>> sorted(years_named("Năm 2024 đạt 98,6%, tăng 1,2 điểm so với năm 2023, so với cùng kỳ năm 2022."))
    ['2024']
    >>> sorted(years_named("Kế hoạch giai đoạn 2021-2023 và từ năm 2019 đến năm 2020"))
    ['2019', '2020', '2021', '2022', '2023']
    """
    baseline = {m.start(1) for m in _BASELINE_YEAR.finditer(text)}
    named = {m.group(0) for m in YEAR.finditer(text) if m.start() not in baseline}
    for m in _YEAR_RANGE.finditer(text):
        first, last = (int(y) for y in m.groups() if y)
        if 0 < last - first <= 30:
            named.update(str(year) for year in range(first, last + 1))
    return frozenset(named)

# Old-style tone placement ("hoà", "thuỷ") moved onto the first vowel ("hòa",
# "thủy") as underthesea's text_normalize does; the rewrite keeps the length.
_TONED = {
    "a": "àáảãạ", "e": "èéẻẽẹ", "y": "ỳýỷỹỵ",
    "A": "ÀÁẢÃẠ", "E": "ÈÉẺẼẸ", "Y": "ỲÝỶỸỴ",
}
_BASE_TONED = {"o": "òóỏõọ", "u": "ùúủũụ", "O": "ÒÓỎÕỌ", "U": "ÙÚỦŨỤ"}
_OLD_STYLE_PAIRS = {"o": "ae", "u": "y", "O": "AE", "U": "Y"}


def _tone_moves() -> dict[str, str]:
    moves = {}
    for first, seconds in _OLD_STYLE_PAIRS.items():
        for second in seconds:
            for key in (second, second.lower(), second.upper()):
                if key not in _TONED:
                    continue
                for tone, toned in enumerate(_TONED[key]):
                    moves[first + toned] = _BASE_TONED[first][tone] + key
    return moves


_TONE_MOVES = _tone_moves()
_WORD = re.compile(r"[^\W\d_]+")


def _retone_word(match: re.Match) -> str:
    word = match.group(0)
    tail = word[-2:]
    if tail in _TONE_MOVES and not (tail[0] in "uU" and word[:1] in "qQ"):
        return word[:-2] + _TONE_MOVES[tail]
    return word


@dataclass(frozen=True)
class Normalized:
    """A text in matching form (NFC, new tone placement) and its map to the source."""

    text: str
    source_offsets: np.ndarray  # len(text) + 1 positions into the source string

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the matching form back onto the source."""
        return int(self.source_offsets[start]), int(self.source_offsets[end])


def nfc(text: str) -> str:
    """Unicode NFC, the form every engine expects (NFD degrades the embedder)."""
    return unicodedata.normalize("NFC", text)


def _nfc_clusters(text: str) -> list[tuple[int, int]]:
    """Split `text` into pieces that NFC-normalise independently of each other."""
    clusters: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i < len(text) and unicodedata.combining(text[i]):
            continue
        if clusters and i > start:
            prev_start, _ = clusters[-1]
            joined = nfc(text[prev_start:i])
            if joined != nfc(text[prev_start:start]) + nfc(text[start:i]):
                clusters[-1] = (prev_start, i)
                start = i
                continue
        if i > start:
            clusters.append((start, i))
        start = i
    return clusters


def _move_old_tones(text: str) -> str:
    """'hoà' → 'hòa', 'thuỷ' → 'thủy' (a vowel pair ending the word); 'quý' stays."""
    return _WORD.sub(_retone_word, text)


def normalize(text: str) -> Normalized:
    r"""Return the matching form of `text` (NFC, tone marks placed as 'hòa').

    >>> n = normalize("Hoa\u0300 Bình")
    >>> n.text, n.to_source(0, 3)
    ('Hòa Bình', (0, 4))
    """
    if unicodedata.is_normalized("NFC", text):
        matching = _move_old_tones(text)
        return Normalized(matching, np.arange(len(text) + 1, dtype=np.int64))
    pieces: list[str] = []
    offsets: list[int] = []
    for start, end in _nfc_clusters(text):
        piece = nfc(text[start:end])
        pieces.append(piece)
        offsets.extend([start] * len(piece))
    offsets.append(len(text))
    matching = _move_old_tones("".join(pieces))
    return Normalized(matching, np.asarray(offsets, dtype=np.int64))


_FOLD_TABLE = str.maketrans({"đ": "d", "Đ": "D"})


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Strip Vietnamese diacritics (and map đ→d), keeping the length of NFC text.

    >>> fold("Đường Hà Giang")
    'Duong Ha Giang'
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_TABLE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# A token: letters/digits, joined through . , / : - when both sides continue it
# (numbers such as 1.565 and 12,5; codes such as 25/KH-UBND, ISO 14001:2015).
_TOKEN = re.compile(r"[^\W_]+(?:[.,/:\-][^\W_]+)*%?")


def syllables(text: str) -> list[tuple[str, int, int]]:
    """Tokens of `text` (as written) with their [start, end) positions."""
    return list(_syllables(text))


@lru_cache(maxsize=65_536)
def _syllables(text: str) -> tuple[tuple[str, int, int], ...]:
    return tuple((m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text))


_THOUSANDS_DOT = re.compile(r"\d{1,3}(?:\.\d{3})+")
_THOUSANDS_COMMA = re.compile(r"\d{1,3}(?:,\d{3})+")
_DECIMAL_COMMA = re.compile(r"\d+,\d+")


def number_values(token: str) -> list[str]:
    """Canonical values of a Vietnamese or English number ('1.565' → ['1565']).

    >>> number_values("12,5%"), number_values("1,565"), number_values("08")
    (['12.5'], ['1.565', '1565'], ['8'])
    """
    digits = token.rstrip("%")
    values = []
    if digits.isdigit():
        values.append(str(int(digits)))
    elif _THOUSANDS_DOT.fullmatch(digits):
        values.append(digits.replace(".", ""))
    elif _DECIMAL_COMMA.fullmatch(digits):
        values.append(digits.replace(",", "."))
        if _THOUSANDS_COMMA.fullmatch(digits):
            values.append(digits.replace(",", ""))
    return values


def _parts(token: str) -> list[str]:
    """A token, its number values ('#1565') and the pieces of a code.

    '25/kh-ubnd' → itself, '25', 'kh', 'ubnd'; '1.565' → itself, '#1565'.
    """
    values = number_values(token)
    if values:
        return [token, *("#" + v for v in values)]
    pieces = [p for p in re.split(r"[.,/:\-%]", token) if p]
    if len(pieces) <= 1:
        return [token]
    return [token, *(str(int(p)) if p.isdigit() else p for p in pieces)]


# underthesea imports these optional pipelines eagerly when their libraries are installed: with
# the [st] extra, `translate` alone pulls in transformers and torch (~5–15 s). qa-bot uses none.
_UNUSED_UNDERTHESEA = ("pipeline.translate", "pipeline.classification", "pipeline.sentiment",
                       "pipeline.dependency_parse", "pipeline.lang_detect", "agent")


def underthesea() -> types.ModuleType:
    """The underthesea package, imported without the optional pipelines qa-bot does not use."""
    if "underthesea" in sys.modules:
        return sys.modules["underthesea"]
    blocked = [f"underthesea.{name}" for name in _UNUSED_UNDERTHESEA if f"underthesea.{name}" not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # an import of it fails: underthesea leaves it out
    try:
        import underthesea as package
    finally:
        for name in blocked:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]  # a later explicit import still works
    return package


@lru_cache(maxsize=1)
def _word_tokenize() -> Callable[[str], list[str]]:
    return underthesea().word_tokenize


def word_tokenize(text: str) -> list[str]:
    """The words underthesea finds in `text` (a word of several syllables keeps its spaces)."""
    return _word_tokenize()(text)


def compound_words(text: str) -> list[str]:
    """Multi-syllable words found by underthesea's segmenter, joined by '_'."""
    words = []
    for word in word_tokenize(text):
        parts = [tok for tok, _, _ in syllables(word)]
        if len(parts) > 1 and all(not any(ch.isdigit() for ch in p) for p in parts):
            words.append("_".join(parts))
    return words


_DAY_MONTH = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(?:19|20)\d\d)?(?![\d/])")
_MONTH_WORD = re.compile(r"(?<!\w)th[aá]ng\s+(\d{1,2})(?!\d)")


def month_tokens(text: str) -> list[str]:
    """'@m10' for each month named as a date ('05/10/2021', 'tháng 10', 'tháng 10/2021').

    >>> month_tokens("ngày 05/10/2021 và tháng 3 năm 2020")
    ['@m10', '@m3']
    """
    months = [(m.start(), int(m.group(2))) for m in _DAY_MONTH.finditer(text) if int(m.group(1)) <= 31]
    months += [(m.start(), int(m.group(1))) for m in _MONTH_WORD.finditer(text)]
    return [f"@m{month}" for _, month in sorted(months) if 1 <= month <= 12]


def lexical_tokens(text: str, segment: bool = True) -> list[str]:
    """BM25 tokens: lowercased syllables and words, each also diacritic-folded.

    >>> lexical_tokens("Hà Giang", segment=False)
    ['hà', 'ha', 'giang']
    """
    matching = normalize(text).text.lower()
    tokens: list[str] = month_tokens(matching)
    for token, _, _ in syllables(matching):
        for part in _parts(token):
            tokens.append(part)
            folded = fold(part)
            if folded != part:
                tokens.append(folded)
    if segment:
        for word in compound_words(matching):
            tokens.append(word)
            folded = fold(word)
            if folded != word:
                tokens.append(folded)
    return tokens
