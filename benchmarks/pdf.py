"""Rendering and signing an outgoing document, against bare WeasyPrint on the same HTML.

A script that prints figures, not a test (pytest never collects benchmarks/):

    python benchmarks/pdf.py               # 50 documents of 3 pages, one process
    python benchmarks/pdf.py --count 200

In one warm process (as an RQ worker is), each round renders a three-page KẾ HOẠCH in
the Decree 30 layout with the application's pipeline (eoffice.outgoing.layout: shared
font configuration and parsed CSS, restrictive URL fetcher, signature boxes read from
the layout) and adds the two visible PAdES signatures (the signer's, then the
organisation's, eoffice.signing.pdfsign). Beside it, the same HTML and CSS are rendered
by bare WeasyPrint (`HTML(string=…).write_pdf(stylesheets=…)`, nothing shared between
documents), so the price of the application's work shows as a ratio. No database: the
layout is built in memory and the certificates come from a throwaway test CA.
"""

from __future__ import annotations

import argparse
import io
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SECTIONS = [
    ("I. MỤC ĐÍCH, YÊU CẦU", 3),
    ("II. NỘI DUNG TRIỂN KHAI", 6),
    ("III. TỔ CHỨC THỰC HIỆN", 5),
    ("IV. CHẾ ĐỘ BÁO CÁO", 3),
]
PARAGRAPH = (
    "Các đơn vị trường học tiếp tục đẩy mạnh ứng dụng công nghệ thông tin trong quản lý, "
    "dạy và học; rà soát hạ tầng mạng, thiết bị và phần mềm; bảo đảm an toàn thông tin "
    "và dữ liệu học sinh theo đúng quy định hiện hành của ngành giáo dục."
)
DEADLINES = [
    "Trước ngày 04/10/2026: gửi kế hoạch ứng dụng công nghệ thông tin của đơn vị;",
    "Trước ngày 30/10/2026: báo cáo kết quả rà soát hạ tầng và thiết bị;",
    "Trước ngày 15/01/2027: báo cáo sơ kết học kỳ I;",
    "Trước ngày 25/5/2027: báo cáo tổng kết năm học.",
]


def _body() -> str:
    parts = []
    for heading, paragraphs in SECTIONS:
        parts.append(f"<p><strong>{heading}</strong></p>")
        parts.extend(f"<p>{PARAGRAPH}</p>" for _ in range(paragraphs))
    parts.append("<ul>" + "".join(f"<li>{d}</li>" for d in DEADLINES) + "</ul>")
    return "".join(parts)


def _layout():
    from eoffice.outgoing.layout import OutgoingLayout, SignatureBlock, place_date_line

    schools = [
        f"- Hiệu trưởng trường {kind} số {n};" for kind in ("MN", "TH", "THCS") for n in range(1, 9)
    ]
    return OutgoingLayout(
        parent_name="Ủy ban nhân dân Quận 3",
        org_name="Phòng Giáo dục và Đào tạo",
        number_line="Số: 05/KH-GDĐT",
        place_date=place_date_line("Quận 3", date(2026, 9, 25)),
        type_name="Kế hoạch",
        subject="Ứng dụng công nghệ thông tin năm học 2026 - 2027",
        kinh_gui=(),
        body_html=_body(),
        signature=SignatureBlock(capacity_line=None, title="TRƯỞNG PHÒNG", name="Nguyễn Văn An"),
        recipients=("- Ủy ban nhân dân Quận 3;", *schools, "- Lưu: VT, TTTT."),
        urgency_mark=None,
        secrecy_mark=None,
        circulation=None,
        drafter_mark="PL.(30)",
        contact_line=None,
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args(argv)
    logging.getLogger("pyhanko").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)

    from pypdf import PdfReader
    from weasyprint import CSS, HTML

    from eoffice import create_app
    from eoffice.outgoing.layout import outgoing_css, render_html, render_outgoing_pdf
    from eoffice.reports.pdf import BASE_CSS
    from eoffice.signing.certificates import issue_identity, load_identity, make_test_ca
    from eoffice.signing.pdfsign import sign_pdf
    from eoffice.signing.stamps import seal_png, signature_png

    tmp = tempfile.mkdtemp(prefix="eoffice-bench-pdf-")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
            "SECRET_KEY": "bench",
            "STORAGE_DIR": tmp,
        }
    )
    ca = make_test_ca("CA đo hiệu năng")
    signer = load_identity(issue_identity(ca, "Nguyễn Văn An", password=b"pw"), "pw")
    office = load_identity(
        issue_identity(ca, "Phòng Giáo dục và Đào tạo", organisation="Phòng GDĐT", password=b"pw"),
        "pw",
    )
    signer_image, seal_image = signature_png("Nguyễn Văn An"), seal_png("Phòng Giáo dục và Đào tạo")
    moment = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)

    with app.app_context():
        layout = _layout()
        html = render_html(layout)
        css = [BASE_CSS, outgoing_css()]

        def pipeline() -> tuple[bytes, int]:
            rendered = render_outgoing_pdf(layout)
            signed = sign_pdf(
                rendered.pdf,
                signer,
                field_name="ChuKyNguoiKy",
                page_index=rendered.signature_box.page_index,
                box=rendered.signature_box.box,
                image_png=signer_image,
                reason="Ký ban hành",
                location="Quận 3",
                signing_time=moment,
            )
            signed = sign_pdf(
                signed,
                office,
                field_name="ChuKyCoQuan",
                page_index=rendered.seal_box.page_index,
                box=rendered.seal_box.box,
                image_png=seal_image,
                reason="Ký số cơ quan",
                location="Quận 3",
                signing_time=moment,
            )
            return signed, rendered.page_count

        def bare() -> bytes:
            return HTML(string=html).write_pdf(stylesheets=[CSS(string=s) for s in css])

        first, pages = pipeline()  # warm: imports, fonts, the stamp font subset
        bare()
        app_times, bare_times = [], []
        for _ in range(args.count):
            started = time.perf_counter()
            pipeline()
            app_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            bare()
            bare_times.append(time.perf_counter() - started)

    print(f"outgoing KẾ HOẠCH, {pages} pages (A4), {args.count} documents, one warm process")
    signed_pages = len(PdfReader(io.BytesIO(first)).pages)
    print(f"  signed PDF size {len(first) / 1024:.0f} KB, {signed_pages} pages")
    for label, values in (
        ("render + 2 signatures (eoffice)", app_times),
        ("bare WeasyPrint, same HTML", bare_times),
    ):
        print(
            f"  {label:34} p50 {statistics.median(values):6.3f} s   "
            f"p95 {_percentile(values, 0.95):6.3f} s"
        )
    ratio = statistics.median(app_times) / statistics.median(bare_times)
    print(f"  ratio (p50, eoffice / bare)        {ratio:6.2f}×")


if __name__ == "__main__":
    main()
