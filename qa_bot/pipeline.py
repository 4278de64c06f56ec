"""Question in, answer out: the one object the CLI, the app and the evaluation share."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .answer import ABSTAIN_THRESHOLD, pick_answer
from .embed import DEFAULT_EMBEDDER, Embedder, get_embedder
from .facets import Facets, place_names, question_facets, split_by_facets
from .filters import Filters
from .index import Index, ensure_index, load_index
from .milvus_backend import MilvusTarget, open_backend
from .query import Query, analyze
from .retrieve import Backend, FaissBackend, search
from .schema import Answer, Hit

__all__ = ["MAX_QUESTION_CHARS", "QA", "Result"]

MAX_QUESTION_CHARS = 2000
FILTERED_DEPTH = 5000  # chunks each ranking looks at when filters are set


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

    @property
    def abstained(self) -> bool:
        """True when the documents hold no answer (or the question was unusable)."""
        return self.answer is None

    def to_json(self) -> dict:
        """The `ask --jsonl` record of ../eval/README.md."""
        record: dict = {}
        if self.id is not None:
            record["id"] = self.id
        record["question"] = self.question
        record["abstained"] = self.abstained
        record["answer"] = None
        if self.answer is not None:
            a = self.answer
            record["answer"] = {
                "span": a.span,
                "sentence": a.sentence,
                "source": a.source,
                "char_start": a.span_start,
                "char_end": a.span_end,
                "sentence_start": a.sentence_start,
                "sentence_end": a.sentence_end,
                "score": a.score,
            }
        record["passages"] = [
            {
                "source": h.chunk.source,
                "text": h.chunk.text,
                "score": round(h.score, 6),
                "char_start": h.chunk.char_start,
                "char_end": h.chunk.char_end,
            }
            for h in self.hits
        ]
        record["latency_ms"] = round(self.latency_ms, 2)
        if self.message:
            record["message"] = self.message
        if self.query is not None and self.query.expansions:
            record["expansions"] = [list(e) for e in self.query.expansions]
        return record


def _answer_first(hits: list[Hit], answer: Answer) -> list[Hit]:
    """The passage that holds the answer first, then the others that name the same
    value (they corroborate it: a journalist checks them), then the rest."""
    value = " ".join(answer.value.casefold().split())
    others = [h for h in hits if h.chunk.id != answer.hit.chunk.id]
    if len(value) < 3:
        return [answer.hit] + others
    naming = [h for h in others if value in " ".join(h.chunk.text.casefold().split())]
    return [answer.hit] + naming + [h for h in others if h not in naming]


def _named_facets(question: str, query: Query) -> Facets:
    """The provinces and years named in the question as typed or as read (diacritics restored)."""
    return question_facets(question + " \n " + query.matching)


class QA:
    """An index and its embedder, loaded once, answering questions.

    `backend` holds the vectors: the index folder's FAISS and bm25s by default,
    or a Milvus collection (`milvus_backend.MilvusBackend`).
    """

    def __init__(self, index: Index, embedder: Embedder, backend: Backend | None = None) -> None:
        self.index = index
        self.embedder = embedder
        self.backend = backend or FaissBackend(index)
        analyze("khởi động", index.vocabulary)  # load the segmenter now, not on the first question

    @classmethod
    def open(
        cls,
        corpus: Path | None,
        index_dir: Path,
        embedder: str = DEFAULT_EMBEDDER,
        progress: Callable[[str, int, int], None] | None = None,
        milvus: MilvusTarget | None = None,
    ) -> QA:
        """Load the index of `corpus` from `index_dir`, building it first when needed.

        With `milvus`, its vectors are searched in that Milvus collection, which
        must hold the index's current generation.
        """
        model = get_embedder(embedder)
        if corpus is None:
            index = load_index(index_dir, embedder_name=model.name)
        else:
            index, _ = ensure_index(Path(corpus), Path(index_dir), model, progress=progress)
        return cls(index, model, open_backend(index, milvus) if milvus else None)

    def ask(
        self,
        question: str,
        k: int = 10,
        threshold: float = ABSTAIN_THRESHOLD,
        mode: str = "hybrid",
        filters: Filters | None = None,
    ) -> Result:
        """Retrieve the top `k` passages for `question` and pick the answer in them.

        With `filters` (the app's), only the documents they allow answer, and their
        provinces and years replace those the question names (see `question_facets`).
        """
        started = time.perf_counter()
        question = question if isinstance(question, str) else ""
        cleaned = "".join(ch if ch.isprintable() else " " for ch in question).strip()
        if not any(ch.isalnum() for ch in cleaned):
            return Result(question, None, [], None, 0.0, message="Câu hỏi trống: hãy nhập một câu hỏi.")
        message = ""
        if len(cleaned) > MAX_QUESTION_CHARS:
            cleaned = cleaned[:MAX_QUESTION_CHARS]
            message = f"Câu hỏi quá dài: chỉ dùng {MAX_QUESTION_CHARS} ký tự đầu."
        query = analyze(cleaned, self.index.vocabulary)
        facets = _named_facets(cleaned, query) if filters is None else filters.facets
        if filters is not None and filters.active:
            hits = self._filtered_search(query, filters, k, mode)
        else:
            hits = search(self.index, self.embedder, query.dense_text, query.tokens, k=max(k, 20), mode=mode,
                          backend=self.backend)
        answerable, elsewhere = split_by_facets(hits, facets, self.index.documents)
        hits = answerable + elsewhere  # documents about another province or year come last
        answer = pick_answer(query, answerable, self.index.documents, self.index.vocabulary, place_names(), threshold)
        if answer is not None:
            hits = _answer_first(hits, answer)
        latency = (time.perf_counter() - started) * 1000
        return Result(question, query, hits[:k], answer, latency, facets, message)

    def facets_of(self, question: str) -> Facets:
        """The provinces and years `question` names, read as `ask` reads them (diacritics restored)."""
        return _named_facets(question, analyze(question, self.index.vocabulary))

    def _filtered_search(self, query: Query, filters: Filters, k: int, mode: str) -> list[Hit]:
        """The best hits among the documents `filters` allow: both rankings go deep, so
        that a small filtered part of a large corpus still fills the top `k`."""
        allowed = {source for source, doc in self.index.documents.items() if filters.allows(doc)}
        if not allowed:
            return []
        depth = min(len(self.index.chunks), FILTERED_DEPTH)
        hits = search(self.index, self.embedder, query.dense_text, query.tokens, k=2 * depth, depth=depth, mode=mode,
                      backend=self.backend)
        return [h for h in hits if h.chunk.source in allowed][: max(k, 20)]
