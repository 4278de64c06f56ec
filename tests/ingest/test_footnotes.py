"""The notes at a PDF page's foot, read one note a line."""

from qa_bot.ingest.footnotes import notes_joined


def test_a_note_s_wrapped_lines_are_one_and_each_note_and_item_starts_a_line():
    notes = ("1 Công văn số 1097 về việc triển khai công cụ tạo\nQR code dịch vụ công toàn tỉnh.\n\n"
             "2 Trước sáp nhập tỉnh:\n- UBND tỉnh đã ban hành\nQuyết định số 2139/QĐ-UBND.\n"
             "Sau sáp nhập: 12 quyết định.\n10 văn bản khác")
    assert notes_joined(notes, ["1", "2"]) == (
        "1 Công văn số 1097 về việc triển khai công cụ tạo QR code dịch vụ công toàn tỉnh.\n"
        "2 Trước sáp nhập tỉnh:\n"
        "- UBND tỉnh đã ban hành Quyết định số 2139/QĐ-UBND. Sau sáp nhập: 12 quyết định. 10 văn bản khác")
