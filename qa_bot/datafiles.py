"""The package's data files (`qa_bot/data/`): word lists and JSON tables, read once."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

__all__ = ["DATA", "read_json", "read_lines"]

DATA = Path(__file__).resolve().parent / "data"


@cache
def read_lines(name: str) -> tuple[str, ...]:
    """The non-empty lines of a word list, '#' comments left out, stripped."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def read_json(name: str) -> dict:
    """A JSON table, without its '_about' note."""
    data = json.loads((DATA / name).read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data.pop("_about", None)
    return data
