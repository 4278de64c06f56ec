"""Sentence splitting and sentence-preserving chunks, with offsets into the source."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

from ..schema import Chunk, Document
from ..text import normalize, underthesea

__all__ = ["split_sentences", "chunk_document", "chunk_documents", "indexed_text", "indexed_texts"]

# A "sentence" longer than this is not prose (a table dump, a 5 MB line): it is
# cut at white space so that chunks stay embeddable.
MAX_SENTENCE_CHARS = 1500
_LINE = re.compile(r"[^\n]+")
_CLOSING_MARK = re.compile(r"[”»)\"']+(?=\s|$)")
_FALLBACK_SENTENCE = re.compile(r".+?(?:[.!?…]+(?=\s)|$)", re.S)
# what numbers an article, a section or an item: 'Điều 1.', 'Điều 39.3.LQ.1.', 'II.', '1.2.', 'a)'
_MARKER = re.compile(r"(?:(?:Điều|Chương|Mục|Phần)\s+[\w.]+|[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])[.)]")


@lru_cache(maxsize=1)
def _sent_tokenize() -> Callable[[str], list[str]]:
    return underthesea().sent_tokenize


def _sentences_in_line(line: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence of one line, found back in the line itself."""
    if len(line) > 20 * MAX_SENTENCE_CHARS:
        pieces = [m.group(0) for m in _FALLBACK_SENTENCE.finditer(line)]
    else:
        pieces = _sent_tokenize()(line)
    spans, cursor = [], 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        found = line.find(piece, cursor)
        if found < 0:  # the splitter rewrote the text: keep the rest as one sentence
            break
        spans.append((found, found + len(piece)))
        cursor = found + len(piece)
    rest = line[cursor:]
    if rest.strip():
        lead = len(rest) - len(rest.lstrip())
        spans.append((cursor + lead, cursor + len(rest.rstrip())))
    return _markers_kept_with_text(line, _joined_where_no_space(_closing_marks_back(line, spans)))


def _markers_kept_with_text(line: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A sentence that only numbers what follows ('1.', 'Điều 2.', 'II.') is one with the sentence
    after it: the splitter parts `1. Nghị định này áp dụng …` at the number's dot.
    """
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and _MARKER.fullmatch(line, *out[-1]):
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _joined_where_no_space(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentences the splitter parted with no white space between them are one: a sentence ends
    where white space follows, not at the dots of an address ('dichvucong.gov.vn', 'a@b.edu.vn').
    """
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and out[-1][1] == start:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _closing_marks_back(line: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A quotation's closing mark (or bracket) that the splitter left at the start of the next
    sentence ('… trung tâm.” Huyện …') ends the sentence it closes instead.
    """
    out: list[tuple[int, int]] = []
    for start, end in spans:
        mark = _CLOSING_MARK.match(line, start, end)
        if out and mark:
            out[-1] = (out[-1][0], mark.end())
            start = end - len(line[mark.end():end].lstrip())
            if start >= end:
                continue
        out.append((start, end))
    return out


def _cut_long(start: int, end: int, text: str) -> list[tuple[int, int]]:
    """Cut an over-long span at white space into pieces of at most MAX_SENTENCE_CHARS."""
    pieces = []
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start + 1, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        pieces.append((start, end))
    return pieces


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of `text`, as [start, end) offsets into `text` itself.

    Lines are split first (a heading or a caption is its own sentence), then
    underthesea splits each line; splitting runs on the NFC form and the spans
    are mapped back, so decomposed input keeps exact offsets.
    """
    normalized = normalize(text)
    spans = []
    for line in _LINE.finditer(normalized.text):
        for start, end in _sentences_in_line(line.group(0)):
            src_start, src_end = normalized.to_source(line.start() + start, line.start() + end)
            spans.extend(_cut_long(src_start, src_end, text))
    return spans


def chunk_document(doc: Document, first_id: int = 0, max_chars: int = 600) -> list[Chunk]:
    """Windows of whole sentences of at most ~`max_chars`, overlapping by one sentence."""
    sentences = split_sentences(doc.text)
    chunks: list[Chunk] = []
    i = 0
    while i < len(sentences):
        j = i + 1
        while j < len(sentences) and sentences[j][1] - sentences[i][0] <= max_chars:
            j += 1
        start, end = sentences[i][0], sentences[j - 1][1]
        chunks.append(
            Chunk(
                id=first_id + len(chunks),
                source=doc.source,
                char_start=start,
                char_end=end,
                text=doc.text[start:end],
                sentences=tuple(sentences[i:j]),
            )
        )
        if j >= len(sentences):
            break
        i = j - 1 if j - 1 > i else j  # overlap of one sentence
    return chunks


def chunk_documents(docs: list[Document], max_chars: int = 600) -> list[Chunk]:
    """Chunks of every document, numbered from 0 in one id space."""
    chunks: list[Chunk] = []
    for doc in docs:
        chunks.extend(chunk_document(doc, first_id=len(chunks), max_chars=max_chars))
    return chunks


def indexed_text(text: str, title: str) -> str:
    r"""What retrieval reads of a chunk's `text`, for its vector and its BM25 tokens: its document's
    title on a line of its own, then the text (a report's passages seldom name the report, its place
    or its year; measured in docs/quality.md). Offsets and answers stay on the chunk's own text.

    >>> indexed_text("Đạt 100%.", "BÁO CÁO Kết quả CCHC năm 2025")
    'BÁO CÁO Kết quả CCHC năm 2025\nĐạt 100%.'
    """
    title = " ".join(title.split())
    return f"{title}\n{text}" if title else text


def indexed_texts(chunks: Sequence[Chunk], documents: Mapping[str, Document]) -> list[str]:
    """`indexed_text` of each chunk, with the title its document names (none for a document it lacks)."""
    titles: dict[str, str] = {}
    for chunk in chunks:
        if chunk.source not in titles:
            document = documents.get(chunk.source)
            titles[chunk.source] = document.meta.get("title", "") if document is not None else ""
    return [indexed_text(chunk.text, titles[chunk.source]) for chunk in chunks]
