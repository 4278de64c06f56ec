"""Table answers rendered for the app: escaped HTML, the value marked, links and chart marks to the sentences."""

from qa_bot.answer.table import Table, TableRow
from qa_bot.app.render import escape_text
from qa_bot.app.table_view import chart, conflict_html, row_link, table_html
from qa_bot.schema import Document

TEXT = "Mở đầu. Năm 2021, tỉnh <b>X</b> có 1.584 TTHC mức độ 4."
START = TEXT.index("Năm")
VALUE = TEXT.index("1.584")


def _row(place="Hà Giang", value="1.584", source="a.txt", year=2021):
    return TableRow(place, "TTHC mức độ 4", f"năm {year}", year, 1584.0, "count", "TTHC", "2021-12-28", "text",
                    "Tiêu đề <script>", source, value, TEXT[START:], VALUE, VALUE + 5, START, len(TEXT))


def test_rows_are_escaped_with_the_value_marked_and_a_link_to_the_sentence():
    html = table_html(Table("rank", "TTHC mức độ 4", "value descending", [_row()], ["Đắk Lắk"]))
    assert '<mark class="qa-span">1.584</mark>' in html
    assert "<b>X</b>" not in html and "&lt;b&gt;X" in html
    assert "<script>" not in html and "Đắk Lắk" in html
    assert f'href="{escape_text(row_link(_row()))}"' in html
    assert row_link(_row()) == f"?doc=a.txt&p={START}-{len(TEXT)}&s={START}-{len(TEXT)}&a={VALUE}-{VALUE + 5}"


def test_the_chart_has_a_mark_per_row_each_linked_to_its_sentence():
    table = Table("rank", "TTHC mức độ 4", "value descending", [_row(), _row("Cao Bằng", "986", "b.txt")])
    spec = chart(table).to_dict()
    values = spec["data"]["values"]
    assert [v["url"] for v in values] == [row_link(r) for r in table.rows]
    assert spec["layer"][0]["encoding"]["href"]["field"] == "url"
    trend = chart(Table("trend", "TTHC mức độ 4", "time", [_row(year=2020), _row(year=2021)])).to_dict()
    assert trend["encoding"]["href"]["field"] == "url" and trend["mark"]["type"] == "line"


def test_conflicting_figures_list_each_document_with_its_date():
    table = Table("conflict", "TTHC mức độ 4", "newest document first", [_row(), _row(value="1.565")])
    html = conflict_html(table, {"a.txt": Document("a.txt", TEXT, {"title": "Báo cáo"})})
    assert html.count("<li>") == 2 and "28/12/2021" in html and "Báo cáo" in html
