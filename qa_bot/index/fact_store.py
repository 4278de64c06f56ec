"""The facts table on disk: `facts.sqlite` in each index generation, written whole by a build.

A build writes the table into the new generation's folder before the folder is
switched in, so the facts change atomically with the rest of the index. Facts of a
document whose file is unchanged are copied from the previous generation's table
(when the same extractor and measures table made it) instead of being read again.
Readers open the file read-only: a generation never changes once published.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..datafiles import DATA
from ..ingest.measures import measures_named
from ..ingest.provinces import find_provinces
from ..schema import Chunk, Document
from .facts import NATIONAL, Fact, document_facts, folded_key
from .manifest import load_manifest

if TYPE_CHECKING:
    from .load import Index

__all__ = ["FACTS_FILE", "FactStore", "facts_of", "previous_generation", "write_facts"]

FACTS_FILE = "facts.sqlite"
EXTRACTOR_VERSION = 1  # bump when facts.py reads sentences differently: facts are then read again
_COLUMNS = tuple(f.name for f in fields(Fact))
_TYPES = {"value": "REAL", "year": "INTEGER", "sentence_start": "INTEGER", "sentence_end": "INTEGER",
          "value_start": "INTEGER", "value_end": "INTEGER"}


def _extractor_key() -> str:
    """What made a table: the extractor's version and the measures table it read."""
    digest = hashlib.sha256((DATA / "measures.json").read_bytes()).hexdigest()[:16]
    return f"{EXTRACTOR_VERSION}:{digest}"


def _schema(db: sqlite3.Connection) -> None:
    columns = ", ".join(f"{name} {_TYPES.get(name, 'TEXT')} NOT NULL" for name in _COLUMNS)
    db.executescript(f"""
        CREATE TABLE facts (id INTEGER PRIMARY KEY, {columns});
        CREATE INDEX facts_measure ON facts (measure_key, place);
        CREATE INDEX facts_family ON facts (family);
        CREATE INDEX facts_place ON facts (place);
        CREATE INDEX facts_source ON facts (source, value_start);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """)


def previous_generation(index_dir: Path) -> Path | None:
    """The folder of the index's current generation (a build's previous one), if any."""
    manifest = load_manifest(index_dir)
    return None if manifest is None else Path(index_dir) / manifest.generation


def _reusable(previous: Path | None, sources: set[str]) -> dict[str, list[Fact]]:
    """Facts of `sources` in the previous generation's table, when the same extractor made it."""
    path = None if previous is None else previous / FACTS_FILE
    if path is None or not path.is_file() or not sources:
        return {}
    store = FactStore(path)
    if store.meta().get("extractor") != _extractor_key():
        return {}
    reused: dict[str, list[Fact]] = {source: [] for source in sources}
    for fact in store.query():
        if fact.source in reused:
            reused[fact.source].append(fact)
    return reused


def write_facts(folder: Path, documents: Iterable[Document], chunks: Sequence[Chunk],
                previous: Path | None = None, unchanged: Iterable[str] = ()) -> int:
    """Read the facts of `documents` into `folder`/facts.sqlite; those of `unchanged` sources
    are copied from the `previous` generation's table when it can be reused. Returns the count.
    """
    by_source: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_source.setdefault(chunk.source, []).append(chunk)
    reused = _reusable(previous, set(unchanged))
    path = Path(folder) / FACTS_FILE
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        _schema(db)
        count = 0
        for doc in documents:
            facts = reused[doc.source] if doc.source in reused else document_facts(doc, by_source.get(doc.source, []))
            db.executemany(f"INSERT INTO facts ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                           [tuple(getattr(f, c) for c in _COLUMNS) for f in facts])
            count += len(facts)
        db.executemany("INSERT INTO meta VALUES (?, ?)", [("extractor", _extractor_key()), ("facts", str(count))])
        db.commit()
    finally:
        db.close()
    return count


class FactStore:
    """The facts table of one generation, read-only (safe to share between threads)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)

    def _rows(self, sql: str, args: Sequence[object] = ()) -> list[tuple]:
        if not self.path.is_file():
            return []  # an index made before facts existed: no facts
        db = self._connect()
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

    def meta(self) -> dict[str, str]:
        """The table's notes: which extractor made it, how many facts."""
        return dict(self._rows("SELECT key, value FROM meta"))

    def query(self, *, measure_keys: Iterable[str] = (), families: Iterable[str] = (), places: Iterable[str] = (),
              kinds: Iterable[str] = (), sources: Iterable[str] = ()) -> list[Fact]:
        """Facts matching every given filter (each a set of allowed values), in table order."""
        where, args = [], []
        keys, families = list(measure_keys), list(families)
        if keys or families:
            parts = []
            if keys:
                parts.append(f"measure_key IN ({', '.join('?' * len(keys))})")
            if families:
                parts.append(f"family IN ({', '.join('?' * len(families))})")
            where.append("(" + " OR ".join(parts) + ")")
            args += keys + families
        for column, values in (("place", list(places)), ("kind", list(kinds)), ("source", list(sources))):
            if values:
                where.append(f"{column} IN ({', '.join('?' * len(values))})")
                args += values
        sql = f"SELECT {', '.join(_COLUMNS)} FROM facts" + (" WHERE " + " AND ".join(where) if where else "")
        return [Fact(*row) for row in self._rows(sql + " ORDER BY id", args)]

    def covering(self, source: str, start: int, end: int) -> list[Fact]:
        """Facts of `source` whose value lies inside [start, end) (an answer's span)."""
        rows = self._rows(f"SELECT {', '.join(_COLUMNS)} FROM facts WHERE source = ? AND value_start < ? "
                          "AND value_end > ? ORDER BY id", (source, end, start))
        return [Fact(*row) for row in rows]

    def find(self, province: str | None = None, measure: str | None = None) -> list[Fact]:
        """Facts of a province and a measure as a user types them: 'ha giang', 'Toàn quốc';
        'TTHC mức độ 4', 'thu tuc muc do 4', or any part of a measure's label.
        """
        places: list[str] = []
        if province:
            places = [name for name, _, _ in find_provinces(province.title())] or [province.strip()]
            if folded_key(province) in (folded_key(NATIONAL), "ca nuoc", "national"):
                places = [NATIONAL]
        facts = self.query(places=places)
        if measure:
            keys = {m.name for m, _, _ in measures_named(measure, english=True)}
            wanted = folded_key(measure)
            facts = [f for f in facts if f.measure_key in keys or f.family in keys or wanted in folded_key(f.label)]
        return facts

    def count(self) -> int:
        """The number of facts."""
        rows = self._rows("SELECT COUNT(*) FROM facts")
        return int(rows[0][0]) if rows else 0


@lru_cache(maxsize=8)
def _store(path: str) -> FactStore:
    return FactStore(Path(path))


def facts_of(index: Index) -> FactStore:
    """The facts table of a loaded index's generation."""
    return _store(str(index.data / FACTS_FILE))
