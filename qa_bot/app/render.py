"""HTML for the Streamlit app: passages with the answer highlighted, and source lines.

Every piece of document text (and metadata) is escaped *before* any markup is
added: the escaped pieces are computed from the raw slices of the text, and
the ``<mark>`` tags are put between them. What comes out is safe to give to
``st.markdown(..., unsafe_allow_html=True)``: a document holding ``<script>``
or ``<img onerror=...>`` shows as visible text, never as markup.

Besides ``& < > " '``, the characters Markdown would act on (``* _ ` $ [ ] #``
...) become numeric character references, and line breaks become ``&#10;``
(shown by ``white-space: pre-wrap``), so the HTML is one line: Markdown never
sees a blank line that would end the HTML block and reinterpret the rest.
"""

from __future__ import annotations

from urllib.parse import urlencode

from ..ingest.pages import page_label, pages_of, section_of
from ..schema import Answer, Document, Hit
from .ui_text import text_for

__all__ = [
    "CSS",
    "answer_card",
    "answer_link",
    "document_html",
    "document_link",
    "escape_markdown",
    "escape_text",
    "highlight_passage",
    "parse_range",
    "passage_block",
    "source_line",
]

CSS = """
<style>
.qa-card {border: 1px solid rgba(128,128,128,.35); border-left: 4px solid #f0b429;
  border-radius: .5rem; padding: .8rem 1rem; margin: .2rem 0 .6rem 0;}
.qa-short {font-size: 1.15rem; font-weight: 600; margin-bottom: .5rem;}
.qa-passage {white-space: pre-wrap; line-height: 1.6; font-size: .95rem;}
mark.qa-sentence {background: rgba(255, 226, 122, .35); color: inherit; padding: 0;}
mark.qa-span {background: #ffd43b; color: #1b1b1b; font-weight: 600; padding: 0 .1rem;
  border-radius: .2rem;}
mark.qa-value {background: transparent; color: inherit; padding: 0; font-weight: 700;
  text-decoration: underline 2px;}
.qa-short mark.qa-value {font-size: 1.35rem;}
.qa-source {font-size: .85rem; opacity: .8; margin-top: .6rem;}
.qa-source code {font-size: .8rem;}
</style>
"""

# One pass over the raw text: HTML's specials as entities, the characters Markdown
# (with GFM and math) may act on and line breaks as numeric references.
_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;", ord("'"): "&#x27;"}
_ESCAPES.update({ord(c): f"&#{ord(c)};" for c in "\\`*_{}[]()#+-!|~$:\n\r"})


def escape_text(text: str) -> str:
    """`text` as HTML text: escaped like `html.escape(text, quote=True)`, Markdown-inert, on one line."""
    return text.translate(_ESCAPES)


def escape_markdown(text: str) -> str:
    """`text` for a Markdown-only label (e.g. an expander's): special characters backslashed."""
    out = []
    for ch in " ".join(text.split()):
        if ch in "\\`*_{}[]()#+-.!|~$<>:":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _marked(text: str, offset: int, marks: list[tuple[str, int, int]]) -> str:
    """`text` escaped, with each (class, start, end) of `marks` (document offsets, each
    inside the one before it) as a ``<mark>``, clipped to `text` and to its outer mark.
    """
    if not marks:
        return escape_text(text)
    css, start, end = marks[0]
    a = _clamp(start - offset, 0, len(text))
    b = _clamp(end - offset, a, len(text))
    inner = [(c, max(s, offset + a), min(e, offset + b)) for c, s, e in marks[1:]]
    return "".join([
        escape_text(text[:a]),
        f'<mark class="{css}">',
        _marked(text[a:b], offset + a, inner),
        "</mark>",
        escape_text(text[b:]),
    ])


def highlight_passage(
    text: str,
    offset: int = 0,
    sentence: tuple[int, int] | None = None,
    span: tuple[int, int] | None = None,
    value: tuple[int, int] | None = None,
) -> str:
    """`text` escaped, with the sentence in ``<mark class="qa-sentence">``, the span in
    ``<mark class="qa-span">`` (nested inside the sentence mark) and the value the span is
    built around in ``<mark class="qa-value">`` (inside the span).

    `offset` is where `text` starts in its document; `sentence`, `span` and `value` are
    ``(start, end)`` in document offsets, like `Answer`'s. Any may be None; all are
    clipped to the passage, each to the one around it.
    """
    pairs = (("qa-sentence", sentence), ("qa-span", span), ("qa-value", value))
    return _marked(text, offset, [(css, *pair) for css, pair in pairs if pair is not None])


def document_link(source: str, passage: tuple[int, int], sentence: tuple[int, int] | None = None,
                  span: tuple[int, int] | None = None) -> str:
    """The app's address of the document view: `?doc=<source>&p=<start>-<end>` (passage),
    and `&s=` (sentence) and `&a=` (answer span) when given.
    """
    params = {"doc": source, "p": passage, "s": sentence, "a": span}
    return "?" + urlencode({k: v if k == "doc" else f"{int(v[0])}-{int(v[1])}"
                            for k, v in params.items() if v is not None})


def parse_range(value: str | None) -> tuple[int, int] | None:
    """'10-90' → (10, 90); anything else → None."""
    try:
        start, end = (int(v) for v in str(value).split("-"))
    except ValueError:
        return None
    return (start, end) if 0 <= start <= end else None


def source_line(document: Document | None, source: str, start: int, end: int, score: float | None = None,
                link: str | None = None, lang: str = "vi") -> str:
    """A ``<div class="qa-source">``: title, province, date, outlet, file name and
    character position (and the score and a link to the document view when given), all escaped.
    """
    words = text_for(lang)
    meta = document.meta if document is not None else {}
    title = document.title if document is not None else source
    facts = [str(meta[k]) for k in ("province", "date", "outlet") if meta.get(k)]
    head = f"<b>{escape_text(title)}</b>"
    if facts:
        head += " · " + " · ".join(escape_text(f) for f in facts)
    where = f"<code>{escape_text(source)}</code>, {words['characters']} {int(start)}–{int(end)}"
    if pages := pages_of(document, start, end):
        where += f' · <span class="qa-pages">{escape_text(page_label(pages))}</span>'
        if set(pages) & {int(p) for p in meta.get("ocr") or {}}:
            where += f' · <span class="qa-ocr">⚠ {escape_text(words["ocr_text"])}</span>'
    elif section := section_of(document, start):
        where += f' · <span class="qa-section">{escape_text(words["section"])} “{escape_text(section)}”</span>'
    if score is not None:
        where += f" · {words['score']} {float(score):.3f}"
    if link is not None:
        where += (f' · <a class="qa-open" href="{escape_text(link)}" target="_blank" rel="noopener">'
                  f"{escape_text(words['open_document'])}</a>")
    return f'<div class="qa-source">{words["source"]}: {head}<br>{where}</div>'


def _passage_of(answer: Answer, document: Document | None) -> tuple[str, int]:
    """The passage to show around `answer`: its chunk, or the sentence alone if the
    chunk does not hold it.
    """
    chunk = answer.hit.chunk
    if chunk.char_start <= answer.sentence_start and answer.sentence_end <= chunk.char_end:
        return chunk.text, chunk.char_start
    if document is not None:
        return document.text[answer.sentence_start:answer.sentence_end], answer.sentence_start
    return answer.sentence, answer.sentence_start


def answer_link(answer: Answer) -> str:
    """The document view of `answer`: its passage, sentence and span."""
    chunk = answer.hit.chunk
    return document_link(answer.source, (chunk.char_start, chunk.char_end),
                         (answer.sentence_start, answer.sentence_end), (answer.span_start, answer.span_end))


def answer_card(answer: Answer, document: Document | None, lang: str = "vi") -> str:
    """The answer card: the short span (its value marked when the span is longer), then the
    passage with sentence, span and value marked, then the source line with a link to the
    document view.
    """
    text, offset = _passage_of(answer, document)
    value = (answer.value_start, answer.value_end) if answer.value_inside else None
    passage = highlight_passage(
        text, offset, (answer.sentence_start, answer.sentence_end), (answer.span_start, answer.span_end), value
    )
    link = answer_link(answer) if document is not None else None
    short = _marked(answer.span, answer.span_start, [("qa-value", *value)] if value is not None else [])
    return (
        '<div class="qa-card">'
        f'<div class="qa-short">{short}</div>'
        f'<div class="qa-passage">{passage}</div>'
        f"{source_line(document, answer.source, answer.span_start, answer.span_end, link=link, lang=lang)}"
        "</div>"
    )


def passage_block(hit: Hit, document: Document | None, lang: str = "vi") -> str:
    """A retrieved passage (escaped, unmarked) and its source line with the score and a
    link to the document view.
    """
    chunk = hit.chunk
    link = document_link(chunk.source, (chunk.char_start, chunk.char_end)) if document is not None else None
    return (
        f'<div class="qa-passage">{escape_text(chunk.text)}</div>'
        f"{source_line(document, chunk.source, chunk.char_start, chunk.char_end, hit.score, link, lang)}"
    )


DOCUMENT_CSS = """
body {font-family: "Source Sans Pro", "Segoe UI", Roboto, sans-serif; margin: 0; padding: .5rem 1rem;
  color: #31333f; background: #fff;}
.qa-passage {white-space: pre-wrap; line-height: 1.6; font-size: .95rem;}
mark.qa-context {background: rgba(116, 192, 252, .25); color: inherit; padding: 0;}
mark.qa-sentence {background: rgba(255, 226, 122, .55); color: inherit; padding: 0;}
mark.qa-span {background: #ffd43b; color: #1b1b1b; font-weight: 600; padding: 0 .1rem; border-radius: .2rem;}
"""

# Scrolls the innermost mark (span, else sentence, else passage) to the middle of the frame.
_SCROLL = (
    "<script>const m = document.querySelector('mark.qa-span') || document.querySelector('mark.qa-sentence')"
    " || document.querySelector('mark.qa-context'); if (m) m.scrollIntoView({block: 'center'});</script>"
)


def document_html(document: Document, passage: tuple[int, int] | None = None,
                  sentence: tuple[int, int] | None = None, span: tuple[int, int] | None = None) -> str:
    """A whole HTML page of the document's text, with the passage, sentence and span marked
    (each clipped to the one around it), scrolled to the innermost one. The text is
    escaped; the only script is qa-bot's own scrolling.
    """
    marks = [(css, *pair) for css, pair in (("qa-context", passage), ("qa-sentence", sentence), ("qa-span", span))
             if pair is not None]
    body = _marked(document.text, 0, marks)
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><style>{DOCUMENT_CSS}</style></head>'
        f'<body><div class="qa-passage">{body}</div>{_SCROLL}</body></html>'
    )
