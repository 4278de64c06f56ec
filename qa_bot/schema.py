"""The records that flow through qa-bot: documents, chunks, hits, answers and results."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .question.analysis import Query
    from .question.facets import Facets

__all__ = ["Answer", "Chunk", "Document", "Hit", "Result"]


@dataclass(frozen=True)
class Document:
    """A source document: its text as extracted, and what is known about it.

    `source` is the path relative to the corpus folder; every offset in qa-bot
    points into `text`, so `text[start:end]` is a verbatim quote.
    """

    source: str
    text: str
    meta: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The document's title, or its file name when none is known."""
        return self.meta.get("title") or self.source

    def to_dict(self) -> dict:
        """A JSON-ready dict (the index's documents.jsonl line)."""
        return {"source": self.source, "meta": self.meta, "text": self.text}


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one document, `doc.text[char_start:char_end]`."""

    id: int
    source: str
    char_start: int
    char_end: int
    text: str
    sentences: tuple[tuple[int, int], ...]  # [start, end) of each sentence, in source offsets

    def to_dict(self) -> dict:
        """A JSON-ready dict (sentences as lists)."""
        record = asdict(self)
        record["sentences"] = [list(s) for s in self.sentences]
        return record

    @classmethod
    def from_dict(cls, record: dict) -> Chunk:
        """The inverse of `to_dict`."""
        fields = dict(record)
        fields["sentences"] = tuple(tuple(s) for s in fields["sentences"])
        return cls(**fields)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and its rank in each retriever."""

    chunk: Chunk
    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    dense_score: float = 0.0
    pages: tuple[int, ...] = ()  # PDF pages the chunk is on (ingest.pages.cite)
    section: str = ""  # DOCX heading above the chunk

    def to_dict(self) -> dict:
        """The passage record of `ask --jsonl`."""
        return _placed({
            "source": self.chunk.source,
            "text": self.chunk.text,
            "score": round(self.score, 6),
            "char_start": self.chunk.char_start,
            "char_end": self.chunk.char_end,
        }, self.pages, self.section)


def _placed(record: dict, pages: tuple[int, ...], section: str) -> dict:
    """`record` with the optional `pages` and `section` fields, when known."""
    if pages:
        record["pages"] = list(pages)
    if section:
        record["section"] = section
    return record


@dataclass(frozen=True)
class Answer:
    """The answer sentence and short span, both as offsets into the source text."""

    source: str
    sentence_start: int
    sentence_end: int
    span_start: int
    span_end: int
    sentence: str
    span: str
    score: float
    hit: Hit
    value: str = ""  # the number, name, date or code the span is built around
    value_start: int = 0  # its offsets in the source text (both 0 when there is none)
    value_end: int = 0
    pages: tuple[int, ...] = ()  # PDF pages the sentence is on (ingest.pages.cite)
    section: str = ""  # DOCX heading above the sentence

    @property
    def value_inside(self) -> bool:
        """Whether the span holds more than its value (a figure inside a window of words): the
        value is then shown on its own, or marked in the span.
        """
        return (bool(self.value) and self.value.strip() != self.span.strip()
                and self.span_start <= self.value_start < self.value_end <= self.span_end)

    def to_dict(self) -> dict:
        """The answer record of `ask --jsonl` (`char_start`/`char_end` are the span's; `value`
        and its offsets only when the span is built around a value of the asked type).
        """
        record = {
            "span": self.span,
            "sentence": self.sentence,
            "source": self.source,
            "char_start": self.span_start,
            "char_end": self.span_end,
            "sentence_start": self.sentence_start,
            "sentence_end": self.sentence_end,
            "score": self.score,
        }
        if self.value:
            record.update(value=self.value, value_start=self.value_start, value_end=self.value_end)
        return _placed(record, self.pages, self.section)


@dataclass
class Result:
    """What qa-bot found for one question."""

    question: str
    query: Query | None
    hits: list[Hit]
    answer: Answer | None
    latency_ms: float
    facets: Facets | None = None
    message: str = ""
    id: object = None
    extra: dict = field(default_factory=dict)
    table: object = None  # answer.table.Table: the figures a comparison asks for, or an answer's conflicting ones
    confidence: float | None = None  # how likely the documents hold the answer (the answer layer's), abstained or not

    @property
    def abstained(self) -> bool:
        """True when the documents hold no answer (or the question was unusable)."""
        return self.answer is None

    def to_dict(self) -> dict:
        """The `ask --jsonl` record of the evaluation contract."""
        record: dict = {}
        if self.id is not None:
            record["id"] = self.id
        record["question"] = self.question
        record["abstained"] = self.abstained
        record["answer"] = None if self.answer is None else self.answer.to_dict()
        record["passages"] = [h.to_dict() for h in self.hits]
        record["latency_ms"] = round(self.latency_ms, 2)
        if self.message:
            record["message"] = self.message
        if self.query is not None and self.query.expansions:
            record["expansions"] = [list(e) for e in self.query.expansions]
        if self.table is not None:
            record["table"] = self.table.to_dict()
        if self.confidence is not None:
            record["confidence"] = round(self.confidence, 4)
        return record
