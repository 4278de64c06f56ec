"""The stack a user would otherwise pick, for `qa-bot bench`: LangChain's FAISS vector
store and BM25Retriever (rank_bm25) fused by an EnsembleRetriever, with qa-bot's
embedder and qa-bot's Vietnamese tokens (`lexical_tokens`) for BM25.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from langchain_classic.retrievers import EnsembleRetriever
    from langchain_community.retrievers import BM25Retriever
    from langchain_community.vectorstores import FAISS
    from langchain_core.embeddings import Embeddings

    from ..embedders.base import Embedder

__all__ = ["PeerEmbeddings", "peer_retriever"]


def _langchain() -> tuple[type[BM25Retriever], type[FAISS], type[Embeddings], type[EnsembleRetriever]]:
    """The LangChain classes, or a clear message when the [bench] extra is missing."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from langchain_community.retrievers import BM25Retriever
            from langchain_community.vectorstores import FAISS
            from langchain_core.embeddings import Embeddings
            try:
                from langchain_classic.retrievers import EnsembleRetriever
            except ImportError:
                from langchain.retrievers import EnsembleRetriever
    except ImportError as err:
        raise RuntimeError(f"the peer stack needs `pip install qa-bot[bench]` ({err})") from None
    return BM25Retriever, FAISS, Embeddings, EnsembleRetriever


def PeerEmbeddings(embedder: Embedder, cached: dict[str, np.ndarray] | None = None) -> Embeddings:
    """A LangChain `Embeddings` over qa-bot's embedder; queries found in `cached` are
    not encoded (to time retrieval without the encoder).
    """
    _, _, Embeddings, _ = _langchain()

    class _Embeddings(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embedder.encode(list(texts)).tolist()

        def embed_query(self, text: str) -> list[float]:
            if cached is not None and text in cached:
                return cached[text].tolist()
            return embedder.encode([text], is_query=True)[0].tolist()

    return _Embeddings()


def peer_retriever(texts: list[str], vectors: np.ndarray, tokens: Callable[[str], list[str]], embeddings: Embeddings,
                   k: int) -> EnsembleRetriever:
    """EnsembleRetriever(BM25Retriever, FAISS retriever), weights 0.5/0.5, `k` from each.

    `tokens` is BM25Retriever's preprocess_func (called on every text, then on queries).
    """
    BM25Retriever, FAISS, _, EnsembleRetriever = _langchain()
    store = FAISS.from_embeddings(zip(texts, vectors.tolist(), strict=False), embeddings)
    bm25 = BM25Retriever.from_texts(texts, preprocess_func=tokens, k=k)
    return EnsembleRetriever(retrievers=[bm25, store.as_retriever(search_kwargs={"k": k})], weights=[0.5, 0.5])
