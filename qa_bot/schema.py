"""The records that flow through qa-bot: documents, chunks, hits and answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

__all__ = ["Document", "Chunk", "Hit", "Answer"]


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
    def from_dict(cls, record: dict) -> "Chunk":
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
