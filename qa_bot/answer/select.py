"""Pick the answer: the sentence of the top passages that holds it, the span inside it, or none.

1. Every sentence of the top passages is described by `features.sentence_features`
   and scored by the fitted sentence model; the passages are re-ranked by their
   best sentence.
2. In the best sentence, candidate spans (values of the asked type, the slot of the
   question word, reason clauses, clauses, windows, the sentence itself) are scored
   by the fitted span model; a phrase (not a value) keeps the question's words and the
   markers that lead into it (`Nghị quyết số 98/2023/QH15`, `bằng cách …`).
3. The fitted confidence model says how likely that answer is right; below the
   threshold the product says it found nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from ..index.chunkstore import chunk_holding
from ..index.sentences import SentenceVectors
from ..index.vocabulary import Vocabulary
from ..ingest.signers import asks_for_signer, signer_span
from ..question.analysis import Query
from ..schema import Answer, Chunk, Document, Hit
from ..text import Normalized, normalize, syllables
from .features import is_list_head, is_list_item, kind_group, sentence_features, span_features
from .model import AnswerModels, answer_models
from .phrases import (
    manner_spans,
    match_spans,
    question_slot,
    quoted_spans,
    reason_spans,
    sentence_spans,
    slot_spans,
    whole_words,
    window_spans,
    with_enumeration,
    with_full_stop,
    with_lead_in,
    without_cut_demonstrative,
)
from .spans import candidates
from .terms import weights_of
from .typed import Asked, Typed, typed_values
from .values import answer_value

__all__ = ["Choice", "SentenceCandidate", "SpanCandidate", "choose", "confidence_features", "pick_answer",
           "sentence_candidates", "span_candidates", "SENTENCE_PASSAGES"]

SENTENCE_PASSAGES = 12  # top passages whose sentences compete, and which are re-ranked by them


@dataclass
class SentenceCandidate:
    """A sentence of one of the top passages, its features and its score."""

    hit: Hit
    rank: int
    start: int  # source offsets of the sentence
    end: int
    text: Normalized  # its matching form, mapped back to the source
    typed: list[Typed]
    features: dict[str, float]
    logit: float = 0.0


@dataclass
class SpanCandidate:
    """A span of the chosen sentence (offsets into its matching form), what proposed it, its features."""

    span: tuple[int, int]
    generators: set[str]
    typed_fit: float = 0.0
    value: tuple[int, int] | None = None
    features: dict[str, float] = field(default_factory=dict)
    logit: float = 0.0


@dataclass
class Choice:
    """What the answer layer chose: the answer (None to abstain), the re-ranked hits, how sure it is."""

    answer: Answer | None
    hits: list[Hit]
    confidence: float = 0.0
    sentences: list[SentenceCandidate] = field(default_factory=list)
    spans: list[SpanCandidate] = field(default_factory=list)


def _cosines(hit: Hit, sentence_vectors: SentenceVectors | None, query_vector: np.ndarray | None) -> np.ndarray:
    """The question's cosine with each sentence of the hit (the passage's own when vectors are missing)."""
    count = len(hit.chunk.sentences)
    if sentence_vectors is None or query_vector is None:
        return np.full(count, hit.dense_score)
    return sentence_vectors.of_chunk(hit.chunk.id) @ np.asarray(query_vector, dtype=np.float32)


def sentence_candidates(asked: Asked, hits: list[Hit], documents: dict[str, Document],
                        sentence_vectors: SentenceVectors | None = None,
                        query_vector: np.ndarray | None = None,
                        chunks: Sequence[Chunk] | None = None) -> list[SentenceCandidate]:
    """Every sentence of the top SENTENCE_PASSAGES hits with its features (page clutter left out).

    A question that asks who signed gets, instead, the sentences that name the signers of the top
    passages' documents (read from `chunks` when no top passage holds one), when any does.
    """
    found = []
    for rank, hit in enumerate(hits[:SENTENCE_PASSAGES]):
        found += _hit_sentences(asked, hit, rank, documents[hit.chunk.source], sentence_vectors, query_vector)
    if _asks_who_signed(asked.query):
        found = _signer_sentences(asked, hits, documents, found, sentence_vectors, query_vector, chunks) or found
    _add_gaps(found)
    return found


def _asks_who_signed(query: Query) -> bool:
    """Whether the question asks which person signed ('Ai ký …?', 'Who signed …?'), not when or where."""
    return query.kind in ("person", "entity") and (asks_for_signer(query.question) or asks_for_signer(query.matching))


def _hit_sentences(asked: Asked, hit: Hit, rank: int, doc: Document, sentence_vectors: SentenceVectors | None,
                   query_vector: np.ndarray | None, within: tuple[int, int] | None = None,
                   passage_cosine: float | None = None) -> list[SentenceCandidate]:
    """The sentences of one hit (only those overlapping `within`, when given) with their features."""
    context = f"{hit.chunk.text} {doc.title} {doc.meta.get('province', '')}"
    cosines = _cosines(hit, sentence_vectors, query_vector)
    if passage_cosine is None:  # a passage ranked without the dense model (BM25 alone) has no cosine
        passage_cosine = hit.dense_score or (float(np.max(cosines)) if len(cosines) else 0.0)
    texts = [doc.text[start:end] for start, end in hit.chunk.sentences]
    found = []
    for i, ((start, end), cosine) in enumerate(zip(hit.chunk.sentences, cosines, strict=True)):
        if within is not None and (end <= within[0] or start >= within[1]):
            continue
        sentence = _normalized(texts[i])
        if len(syllables(sentence.text)) < 3 or sentence.text.rstrip().endswith("?"):
            continue  # page clutter ('vn', 'Xác thực') is no answer, nor is a question ('Hỏi: …?')
        typed, conflicts = typed_values(sentence.text, asked)
        neighbours = (_lead_in(texts, i), _follow_on(texts, i))
        features = sentence_features(asked, sentence.text, context, rank, passage_cosine, float(cosine),
                                     typed, conflicts, doc.title, neighbours)
        found.append(SentenceCandidate(hit, rank, start, end, sentence, typed, features))
    return found


def _signer_sentences(asked: Asked, hits: list[Hit], documents: dict[str, Document],
                      found: list[SentenceCandidate], sentence_vectors: SentenceVectors | None,
                      query_vector: np.ndarray | None, chunks: Sequence[Chunk] | None) -> list[SentenceCandidate]:
    """The sentences that name the signer of a top passage's document: those among `found`, and,
    for each document none of whose top passages holds it, the sentence read from the chunk that does.
    """
    top = hits[:SENTENCE_PASSAGES]
    signers = {source: signer_span(documents[source].text) for source in {h.chunk.source for h in top}}
    signed = [c for c in found if _holds(signers[c.hit.chunk.source], c.start, c.end)]
    seen = {c.hit.chunk.source for c in signed}
    for rank, hit in enumerate(top):
        source, signer = hit.chunk.source, signers[hit.chunk.source]
        if signer is None or source in seen or chunks is None:
            continue
        seen.add(source)
        chunk = chunk_holding(chunks, hit.chunk, signer[0])
        if chunk is not None:
            holder = Hit(chunk, hit.score, dict(hit.ranks), hit.dense_score)
            read = _hit_sentences(asked, holder, rank, documents[source], sentence_vectors, query_vector, signer,
                                  hit.dense_score)
            signed += [c for c in read if _holds(signer, c.start, c.end)]
    return signed


def _holds(span: tuple[int, int] | None, start: int, end: int) -> bool:
    """Whether [start, end) holds the whole of `span`."""
    return span is not None and start <= span[0] and span[1] <= end


def _lead_in(texts: list[str], i: int) -> str:
    """What sentence `i` reads with: the head that introduces the list it is an item of
    ('… trong các trường hợp sau:' before 'a) …; b) …'), else the sentence before it.
    """
    if not i:
        return ""
    if is_list_item(texts[i]):
        for j in range(i - 1, -1, -1):
            if is_list_head(texts[j]):
                return texts[j]
            if not is_list_item(texts[j]):
                break
    return texts[i - 1]


def _follow_on(texts: list[str], i: int) -> str:
    """What sentence `i` reads into: the items of the list it introduces ('… như sau:' before
    'a) …; b) …'), else the sentence after it.
    """
    if i + 1 >= len(texts):
        return ""
    if is_list_head(texts[i]):
        items = list(itertools.takewhile(is_list_item, texts[i + 1:]))
        if items:
            return " ".join(items)
    return texts[i + 1]


@lru_cache(maxsize=65_536)
def _normalized(text: str) -> Normalized:
    """The matching form of a sentence (cached: the same sentences come back question after question)."""
    return normalize(text)


def _add_gaps(found: list[SentenceCandidate]) -> None:
    """How far each sentence's cosine and coverage lie below the best among the candidates."""
    if not found:
        return
    best_cosine = max(c.features["cosine"] for c in found)
    best_coverage = max(c.features["coverage"] for c in found)
    for c in found:
        c.features["cosine_gap"] = c.features["cosine"] - best_cosine
        c.features["coverage_gap"] = c.features["coverage"] - best_coverage


def span_candidates(asked: Asked, sentence: SentenceCandidate) -> list[SpanCandidate]:
    """The candidate spans of a sentence, each with the generators that proposed it and its features."""
    text = sentence.text.text
    merged: dict[tuple[int, int], SpanCandidate] = {}

    def add(span: tuple[int, int], generator: str, typed: Typed | None = None) -> None:
        if span[1] - span[0] < 1:
            return
        candidate = merged.setdefault(span, SpanCandidate(span, set()))
        candidate.generators.add(generator)
        if typed is not None and typed.fit >= candidate.typed_fit:
            candidate.typed_fit, candidate.value = typed.fit, typed.value

    for typed in sentence.typed:
        add(typed.span, "typed", typed)
    for _, _, start, end in candidates(text, "other", set(), [], asked.places):
        add((start, end), "clause")
    for span in slot_spans(text, question_slot(asked.query.aligned)):
        add(span, "slot")
    for span in reason_spans(text):
        add(span, "reason")
    for span in manner_spans(text):
        add(span, "manner")
    for span in match_spans(text, asked.query.aligned):
        add(span, "match")
    for span in quoted_spans(text):
        add(span, "quoted")
    for span in sentence_spans(text):
        add(span, "sentence")
    for span in window_spans(text):
        add(span, "window")
    found = list(merged.values())
    for c in found:
        c.features = span_features(asked, text, c.span, c.generators, c.typed_fit, sentence.typed)
    return found


def _standout(values: list[float]) -> float:
    """How far the first value stands above the others, in their standard deviations."""
    if len(values) < 2:
        return 0.0
    rest = np.asarray(values[1:])
    return float((values[0] - rest.mean()) / (rest.std() + 1e-3))


def confidence_features(query: Query, ranked: list[SentenceCandidate], span: SpanCandidate) -> dict[str, float]:
    """What the confidence model reads about a chosen answer: its sentence (the first of `ranked`,
    the candidates best first), how far it stands out from the others, and its span.
    """
    best = ranked[0]
    runner_up = next((c for c in ranked[1:] if c.hit.chunk.id != best.hit.chunk.id), None)
    features = {
        "sentence_logit": best.logit,
        "margin": best.logit - (runner_up.logit if runner_up else best.logit - 5.0),
        "span_logit": span.logit,
        "english": float(query.english),
        "restored": float(query.restored is not None),
        "logit_standout": _standout([c.logit for c in ranked]),
        "cosine_standout": _standout([c.features["cosine"] for c in ranked]),
        "coverage_standout": _standout([c.features["coverage"] for c in ranked]),
    }
    for name in ("coverage", "context_coverage", "pairs", "missing", "cosine", "typed", "typed_fit",
                 "year_conflict", "unit_missing", "rank_inverse", "short", "passage_cosine", "title_coverage",
                 "with_previous", "question_share", "typed_asked", "year_said", "year_other", "year_absent"):
        features[name] = best.features.get(name, 0.0)
    features[f"kind_{kind_group(query)}"] = 1.0
    for name in ("cosine", "coverage", "pairs", "missing", "margin"):  # English matches otherwise: own slopes
        features[f"english_{name}"] = features[name] * query.english
    return features


def _rerank(hits: list[Hit], scored: list[SentenceCandidate]) -> list[Hit]:
    """The top passages ordered by their best sentence, then the others as they were."""
    best: dict[int, float] = {}
    for c in scored:
        best[c.hit.chunk.id] = max(best.get(c.hit.chunk.id, -np.inf), c.logit)
    top = hits[:SENTENCE_PASSAGES]
    ordered = sorted(range(len(top)), key=lambda i: (-best.get(top[i].chunk.id, -np.inf), i))
    return [top[i] for i in ordered] + hits[SENTENCE_PASSAGES:]


def choose(query: Query, hits: list[Hit], documents: dict[str, Document], vocabulary: Vocabulary,
           places: Iterable[str] = frozenset(), sentence_vectors: SentenceVectors | None = None,
           query_vector: np.ndarray | None = None, models: AnswerModels | None = None,
           threshold: float | None = None, chunks: Sequence[Chunk] | None = None) -> Choice:
    """The answer among `hits` (None below the confidence threshold), and the hits re-ranked."""
    models = models or answer_models()
    asked = Asked.of(query, weights_of(vocabulary), places)
    sentences = sentence_candidates(asked, hits, documents, sentence_vectors, query_vector, chunks)
    if not sentences:
        return Choice(None, hits)
    for c, logit in zip(sentences, models.sentence.logit([c.features for c in sentences]), strict=True):
        c.logit = float(logit)
    ranked = sorted(sentences, key=lambda c: -c.logit)
    best = ranked[0]
    spans = span_candidates(asked, best)
    if not spans:
        return Choice(None, _rerank(hits, sentences), 0.0, sentences)
    for c, logit in zip(spans, models.span.logit([c.features for c in spans]), strict=True):
        c.logit = float(logit)
    span = max(spans, key=lambda c: c.logit)
    if span.value is None:  # a phrase, not a value: it keeps the words that lead into it
        span = replace(span, span=with_lead_in(best.text.text, span.span, asked.terms))
    span = replace(span, span=whole_words(best.text.text, span.span))  # never cutting a word
    span = replace(span, span=without_cut_demonstrative(best.text.text, span.span))  # nor opening on a phrase's end
    if query.asks_several:  # which ones: the whole enumeration
        keep = span.value[0] if span.value is not None else None  # never dropping the value it names
        span = replace(span, span=with_enumeration(best.text.text, span.span, keep))
    span = replace(span, span=with_full_stop(best.text.text, span.span))
    confidence = float(models.confidence.probability([confidence_features(query, ranked, span)])[0])
    answer = None
    if confidence >= (models.threshold_for(query.language) if threshold is None else threshold):
        value = answer_value(query, best.text.text, spans, span)
        answer = _answer(documents[best.hit.chunk.source], best, span, confidence, value)
    return Choice(answer, _rerank(hits, sentences), confidence, sentences, spans)


def _answer(doc: Document, sentence: SentenceCandidate, span: SpanCandidate, confidence: float,
            value: tuple[int, int] | None = None) -> Answer:
    """The answer record: the span, and the value it is built around, as offsets into `doc`."""
    start, end = sentence.text.to_source(*span.span)
    start, end = sentence.start + start, sentence.start + end
    v_start = v_end = 0
    if value is not None:
        v_start, v_end = (sentence.start + offset for offset in sentence.text.to_source(*value))
    return Answer(source=sentence.hit.chunk.source, sentence_start=sentence.start, sentence_end=sentence.end,
                  span_start=start, span_end=end, sentence=doc.text[sentence.start:sentence.end],
                  span=doc.text[start:end], score=round(confidence, 4), hit=sentence.hit,
                  value=doc.text[v_start:v_end], value_start=v_start, value_end=v_end)


def pick_answer(query: Query, hits: list[Hit], documents: dict[str, Document], vocabulary: Vocabulary,
                places: Iterable[str] = frozenset(), sentence_vectors: SentenceVectors | None = None,
                query_vector: np.ndarray | None = None, threshold: float | None = None) -> Answer | None:
    """The best sentence and span among the top hits, or None to abstain."""
    return choose(query, hits, documents, vocabulary, places, sentence_vectors, query_vector,
                  threshold=threshold).answer
