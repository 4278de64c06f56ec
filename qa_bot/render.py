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

from .schema import Answer, Document, Hit

__all__ = [
    "CSS",
    "escape_text",
    "escape_markdown",
    "highlight_passage",
    "source_line",
    "answer_card",
    "passage_block",
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


def highlight_passage(
    text: str,
    offset: int = 0,
    sentence: tuple[int, int] | None = None,
    span: tuple[int, int] | None = None,
) -> str:
    """`text` escaped, with the sentence in ``<mark class="qa-sentence">`` and the span in
    ``<mark class="qa-span">`` (nested inside the sentence mark).

    `offset` is where `text` starts in its document; `sentence` and `span` are
    ``(start, end)`` in document offsets, like `Answer`'s. Either may be None;
    both are clipped to the passage, and the span to the sentence.
    """
    n = len(text)

    def local(pair: tuple[int, int], low: int, high: int) -> tuple[int, int]:
        start = _clamp(pair[0] - offset, low, high)
        return start, _clamp(pair[1] - offset, start, high)

    s, e = local(sentence, 0, n) if sentence is not None else (None, None)
    if span is not None:
        a, b = local(span, s, e) if s is not None else local(span, 0, n)
    if s is None and span is None:
        return escape_text(text)
    if s is None:
        return "".join(
            [escape_text(text[:a]), '<mark class="qa-span">', escape_text(text[a:b]), "</mark>", escape_text(text[b:])]
        )
    pieces = [escape_text(text[:s]), '<mark class="qa-sentence">']
    if span is None:
        pieces.append(escape_text(text[s:e]))
    else:
        pieces += [
            escape_text(text[s:a]),
            '<mark class="qa-span">',
            escape_text(text[a:b]),
            "</mark>",
            escape_text(text[b:e]),
        ]
    pieces += ["</mark>", escape_text(text[e:])]
    return "".join(pieces)


def source_line(document: Document | None, source: str, start: int, end: int, score: float | None = None) -> str:
    """A ``<div class="qa-source">``: title, province, date, outlet, file name and
    character position (and the score when given), all escaped."""
    meta = document.meta if document is not None else {}
    title = document.title if document is not None else source
    facts = [str(meta[k]) for k in ("province", "date", "outlet") if meta.get(k)]
    head = f"<b>{escape_text(title)}</b>"
    if facts:
        head += " · " + " · ".join(escape_text(f) for f in facts)
    where = f"<code>{escape_text(source)}</code>, ký tự {int(start)}–{int(end)}"
    if score is not None:
        where += f" · điểm {float(score):.3f}"
    return f'<div class="qa-source">Nguồn: {head}<br>{where}</div>'


def _passage_of(answer: Answer, document: Document | None) -> tuple[str, int]:
    """The passage to show around `answer`: its chunk, or the sentence alone if the
    chunk does not hold it."""
    chunk = answer.hit.chunk
    if chunk.char_start <= answer.sentence_start and answer.sentence_end <= chunk.char_end:
        return chunk.text, chunk.char_start
    if document is not None:
        return document.text[answer.sentence_start:answer.sentence_end], answer.sentence_start
    return answer.sentence, answer.sentence_start


def answer_card(answer: Answer, document: Document | None) -> str:
    """The answer card: the short span, then the passage with sentence and span marked,
    then the source line."""
    text, offset = _passage_of(answer, document)
    passage = highlight_passage(
        text, offset, (answer.sentence_start, answer.sentence_end), (answer.span_start, answer.span_end)
    )
    return (
        '<div class="qa-card">'
        f'<div class="qa-short">{escape_text(answer.span)}</div>'
        f'<div class="qa-passage">{passage}</div>'
        f"{source_line(document, answer.source, answer.span_start, answer.span_end)}"
        "</div>"
    )


def passage_block(hit: Hit, document: Document | None) -> str:
    """A retrieved passage (escaped, unmarked) and its source line with the score."""
    chunk = hit.chunk
    return (
        f'<div class="qa-passage">{escape_text(chunk.text)}</div>'
        f"{source_line(document, chunk.source, chunk.char_start, chunk.char_end, hit.score)}"
    )
