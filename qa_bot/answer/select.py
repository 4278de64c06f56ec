"""Pick the answer: the sentence of the top passages that answers, and a short span in it.

Scores are lexical and transparent: the share of the question's terms (weighted
by rarity in the corpus, diacritics folded, abbreviations expanded) that a
sentence and its passage cover, the passage's rank, and whether the sentence
holds something of the type asked (a number, a person, a date, a code). The span
is the candidate of that type closest to the question's terms.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..index.vocabulary import Vocabulary
from ..question.analysis import Query, abbreviation_syllables
from ..schema import Answer, Document, Hit
from ..text import fold, normalize, number_values, syllables
from .spans import candidates, clause_bounds

__all__ = ["TermWeights", "pick_answer", "coverage", "ABSTAIN_THRESHOLD"]

# Below this confidence the product says it found nothing (see README, "Not found");
# an English question is matched through a glossary, so its terms are covered less.
ABSTAIN_THRESHOLD = 0.45
ENGLISH_THRESHOLD_SHIFT = 0.1
SENTENCES_FROM = 5  # top passages whose sentences compete


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
def _weights(vocabulary: Vocabulary) -> TermWeights:
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


def _segment(text: str, start: int, end: int) -> tuple[int, int]:
    """The part of the sentence between ';' (or sentence ends) around [start, end)."""
    seg_start = 0
    for m in _SEGMENT_END.finditer(text, 0, start):
        seg_start = m.end()
    m = _SEGMENT_END.search(text, end)
    return seg_start, (m.start() if m else len(text))


def _proximity(text: str, start: int, end: int, terms: set[str], weight: TermWeights) -> float:
    """Question terms near [start, end), each weighted by rarity and closeness.

    Terms beyond the ';'-separated part of the sentence count for a third.
    """
    score = 0.0
    seg_start, seg_end = _segment(text, start, end)
    for token, t_start, t_end in syllables(text.lower()):
        if start <= t_start < end:
            continue
        matched = terms & term_set(token)
        if matched:
            distance = t_start - end if t_start >= end else start - t_end
            closeness = math.exp(-max(distance, 0) / 40) * (1.0 if seg_start <= t_start < seg_end else 0.33)
            score += sum(weight(t) for t in matched) * closeness
    return score


def _terms_in_order(text: str) -> list[str]:
    """Folded content syllables of `text` in order, abbreviations spelled out."""
    out = []
    for token, _, _ in syllables(text.lower()):
        expanded = abbreviation_syllables().get(fold(token))
        out.extend(expanded or [fold(token)])
    return out


def _window_match(question_words: list[str], window: list[str], weight: TermWeights) -> float:
    """Rarity-weighted question words found in a window of the sentence."""
    present = set(window)
    return sum(weight(w) for w in dict.fromkeys(question_words) if w in present)


_SUBSET = re.compile(r"(?:trong đó|trong số đó|bao gồm|gồm có)\W*$", re.IGNORECASE)
_YEAR_IN_TEXT = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _years_fit(segment: str, years: list[str]) -> float:
    """+1 when the value's part of the sentence names the question's year, -1 when it
    names only other years, 0 when it names none.
    """
    if not years:
        return 0.0
    named = set(_YEAR_IN_TEXT.findall(segment))
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
    seg_start, seg_end = _segment(text, start, end)
    unit = max((weight(w) for w in query.terms), default=1.0)
    score = 3 * unit if _years_fit(text[seg_start:seg_end], query.years) > 0 else 0.0
    if query.kind != "number":
        return score
    value = text[start:end]
    described = term_set(re.sub(r"\([^()]*\)", " ", text[end:span[1]])) & set(query.terms)
    score += sum(weight(w) for w in described)
    lead = text[clause_bounds(text, start)[0]:start]  # the clause up to the value
    lead_terms = _terms_in_order(lead)
    after = _terms_in_order(text[end:clause_bounds(text, end)[1]])[:len(query.after_cue) + 2]
    if query.before_cue:
        score += 2.0 * _window_match(query.after_cue, after, weight)
        score += 1.5 * _window_match(query.before_cue, lead_terms[-(len(query.before_cue) + 2):], weight)
    else:  # 'What share of X …?': X may stand on either side of the value
        before = lead_terms[-(len(query.after_cue) + 2):]
        score += 2.0 * max(_window_match(query.after_cue, after, weight),
                           _window_match(query.after_cue, before, weight))
    if _SUBSET.search(lead):
        score -= unit  # '…, trong đó 1.565 …' is a part of the total before it
    if text[:start].rfind("(") > text[:start].rfind(")"):
        score -= unit  # a value inside '( … )' is usually a detail of the one before it
    if query.wants == "percent":
        score += 3 * unit if value.endswith("%") else 0.0
    elif query.wants == "rank":
        before = _terms_in_order(text[seg_start:start])[-2:]
        score += 3 * unit if re.fullmatch(r"\d+/\d+", value) or "thu" in before else 0.0
    return score


@dataclass(frozen=True)
class _Candidate:
    hit: Hit
    rank: int
    start: int  # sentence, source offsets
    end: int
    score: float
    confidence: float
    span: tuple[int, int]  # source offsets
    value: str = ""  # the number, name, date or code itself, when the span is typed


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


_TYPED_KINDS = ("number", "date", "person", "code", "entity", "list", "describe")


def _meaningful(span: str) -> bool:
    """Not a list marker or a stray letter ('a', 'P'): a number or two letters at least."""
    return any(ch.isdigit() for ch in span) or sum(ch.isalpha() for ch in span) >= 2


def _in_question(text: str, query: Query) -> bool:
    """A candidate the question itself names ('ISO 14001:2015' in 'before ISO 14001:2015')."""
    folded = fold(text.lower()).strip()
    return len(folded) > 3 and folded in fold(query.matching.lower())


@dataclass(frozen=True)
class _Asked:
    """What every sentence is scored against, worked out once per question."""

    query: Query
    weight: TermWeights
    places: frozenset[str]
    terms: frozenset[str]
    anchor: list[str]
    excluded: set[str]
    total: float  # the weight of all the question's terms

    @classmethod
    def of(cls, query: Query, weight: TermWeights, places: Iterable[str]) -> _Asked:
        terms = frozenset(query.terms)
        total = sum(weight(t) for t in terms) or 1.0
        return cls(query, weight, frozenset(places), terms, _anchor(query), _excluded_numbers(query), total)


def _best_span(text: str, asked: _Asked) -> tuple[tuple[int, int], float, str]:
    """The span of the asked type nearest the question's terms, else the best clause.

    Returns (span, closeness score, the value when the span is of the asked type, else "").
    """
    query, weight, question_terms, places = asked.query, asked.weight, asked.terms, asked.places
    typed = candidates(text, query.kind, asked.excluded, asked.anchor, places, query.wants)
    best, best_score, value = None, float("-inf"), ""
    conflicts = 0
    for v_start, v_end, sp_start, sp_end in typed:
        if _in_question(text[v_start:v_end], query) or not _meaningful(text[sp_start:sp_end]):
            continue
        if (query.kind in ("number", "date", "code")
                and _years_fit(text[slice(*_segment(text, v_start, v_end))], query.years) < 0):
            conflicts += 1  # the value belongs to another year than the one asked
            continue
        fit = _fit(text, v_start, v_end, (sp_start, sp_end), query, weight)
        near = _proximity(text, v_start, v_end, question_terms, weight) + fit
        if near > best_score:
            best, best_score, value = (sp_start, sp_end), near, text[v_start:v_end]
    if best is not None:
        return best, best_score, value
    if conflicts:
        return (0, 0), float("-inf"), ""
    best_score = -1.0
    for _, _, sp_start, sp_end in candidates(text, "other", set(), [], places):
        inside = coverage(list(question_terms), term_set(text[sp_start:sp_end]), weight)
        if inside > best_score:
            best, best_score = (sp_start, sp_end), inside
    return best or (0, 0), 0.0, ""


def _pairs(terms: list[str]) -> set[tuple[str, str]]:
    return set(zip(terms, terms[1:], strict=False))


def _phrase_coverage(query: Query, sentence: str, weight: TermWeights) -> float:
    """Weighted share of the question's adjacent term pairs that the sentence has adjacent."""
    asked = _pairs([t for t in _terms_in_order(query.matching) if t in set(query.terms)])
    if not asked:
        return 0.0
    present = _pairs(_terms_in_order(sentence))
    total = sum(weight(a) + weight(b) for a, b in asked)
    return sum(weight(a) + weight(b) for a, b in asked & present) / total


def _unit_missing(text: str, span: tuple[int, int], query: Query) -> bool:
    """'bao nhiêu tỷ đồng' answered by a span that does not count 'tỷ đồng'."""
    if query.kind != "number" or not query.after_cue or query.wants:
        return False
    head = query.after_cue[:2]
    return not any(w in term_set(text[span[0]:span[1]]) for w in head)


def _sentence_candidates(asked: _Asked, hit: Hit, rank: int, doc: Document) -> list[_Candidate]:
    """Score each sentence of one passage and choose its best span."""
    query, weight = asked.query, asked.weight
    context_terms = term_set(hit.chunk.text + " " + doc.title + " " + str(doc.meta.get("province", "")))
    context_cov = coverage(query.terms, context_terms, weight)
    found = []
    for s_start, s_end in hit.chunk.sentences:
        sentence = normalize(doc.text[s_start:s_end])
        if len(syllables(sentence.text)) < 3:
            continue  # page clutter ('vn', 'Xác thực') is no answer
        sent_cov = coverage(query.terms, term_set(sentence.text), weight)
        best, best_score, value = _best_span(sentence.text, asked)
        typed = bool(value)
        confidence = 0.6 * sent_cov + 0.4 * context_cov
        if best_score == float("-inf"):
            confidence *= 0.4  # its values are of another year than the one asked
            best_score = 0.0
        elif query.kind in _TYPED_KINDS and not typed:
            confidence *= 0.6  # nothing of the asked type in this sentence
        if typed and _unit_missing(sentence.text, best, query):
            confidence *= 0.6  # a number, but not of the thing asked about
        score = (confidence + 0.3 * typed * (query.kind in _TYPED_KINDS)
                 + 0.1 * _phrase_coverage(query, sentence.text, weight)
                 + 0.2 * max(-1.0, min(1.0, best_score / asked.total)) + 0.05 / (1 + rank))
        span = sentence.to_source(*best)
        found.append(_Candidate(hit, rank, s_start, s_end, score, confidence,
                                (s_start + span[0], s_start + span[1]), value))
    return found


def pick_answer(
    query: Query,
    hits: list[Hit],
    documents: dict[str, Document],
    vocabulary: Vocabulary,
    places: set[str] = frozenset(),
    threshold: float = ABSTAIN_THRESHOLD,
) -> Answer | None:
    """The best sentence and span among the top hits, or None to abstain."""
    asked = _Asked.of(query, _weights(vocabulary), places)
    pool: list[_Candidate] = []
    for rank, hit in enumerate(hits[:SENTENCES_FROM]):
        pool.extend(_sentence_candidates(asked, hit, rank, documents[hit.chunk.source]))
    if not pool:
        return None
    best = max(pool, key=lambda c: c.score)
    if best.confidence < threshold - ENGLISH_THRESHOLD_SHIFT * query.english:
        return None
    text = documents[best.hit.chunk.source].text
    span_start, span_end = best.span if best.span[1] > best.span[0] else (best.start, best.end)
    return Answer(
        source=best.hit.chunk.source,
        sentence_start=best.start,
        sentence_end=best.end,
        span_start=span_start,
        span_end=span_end,
        sentence=text[best.start:best.end],
        span=text[span_start:span_end],
        score=round(best.confidence, 4),
        hit=best.hit,
        value=best.value,
    )
