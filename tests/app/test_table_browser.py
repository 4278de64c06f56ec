"""A ranking question in the real app (Chromium, Playwright): its table, its chart, and the links of both
to the sentences the figures come from. Helpers and fixtures are those of test_app_browser.py."""

from __future__ import annotations

import pytest
from helpers import compare_corpus
from test_app_browser import SLOW, ask, browser, page, shoot, start_server, wait_answers  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def compare_app(request, tmp_path_factory):
    """The app over the bundled corpus and the facts test documents."""
    tmp = tmp_path_factory.mktemp("compare-app")
    return start_server(request, compare_corpus(tmp / "corpus"), tmp / "index", tmp / "streamlit.log")


def _document_frame(target):
    """The document view's text (it is drawn in an iframe component)."""
    frame = target.frame_locator("iframe").first
    frame.locator("mark.qa-span").first.wait_for(timeout=SLOW)
    return frame


def test_a_ranking_question_shows_its_table_and_chart_linked_to_the_sentences(compare_app, page, tmp_path):  # noqa: F811
    page.goto(compare_app.url)
    ask(page, "Tỉnh nào có nhiều TTHC mức độ 4 nhất?")
    wait_answers(page, 1)

    # The table: one row per figure, most first, the value marked inside its sentence.
    rows = page.locator("table.qa-table tr")
    rows.nth(1).wait_for(timeout=SLOW)
    assert rows.count() == 1 + 5
    first = rows.nth(1).inner_text()
    assert "Hà Giang" in first and "1.584" in first and "t02_ha_giang_2021.txt" in first
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(1, 6)] == [
        "Hà Giang", "Hà Giang", "Cao Bằng", "Bắc Kạn", "Lạng Sơn"]
    assert rows.nth(1).locator("mark.qa-span").inner_text() == "1.584"

    # The chart: one bar per row.
    bars = page.locator("g.mark-rect path")
    bars.first.wait_for(timeout=SLOW)
    assert bars.count() == 5
    page.locator("table.qa-table").scroll_into_view_if_needed()
    shoot(page, "screenshot-table.png", tmp_path)

    # A row's link opens the document view in a new tab, the value highlighted.
    with page.context.expect_page() as opened:
        rows.nth(3).get_by_role("link").click()
    tab = opened.value
    tab.wait_for_load_state()
    assert "doc=t01_cao_bang_2021.txt" in tab.url
    assert _document_frame(tab).locator("mark.qa-span").first.inner_text() == "986"
    tab.close()

    # A click on the first bar opens its sentence: the highest figure, in its document.
    bars.first.scroll_into_view_if_needed()
    bars.first.click()
    page.wait_for_url("**doc=t02_ha_giang_2021.txt**", timeout=SLOW)
    frame = _document_frame(page)
    assert frame.locator("mark.qa-span").first.inner_text() == "1.584"
    assert "1.584 TTHC" in frame.locator("mark.qa-sentence").first.inner_text()
    shoot(page, "screenshot-table-link.png", tmp_path)
