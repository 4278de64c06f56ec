"""Question in, answer out: the one object the CLI, the app, the API and the evaluation share.

`QA` holds an index, its embedder and the backend that searches its vectors. It
imports no concrete backend: the caller passes one in (`retrieval.faiss.FaissBackend`
over the index folder, or `retrieval.milvus.MilvusBackend`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

from .answer.figures import figures_for
from .answer.select import choose
from .embedders import DEFAULT_EMBEDDER, Embedder, get_embedder
from .index.build import Progress, ensure_index
from .index.load import Index, load_index
from .index.mapped import release_all
from .index.subset import Subset
from .ingest.pages import cite
from .question.analysis import Query, analyze
from .question.facets import Facets, place_names, split_by_facets
from .question.filters import Filters
from .retrieval.fusion import Backend, embed_query, search
from .schema import Answer, Hit, Result

__all__ = ["MAX_QUESTION_CHARS", "QA"]

MAX_QUESTION_CHARS = 2000

BackendFactory = Callable[[Index], Backend]


def _answer_first(hits: list[Hit], answer: Answer) -> list[Hit]:
    """The passage that holds the answer first, then the others that name the same
    value (they corroborate it: a journalist checks them), then the rest.
    """
    value = " ".join(answer.value.casefold().split())
    others = [h for h in hits if h.chunk.id != answer.hit.chunk.id]
    if len(value) < 3:
        return [answer.hit] + others
    naming = [h for h in others if value in " ".join(h.chunk.text.casefold().split())]
    return [answer.hit] + naming + [h for h in others if h not in naming]


def _ranked_scores(hits: list[Hit]) -> list[Hit]:
    """The hits in their final order with their fused scores handed out best first, so that a
    passage's score says where it ranks once the answer layer has re-ordered them.
    """
    scores = sorted((h.score for h in hits), reverse=True)
    return [replace(hit, score=score) for hit, score in zip(hits, scores, strict=True)]


def _cleaned(question: object) -> tuple[str, str]:
    """The question without unprintable characters and cut to MAX_QUESTION_CHARS, and a
    message for the user when it was cut.
    """
    question = question if isinstance(question, str) else ""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in question).strip()
    if len(cleaned) > MAX_QUESTION_CHARS:
        return cleaned[:MAX_QUESTION_CHARS], f"Câu hỏi quá dài: chỉ dùng {MAX_QUESTION_CHARS} ký tự đầu."
    return cleaned, ""


def _ready_to_ask(name: str) -> Embedder:
    """The embedder `name` with what encoding a question needs loaded (an engine may load its
    graphs on first use), so that the first question does not wait for it.
    """
    model = get_embedder(name)
    model.encode(["khởi động"], is_query=True)
    return model


class QA:
    """An index, its embedder and the backend holding its vectors, loaded once, answering questions."""

    def __init__(self, index: Index, embedder: Embedder, backend: Backend) -> None:
        self.index = index
        self.embedder = embedder
        self.backend = backend
        self._subsets: dict[Filters, Subset] = {}  # the chunks each recent filter allows
        analyze("khởi động", index.vocabulary)  # load the segmenter now, not on the first question

    @classmethod
    def open(
        cls,
        corpus: Path | None,
        index_dir: Path,
        *,
        backend: BackendFactory,
        embedder: str = DEFAULT_EMBEDDER,
        progress: Progress | None = None,
    ) -> QA:
        """Load the index of `corpus` from `index_dir`, building it first when needed, and
        search it through `backend(index)`. `progress(stage, done, total)` hears each step
        ("model", "index", "search" with total 0; a build's stages with counts).
        """
        def stage(name: str) -> None:  # what it is doing, for a loading screen (no count: total 0)
            if progress:
                progress(name, 0, 0)

        with ThreadPoolExecutor(1) as pool:  # the model loads while the index opens
            stage("model")
            loading = pool.submit(_ready_to_ask, embedder)
            if corpus is None:
                stage("index")
                index = load_index(index_dir)
                stage("search")
                searcher = backend(index)
                analyze("khởi động", index.vocabulary)  # the segmenter, while the model loads
                model = loading.result()
                index.manifest.check(Path(index_dir), model.name)
            else:
                model = loading.result()
                stage("index")
                index, _ = ensure_index(Path(corpus), Path(index_dir), model, progress=progress)
                stage("search")
                searcher = backend(index)
        return cls(index, model, searcher)

    def ask(
        self,
        question: str,
        k: int = 10,
        threshold: float | None = None,
        mode: str = "hybrid",
        filters: Filters | None = None,
    ) -> Result:
        """Retrieve the top `k` passages for `question` and pick the answer in them.

        With `filters` (the app's), only the documents they allow answer, and their
        provinces and years replace those the question names.
        """
        started = time.perf_counter()
        cleaned, message = _cleaned(question)
        question = question if isinstance(question, str) else ""
        if not any(ch.isalnum() for ch in cleaned):
            return Result(question, None, [], None, 0.0, message="Câu hỏi trống: hãy nhập một câu hỏi.")
        query = analyze(cleaned, self.index.vocabulary)
        hits, vector = self.retrieve(query, max(k, 20), mode, filters)
        result = self.answer_from(query, hits, k, threshold, filters, vector)
        result.question, result.message = question, message
        release_all()  # the index pages this question mapped: the process keeps only its own memory
        result.latency_ms = (time.perf_counter() - started) * 1000
        return result

    def retrieve(self, query: Query, k: int = 20, mode: str = "hybrid",
                 filters: Filters | None = None) -> tuple[list[Hit], np.ndarray | None]:
        """The top `k` hits for an analysed question, and its query vector (None for BM25 alone).

        An English question that BM25 cannot match (`Query.lexical`) is ranked by the dense model alone.
        """
        if mode == "hybrid" and not query.lexical:
            mode = "dense"
        vector = embed_query(self.embedder, query.dense_text) if mode != "bm25" else None
        if filters is not None and filters.active:
            return self._filtered_search(query, vector, filters, k, mode), vector
        return search(self.index, self.embedder, self.backend, query.dense_text, query.tokens, k=k, mode=mode,
                      query_vector=vector), vector

    def answer_from(self, query: Query, hits: list[Hit], k: int = 10, threshold: float | None = None,
                    filters: Filters | None = None, query_vector: np.ndarray | None = None) -> Result:
        """The answer among `hits` (however they were retrieved): documents about another
        province or year than the question's go last and never answer; the others are
        re-ranked by the evidence of their best sentence.
        """
        facets = query.facets if filters is None else filters.facets
        answerable, elsewhere = split_by_facets(hits, facets, self.index.documents)
        if query_vector is None:
            query_vector = embed_query(self.embedder, query.dense_text)
        choice = choose(query, answerable, self.index.documents, self.index.vocabulary, place_names(),
                        self.index.sentences, query_vector, threshold=threshold, chunks=self.index.chunks)
        table, answer = figures_for(query, choice.answer, self.index)
        hits = choice.hits + elsewhere
        if answer is not None:
            hits = _answer_first(hits, answer)
        result = Result(query.question, query, _ranked_scores(hits[:k]), answer, 0.0, facets, table=table,
                        confidence=choice.confidence)
        return cite(result, self.index.documents)

    def facets_of(self, question: str) -> Facets:
        """The provinces and years `question` names, read as `ask` reads them (diacritics restored)."""
        return analyze(question, self.index.vocabulary).facets

    def _filtered_search(self, query: Query, vector: np.ndarray | None, filters: Filters, k: int,
                         mode: str) -> list[Hit]:
        """The best hits among the documents `filters` allow: both rankings search only their
        chunks, so that a small filtered part of a large corpus still fills the top `k`.
        """
        subset = self._subsets.get(filters)
        if subset is None:
            subset = self.index.subset(filters.allows_facets)
            if len(self._subsets) >= 32:
                self._subsets.clear()
            self._subsets[filters] = subset
        if not len(subset):
            return []
        return search(self.index, self.embedder, self.backend, query.dense_text, query.tokens, k=max(k, 20),
                      mode=mode, subset=subset, query_vector=vector)
