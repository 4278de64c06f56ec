"""Figures beyond one passage: the table a comparison question asks for, and the other
values documents give for a single answer's figure.

A ranking question's answer becomes its table's first row (the province with the
most, or the highest); a comparison or a question over time keeps the passage
answer and adds the table. A single answer whose figure another document gives
with another value (same place, measure and year) gets all of them, newest first.
"""

from __future__ import annotations

from ..index.fact_store import facts_of
from ..index.load import Index
from ..question.analysis import Query
from ..question.compare import read_comparison
from ..schema import Answer, Hit
from .table import Table, TableRow, build_table, conflict_table

__all__ = ["figures_for", "row_answer"]


def row_answer(row: TableRow, index: Index) -> Answer | None:
    """A table row as an answer: its value in its sentence, in the chunk that holds the sentence
    (only the chunks of the row's document are read).
    """
    for chunk_id in index.subset(lambda facets: facets.source == row.source).ids:
        chunk = index.chunks[int(chunk_id)]
        if chunk.char_start <= row.sentence_start and row.sentence_end <= chunk.char_end:
            return Answer(row.source, row.sentence_start, row.sentence_end, row.char_start, row.char_end,
                          row.sentence, row.span, 1.0, Hit(chunk, 1.0), row.span, row.char_start, row.char_end)
    return None


def figures_for(query: Query, answer: Answer | None, index: Index) -> tuple[Table | None, Answer | None]:
    """(the table for `query`, the answer to give): a comparison's table (a ranking's first row
    as the answer), else the conflicting values of `answer`'s figure, else (None, `answer`).
    """
    store = facts_of(index)
    comparison = read_comparison(query)
    if comparison is not None:
        table = build_table(comparison, store, index.documents)
        if table is not None:
            if comparison.kind == "rank" and table.rows:
                answer = row_answer(table.rows[0], index) or answer
            return table, answer
    if answer is not None:
        return conflict_table(answer.source, answer.span_start, answer.span_end, store, index.documents), answer
    return None, answer
