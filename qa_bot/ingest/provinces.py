"""Vietnamese provinces (the 63 before the 2025 merger and the 34 after it) found in text.

`data/provinces.json` lists one object per province or centrally-run city:
name, aliases, type, before_2025, after_2025, merged_into (where the 2025
merger absorbed it) and case_sensitive (names that are also ordinary words,
such as "hòa bình", matched only when capitalised).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..datafiles import read_json
from ..schema import Document
from ..text import fold, normalize

__all__ = ["document_province", "find_provinces", "load_provinces"]

# Phrases that contain a province name but are not about it (the Pacific Ocean).
_NOT_PROVINCES = ("Thái Bình Dương",)


def load_provinces() -> list[dict]:
    """The province records of data/provinces.json (cached; do not mutate)."""
    return read_json("provinces.json")


def _canon(text: str) -> str:
    """Lowercase, old tone placement moved, punctuation and spaces unified."""
    return re.sub(r"[\s.\-–—]+", " ", normalize(text).text.lower()).strip()


def _pattern(alias: str) -> str:
    """A regex over folded lowercase text for one alias (flexible spaces, dots, dashes)."""
    folded = _fold_same_length(_canon(alias))
    return r"(?:\s+|\s*[-–—.]\s*)".join(re.escape(word) for word in folded.split())


@lru_cache(maxsize=1)
def _matcher() -> tuple[re.Pattern, list[tuple[str | None, frozenset[str], bool]]]:
    """One alternation of every alias (longest first) and, per group, what it means."""
    entries: list[tuple[str | None, frozenset[str], bool]] = []
    alternatives: list[tuple[int, str]] = []
    records = [(r["name"], [r["name"], *r.get("aliases", [])], bool(r.get("case_sensitive")))
               for r in load_provinces()]
    records += [(None, [phrase], False) for phrase in _NOT_PROVINCES]
    for name, aliases, case_sensitive in records:
        forms = frozenset(_canon(a) for a in aliases)
        for alias in aliases:
            group = f"g{len(entries)}"
            entries.append((name, forms, case_sensitive))
            alternatives.append((len(_canon(alias)), f"(?P<{group}>{_pattern(alias)})"))
    alternatives.sort(key=lambda item: -item[0])
    regex = re.compile(r"(?<!\w)(?:" + "|".join(p for _, p in alternatives) + r")(?!\w)")
    return regex, entries


def _fold_same_length(text: str) -> str:
    """fold(), character by character where a whole-string fold changes the length."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded
    return "".join(f if len(f := fold(ch)) == 1 else ch for ch in text)


def _accept(written: str, forms: frozenset[str], case_sensitive: bool) -> bool:
    """Written without diacritics or with the name's own; capitalised as a name
    ("Nam Định", "NAM ĐỊNH") or all lowercase as in a query, never mixed
    ("Việt Nam định cư"); names that are also words must be capitalised.
    """
    name = re.sub(r"(?i)^(thành\s+phố|tp)\b", "", written)  # "thành phố Hồ Chí Minh" is fine
    words = [w for w in re.split(r"[\s\-–—.]+", name) if w]
    capitalised = all(w[:1].isupper() for w in words)
    if not capitalised and (case_sensitive or name != name.lower()):
        return False
    return written.isascii() or _canon(written) in forms


def find_provinces(text: str) -> list[tuple[str, int, int]]:
    """(province name, start, end) of each province named in `text`, offsets into `text`.

    Matches are case-insensitive, on word boundaries, with or without diacritics
    (but "Huệ" is not "Huế"); the longest name wins ("Thừa Thiên Huế", not "Huế").

    >>> find_provinces("UBND tỉnh Ha Giang và TP.HCM")
    [('Hà Giang', 10, 18), ('Thành phố Hồ Chí Minh', 22, 28)]
    """
    matching = normalize(text)
    folded = _fold_same_length(matching.text).lower()
    if len(folded) != len(matching.text):  # lower() changed the length (rare letters)
        folded = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in _fold_same_length(matching.text))
    regex, entries = _matcher()
    found = []
    for match in regex.finditer(folded):
        name, forms, case_sensitive = entries[int(match.lastgroup[1:])]
        written = matching.text[match.start():match.end()]
        if name is None or not _accept(written, forms, case_sensitive):
            continue
        start, end = matching.to_source(match.start(), match.end())
        found.append((name, start, end))
    return found


def document_province(doc: Document) -> str | None:
    """The document's province: from its metadata, else the one its text names most."""
    if doc.meta.get("province"):
        return doc.meta["province"]
    names = [name for name, _, _ in find_provinces(doc.text[:5000])]
    if not names:
        return None
    top = max(set(names), key=names.count)
    return top if names.count(top) >= 2 else None
