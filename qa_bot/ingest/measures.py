"""What a value measures: the measures table (`data/measures.json`) read against a sentence.

A sentence is put in a canonical form first: lowercase, diacritics folded,
abbreviations expanded (`TTHC` → `thu tuc hanh chinh`, so both spellings are one
measure), an abbreviation defined in brackets dropped (`dịch vụ công (DVC) trực
tuyến`), each value replaced by `#`, and clause ends (`; . :`) by `¦`. A measure's
patterns are written in the same form and bound to one `#` each: the first
measure of the table (the more specific ones come first) whose pattern binds a
value names it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from ..datafiles import read_json
from ..text import fold, normalize

__all__ = ["Canonical", "Measure", "bind_measures", "canonical", "load_measures", "measures_named"]

GAP_WORDS = 10
_GAP = rf"(?: [^#¦ ]+){{0,{GAP_WORDS}}}"
_LONG_GAP = rf"(?: [^#¦ ]+){{0,{2 * GAP_WORDS}}}"
_TOKEN = re.compile(r"(?P<word>[^\W\d_]+)|(?P<num>\d+(?:[.,/]\d+)*)|(?P<punct>[^\w\s])")
_PUNCT = {",": ",", ";": "¦", ".": "¦", ":": "¦:", "!": "¦", "?": "¦", "|": "¦", "…": "¦",
          "(": "(", "[": "(", ")": ")", "]": ")"}
_CLAUSE_END = r"(?= [,¦()]| trong do|$)"


@dataclass(frozen=True)
class Canonical:
    """A text in canonical form: `text`, and for each of its words the [start, end) in the source."""

    text: str
    spans: tuple[tuple[int, int], ...]  # one per space-separated word of `text`
    values: tuple[int, ...]  # word index of each '#', in the order of the values given

    def word_at(self, char: int) -> int:
        """The index of the word of `text` at character `char`."""
        return self.text.count(" ", 0, char)


@cache
def _abbreviations() -> dict[str, list[str]]:
    """Folded lowercase abbreviation → folded words of its first expansion (one-word abbreviations)."""
    table = {}
    for abbr, expansions in read_json("abbreviations.json").items():
        if re.fullmatch(r"[^\W\d_]+", abbr):
            table[fold(abbr.lower())] = fold(expansions[0].lower()).replace(",", "").split()
    return table


def _word_forms(word: str) -> list[str]:
    """The canonical words of one written word: an abbreviation (upper case, or any case when it
    has three letters or more) becomes its expansion.
    """
    folded = fold(word.lower())
    expansion = _abbreviations().get(folded)
    if expansion and (word.isupper() or len(word) >= 3):
        return expansion
    return [folded]


def _drop_defined_abbreviations(tokens: list[tuple[str, str, int, int]]) -> list[tuple[str, str, int, int]]:
    """Leave out '( DVC )', '( PAR Index )': an abbreviation defined in brackets after its words."""
    out, i = [], 0
    while i < len(tokens):
        if tokens[i][1] == "(":
            inner = []
            j = i + 1
            while j < len(tokens) and tokens[j][0] == "word" and len(inner) < 2:
                inner.append(tokens[j][1])
                j += 1
            if inner and j < len(tokens) and tokens[j][1] == ")" and inner[0][:1].isupper() and any(
                    w.isupper() and len(w) > 1 for w in inner):
                i = j + 1
                continue
        out.append(tokens[i])
        i += 1
    return out


def canonical(text: str, values: Sequence[tuple[int, int]] = ()) -> Canonical:
    """`text` in canonical form, each [start, end) of `values` (offsets into `text`) as one '#'.

    >>> canonical("Có 1.565 TTHC được cung cấp dịch vụ công (DVC) trực tuyến", [(3, 8)]).text
    'co # thu tuc hanh chinh duoc cung cap dich vu cong truc tuyen'
    """
    matching = normalize(text)
    raw: list[tuple[str, str, int, int]] = []
    for m in _TOKEN.finditer(matching.text):
        start, end = matching.to_source(m.start(), m.end())
        raw.append((m.lastgroup, m.group(0), start, end))
    words: list[str] = []
    spans: list[tuple[int, int]] = []
    positions = [-1] * len(values)
    for kind, written, start, end in _drop_defined_abbreviations(raw):
        inside = next((k for k, (s, e) in enumerate(values) if s <= start and end <= e), None)
        if inside is not None:
            if positions[inside] < 0:
                positions[inside] = len(words)
                words.append("#")
                spans.append(tuple(values[inside]))
            continue
        if kind == "word":
            forms = _word_forms(written)
        elif kind == "num":
            forms = [written]
        else:
            forms = [_PUNCT[written]] if written in _PUNCT else []
        words.extend(forms)
        spans.extend([(start, end)] * len(forms))
    return Canonical(" ".join(words), tuple(spans), tuple(positions))


def _compile_words(phrase: str) -> str:
    """A phrase of a pattern as a regex over canonical text ('…' a gap, '(a|b)' alternatives)."""
    parts = []
    for piece in re.split(r"(\([^()]*\)|……|…)", phrase):
        piece = piece.strip()
        if not piece:
            continue
        if piece in ("…", "……"):
            parts.append(_GAP if piece == "…" else _LONG_GAP)
        elif piece.startswith("("):
            options = [canonical(option).text for option in piece[1:-1].split("|")]
            parts.append("(?:" + "|".join(re.escape(o) for o in options) + ")")
        else:
            parts.append(re.escape(canonical(piece).text))
    regex = " ".join(parts)
    return regex.replace(" " + _LONG_GAP, _LONG_GAP).replace(" " + _GAP, _GAP)


@dataclass(frozen=True)
class Pattern:
    """One pattern, split at its '#': what must come before it (ending there) and after it."""

    before: re.Pattern | None
    after: re.Pattern | None

    @classmethod
    def parse(cls, pattern: str) -> Pattern:
        """Compile 'words … # words$'."""
        left, _, right = pattern.partition("#")
        anchored = right.rstrip().endswith("$")
        right = right.rstrip().rstrip("$")
        before = re.compile(r"(?:^|(?<= ))" + _compile_words(left) + " $") if left.strip() else None
        after = None
        if right.strip() or anchored:
            body = (" " + _compile_words(right)) if right.strip() else ""
            after = re.compile(body + (_CLAUSE_END if anchored else r"(?= |$)"))
        return cls(before, after)

    def binds(self, text: str, at: int) -> bool:
        """Whether the '#' at character `at` of canonical `text` is this pattern's value."""
        if self.before is not None and not self.before.search(text[:at]):
            return False
        return self.after is None or self.after.match(text, at + 1) is not None


@dataclass(frozen=True)
class Measure:
    """A measure of the table: its name, label per kind of value, patterns and question phrases."""

    name: str
    family: str
    labels: dict[str, str]
    unit: str
    patterns: tuple[Pattern, ...]
    ask: tuple[re.Pattern, ...]
    english: tuple[str, ...]

    def label(self, kind: str) -> str | None:
        """The measure's name for a value of `kind`, or None when it takes no such value."""
        return self.labels.get(kind)

    @property
    def indexed(self) -> bool:
        """An index whose provinces are also ranked (scores and ranks)."""
        return "rank" in self.labels


@cache
def load_measures() -> tuple[Measure, ...]:
    """The measures of data/measures.json, most specific first."""
    measures = []
    for entry in read_json("measures.json")["measures"]:
        measures.append(Measure(
            name=entry["name"], family=entry.get("family", entry["name"]), labels=dict(entry["labels"]),
            unit=entry.get("unit", ""),
            patterns=tuple(Pattern.parse(p) for p in entry["patterns"]),
            ask=tuple(re.compile(r"(?:^|(?<= ))" + _compile_words(p) + r"(?= |$)") for p in entry.get("ask", ())),
            english=tuple(e.lower() for e in entry.get("en", ())),
        ))
    return tuple(measures)


def bind_measures(form: Canonical, kinds: Sequence[str]) -> list[tuple[Measure, str] | None]:
    """For each value of `form` (of the given `kinds`), the first measure whose pattern binds
    it and the measure's label for that kind; None where no pattern does.
    """
    starts = _word_starts(form.text)
    bound: list[tuple[Measure, str] | None] = []
    for position, kind in zip(form.values, kinds, strict=True):
        found = None
        if position >= 0:
            at = starts[position]
            for measure in load_measures():
                label = measure.label(kind)
                if label and any(p.binds(form.text, at) for p in measure.patterns):
                    found = (measure, label)
                    break
        bound.append(found)
    return bound


def _word_starts(text: str) -> list[int]:
    starts, at = [], 0
    for word in text.split(" "):
        starts.append(at)
        at += len(word) + 1
    return starts


def measures_named(question: str, english: bool = False) -> list[tuple[Measure, int, int]]:
    """(measure, start, end) of each measure a question names, in the question's canonical
    form; the longest phrase wins where two overlap.
    """
    form = canonical(question).text
    found = []
    for measure in load_measures():
        for regex in measure.ask:
            found += [(measure, m.start(), m.end()) for m in regex.finditer(form)]
        if english:
            lowered = " " + re.sub(r"[^\w\-]+", " ", question.lower()) + " "
            for phrase in measure.english:
                at = lowered.find(f" {phrase} ")
                if at >= 0:
                    found.append((measure, 10_000 + at, 10_000 + at + len(phrase)))
    found.sort(key=lambda item: (-(item[2] - item[1]), item[1]))
    kept: list[tuple[Measure, int, int]] = []
    for measure, start, end in found:
        if all(end <= s or e <= start for _, s, e in kept):
            kept.append((measure, start, end))
    return sorted(kept, key=lambda item: item[1])
