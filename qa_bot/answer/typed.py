"""Values of the type a question asks (a number, a date, a person, a code…) in a sentence,
each scored by how well it fits the question: the words around the question's
`bao nhiêu` around the value, what its span says it counts, the question's year,
a percentage or a rank asked for, and its closeness to the question's terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..question.analysis import Query
from ..text import fold, number_values, syllables, years_named
from .spans import candidates, clause_bounds
from .terms import TermWeights, proximity, segment, term_set, terms_in_order, window_match

__all__ = ["Asked", "TYPED_KINDS", "Typed", "typed_values", "unit_missing", "years_fit"]

_SUBSET = re.compile(r"(?:trong đó|trong số đó|bao gồm|gồm có)\W*$", re.IGNORECASE)


def years_fit(segment: str, years: list[str]) -> float:
    """+1 when the value's part of the sentence names the question's year, -1 when it
    names only other years, 0 when it names none.
    """
    if not years:
        return 0.0
    named = years_named(segment)
    if not named:
        return 0.0
    return 1.0 if named & set(years) else -1.0


def _fit(text: str, start: int, end: int, span: tuple[int, int], query: Query, weight: TermWeights) -> float:
    """How well a value fits what the question asks: the words around the question's
    'bao nhiêu' around the value ('ký số đạt bao nhiêu' ↔ 'ký số đạt 90,2%'), what its
    span says it counts ('… mức độ 4'), the question's year, a percentage or a rank.
    """
    if query.kind not in ("number", "date", "code"):
        return 0.0
    seg_start, seg_end = segment(text, start, end)
    unit = max((weight(w) for w in query.terms), default=1.0)
    score = 3 * unit if years_fit(text[seg_start:seg_end], query.years) > 0 else 0.0
    if query.kind != "number":
        return score
    value = text[start:end]
    described = term_set(re.sub(r"\([^()]*\)", " ", text[end:span[1]])) & set(query.terms)
    score += sum(weight(w) for w in described)
    lead = text[clause_bounds(text, start)[0]:start]  # the clause up to the value
    lead_terms = terms_in_order(lead)
    after = terms_in_order(text[end:clause_bounds(text, end)[1]])[:len(query.after_cue) + 2]
    if query.before_cue:
        score += 2.0 * window_match(query.after_cue, after, weight)
        score += 1.5 * window_match(query.before_cue, lead_terms[-(len(query.before_cue) + 2):], weight)
    else:  # 'What share of X …?': X may stand on either side of the value
        before = lead_terms[-(len(query.after_cue) + 2):]
        score += 2.0 * max(window_match(query.after_cue, after, weight),
                           window_match(query.after_cue, before, weight))
    if _SUBSET.search(lead):
        score -= unit  # '…, trong đó 1.565 …' is a part of the total before it
    if text[:start].rfind("(") > text[:start].rfind(")"):
        score -= unit  # a value inside '( … )' is usually a detail of the one before it
    if query.wants == "percent":
        score += 3 * unit if value.endswith("%") else 0.0
    elif query.wants == "rank":
        before = terms_in_order(text[seg_start:start])[-2:]
        score += 3 * unit if re.fullmatch(r"\d+/\d+", value) or "thu" in before else 0.0
    return score


_GENERIC_NOUNS = frozenset({"dieu", "cai", "viec", "nhung", "cac", "la", "so", "thu", "nhu", "the", "ra", "sao"})
_WH_WORDS = ("nhu the nao", "the nao", "ra sao", "gi", "nao", "may")


def _anchor(query: Query) -> list[str]:
    """The content words right before the question word: 'quy trình' in 'quy trình gì',
    'tạo ra' in 'tạo ra điều gì', 'nhiệm vụ' in 'nhiệm vụ như thế nào'.
    """
    words = [fold(w.lower()) for w, _, _ in syllables(query.matching)]
    for cue in _WH_WORDS:
        cue_words = cue.split()
        for i in range(len(words) - len(cue_words) + 1):
            if words[i:i + len(cue_words)] == cue_words:
                before = [w for w in words[max(0, i - 4):i] if w not in _GENERIC_NOUNS]
                return before[-2:]
    return []


def _excluded_numbers(query: Query) -> set[str]:
    excluded = set(query.numbers)
    for token in query.numbers:
        excluded.update(number_values(token))
    return excluded


TYPED_KINDS = ("number", "date", "person", "code", "entity", "list", "describe")


def _meaningful(span: str) -> bool:
    """Not a list marker or a stray letter ('a', 'P'): a number or two letters at least."""
    return any(ch.isdigit() for ch in span) or sum(ch.isalpha() for ch in span) >= 2


def _in_question(text: str, query: Query) -> bool:
    """A candidate the question itself names ('ISO 14001:2015' in 'before ISO 14001:2015')."""
    folded = fold(text.lower()).strip()
    return len(folded) > 3 and folded in fold(query.matching.lower())


@dataclass(frozen=True)
class Asked:
    """What every sentence is scored against, worked out once per question."""

    query: Query
    weight: TermWeights
    places: frozenset[str]
    terms: frozenset[str]
    anchor: list[str]
    excluded: set[str]
    total: float  # the weight of all the question's terms

    @classmethod
    def of(cls, query: Query, weight: TermWeights, places: Iterable[str]) -> Asked:
        """What `query` asks, with the corpus' term weights and the place names to tell from people."""
        terms = frozenset(query.terms)
        total = sum(weight(t) for t in terms) or 1.0
        return cls(query, weight, frozenset(places), terms, _anchor(query), _excluded_numbers(query), total)


def unit_missing(text: str, span: tuple[int, int], query: Query) -> bool:
    """'bao nhiêu tỷ đồng' answered by a span that does not count 'tỷ đồng'."""
    if query.kind != "number" or not query.after_cue or query.wants:
        return False
    head = query.after_cue[:2]
    return not any(w in term_set(text[span[0]:span[1]]) for w in head)




@dataclass(frozen=True)
class Typed:
    """A value of the asked type in a sentence: the value, its span, and how well it fits."""

    value: tuple[int, int]
    span: tuple[int, int]
    fit: float  # closeness to the question's terms plus the cue fit, in weight units


def typed_values(text: str, asked: Asked) -> tuple[list[Typed], int]:
    """The values of the asked type in `text` (not named by the question), each scored, and how
    many were left out because they belong to another year than the question's.
    """
    query, weight = asked.query, asked.weight
    found, conflicts = [], 0
    for v_start, v_end, sp_start, sp_end in candidates(text, query.kind, asked.excluded, asked.anchor, asked.places,
                                                       query.wants):
        if _in_question(text[v_start:v_end], query) or not _meaningful(text[sp_start:sp_end]):
            continue
        if (query.kind in ("number", "date", "code")
                and years_fit(text[slice(*segment(text, v_start, v_end))], query.years) < 0):
            conflicts += 1
            continue
        fit = _fit(text, v_start, v_end, (sp_start, sp_end), query, weight)
        found.append(Typed((v_start, v_end), (sp_start, sp_end),
                           proximity(text, v_start, v_end, asked.terms, weight) + fit))
    return found, conflicts
