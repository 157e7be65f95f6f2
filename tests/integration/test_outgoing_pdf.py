"""The legal PDF of an outgoing document, read back as a person (and pyHanko) would.

The KẾ HOẠCH here has the structure of the district office's real plan in
../shared/fixtures/ke-hoach-cntt-2019-2020.txt (căn cứ, Roman-numbered parts, numbered
sections, bullet and sub-bullet lists, a list of report deadlines, a long "Nơi nhận"
ending "- Lưu: VT, …", signed by the head of office) in its own words.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import re
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from eoffice.outgoing.layout import (
    Appendix,
    OutgoingLayout,
    RenderedOutgoing,
    SignatureBlock,
    SignatureBox,
    number_line,
    place_date_line,
    render_html,
    render_outgoing_pdf,
)
from eoffice.outgoing.richtext import plain_to_html
from tests.pdftext import pdf_text

A4_POINTS = (595, 842)

SECTIONS = [
    (
        "Sử dụng hệ thống quản lý văn bản điện tử",
        "Các đơn vị dùng thống nhất hệ thống quản lý văn bản và hồ sơ công việc của ngành "
        "để tiếp nhận, xử lý và ban hành văn bản; văn bản đi được ký số đúng thẩm quyền, "
        "đăng ký và lưu trữ đầy đủ. Văn thư đơn vị cập nhật văn bản đến ít nhất hai lần "
        "trong mỗi buổi làm việc và chuyển ngay văn bản khẩn đến người có trách nhiệm.",
    ),
    (
        "Hoàn thiện cơ sở dữ liệu ngành",
        "Cập nhật đầy đủ, chính xác dữ liệu học sinh, giáo viên và cơ sở vật chất trên cơ "
        "sở dữ liệu ngành trước ngày 30 tháng 10; rà soát, điều chỉnh sai sót sau mỗi học "
        "kỳ; phân công người phụ trách và chịu trách nhiệm về số liệu đã báo cáo.",
    ),
    (
        "Ứng dụng công nghệ thông tin trong dạy và học",
        "Khuyến khích giáo viên khai thác kho học liệu số dùng chung, xây dựng bài giảng "
        "điện tử gắn với chương trình giáo dục phổ thông; tổ chức kiểm tra, đánh giá trực "
        "tuyến ở những nội dung phù hợp, tránh lạm dụng công nghệ trong tiết học.",
    ),
    (
        "Bảo đảm an toàn, an ninh thông tin",
        "Thủ trưởng đơn vị chịu trách nhiệm về an toàn thông tin của đơn vị mình: thay đổi "
        "mật khẩu định kỳ, sao lưu dữ liệu, cập nhật phần mềm phòng chống mã độc; không "
        "dùng thư điện tử cá nhân để trao đổi văn bản công vụ.",
    ),
    (
        "Bồi dưỡng kỹ năng số cho đội ngũ",
        "Tổ chức bồi dưỡng kỹ năng sử dụng chữ ký số, hệ thống quản lý văn bản và phần mềm "
        "quản lý trường học cho cán bộ quản lý, giáo viên và nhân viên; mỗi đơn vị cử ít "
        "nhất một cán bộ nòng cốt tham gia lớp tập huấn do Phòng tổ chức.",
    ),
]

RECIPIENTS = (
    "- Sở GDĐT (VP, TTTT);",
    "- UBND Quận 3 (để báo cáo);",
    "- Các trường MN, TH, THCS trực thuộc;",
    "- Trung tâm GDNN - GDTX Quận 3;",
    "- Lãnh đạo Phòng;",
    "- Tổ chuyên môn Phòng GDĐT;",
    "- Lưu: VT, TTTT.",
)


def _ke_hoach_body() -> str:
    parts = [
        "<p>Căn cứ Công văn số 2841/SGDĐT-VP ngày 12 tháng 9 năm 2025 của Sở Giáo dục và "
        "Đào tạo về hướng dẫn thực hiện nhiệm vụ chuyển đổi số năm học 2025 - 2026, Phòng "
        "Giáo dục và Đào tạo xây dựng kế hoạch thực hiện với các nội dung cụ thể như sau:</p>",
        "<p><strong>I. MỤC ĐÍCH, YÊU CẦU</strong></p>",
        "<ol><li>Nâng cao hiệu quả quản lý, điều hành của Phòng và các đơn vị trực thuộc "
        "thông qua văn bản điện tử, giảm dần văn bản giấy.</li><li>Bảo đảm mọi văn bản đi "
        "được ký số, đăng ký và lưu trữ đúng quy định; báo cáo kịp thời, chính xác.</li></ol>",
        "<p><strong>II. NỘI DUNG THỰC HIỆN</strong></p>",
    ]
    for number, (title, text) in enumerate(SECTIONS, start=1):
        parts += [
            f"<p><strong>{number}. {title}</strong></p>",
            f"<p>{text}</p>",
            "<p>Các đơn vị rà soát kết quả thực hiện năm học trước, xác định những việc còn "
            "hạn chế và đề ra biện pháp khắc phục cụ thể, có người chịu trách nhiệm và thời "
            "hạn hoàn thành, báo cáo kết quả trong báo cáo sơ kết học kỳ.</p>",
            "<ul><li>Rà soát hiện trạng thiết bị, đường truyền và phần mềm đang dùng;</li>"
            "<li>Khai thác các hệ thống thông tin của ngành gồm:<ul>"
            "<li>Cổng thông tin điện tử của Sở;</li>"
            "<li>Hệ thống quản lý trường học trực tuyến.</li></ul></li></ul>",
        ]
    parts += [
        '<table><thead><tr><th>Nội dung</th><th colspan="2">Phụ trách</th></tr></thead>'
        "<tbody><tr><td>Cơ sở dữ liệu ngành</td><td>Tổ Văn phòng</td><td>Hiệu trưởng</td>"
        "</tr></tbody></table>",
        "<p><strong>III. TỔ CHỨC THỰC HIỆN</strong></p>",
        "<p>Thủ trưởng các đơn vị xây dựng kế hoạch của đơn vị phù hợp với điều kiện thực "
        "tế và gửi báo cáo về Phòng Giáo dục và Đào tạo theo tiến độ sau:</p>",
        "<ul><li>Trước ngày 10/10/2025: gửi kế hoạch của đơn vị;</li>"
        "<li>Trước ngày 09/01/2026: gửi báo cáo sơ kết học kỳ I;</li>"
        "<li>Trước ngày 29/5/2026: gửi báo cáo tổng kết năm học.</li></ul>",
        "<p>Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các đơn vị liên hệ Tổ "
        "Văn phòng để được hướng dẫn./.</p>",
    ]
    return "".join(parts)


def ke_hoach(**changes) -> OutgoingLayout:
    layout = OutgoingLayout(
        parent_name="Ủy ban nhân dân Quận 3",
        org_name="Phòng Giáo dục và Đào tạo",
        number_line=number_line(5, "KH-GDĐT"),
        place_date=place_date_line("Quận 3", date(2025, 9, 22)),
        type_name="Kế hoạch",
        subject="Thực hiện nhiệm vụ chuyển đổi số năm học 2025 - 2026",
        kinh_gui=(),
        body_html=_ke_hoach_body(),
        signature=SignatureBlock(None, "Trưởng phòng", "Trần Minh Khoa"),
        recipients=RECIPIENTS,
        urgency_mark=None,
        secrecy_mark=None,
        circulation=None,
        drafter_mark="TTTT.(15)",
        contact_line=None,
    )
    return dataclasses.replace(layout, **changes)


def cong_van(**changes) -> OutgoingLayout:
    body = plain_to_html(
        "Thực hiện Kế hoạch số 05/KH-GDĐT ngày 22 tháng 9 năm 2025 của Phòng Giáo dục và "
        "Đào tạo, Phòng đề nghị Hiệu trưởng các trường:\n\n"
        "- Cử một cán bộ tham gia tập huấn sử dụng chữ ký số;\n"
        "- Gửi danh sách về Phòng trước ngày 03/10/2025.\n\nTrân trọng./."
    )
    layout = OutgoingLayout(
        parent_name="Ủy ban nhân dân Quận 3",
        org_name="Phòng Giáo dục và Đào tạo",
        number_line=number_line(7, "GDĐT-TTTT"),
        place_date=place_date_line("Quận 3", date(2025, 2, 3)),
        type_name=None,
        subject="cử cán bộ tham gia tập huấn sử dụng chữ ký số",
        kinh_gui=("- Hiệu trưởng các trường mầm non;", "- Hiệu trưởng các trường tiểu học."),
        body_html=body,
        signature=SignatureBlock("KT. Trưởng phòng", "Phó Trưởng phòng", "Lê Thị Hồng Nhung"),
        recipients=("- Như trên;", "- Lưu: VT, TTTT."),
        urgency_mark="Khẩn",
        secrecy_mark=None,
        circulation="Lưu hành nội bộ",
        drafter_mark=None,
        contact_line=None,
    )
    return dataclasses.replace(layout, **changes)


@pytest.fixture
def plan(app) -> RenderedOutgoing:
    return render_outgoing_pdf(ke_hoach())


@pytest.fixture
def letter(app) -> RenderedOutgoing:
    return render_outgoing_pdf(cong_van())


# --- helpers reading the PDF with poppler -------------------------------------------------

_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def _words(pdf: bytes, page: int, tmp_path: Path) -> list[tuple[float, float, float, float, str]]:
    """Each word of `page` (1-based) with its box in points from the top left (poppler)."""
    path = tmp_path / "words.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in _WORD.findall(out)]


def _word(words, text: str) -> tuple[float, float, float, float]:
    found = [w[:4] for w in words if w[4] == text]
    assert len(found) == 1, f"{text!r} found {len(found)} times"
    return found[0]


def _red_pixels(image) -> int:
    """How many pixels of `image` (RGB) are bright red ink."""
    colours = image.getcolors(maxcolors=1 << 24)
    return sum(n for n, (r, g, b) in colours if r > 180 and g < 90 and b < 90)


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _page_texts(rendered: RenderedOutgoing) -> list[str]:
    return [pdf_text(rendered.pdf, n) for n in range(1, rendered.page_count + 1)]


# --- the KẾ HOẠCH ----------------------------------------------------------------------


def test_plan_header_number_date_type_and_subject(plan):
    first = _lines(pdf_text(plan.pdf, 1))
    assert re.fullmatch(r"ỦY BAN NHÂN DÂN QUẬN 3 CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", first[0])
    assert first[1] == "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO Độc lập - Tự do - Hạnh phúc"
    # ô 3 and ô 4 on one line: the exact number and symbol, then the place and date.
    assert first[2] == "Số: 05/KH-GDĐT Quận 3, ngày 22 tháng 9 năm 2025"
    assert first[3] == "KẾ HOẠCH"
    assert first[4] == "Thực hiện nhiệm vụ chuyển đổi số năm học 2025 - 2026"
    assert first[5].startswith("Căn cứ Công văn số 2841/SGDĐT-VP")
    assert "V/v" not in pdf_text(plan.pdf)


def test_plan_runs_over_three_a4_pages_with_body_signature_and_recipients(plan):
    assert plan.page_count >= 3
    reader = PdfReader(io.BytesIO(plan.pdf))
    assert len(reader.pages) == plan.page_count
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == A4_POINTS

    text = pdf_text(plan.pdf, layout=False)
    for heading in ("I. MỤC ĐÍCH, YÊU CẦU", "II. NỘI DUNG THỰC HIỆN", "III. TỔ CHỨC THỰC HIỆN"):
        assert heading in text
    for number, (title, _) in enumerate(SECTIONS, start=1):
        assert f"{number}. {title}" in text
    assert "1. Nâng cao hiệu quả" in text and "2. Bảo đảm mọi văn bản" in text  # <ol>
    assert "- Trước ngày 09/01/2026: gửi báo cáo sơ kết học kỳ I;" in text
    assert "+ Cổng thông tin điện tử của Sở;" in text
    assert "Phụ trách" in text and "Hiệu trưởng" in text  # the table

    last = _lines(pdf_text(plan.pdf, plan.page_count, layout=False))
    assert "Nơi nhận:" in last
    for line in RECIPIENTS:
        assert line in last, line
    assert last.index("- Lưu: VT, TTTT.") == last.index("Nơi nhận:") + len(RECIPIENTS)
    assert "TRƯỞNG PHÒNG" in last and "Trần Minh Khoa" in last
    assert "TTTT.(15)" in last


def test_plan_fonts_are_embedded_times_compatible(plan, tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(plan.pdf)
    listing = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert len(listing) >= 3  # regular, bold, italic (and bold italic)
    for line in listing:
        columns = line.split()
        assert columns[-5:-2] == ["yes", "yes", "yes"], line  # embedded, subset, unicode
        assert re.search(r"Times|Liberation|Tinos", columns[0]), line


def test_vietnamese_survives_extraction(plan):
    text = pdf_text(plan.pdf)
    assert "\ufffd" not in text
    assert unicodedata.is_normalized("NFC", text)
    for word in ("Độc lập", "Hạnh phúc", "chuyển đổi số", "Thủ trưởng", "ký số", "Ứng dụng",
                 "nòng cốt", "vướng mắc", "Quận 3", "Trần Minh Khoa"):  # fmt: skip
        assert word in text, word


def test_page_numbers_top_centre_from_page_two(plan):
    pages = _page_texts(plan)
    assert not re.fullmatch(r"\d+", _lines(pages[0])[0])
    for number in range(2, plan.page_count + 1):
        top = pages[number - 1].splitlines()[0]
        assert top.strip() == str(number)
        # Centred: as much room on its left as between it and the text's right edge.
        width = max(len(line) for line in pages[number - 1].splitlines())
        assert abs(top.index(str(number)) - width / 2) < width * 0.1


def test_signature_and_seal_boxes_sit_between_title_and_name(plan, tmp_path):
    sig, seal = plan.signature_box, plan.seal_box
    assert sig.page_index == plan.page_count - 1
    assert 0 < sig.x1 < sig.x2 < A4_POINTS[0] and 0 < sig.y1 < sig.y2 < A4_POINTS[1]
    assert sig.y2 - sig.y1 == pytest.approx(30 / 25.4 * 72, abs=1)  # 30 mm for the image

    last_page = PdfReader(io.BytesIO(plan.pdf)).pages[sig.page_index]
    page_height = float(last_page.mediabox.height)
    words = _words(plan.pdf, plan.page_count, tmp_path)
    title = _word(words, "TRƯỞNG")
    name = _word(words, "Khoa")
    # poppler measures from the top: the box starts under the title and ends above the name.
    assert page_height - sig.y2 >= title[3] - 0.5
    assert page_height - sig.y1 <= name[1] + 0.5
    # Centred under the title, in the right-hand column (clear of "Nơi nhận").
    title_centre = (_word(words, "TRƯỞNG")[0] + _word(words, "PHÒNG")[2]) / 2
    assert (sig.x1 + sig.x2) / 2 == pytest.approx(title_centre, abs=3)
    assert seal.x1 > _word(words, "Nơi")[2]

    # The seal: same page and band, over the left third of the signature image.
    assert seal.page_index == sig.page_index
    assert (seal.y1, seal.y2) == (sig.y1, sig.y2)
    assert seal.x1 < sig.x1 < seal.x2 < sig.x2
    assert seal.x2 - sig.x1 == pytest.approx((sig.x2 - sig.x1) / 3, abs=1)


def test_the_closing_block_is_never_split_nor_left_alone(app):
    """Whatever the body's length, "Nơi nhận", title, name and a body line share a page."""
    paragraph = "<p>Đoạn ngắn số {} của nội dung văn bản.</p>"
    for count in range(8, 36, 3):
        body = "".join(paragraph.format(n) for n in range(1, count + 1))
        rendered = render_outgoing_pdf(cong_van(body_html=body))
        pages = _page_texts(rendered)
        holding = [i for i, text in enumerate(pages) if "Nơi nhận:" in text]
        assert len(holding) == 1, count
        last = pages[holding[0]]
        assert "PHÓ TRƯỞNG PHÒNG" in last and "Lê Thị Hồng Nhung" in last, count
        assert "- Lưu: VT, TTTT." in last, count
        assert "Đoạn ngắn số" in last, count
        assert rendered.signature_box.page_index == holding[0]


# --- the công văn ------------------------------------------------------------------------


def test_letter_has_vv_under_the_number_kinh_gui_marks_and_capacity(letter):
    assert letter.page_count == 1
    lines = _lines(pdf_text(letter.pdf))
    assert lines[2] == "Số: 07/GDĐT-TTTT Quận 3, ngày 03 tháng 02 năm 2025"
    # ô 5b in the issuer's column, under the number; the circulation box on the right.
    vv = next(i for i, line in enumerate(lines) if line.startswith("V/v"))
    assert vv == 3
    assert "cử cán bộ tham gia" in lines[vv]
    assert "LƯU HÀNH NỘI BỘ" in pdf_text(letter.pdf)
    assert "KHẨN" in lines
    assert "Kính gửi: - Hiệu trưởng các trường mầm non;" in lines
    assert "- Hiệu trưởng các trường tiểu học." in lines
    text = pdf_text(letter.pdf, layout=False)
    assert "- Cử một cán bộ tham gia tập huấn sử dụng chữ ký số;" in text
    assert "KT. TRƯỞNG PHÒNG" in text and "PHÓ TRƯỞNG PHÒNG" in text
    assert "Lê Thị Hồng Nhung" in text
    assert "Nơi nhận:" in text and "- Như trên;" in text
    assert "KẾ HOẠCH" not in text


def test_urgency_mark_is_boxed_in_red(letter, tmp_path):
    path = tmp_path / "letter.pdf"
    path.write_bytes(letter.pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / "p")], check=True)
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")
    assert _red_pixels(image), "no red ink on the page"
    plain = render_outgoing_pdf(cong_van(urgency_mark=None))
    path.write_bytes(plain.pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / "q")], check=True)
    image = Image.open(next(tmp_path.glob("q*.png"))).convert("RGB")
    assert not _red_pixels(image)


def test_a_draft_shows_the_gap_for_its_number(app):
    rendered = render_outgoing_pdf(ke_hoach(number_line=number_line(None, "KH-GDĐT")))
    line = _lines(pdf_text(rendered.pdf, 1))[2]
    assert re.match(r"Số:\s*/KH-GDĐT Quận 3", line)
    raw = pdf_text(rendered.pdf, 1).splitlines()
    gap = next(row for row in raw if "/KH-GDĐT" in row)
    assert re.search(r"Số:[\s\u00a0]{3,}/KH-GDĐT", gap)


def test_contact_line_is_on_the_first_page_only_at_its_foot(app):
    contact = "Địa chỉ: 3 Trần Quốc Thảo, Quận 3; Điện thoại: (028) 3930 1234"
    rendered = render_outgoing_pdf(ke_hoach(contact_line=contact))
    pages = _page_texts(rendered)
    assert _lines(pages[0])[-1] == contact
    assert all("Trần Quốc Thảo" not in text for text in pages[1:])


def test_nfc_and_capitals_whatever_the_keyboard_sent(app):
    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
    rendered = render_outgoing_pdf(
        ke_hoach(
            org_name=nfd("Trường Tiểu học Lê Lợi"),
            parent_name=nfd("Ủy ban nhân dân Quận 3"),
            signature=SignatureBlock(
                nfd("kt. hiệu trưởng"), nfd("phó hiệu trưởng"), nfd("Đỗ Thị Ánh")
            ),
            recipients=(nfd("- Lưu: VT, Tổ Văn phòng."),),
        )
    )
    text = pdf_text(rendered.pdf, layout=False)
    assert unicodedata.is_normalized("NFC", text)
    for expected in ("TRƯỜNG TIỂU HỌC LÊ LỢI", "KT. HIỆU TRƯỞNG", "PHÓ HIỆU TRƯỞNG", "Đỗ Thị Ánh",
                     "- Lưu: VT, Tổ Văn phòng."):  # fmt: skip
        assert expected in text


# --- phụ lục -------------------------------------------------------------------------------


def test_appendices_start_pages_numbered_on_their_own_after_the_signature(app):
    long_body = "".join(
        f"<p>Dòng {n} của danh sách đơn vị trực thuộc Phòng.</p>" for n in range(60)
    )
    plain = render_outgoing_pdf(ke_hoach())
    rendered = render_outgoing_pdf(
        ke_hoach(
            appendices=(
                Appendix("Danh sách đơn vị", long_body),
                Appendix("Lịch nộp báo cáo", "<p>Theo tiến độ tại Mục III.</p>"),
            )
        )
    )
    main = plain.page_count
    pages = _page_texts(rendered)
    assert rendered.page_count >= main + 3  # the first phụ lục takes two pages
    assert rendered.signature_box == plain.signature_box  # still on the document's last page

    first = _lines(pages[main])
    assert first[:3] == [
        "Phụ lục I",
        "DANH SÁCH ĐƠN VỊ",
        "(Kèm theo Kế hoạch số 05/KH-GDĐT ngày 22 tháng 9 năm 2025)",
    ]
    assert _lines(pages[main + 1])[0] == "2"  # its own pagination
    second_start = next(i for i, text in enumerate(pages) if "Phụ lục II" in text)
    assert _lines(pages[second_start])[:2] == ["Phụ lục II", "LỊCH NỘP BÁO CÁO"]
    assert second_start == rendered.page_count - 1


def test_a_single_appendix_is_not_numbered(app):
    rendered = render_outgoing_pdf(
        cong_van(appendices=(Appendix("Mẫu danh sách", "<p>Họ tên, chức vụ.</p>"),))
    )
    last = _lines(pdf_text(rendered.pdf, rendered.page_count))
    assert last[:3] == [
        "Phụ lục",
        "MẪU DANH SÁCH",
        "(Kèm theo Công văn số 07/GDĐT-TTTT ngày 03 tháng 02 năm 2025)",
    ]


# --- hostile input -----------------------------------------------------------------------

HOSTILE = (
    "<p>Nội dung thật.</p>"
    "<script>document.write('MÃ ĐỘC')</script>"
    "<style>p { color: red } body::after { content: 'CHÈN VÀO' }</style>"
    '<p onclick="alert(1)" style="font-size: 90pt">Đoạn có thuộc tính lạ.</p>'
    '<img src="file:///etc/passwd" onerror="alert(2)">'
    '<img src="http://169.254.169.254/latest/meta-data/">'
    '<p><a href="javascript:alert(3)">Liên kết độc</a></p>'
)


def test_a_hostile_body_is_stripped_before_weasyprint_sees_it(app, caplog):
    layout = cong_van(
        body_html=HOSTILE,
        appendices=(Appendix("<b>Phụ lục</b>", HOSTILE),),
        subject="<script>alert(4)</script> trích yếu",
    )
    html = render_html(layout)
    hostile = ("<script", "onclick", "onerror", "<img", "javascript:", "<style>", "90pt", "<a ")
    for bad in (*hostile, "<b>Phụ lục"):
        assert bad not in html, bad
    assert "&lt;script&gt;alert(4)&lt;/script&gt; trích yếu" in html  # escaped, not run

    with caplog.at_level(logging.WARNING, logger="eoffice.reports.pdf"):
        rendered = render_outgoing_pdf(layout)
    assert not [r for r in caplog.records if "refused to fetch" in r.getMessage()]
    text = pdf_text(rendered.pdf, layout=False)
    assert "Nội dung thật." in text and "Đoạn có thuộc tính lạ." in text
    assert "Liên kết độc" in text
    for bad in ("MÃ ĐỘC", "CHÈN VÀO", "alert(1)", "color: red"):
        assert bad not in text, bad


def test_boxes_are_in_pdf_points_from_the_bottom_left(plan):
    """A box near the foot of a page has small y; the converted box keeps its size."""
    box: SignatureBox = plan.signature_box
    assert box.box == (box.x1, box.y1, box.x2, box.y2)
    assert box.x2 - box.x1 == pytest.approx(56 / 25.4 * 72, abs=1)  # 56 mm wide
