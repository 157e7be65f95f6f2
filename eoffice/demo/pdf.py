"""A one-page PDF that looks like the demo document it is attached to.

Rendered with WeasyPrint (fonts and CSS prepared once per process, see STACK.md §2.2) so
that the Vietnamese text is real, selectable text. If WeasyPrint's system libraries are
missing, a blank page made by pypdf keeps the demo working.
"""

from __future__ import annotations

import io
from functools import cache
from typing import TYPE_CHECKING

from markupsafe import escape

if TYPE_CHECKING:
    from eoffice.demo.planner import Issued

_CSS = """
@page { size: A4; margin: 20mm 15mm 20mm 30mm; }
html { font-family: "Times New Roman", "Liberation Serif", "Tinos", serif; font-size: 13pt; }
table.heading { width: 100%; border-collapse: collapse; font-size: 12pt; }
table.heading td { width: 58%; vertical-align: top; text-align: center; }
table.heading td:first-child { width: 42%; }
.strong { font-weight: bold; }
.place { font-style: italic; margin-top: 6pt; }
h1 { font-size: 14pt; text-align: center; margin: 18pt 0 0 0; }
.subject { text-align: center; font-weight: bold; margin-bottom: 12pt; }
.small { font-size: 12pt; }
p { text-align: justify; text-indent: 1cm; line-height: 1.4; }
.sign { margin-left: 50%; text-align: center; margin-top: 18pt; }
.sign .name { margin-top: 48pt; font-weight: bold; }
.demo { margin-top: 36pt; font-size: 10pt; font-style: italic; color: #555; text-indent: 0; }
"""


@cache
def _weasy():
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    return fonts, CSS(string=_CSS, font_config=fonts)


def _date_line(issued: Issued) -> str:
    """NĐ 30 style: days below 10 and months below 3 take a leading zero."""
    day = issued.document_date
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{issued.sender.spec.place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _html(issued: Issued) -> str:
    spec = issued.sender.spec
    name, position = issued.signer
    is_letter = issued.template.type_name in ("Công văn", "Thư công")
    letter_subject = (
        f'<div class="small">V/v {escape(issued.subject.removeprefix("Về việc "))}</div>'
        if is_letter
        else ""
    )
    title = (
        ""
        if is_letter
        else f"<h1>{escape(issued.template.type_name.upper())}</h1>"
        f'<div class="subject">{escape(issued.subject)}</div>'
    )
    sign_lines = (
        [position.upper()]
        if position == spec.head
        else [
            f"KT. {spec.head.upper()}",
            position.upper(),
        ]
    )
    superior = f"<div>{escape(spec.superior.upper())}</div>" if spec.superior else ""
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>{escape(issued.symbol)}</title></head><body>
<table class="heading"><tr>
<td>{superior}<div class="strong">{escape(spec.name.upper())}</div>
<div>Số: {escape(issued.symbol)}</div>{letter_subject}</td>
<td><div class="strong">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</div>
<div class="strong">Độc lập - Tự do - Hạnh phúc</div>
<div class="place">{escape(_date_line(issued))}</div></td>
</tr></table>
{title}
<p>{escape(spec.name)} ban hành văn bản về nội dung nêu trên và đề nghị các cơ quan,
đơn vị, cá nhân liên quan nghiêm túc triển khai thực hiện, báo cáo kết quả đúng thời hạn.</p>
<p>Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, đề nghị phản ánh kịp thời để
được hướng dẫn giải quyết./.</p>
<div class="sign">{"".join(f'<div class="strong">{escape(line)}</div>' for line in sign_lines)}
<div class="name">{escape(name)}</div></div>
<p class="demo">Văn bản mẫu do eoffice tạo để minh họa; nội dung không có giá trị pháp lý.</p>
</body></html>"""


def render_demo_pdf(issued: Issued) -> bytes:
    try:
        from weasyprint import HTML

        fonts, css = _weasy()
    except (ImportError, OSError):
        return _blank_pdf(issued.symbol)
    return HTML(string=_html(issued)).write_pdf(stylesheets=[css], font_config=fonts)


def _blank_pdf(title: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
