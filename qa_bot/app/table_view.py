"""Table answers in the app: the rows as HTML (each sentence with its value marked and a link
to the document view) and a Vega-Lite chart (Altair) whose every bar or point links to its
sentence; conflicting figures of one answer as a short list, newest first.

Everything taken from a document is escaped (`render.escape_text`), as in the answer card.
"""

from __future__ import annotations

from typing import Any

from ..schema import Document
from .render import document_link, escape_text, highlight_passage
from .ui_text import text_for

__all__ = ["chart", "conflict_html", "row_link", "table_html"]

TABLE_CSS = """
<style>
table.qa-table {border-collapse: collapse; width: 100%; font-size: .9rem; margin: .3rem 0 .6rem 0;}
table.qa-table th, table.qa-table td {border-bottom: 1px solid rgba(128,128,128,.3); padding: .35rem .4rem;
  vertical-align: top; text-align: left;}
table.qa-table td.qa-value {font-weight: 600; white-space: nowrap;}
table.qa-table .qa-sentence-cell {white-space: pre-wrap; line-height: 1.45;}
.qa-missing {font-size: .9rem; opacity: .85;}
</style>
"""


def _date(iso: str) -> str:
    """'2021-10-05' → '05/10/2021'."""
    parts = str(iso or "").split("-")
    return "/".join(reversed(parts)) if len(parts) == 3 else str(iso or "")


def row_link(row: Any) -> str:
    """The document view of a row: its sentence marked and its value highlighted."""
    sentence = (row.sentence_start, row.sentence_end)
    return document_link(row.source, sentence, sentence, (row.char_start, row.char_end))


def _excerpt(row: Any, width: int = 110) -> tuple[str, int, str, str]:
    """The part of a row's sentence around its value (at most ~2 × `width` characters, cut at spaces),
    its offset in the document, and '…' where the sentence goes on.
    """
    text, offset = row.sentence, row.sentence_start
    start = max(0, row.char_start - offset - width)
    end = min(len(text), row.char_end - offset + width)
    if start > 0:
        start = text.find(" ", start, row.char_start - offset) + 1 or start
    if end < len(text):
        cut = text.rfind(" ", row.char_end - offset, end)
        end = cut if cut > 0 else end
    return text[start:end], offset + start, "…" if start > 0 else "", "…" if end < len(text) else ""


def _row_html(row: Any, lang: str) -> str:
    words = text_for(lang)
    text, offset, lead, tail = _excerpt(row)
    sentence = lead + highlight_passage(text, offset, None, (row.char_start, row.char_end)) + tail
    also = f"<br><small>{escape_text(words['also_in'])}: {escape_text(', '.join(row.also_in))}</small>" \
        if row.also_in else ""
    link = (f'<a class="qa-open" href="{escape_text(row_link(row))}" target="_blank" rel="noopener">'
            f"{escape_text(words['open_document'])}</a>")
    return (
        f"<tr><td>{escape_text(row.place)}</td><td>{escape_text(row.measure)}</td><td>{escape_text(row.period)}</td>"
        f'<td class="qa-value">{escape_text(row.span)}</td>'
        f'<td class="qa-sentence-cell">{sentence}{also}</td>'
        f"<td><b>{escape_text(row.title)}</b><br><small>{escape_text(_date(row.date))} · "
        f"<code>{escape_text(row.source)}</code>, {escape_text(words['characters'])} {row.char_start}–{row.char_end}"
        f"</small><br>{link}</td></tr>"
    )


def table_html(table: Any, lang: str = "vi") -> str:
    """The rows of a table answer, one line each, and the places it has no figure for."""
    words = text_for(lang)
    heads = "".join(f"<th>{escape_text(words[k])}</th>" for k in
                    ("col_place", "col_measure", "col_period", "col_value", "col_sentence", "source"))
    body = "".join(_row_html(row, lang) for row in table.rows)
    missing = ""
    if table.missing:
        missing = (f'<div class="qa-missing">{escape_text(words["missing_places"])}: '
                   f"{escape_text(', '.join(table.missing))}</div>")
    return f'{TABLE_CSS}<table class="qa-table"><tr>{heads}</tr>{body}</table>{missing}'


def conflict_html(table: Any, documents: dict[str, Document], lang: str = "vi") -> str:
    """The values documents give for one answer's figure, newest first, each with its date and source."""
    words = text_for(lang)
    items = []
    for row in table.rows:
        doc = documents.get(row.source)
        title = doc.title if doc is not None else row.source
        link = (f'<a class="qa-open" href="{escape_text(row_link(row))}" target="_blank" rel="noopener">'
                f"{escape_text(words['open_document'])}</a>")
        items.append(f"<li><b>{escape_text(row.span)}</b> — {escape_text(words['according_to'])} "
                     f"{escape_text(_date(row.date))}: {escape_text(title)} (<code>{escape_text(row.source)}</code>) "
                     f"{link}</li>")
    return (f'<div class="qa-card qa-conflict"><div class="qa-short">{escape_text(words["conflicting"])} '
            f"({escape_text(table.measure)})</div><ul>{''.join(items)}</ul></div>")


def _records(table: Any) -> list[dict]:
    records = []
    labels = [f"{row.place} · {row.period}" for row in table.rows]
    for order, row in enumerate(table.rows):
        label = labels[order] + (f" ({row.source})" if labels.count(labels[order]) > 1 else "")
        records.append({
            "label": label,
            "place": row.place, "period": row.period, "time": f"{row.year}|{row.period}", "value": row.value,
            "shown": row.span, "measure": row.measure, "source": row.source, "url": row_link(row), "order": order,
        })
    return records


def chart(table: Any, lang: str = "vi") -> Any:
    """An Altair chart of a table answer: bars for a ranking or a comparison, lines over time for a
    trend; clicking a bar or a point opens its sentence in the document view.
    """
    import altair as alt

    words = text_for(lang)
    data = alt.Data(values=_records(table))
    tooltip = [alt.Tooltip("place:N", title=words["col_place"]), alt.Tooltip("period:N", title=words["col_period"]),
               alt.Tooltip("shown:N", title=words["col_value"]), alt.Tooltip("source:N", title=words["source"])]
    value = alt.X("value:Q", title=table.measure) if table.kind != "trend" else alt.Y("value:Q", title=table.measure)
    if table.kind == "trend":
        period = alt.Axis(labelExpr="split(datum.value, '|')[1]")  # 'year|label' sorts in time, shows the label
        several = len({r.measure for r in table.rows}) > 1
        base = alt.Chart(data).encode(
            x=alt.X("time:N", title=words["col_period"], sort="ascending", axis=period), y=value,
            color=alt.Color("measure:N" if several else "place:N", title=None), href="url:N", tooltip=tooltip)
        return (base.mark_line(point=alt.OverlayMarkDef(size=90, filled=True))).properties(height=300)
    bars = alt.Chart(data).mark_bar(cursor="pointer").encode(
        y=alt.Y("label:N", title=None, sort=alt.SortField("order"), axis=alt.Axis(labelLimit=320)), x=value,
        color=alt.Color("place:N", legend=None), href="url:N", tooltip=tooltip)
    labels = bars.mark_text(align="left", dx=3).encode(text="shown:N", color=alt.value("#333"))
    return (bars + labels).properties(height=max(120, 34 * len(table.rows)))
