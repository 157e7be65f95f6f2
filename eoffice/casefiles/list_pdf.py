"""The Danh mục hồ sơ as printed (NĐ 30/2020 Phụ lục V, mẫu danh mục hồ sơ).

The head signs and seals the printed list, so it keeps the legal form: the
organisation top left and the national motto top right, the title "DANH MỤC HỒ SƠ CỦA
… NĂM …" with the approving act under it, the five columns in their order with the row
of column numbers (both repeated on every page), headings in bold, and the closing
sentence stating how many files it holds, permanent and fixed-term, with the total in
words as well as in figures (nobody can add a digit to it by hand). The rows are
eoffice.casefiles.list_sheet.list_rows, the same the page shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from eoffice.casefiles.list_sheet import ListSheet, list_rows
from eoffice.casefiles.models import FileList
from eoffice.casefiles.pdf_common import MASTHEAD_CSS, PAGE_CSS, Masthead, masthead, place_date
from eoffice.core.text import clean
from eoffice.core.timeutil import to_local
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, Role, User
from eoffice.reports.pdf import render_pdf_template
from workflows import casefiles as flow

COLUMNS = (
    ("Số và ký hiệu hồ sơ", 24),
    ("Tên đề mục và tiêu đề hồ sơ", 63),
    ("Thời hạn bảo quản", 22),
    ("Người lập hồ sơ", 36),
    ("Ghi chú", 20),
)
DEFAULT_HEAD_TITLE = "THỦ TRƯỞNG CƠ QUAN"

LIST_CSS = """
@page { size: A4; margin: 20mm 15mm 20mm 30mm; }
html { font-size: 12pt; line-height: 1.2; }
table.layout { margin: 0; }
table.layout td { border: none; padding: 0; text-align: center; vertical-align: top; }
h1 { font-size: 14pt; font-weight: bold; text-align: center; margin: 8mm 0 1mm; }
.act, .draft { text-align: center; font-style: italic; margin: 0 0 1mm; }
table { width: 100%; table-layout: fixed; border-collapse: collapse; margin-top: 4mm; }
th, td { border: 0.5pt solid #000; padding: 1.5pt 3pt; vertical-align: top;
  overflow-wrap: break-word; }
th { font-weight: bold; text-align: center; vertical-align: middle; }
thead tr.numbers th { font-weight: normal; font-style: italic; padding: 0.5pt; }
tbody tr { break-inside: avoid; }
td.c { text-align: center; }
tr.heading td { font-weight: bold; }
tr.small td { font-style: italic; }
td.empty { text-align: center; font-style: italic; padding: 4mm; }
.closing { margin: 4mm 0 0; text-align: justify; }
table.sign { margin-top: 4mm; break-inside: avoid; }
.sign .place { font-style: italic; }
.sign .title { font-weight: bold; }
.sign .hint { font-style: italic; font-size: 11pt; }
.sign .name { font-weight: bold; padding-top: 22mm; }
"""

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def _below_thousand(n: int, full: bool) -> list[str]:
    """Words of 0–999; `full` when a higher group precedes it ("không trăm linh năm")."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units:
        if units == 5 and tens:
            words.append("lăm")
        elif units == 1 and tens > 1:
            words.append("mốt")
        else:
            words.append(_DIGITS[units])
    return words


def number_words(n: int) -> str:
    """A count in Vietnamese words, as legal papers write it next to the figure:
    3 → "ba", 15 → "mười lăm", 21 → "hai mươi mốt", 105 → "một trăm linh năm",
    1 204 → "một nghìn hai trăm linh bốn"."""
    if n < 0:
        raise ValueError("counts are not negative")
    if n == 0:
        return "không"
    groups = []
    while n:
        n, group = divmod(n, 1000)
        groups.append(group)
    scales = ("", "nghìn", "triệu", "tỷ")
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        full = index < len(groups) - 1
        words += _below_thousand(group, full)
        if scales[index]:
            words.append(scales[index])
    return " ".join(words)


def head_title(org: Organisation, file_list: FileList) -> tuple[str, str]:
    """(title, name) of the head's signature block: the approver's (or else the
    office's leader's) title in capitals, "TRƯỞNG PHÒNG"; the name once approved."""
    signer = file_list.approved_by if file_list.state != flow.LIST_DRAFT else None
    head = signer
    if head is None:
        people = db.session.scalars(
            select(User)
            .where(User.org_id == org.id, User.is_active_account.is_(True))
            .order_by(User.id)
        )
        head = next((u for u in people if u.has_role(Role.LEADER)), None)
    title = clean(head.title).upper() if head is not None and head.title else DEFAULT_HEAD_TITLE
    name = signer.full_name if signer is not None else ""
    return title, name


@dataclass(frozen=True)
class PrintedList:
    masthead: Masthead
    title: str
    act: str | None
    draft: bool
    sheet: ListSheet
    closing: str
    place_date: str
    head_title: str
    head_name: str


def closing_sentence(sheet: ListSheet) -> str:
    return (
        f"Bản danh mục hồ sơ này có {sheet.total} ({number_words(sheet.total)}) hồ sơ, "
        f"bao gồm: {sheet.permanent} hồ sơ bảo quản vĩnh viễn; "
        f"{sheet.fixed_term} hồ sơ bảo quản có thời hạn."
    )


def printed(file_list: FileList) -> PrintedList:
    org = db.session.get(Organisation, file_list.org_id)
    assert org is not None
    sheet = list_rows(file_list)
    approved = file_list.approved_at if file_list.state != flow.LIST_DRAFT else None
    local = to_local(approved) if approved else None
    title, name = head_title(org, file_list)
    return PrintedList(
        masthead=masthead(org),
        title=f"DANH MỤC HỒ SƠ CỦA {clean(org.name).upper()} NĂM {file_list.year}",
        act=f"(Ban hành kèm theo {file_list.decision_ref})" if file_list.decision_ref else None,
        draft=file_list.state in (flow.LIST_DRAFT, flow.LIST_SUBMITTED),
        sheet=sheet,
        closing=closing_sentence(sheet),
        place_date=place_date(org, local.date() if local else None, file_list.year),
        head_title=title,
        head_name=name,
    )


def render_list_pdf(file_list: FileList) -> bytes:
    """The list as an A4 PDF, ready to sign and seal."""
    total = sum(width for _, width in COLUMNS)
    return render_pdf_template(
        "casefiles/lists/list_pdf.html",
        [PAGE_CSS, MASTHEAD_CSS, LIST_CSS],
        doc=printed(file_list),
        columns=[(label, round(width * 100 / total, 3)) for label, width in COLUMNS],
    )


def download_name(file_list: FileList) -> str:
    return f"Danh-muc-ho-so-nam-{file_list.year}.pdf"
