"""PDFs the tests make themselves, with the traits of officials' signed PDFs: a header in two
columns, a body in two columns, a table, a signature stamp (form fields holding the number
and the date), text in decomposed Unicode and with old-style tone marks, a paragraph that
runs onto the next page; and a scanned page (an image of Vietnamese text, no text layer).

Each maker returns where it drew the sentences a test looks for (`Drawn`), so a test can
check a highlight against the place the text was really drawn, not against qa-bot's own
reading of the file.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
A4 = (595.28, 841.89)  # points

# What the tests ask and expect to find.
STAMP_NUMBER, STAMP_DAY = "286", "12"
COLUMN_LEFT = "Toàn tỉnh đã số hóa 4.321 hồ sơ thủ tục hành chính trong quý I."
COLUMN_RIGHT = "Trung tâm phục vụ hành chính công tiếp nhận 987 hồ sơ trực tuyến."
TABLE_ROW = ("Huyện Lạc Dương", "215", "98,5%")
OLD_TONES = "Xã Hoà Bình và xã Thuỷ Xuân hoàn thành thí điểm một cửa điện tử năm 2025."
DECOMPOSED = unicodedata.normalize("NFD", "Sở Nội vụ kiểm tra 47 cơ quan chuyên môn về kỷ luật hành chính.")
CROSSING = "Kết thúc báo cáo: tỉnh đạt 92,5 điểm chỉ số hài lòng của người dân."
SCANNED = [
    "Ủy ban nhân dân tỉnh Lâm Đồng báo cáo kết quả",
    "cải cách hành chính quý III năm 2025.",
    "Tỉnh đã cắt giảm 156 thủ tục hành chính",
    "và tiết kiệm được 42 tỷ đồng chi phí tuân thủ.",
]


@dataclass
class Drawn:
    """Where sentences were drawn: text → (page from 1, (x0, y0, x1, y1) fractions of the page)."""

    places: dict[str, tuple[int, tuple[float, float, float, float]]] = field(default_factory=dict)

    def add(self, text: str, page: int, x: float, y: float, width: float, height: float) -> None:
        self.places[text] = (page, (x / A4[0], y / A4[1], (x + width) / A4[0], (y + height) / A4[1]))


def _pdf():
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.add_font("DejaVu", style="B", fname=str(FONT.with_name("DejaVuSans-Bold.ttf")))
    pdf.set_font("DejaVu", size=11)
    pdf.set_auto_page_break(True, margin=50)
    return pdf


def _halves(sentence: str) -> tuple[str, str]:
    """A sentence cut at the space nearest its middle (two lines of a column)."""
    cut = sentence.rfind(" ", 0, len(sentence) // 2 + 1)
    return sentence[:cut], sentence[cut + 1:]


def _line(pdf, drawn: Drawn, text: str, x: float, y: float) -> None:
    """One line of text at (x, y) (top left, points), recorded in `drawn`."""
    pdf.set_xy(x, y)
    width = pdf.get_string_width(text)
    pdf.cell(width, 14, text)
    drawn.add(text, pdf.page_no(), x, y, width, 14)


def signed_report() -> tuple[bytes, Drawn]:
    """A two-page report: header in two columns with blanks for the stamp, two-column body, a
    table, a paragraph crossing the page break; form fields stamp the number and the day.
    """
    pdf, drawn = _pdf(), Drawn()
    pdf.add_page()
    _line(pdf, drawn, "ỦY BAN NHÂN DÂN", 50, 40)
    _line(pdf, drawn, "TỈNH LÂM ĐỒNG", 62, 56)
    _line(pdf, drawn, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 300, 40)
    _line(pdf, drawn, "Độc lập - Tự do - Hạnh phúc", 340, 56)
    _line(pdf, drawn, "Số:        /BC-UBND", 50, 80)
    _line(pdf, drawn, "Lâm Đồng, ngày        tháng 3 năm 2025", 300, 80)
    pdf.set_font("DejaVu", size=13)
    _line(pdf, drawn, "BÁO CÁO", 260, 110)
    _line(pdf, drawn, "Kết quả cải cách hành chính quý I năm 2025", 160, 128)
    pdf.set_font("DejaVu", size=10)
    left = ["I. KẾT QUẢ", *_halves(COLUMN_LEFT), "Các xã đều có bộ phận một cửa."]
    right = ["II. DỊCH VỤ CÔNG", *_halves(COLUMN_RIGHT), "Không có hồ sơ trễ hạn."]
    for row, (a, b) in enumerate(zip(left, right, strict=True)):
        _line(pdf, drawn, a, 50, 160 + 15 * row)
        _line(pdf, drawn, b, 310, 160 + 15 * row)
    pdf.set_xy(50, 240)
    with pdf.table(col_widths=(200, 100, 100), width=400, align="LEFT", line_height=16) as table:
        for cells in (("Đơn vị", "Hồ sơ", "Đúng hạn"), TABLE_ROW, ("Thành phố Đà Lạt", "1.204", "99,1%")):
            row = table.row()
            for cell in cells:
                row.cell(cell)
    _line(pdf, drawn, OLD_TONES, 50, 310)
    _line(pdf, drawn, DECOMPOSED, 50, 330)
    pdf.set_xy(50, 360)
    filler = " ".join(f"Nội dung {n} về cải cách hành chính được triển khai đồng bộ." for n in range(1, 70))
    pdf.multi_cell(495, 15, f"{filler} {CROSSING}")
    data = pdf.output()
    return _stamped(bytes(data), [(STAMP_NUMBER, (72, A4[1] - 94, 110, A4[1] - 80)),
                                  (STAMP_DAY, (390, A4[1] - 94, 412, A4[1] - 80))]), drawn


def _stamped(data: bytes, fields: list[tuple[str, tuple[float, float, float, float]]]) -> bytes:
    """`data` with a text widget on page 1 for each (value, rect in PDF points), drawn by its
    appearance stream, as a signing tool stamps a document's number and date.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, StreamObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    annots = ArrayObject()
    for number, (value, rect) in enumerate(fields):
        look = StreamObject()
        look.set_data(f"BT /Helv 11 Tf 1 3 Td ({value}) Tj ET".encode())
        look.update({
            NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(rect[2] - rect[0]),
                                              FloatObject(rect[3] - rect[1])]),
            NameObject("/Resources"): DictionaryObject({NameObject("/Font"): DictionaryObject(
                {NameObject("/Helv"): writer._add_object(font)})}),
        })
        widget = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Tx"), NameObject("/T"): TextStringObject(f"field{number}"),
            NameObject("/V"): TextStringObject(value), NameObject("/F"): FloatObject(4),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in rect]),
            NameObject("/AP"): DictionaryObject({NameObject("/N"): writer._add_object(look)}),
        })
        annots.append(writer._add_object(widget))
    writer.pages[0][NameObject("/Annots")] = annots
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): ArrayObject(annots)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_page(lines: list[str] = SCANNED, dpi: int = 200) -> tuple[bytes, Drawn]:
    """A one-page PDF holding only an image of `lines` (Vietnamese with diacritics): a scan."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = int(A4[0] / 72 * dpi), int(A4[1] / 72 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), size=int(14 / 72 * dpi))
    drawn = Drawn()
    for number, line in enumerate(lines):
        x, y = int(70 / 72 * dpi), int((100 + 24 * number) / 72 * dpi)
        draw.text((x, y), line, font=font, fill=0)
        left, top, right, bottom = draw.textbbox((x, y), line, font=font)
        drawn.add(line, 1, left * 72 / dpi, top * 72 / dpi, (right - left) * 72 / dpi, (bottom - top) * 72 / dpi)
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=dpi)
    return out.getvalue(), drawn


def make_pdf(pages: list[list[str]], widgets=()) -> bytes:
    """A PDF with one text line per entry of each page; `widgets` (page, x, y, text) are
    signature fields that draw `text`, as Vietnamese signing tools stamp number and date.
    Non-ASCII characters are mapped through /Differences with uniXXXX glyph names."""
    chars = sorted({ch for page in pages for line in page for ch in line if ord(ch) > 126}
                   | {ch for *_, text in widgets for ch in text if ord(ch) > 126})
    codes = {ch: bytes([128 + i]) for i, ch in enumerate(chars)}

    def encode(line: str) -> bytes:
        raw = b"".join(codes.get(ch) or ch.encode("ascii") for ch in line)
        return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")

    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(data: bytes, extra: bytes = b"") -> bytes:
        return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(data), extra, data)

    diffs = " ".join(f"/uni{ord(ch):04X}" for ch in chars).encode()
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding "
               b"/BaseEncoding /WinAnsiEncoding /Differences [128 " + diffs + b"] >> >>")
    resources = b"<< /Font << /F1 %d 0 R >> >>" % font
    specs = []
    for number, lines in enumerate(pages):
        ops = b" ".join(b"(" + encode(line) + b") Tj T*" for line in lines)
        content = add(stream(b"BT /F1 12 Tf 14 TL 72 720 Td " + ops + b" ET"))
        annots = []
        for page, x, y, text in widgets:
            if page == number:
                look = add(stream(b"BT /F1 12 Tf 2 4 Td (" + encode(text) + b") Tj ET",
                                  b"/Type /XObject /Subtype /Form /BBox [0 0 60 20] /Resources " + resources + b" "))
                annots.append(add(b"<< /Type /Annot /Subtype /Widget /FT /Sig /Rect [%d %d %d %d] "
                                  b"/AP << /N %d 0 R >> >>" % (x, y, x + 60, y + 20, look)))
        specs.append((content, annots))
    parent = len(objects) + len(specs) + 1
    kids = [add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources %s /Contents %d 0 R /Annots [%s] >>"
                % (parent, resources, content, b" ".join(b"%d 0 R" % a for a in annots))) for content, annots in specs]
    add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids)))
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % parent)
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += (b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
            + b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    return bytes(out)


# A report's footnote: a small raised number after a word, the note in small type at the page's foot,
# and the sentence it annotates going on over the page break.
NOTED_HEAD, NOTED_TAIL = "Bộ Nội vụ khảo sát tại 22 xã, phường, đặc khu", "trên địa"
NOTED_NEXT = "bàn tỉnh với tổng số 1.100 phiếu khảo sát. Sở Nội vụ đang lập danh sách hộ gia đình."
NOTE = "(1) phường Xuân Hương; (2) xã Tà Đùng; (3) xã Cát Tiên."
POWER = "Khu hành chính mới rộng 500 m"


def footnoted_report() -> bytes:
    """Two pages: a sentence with a footnote marker runs over the page break, its note at the foot
    of the first page; the second page gives an area in m² (a raised 2 that is no footnote).
    """
    pdf = _pdf()
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("DejaVu", size=14)
    for i, line in enumerate(("Báo cáo kết quả khảo sát chỉ số hài lòng năm 2025.",
                              "Năm 2025, Bộ Nội vụ tổ chức khảo sát chỉ số SIPAS.")):
        pdf.set_xy(60, 80 + 20 * i)
        pdf.cell(0, 16, line)
    pdf.set_xy(60, 120)
    pdf.cell(pdf.get_string_width(NOTED_HEAD), 16, NOTED_HEAD)
    x = 60 + pdf.get_string_width(NOTED_HEAD)
    pdf.set_font("DejaVu", size=9)
    pdf.set_xy(x, 116)  # raised by 4 points
    pdf.cell(pdf.get_string_width("1"), 16, "1")
    x += pdf.get_string_width("1")
    pdf.set_font("DejaVu", size=14)
    pdf.set_xy(x, 120)
    pdf.cell(0, 16, f" {NOTED_TAIL}")
    pdf.set_font("DejaVu", size=6.5)
    pdf.set_xy(60, 760)
    pdf.cell(pdf.get_string_width("1"), 8, "1")
    pdf.set_font("DejaVu", size=10)
    pdf.set_xy(66, 762)
    pdf.cell(0, 12, NOTE)
    pdf.add_page()
    pdf.set_font("DejaVu", size=14)
    pdf.set_xy(60, 80)
    pdf.cell(0, 16, NOTED_NEXT)
    pdf.set_xy(60, 100)
    pdf.cell(pdf.get_string_width(POWER), 16, POWER)
    x = 60 + pdf.get_string_width(POWER)
    pdf.set_font("DejaVu", size=9)
    pdf.set_xy(x, 96)
    pdf.cell(pdf.get_string_width("2"), 16, "2")
    pdf.set_font("DejaVu", size=14)
    pdf.set_xy(x + pdf.get_string_width("2"), 100)
    pdf.cell(0, 16, ".")
    return bytes(pdf.output())
