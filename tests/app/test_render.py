"""render.py: marks land on exactly the sentence and span, and document text is always escaped."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest

from qa_bot.app.render import (
    answer_card,
    escape_markdown,
    escape_text,
    highlight_passage,
    passage_block,
    source_line,
)
from qa_bot.schema import Answer, Chunk, Document, Hit

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
TAG = re.compile(r"<[^>]*>")


def marked(markup: str, cls: str) -> str:
    """The text inside the (first) <mark class=cls>...</mark>, tags dropped and entities decoded."""
    start = markup.index(f'<mark class="{cls}">') + len(f'<mark class="{cls}">')
    depth, i = 1, start
    while depth:
        nxt_open, nxt_close = markup.find("<mark", i), markup.find("</mark>", i)
        if nxt_open != -1 and nxt_open < nxt_close:
            depth, i = depth + 1, nxt_open + 5
        else:
            depth, i = depth - 1, nxt_close + 7
    return html.unescape(TAG.sub("", markup[start : i - 7]))


def visible(markup: str) -> str:
    """What a browser shows as text: tags dropped, entities decoded."""
    return html.unescape(TAG.sub("", markup))


def tags(markup: str) -> list[str]:
    """The real tags in `markup` (escaped text has no '<')."""
    return TAG.findall(markup)


def make_doc(text: str, **meta) -> Document:
    return Document("doc.txt", text, meta)


def make_answer(doc: Document, chunk: tuple[int, int], sentence: tuple[int, int], span: tuple[int, int]) -> Answer:
    c = Chunk(0, doc.source, chunk[0], chunk[1], doc.text[chunk[0] : chunk[1]], (sentence,))
    return Answer(
        doc.source, sentence[0], sentence[1], span[0], span[1],
        doc.text[sentence[0] : sentence[1]], doc.text[span[0] : span[1]], 0.9, Hit(c, 0.5),
    )


TEXT = (
    "Mở đầu bài báo. Báo cáo tại Hội nghị, toàn tỉnh Hà Giang có 1.895 TTHC, trong đó 1.565 TTHC "
    "được cung cấp dịch vụ công trực tuyến mức độ 4. Câu cuối."
)


def test_marks_land_on_exact_sentence_and_span():
    s0 = TEXT.index("Báo cáo")
    s1 = TEXT.index("Câu cuối") - 1
    a = TEXT.index("1.565")
    b = a + len("1.565 TTHC")
    out = highlight_passage(TEXT, 0, (s0, s1), (a, b))
    assert marked(out, "qa-span") == TEXT[a:b] == "1.565 TTHC"
    assert marked(out, "qa-sentence") == TEXT[s0:s1]
    assert visible(out) == TEXT  # nothing lost, nothing added
    assert out.count('<mark class="qa-span">') == 1 and out.count('<mark class="qa-sentence">') == 1


def test_offsets_are_document_offsets():
    offset = 1000
    passage = TEXT
    a = passage.index("1.565")
    out = highlight_passage(passage, offset, (offset + 16, offset + len(passage) - 10), (offset + a, offset + a + 5))
    assert marked(out, "qa-span") == "1.565"
    assert marked(out, "qa-sentence") == passage[16:-10]


def test_span_is_clipped_to_sentence_and_passage():
    out = highlight_passage("abcdef", 10, (12, 14), (5, 30))
    assert marked(out, "qa-sentence") == "cd"
    assert marked(out, "qa-span") == "cd"
    assert visible(out) == "abcdef"


@pytest.mark.parametrize("sentence, span", [(None, (1, 3)), ((1, 4), None), (None, None)])
def test_optional_marks(sentence, span):
    out = highlight_passage("abcdef", 0, sentence, span)
    assert visible(out) == "abcdef"
    if span is not None:
        assert marked(out, "qa-span") == "bc"
    else:
        assert "qa-span" not in out
    if sentence is not None:
        assert marked(out, "qa-sentence") == "bcd"
    else:
        assert "qa-sentence" not in out


@pytest.mark.parametrize("hostile", [SCRIPT, IMG])
def test_markup_in_passage_is_escaped(hostile):
    text = f"Trước. {hostile} Toàn tỉnh có 321 thủ tục. Sau."
    a = text.index("321")
    s0 = text.index("Toàn")
    out = highlight_passage(text, 0, (s0, text.index(" Sau")), (a, a + 3))
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;" in out or "&lt;img" in out
    assert set(tags(out)) <= {'<mark class="qa-sentence">', '<mark class="qa-span">', "</mark>"}
    assert visible(out) == text


@pytest.mark.parametrize("hostile", [SCRIPT, IMG])
def test_markup_inside_span_and_sentence_is_escaped(hostile):
    text = f"Câu một. Số là {hostile} nhé. Hết."
    a = text.index(hostile)
    out = highlight_passage(text, 0, (9, text.index(" Hết")), (a, a + len(hostile)))
    assert marked(out, "qa-span") == hostile
    assert "<script" not in out and "<img" not in out
    assert set(tags(out)) <= {'<mark class="qa-sentence">', '<mark class="qa-span">', "</mark>"}
    if hostile == SCRIPT:
        assert "&lt;script&gt;" in out


def test_span_cutting_through_markup_stays_escaped():
    text = "x <script>alert(1)</script> y"
    out = highlight_passage(text, 0, (0, len(text)), (4, 20))  # starts inside '<script>'
    assert "<script" not in out and "</script" not in out
    assert marked(out, "qa-span") == text[4:20]


def test_escape_text_is_markdown_inert_and_one_line():
    out = escape_text("a *b* _c_ `d` $e$ [f](g) # h\n\nnext\r\n")
    assert "\n" not in out and "\r" not in out
    assert not set("*_`$[]()#") & set(out.replace("&#", ""))
    assert html.unescape(out) == "a *b* _c_ `d` $e$ [f](g) # h\n\nnext\r\n"
    assert escape_text("1.565 và 67,87%") == "1.565 và 67,87%"
    assert escape_text('"\'&') == "&quot;&#x27;&amp;"


def test_escape_markdown_backslashes_specials():
    assert escape_markdown("<b>*x*</b>") == r"\<b\>\*x\*\</b\>"
    assert escape_markdown("Hà   Giang\n2020") == "Hà Giang 2020"


def test_source_line_shows_metadata_escaped():
    doc = make_doc("abc", title="Tiêu đề <script>alert(1)</script>", province="Hà Giang", date="2023-01-05",
                   outlet="Báo <img src=x onerror=alert(1)>")
    out = source_line(doc, doc.source, 12, 34, score=0.5)
    shown = visible(out)
    for part in ("Tiêu đề <script>alert(1)</script>", "Hà Giang", "2023-01-05", "Báo <img src=x onerror=alert(1)>",
                 "doc.txt", "12–34", "0.500"):
        assert part in shown
    assert "<script" not in out and "<img" not in out


def test_source_line_without_metadata_uses_file_name():
    out = source_line(None, "x/<b>.txt", 0, 3)
    assert "x/<b>.txt" in visible(out) and "<b>.txt" not in out


def test_answer_card_highlights_inside_its_chunk():
    doc = make_doc("Phần đầu. " + TEXT + " <script>alert(1)</script>", title="Hà Giang", province="Hà Giang")
    s0 = doc.text.index("Báo cáo")
    s1 = doc.text.index("Câu cuối") - 1
    a = doc.text.index("1.565")
    answer = make_answer(doc, (10, len(doc.text)), (s0, s1), (a, a + 10))
    out = answer_card(answer, doc)
    assert marked(out, "qa-span") == "1.565 TTHC"
    assert marked(out, "qa-sentence") == doc.text[s0:s1]
    assert "doc.txt" in out and f"{a}–{a + 10}" in out
    assert "<script" not in out and "&lt;script&gt;" in out
    assert doc.text[10:] in visible(out)


def test_answer_card_marks_the_value_of_a_longer_span():
    doc = make_doc(TEXT)
    a, b = TEXT.index("1.895"), TEXT.index(" mức độ 4")
    v = TEXT.index("1.565")
    answer = replace(make_answer(doc, (0, len(TEXT)), (TEXT.index("Báo cáo"), len(TEXT)), (a, b)),
                     value="1.565", value_start=v, value_end=v + 5)
    out = answer_card(answer, doc)
    short = re.search(r'<div class="qa-short">(.*?)</div>', out).group(1)
    assert visible(short) == TEXT[a:b] and marked(short, "qa-value") == "1.565"  # the figure stands out
    passage = re.search(r'<div class="qa-passage">(.*?)</div>', out).group(1)
    assert marked(passage, "qa-span") == TEXT[a:b] and marked(passage, "qa-value") == "1.565"
    assert re.search(r'<mark class="qa-span">[^<]*<mark class="qa-value">1\.565</mark>', passage)


def test_answer_card_shows_a_value_span_once():
    doc = make_doc(TEXT)
    v = TEXT.index("1.565")
    answer = replace(make_answer(doc, (0, len(TEXT)), (TEXT.index("Báo cáo"), len(TEXT)), (v, v + 5)),
                     value="1.565", value_start=v, value_end=v + 5)
    out = answer_card(answer, doc)
    assert "qa-value" not in out and marked(out, "qa-span") == "1.565"


def test_answer_card_falls_back_to_sentence_when_chunk_misses_it():
    doc = make_doc(TEXT)
    s0 = TEXT.index("Báo cáo")
    s1 = TEXT.index("Câu cuối") - 1
    a = TEXT.index("1.565")
    answer = make_answer(doc, (0, 10), (s0, s1), (a, a + 5))
    out = answer_card(answer, doc)
    assert marked(out, "qa-span") == "1.565"
    assert marked(out, "qa-sentence") == TEXT[s0:s1]


def test_passage_block_escapes_and_scores():
    doc = make_doc(f"A {IMG} B", title="T")
    chunk = Chunk(3, doc.source, 0, len(doc.text), doc.text, ((0, len(doc.text)),))
    out = passage_block(Hit(chunk, 0.123456), doc)
    assert "<img" not in out and IMG in visible(out) and "0.123" in out
