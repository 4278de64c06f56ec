"""An answer as a journalist takes it away: a quote with its citation, Markdown, JSON."""

from __future__ import annotations

import json

from ..ingest.pages import page_label, pages_of, section_of
from ..schema import Answer, Document, Result

_LAYOUT = ("pages", "headings", "ocr", "notes")  # where things are in the file: not metadata a reader needs

__all__ = ["answer_json", "answer_markdown", "answer_record", "citation", "quote"]


def citation(document: Document | None, source: str, start: int, end: int) -> str:
    """'Title, Outlet, 2022-10-12, tr. 3 (file.pdf, ký tự 10–90)': what is known, in that order;
    the page(s) of a PDF, the heading above the passage in a DOCX (`mục “Điều 5. …”`).
    """
    meta = document.meta if document is not None else {}
    parts = [document.title if document is not None else source]
    parts += [str(meta[k]) for k in ("outlet", "province", "date") if meta.get(k)]
    if pages := page_label(pages_of(document, start, end)):
        parts.append(pages)
    elif section := section_of(document, start):
        parts.append(f"mục “{section}”")
    return ", ".join(parts) + f" ({source}, ký tự {start}–{end})"


def quote(answer: Answer, document: Document | None) -> str:
    """The answer sentence verbatim, in quotation marks, with its citation."""
    sentence = " ".join(answer.sentence.split())
    return f"“{sentence}” — {citation(document, answer.source, answer.sentence_start, answer.sentence_end)}"


def answer_record(result: Result, documents: dict[str, Document]) -> dict:
    """The `ask --json` record of `result`, each source with its document's metadata."""
    record = result.to_dict()
    sources = {p["source"] for p in record["passages"]}
    if record["answer"]:
        sources.add(record["answer"]["source"])
        record["answer"]["quote"] = quote(result.answer, documents.get(result.answer.source))
    record["documents"] = {
        s: {"title": documents[s].title, **{k: v for k, v in documents[s].meta.items() if k not in _LAYOUT}}
        for s in sorted(sources) if s in documents
    }
    return record


def answer_json(result: Result, documents: dict[str, Document]) -> str:
    """`answer_record` as indented UTF-8 JSON."""
    return json.dumps(answer_record(result, documents), ensure_ascii=False, indent=2)


def answer_markdown(result: Result, documents: dict[str, Document]) -> str:
    """The question, the answer with its quote, and every passage with its citation."""
    lines = [f"# {result.question.strip()}", ""]
    answer = result.answer
    if answer is None:
        lines += ["Không tìm thấy thông tin trong tài liệu.", ""]
    else:
        short = f"**{answer.span}**"
        if answer.value_inside:
            short = f"**{answer.value}** ({answer.span})"
        lines += [short, "", f"> {quote(answer, documents.get(answer.source))}", ""]
    if result.hits:
        lines += ["## Đoạn nguồn", ""]
    for number, hit in enumerate(result.hits, 1):
        chunk = hit.chunk
        text = " ".join(chunk.text.split())
        where = citation(documents.get(chunk.source), chunk.source, chunk.char_start, chunk.char_end)
        lines += [f"{number}. {where} · điểm {hit.score:.3f}", "", f"   > {text}", ""]
    return "\n".join(lines)
