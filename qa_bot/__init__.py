"""qa-bot: answers retrieved and highlighted in Vietnamese documents on administrative reform.

The public API is imported lazily, so `import qa_bot` costs nothing until it is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

__all__ = ["QA", "Answer", "Chunk", "Document", "Hit", "Result", "__version__", "build_index", "load_index"]

_WHERE = {
    "QA": "pipeline", "Answer": "schema", "Chunk": "schema", "Document": "schema", "Hit": "schema",
    "Result": "schema", "build_index": "index.build", "load_index": "index.load",
}

if TYPE_CHECKING:
    from .index.build import build_index
    from .index.load import load_index
    from .pipeline import QA
    from .schema import Answer, Chunk, Document, Hit, Result


def __getattr__(name: str) -> object:
    """The public names, imported on first use."""
    if name not in _WHERE:
        raise AttributeError(f"module 'qa_bot' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
