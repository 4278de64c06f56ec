"""What the answer models read: named features of candidate sentences and spans.

Every feature is general: question terms covered (rarity-weighted, diacritics
folded, abbreviations spelled out), the dense model's similarity of question and
sentence, the passage's rank, whether the sentence holds a value of the type
asked, where a span lies relative to the question's words. Nothing names a
corpus, a document or a question. The weights that combine them are fitted
(`model.py`, `qa_bot.evaluation.fit`), not chosen by hand.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from ..question.analysis import Query
from ..text import fold, syllables, years_named
from .phrases import lead_run, longest_run, question_slot
from .terms import coverage, pair_coverage, proximity, term_set
from .typed import TYPED_KINDS, Asked, Typed, unit_missing

__all__ = ["KIND_GROUPS", "is_list_head", "is_list_item", "kind_group", "sentence_features", "span_features"]

KIND_GROUPS = ("value", "person", "entity", "list", "describe", "reason", "other")
_GROUP_OF = {"number": "value", "date": "value", "code": "entity", "person": "person", "entity": "entity",
             "quote": "entity", "list": "list", "describe": "describe", "reason": "reason"}
_REASON_WORDS = re.compile(r"(?<!\w)(?:do|vi|boi|nho|nham|de|nguyen nhan|ly do)(?!\w)")
SLOT_LEAD = 4  # syllables before the question word that, mirrored in a sentence, count fully
LONGEST_RUN = 8  # syllables of the question said in a row that count fully
GENERATORS = ("typed", "slot", "match", "reason", "manner", "quoted", "sentence", "window", "clause")


def kind_group(query: Query) -> str:
    """The group of the question's kind the models tell apart."""
    return _GROUP_OF.get(query.kind, "other")


def _missing_weight(asked: Asked, present: frozenset[str]) -> float:
    """The rarest question term absent from `present`, as a share of the rarest term's weight."""
    weights = [asked.weight(t) for t in asked.terms]
    if not weights:
        return 0.0
    missing = [asked.weight(t) for t in asked.terms if t not in present]
    return max(missing, default=0.0) / max(weights)


_ITEM = re.compile(r"^\s*(?:[a-zđ]\)|\d+[.)-]|[-–•+*])\s", re.IGNORECASE)  # '1- ': older laws


def _unterminated(sentence: str) -> bool:
    """Whether `sentence` ends without a stop, as headings and titles do."""
    return not sentence.rstrip().endswith((".", ";", ":", "!", "?", "…", "”", '"', ")"))


_SUBJECT_END = re.compile(r":|\s(?:là|được hiểu là|gồm|bao gồm)\s", re.IGNORECASE)
_DEFINITION_ASKED = re.compile(r"(?<!\w)(?:la gi|dinh nghia|nghia la|hieu la|duoc hieu|goi la|la nhu the nao)(?!\w)")


def _subject_in_question(asked: Asked, sentence: str) -> float:
    """The share of the sentence's subject (what comes before its first ':' or 'là' in its first
    80 characters: 'Điểm bảo lưu: …', 'Liên thông … là …') that the question's terms cover.
    """
    end = _SUBJECT_END.search(sentence, 0, 80)
    words = [fold(w.lower()) for w, _, _ in syllables(sentence[:end.start()])] if end else []
    return sum(w in asked.terms for w in words) / len(words) if words else 0.0


def _has_quotation(sentence: str) -> bool:
    """Whether `sentence` quotes someone's words (“…”, "…", «…»)."""
    return any(mark in sentence for mark in "“”«»") or sentence.count('"') >= 2


def is_list_item(sentence: str) -> bool:
    """Whether `sentence` is an item of a list ('a) …', '2. …', '- …')."""
    return bool(_ITEM.match(sentence))


def is_list_head(sentence: str) -> bool:
    """Whether `sentence` introduces a list ('… như sau:')."""
    return sentence.rstrip().endswith(":")


@lru_cache(maxsize=1024)
def _asks_definition(question: str) -> bool:
    """Whether the question asks what something is ('… là gì', 'định nghĩa', 'nghĩa là …')."""
    return bool(_DEFINITION_ASKED.search(fold(question.lower())))


def sentence_features(asked: Asked, sentence: str, context: str, rank: int, passage_cosine: float,
                      cosine: float, typed: list[Typed], conflicts: int, title: str = "",
                      neighbours: tuple[str, str] = ("", "")) -> dict[str, float]:
    """The features of one candidate sentence of a passage ranked `rank` (0 first).

    `context` is the passage with the document's title and province, `cosine` the
    question–sentence similarity of the dense model, `typed` the values of the asked type
    the sentence holds, `conflicts` how many values it holds of another year than asked,
    `neighbours` the sentences before and after it in the passage (a list item reads with
    the head that introduces it).
    """
    query, weight = asked.query, asked.weight
    words = syllables(sentence)
    present, around = term_set(sentence), term_set(context)
    before, after = neighbours
    best_fit = max((t.fit for t in typed), default=0.0) / asked.total
    group = kind_group(query)
    unterminated = _unterminated(sentence)
    features = {
        "coverage": coverage(query.terms, present, weight),
        "context_coverage": coverage(query.terms, around, weight),
        "pairs": pair_coverage(query.terms, query.matching, sentence, weight),
        "missing": _missing_weight(asked, present | around),
        "cosine": cosine,
        "passage_cosine": passage_cosine,
        "rank_inverse": 1.0 / (1 + rank),
        "typed": float(bool(typed)),
        "typed_fit": min(best_fit, 3.0),
        "year_conflict": float(conflicts > 0 and not typed),
        "unit_missing": float(bool(typed) and unit_missing(sentence, max(typed, key=lambda t: t.fit).span, query)),
        "length": math.log1p(len(words)),
        "short": float(len(words) < 6),
        "novel": math.log1p(sum(1 for w, _, _ in words if fold(w.lower()) not in asked.terms)),
        "reason_words": float(bool(_REASON_WORDS.search(fold(sentence.lower())))),
        "with_previous": coverage(query.terms, present | term_set(before), weight),
        "with_next": coverage(query.terms, present | term_set(after), weight),
        "title_coverage": coverage(query.terms, term_set(title), weight),
        "list_item": float(is_list_item(sentence)),
        "unterminated": float(unterminated),
        "heading_like": float(unterminated and len(words) <= 15),
        "list_head": float(is_list_head(sentence)),
        "after_head": float(is_list_head(before)),
        "question_share": sum(fold(w.lower()) in asked.terms for w, _, _ in words) / max(1, len(words)),
        "subject_in_question": _subject_in_question(asked, sentence),
        "english": float(query.english),
        "english_cosine": cosine * query.english,
        "restored": float(query.restored is not None),
    }
    features.update(_year_features(query.years, sentence, context, before))
    slot = question_slot(query.aligned)
    features["slot_lead"] = min(lead_run(sentence, slot), SLOT_LEAD) / SLOT_LEAD if slot else 0.0
    features["longest_run"] = min(longest_run(sentence, query.aligned), LONGEST_RUN) / LONGEST_RUN
    for name in KIND_GROUPS:
        features[f"kind_{name}"] = float(group == name)
        features[f"typed_{name}"] = features["typed"] * (group == name)
    features["typed_asked"] = features["typed"] * (query.kind in TYPED_KINDS)
    features["reason_asked"] = features["reason_words"] * (group == "reason")
    features["subject_defined"] = features["subject_in_question"] * _asks_definition(query.matching)
    features["quotation_asked"] = float(query.kind == "quote" and _has_quotation(sentence))
    return features


@lru_cache(maxsize=4096)
def _years_in(text: str) -> frozenset[str]:
    """The years `text` names, not those it compares with (cached: a passage's sentences share its text)."""
    return years_named(text)


def _year_features(years: tuple[str, ...], sentence: str, context: str, before: str) -> dict[str, float]:
    """Whether the sentence names the question's year, only other years, or whether neither it nor
    its passage (`context`, and `before`, the sentence it reads with) names the question's year
    (a 2021 figure asked of a 2022 report).
    """
    if not years:
        return {"year_said": 0.0, "year_other": 0.0, "year_absent": 0.0}
    here, asked = _years_in(sentence), set(years)
    return {"year_said": float(bool(here & asked)), "year_other": float(bool(here) and not here & asked),
            "year_absent": float(not (here | _years_in(context) | _years_in(before)) & asked)}


# the short words that lead into a span, folded, each with its feature's name
_LEAD_WORDS = tuple((f"led_by_{fold(w).replace(' ', '_')}", " " + fold(w))
                    for w in ("là", "gồm", "bao gồm", "như sau", "sau đây", "sau", "bằng", "tại", "do", "cho"))


def _gaps(asked: Asked, sentence: str, start: int, end: int) -> dict[str, float]:
    """How many syllables lie between the span and the nearest question term before it and after
    it (capped at 10, in tenths), and which short word leads into it ('là', 'gồm', 'tại' …).
    """
    marks = [(s, e) for w, s, e in syllables(sentence) if fold(w.lower()) in asked.terms]
    words_between = [len(syllables(sentence[e:start])) for s, e in marks if e <= start]
    words_after = [len(syllables(sentence[end:s])) for s, e in marks if s >= end]
    before = " " + fold(sentence[max(0, start - 12):start].lower()).rstrip(" :,")
    features = {"gap_before": min(min(words_between, default=10), 10) / 10,
                "gap_after": min(min(words_after, default=10), 10) / 10}
    for name, word in _LEAD_WORDS:
        features[name] = float(before.endswith(word))
    return features


def _value_features(span: tuple[int, int], typed: list[Typed], total: float) -> dict[str, float]:
    """Whether the span holds the best-fitting value of the asked type, and how many others."""
    if not typed:
        return {}
    best = max(typed, key=lambda t: t.fit)
    inside = [t for t in typed if span[0] <= t.value[0] and t.value[1] <= span[1]]
    return {
        "holds_best_value": float(best in inside),
        "other_values": float(sum(t is not best for t in inside)),
        "best_inside_fit_gap": max((t.fit for t in inside), default=0.0) / total - best.fit / total,
    }


def span_features(asked: Asked, sentence: str, span: tuple[int, int], generators: set[str],
                  typed_fit: float, typed: list[Typed] | None = None) -> dict[str, float]:
    """The features of one candidate span of the chosen sentence.

    `generators` names what proposed it (see GENERATORS); `typed_fit` is the fit of the
    value of the asked type it is built around (0 when none); `typed` every value of the
    asked type in the sentence.
    """
    start, end = span
    text = sentence[start:end]
    words = [fold(w.lower()) for w, _, _ in syllables(text)]
    in_question = sum(w in asked.terms for w in words)
    group = kind_group(asked.query)
    terms = list(asked.terms)
    features = {
        "question_before": coverage(terms, term_set(sentence[:start]), asked.weight),
        "question_after": coverage(terms, term_set(sentence[end:]), asked.weight),
        "question_inside": coverage(terms, term_set(text), asked.weight),
        "length": (end - start) / 120,
        "length_squared": ((end - start) / 120) ** 2,
        "words": math.log1p(len(words)),
        "question_share": in_question / max(1, len(words)),
        "novel": math.log1p(len(words) - in_question),
        "near": min(proximity(sentence, start, end, asked.terms, asked.weight) / asked.total, 3.0),
        "typed_fit": min(typed_fit / asked.total, 3.0),
        "starts_sentence": float(not sentence[:start].strip()),
        "starts_after_stop": float(sentence[:start].rstrip()[-1:] in (",", ";", ":", "(", "“", '"')),
        "starts_after_colon": float(sentence[:start].rstrip().endswith(":")),
        "ends_at_stop": float(sentence[end:].lstrip()[:1] in (",", ";", ".", ":", ")", "”", '"', "")),
        "ends_sentence": float(not sentence[end:].strip(" .;!?")),
        "position": start / max(1, len(sentence)),
        "digits": float(any(ch.isdigit() for ch in text)),
        "quoted": float("“" in text or '"' in text),
        "capitals": float(sum(1 for w, _, _ in syllables(text) if w[:1].isupper()) >= 2),
    }
    features.update(_value_features(span, typed or [], asked.total))
    features.update(_gaps(asked, sentence, start, end))
    for name in ("holds_best_value", "other_values", "length"):  # what a value question wants differs
        features[f"{name}_{group}"] = features.get(name, 0.0)
    features["quote_asked"] = float("quoted" in generators and asked.query.kind == "quote")
    for generator in GENERATORS:
        made = float(generator in generators)
        features[f"by_{generator}"] = made
        for name in KIND_GROUPS:
            features[f"by_{generator}_{name}"] = made * (group == name)
    return features
