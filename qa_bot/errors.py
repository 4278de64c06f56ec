"""One root for every error qa-bot reports to a user: the CLI, the app and the API catch `QaBotError`.

Each message says what went wrong and, where there is one, the command that mends it.
"""

from __future__ import annotations

__all__ = ["BuildLocked", "EmbedderError", "ExtractionError", "IndexUnusable", "MilvusError", "QaBotError"]


class QaBotError(Exception):
    """Something qa-bot cannot do, explained in one message for the user."""


class EmbedderError(QaBotError, ValueError):
    """An embedder that cannot be made: unknown name, missing extra, no model there."""


class IndexUnusable(QaBotError):
    """An index that cannot be used as it is; the message says what to run."""


class BuildLocked(IndexUnusable):
    """Another build holds the index folder."""


class ExtractionError(QaBotError, ValueError):
    """A file that cannot be read as a document; the message is a short reason."""


class MilvusError(QaBotError):
    """A Milvus server or collection that cannot be used; the message says what to run."""
