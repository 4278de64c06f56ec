"""The numbers and bullets Word draws before list paragraphs reach the extracted text."""

from __future__ import annotations

import io

import pytest

from qa_bot.ingest.extract import extract
from qa_bot.ingest.list_numbers import format_number

docx = pytest.importorskip("docx")
from docx.oxml import parse_xml  # noqa: E402

_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _level(ilvl: int, number_format: str, text: str, start: int = 1) -> str:
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{number_format}"/>'
            f'<w:lvlText w:val="{text}"/></w:lvl>')


def _add_list(document, num_id: str, levels: str, start_override: int | None = None) -> None:
    """A numbering instance `num_id` of its own abstract definition holding `levels`."""
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(f'<w:abstractNum {_NS} w:abstractNumId="9{num_id}">{levels}</w:abstractNum>'))
    override = (f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start_override}"/></w:lvlOverride>'
                if start_override else "")
    numbering.append(parse_xml(f'<w:num {_NS} w:numId="{num_id}"><w:abstractNumId w:val="9{num_id}"/>'
                               f'{override}</w:num>'))


def _item(document, text: str, num_id: str, ilvl: int = 0):
    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {_NS}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))
    return paragraph


def _text(tmp_path, document) -> str:
    buffer = io.BytesIO()
    document.save(buffer)
    path = tmp_path / "list.docx"
    path.write_bytes(buffer.getvalue())
    return extract(path).text


def test_numbered_items_and_their_sub_items_are_counted_as_word_draws_them(tmp_path):
    document = docx.Document()
    _add_list(document, "70", _level(0, "upperRoman", "%1.") + _level(1, "decimal", "%1.%2."))
    _add_list(document, "71", _level(0, "lowerLetter", "%1)"))
    _item(document, "MỤC TIÊU", "70")
    _item(document, "Cải cách thể chế", "70", 1)
    _item(document, "Cải cách thủ tục hành chính", "70", 1)
    _item(document, "NHIỆM VỤ", "70")
    _item(document, "Công tác chỉ đạo", "70", 1)  # the sub-items start again under a new item
    _item(document, "Các sở, ban, ngành", "71")
    document.add_paragraph("Một đoạn không thuộc danh sách.")
    _item(document, "Sở Nội vụ", "71")
    lines = _text(tmp_path, document).splitlines()
    assert [line for line in lines if line.strip()] == [
        "I. MỤC TIÊU", "I.1. Cải cách thể chế", "I.2. Cải cách thủ tục hành chính", "II. NHIỆM VỤ",
        "II.1. Công tác chỉ đạo", "a) Các sở, ban, ngành", "Một đoạn không thuộc danh sách.", "b) Sở Nội vụ"]


def test_a_list_style_a_start_override_and_a_bullet_of_a_symbol_font(tmp_path):
    document = docx.Document()
    _add_list(document, "72", _level(0, "decimal", "Điều %1."), start_override=5)
    _add_list(document, "73", _level(0, "bullet", "\uf0b7"))
    _item(document, "Phạm vi điều chỉnh", "72")
    _item(document, "Đối tượng áp dụng", "72")
    _item(document, "hồ sơ trực tuyến", "73")
    document.add_paragraph("Bước đầu", style="List Number")  # numbered by its style, not by itself
    text = _text(tmp_path, document)
    assert "Điều 5. Phạm vi điều chỉnh" in text and "Điều 6. Đối tượng áp dụng" in text
    assert "- hồ sơ trực tuyến" in text and "\uf0b7" not in text
    assert "1. Bước đầu" in text


def test_a_numbered_heading_keeps_its_number_as_a_section(tmp_path):
    document = docx.Document()
    _add_list(document, "74", _level(0, "decimal", "%1."))
    document.add_paragraph("Mở đầu.")
    _item(document, "Cải cách thể chế", "74").style = document.styles["Heading 2"]
    document.add_paragraph("Rà soát văn bản quy phạm pháp luật.")
    buffer = io.BytesIO()
    document.save(buffer)
    (tmp_path / "h.docx").write_bytes(buffer.getvalue())
    headings = extract(tmp_path / "h.docx").meta["headings"]
    assert [heading for _, heading in headings] == ["1. Cải cách thể chế"]


def test_a_level_word_does_not_have_draws_nothing_and_the_other_items_keep_their_numbers(tmp_path):
    document = docx.Document()
    _add_list(document, "75", _level(0, "decimal", "%1.") + _level(12, "decimal", "%1.%13."))
    _item(document, "Mục một", "75")
    _item(document, "Mục lạ", "75", 12)
    _item(document, "Mục hai", "75")
    lines = [line for line in _text(tmp_path, document).splitlines() if line.strip()]
    assert lines == ["1. Mục một", "Mục lạ", "2. Mục hai"]


def test_a_list_whose_numbering_part_is_broken_keeps_its_text(tmp_path):
    document = docx.Document()
    _item(document, "Nội dung", "99")  # no such numbering instance
    assert "Nội dung" in _text(tmp_path, document)


@pytest.mark.parametrize(("n", "number_format", "written"), [
    (1, "lowerLetter", "a"), (27, "lowerLetter", "aa"), (14, "upperRoman", "XIV"), (9, "lowerRoman", "ix"),
    (3, "none", ""), (12, "cardinalText", "12"),
])
def test_numbers_are_written_in_their_format(n, number_format, written):
    assert format_number(n, number_format) == written
