"""A draft as an editable Word file and back, and the comparison of two versions.

Drafters often prefer to write in Word. The draft is exported as a DOCX built in code
with python-docx (no user template, so no Jinja to sandbox, STACK.md §3.1), edited
offline, and uploaded again; mammoth turns the upload back into HTML that goes through
the one body sanitiser (`richtext.sanitize_body`). The DOCX is only ever an editing
format: the legal document is the PDF rendered from the HTML (`layout`).

Finding the body again after Word has been at it
------------------------------------------------
The export writes the frame of the document (header table, type name, trích yếu,
"Kính gửi", signature block, "Nơi nhận") in paragraph styles of its own, named
"eOffice - …", and the body in "eOffice - Nội dung". On import the body is every
top-level block *between* the last block of the head frame and the first block of the
tail frame, whatever its style. Why the frame and not the body, and why styles:

- Paragraph styles survive every edit and every editor we care about (Word, LibreOffice,
  WPS keep custom style names); they are invisible on the page and in print.
- Bookmarks around the body do not survive ordinary editing: pressing Enter at the end of
  the last body paragraph puts the new paragraph outside the bookmark, and deleting the
  first paragraph deletes the bookmark with it.
- Marking each body paragraph by its style would lose whatever the drafter pastes from
  elsewhere (it brings its own style), every list Word creates, and every table.
- The frame is what drafters rarely touch; each frame style's "next paragraph" style is
  the body style, so typing on after the frame writes body text.

A file with no frame at all (a document written from scratch) is all body. Text typed
outside the body region (inside the frame) is left out, and a warning quotes it.

Uploads are untrusted: the file must be a real DOCX (a zip holding word/document.xml),
within size, entry-count and compression-ratio limits (zip bombs), without macros; the
file's own embedded mammoth style map and external links are ignored.
"""

from __future__ import annotations

import difflib
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import mammoth
import mammoth.documents as mdoc
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from lxml import html as lxml_html
from markupsafe import Markup, escape

from eoffice.core.errors import ValidationFailed
from eoffice.core.filetypes import ZIP_ERRORS, FileRejected, check_zip_container
from eoffice.core.text import clean, strip_controls
from eoffice.core.timeutil import now_utc
from eoffice.outgoing.richtext import sanitize_body

log = logging.getLogger(__name__)

# --- limits on uploads ---------------------------------------------------------------

MAX_DOCX_BYTES = 20 * 1024 * 1024  # a draft's text; pictures belong in attachments
MAX_ZIP_ENTRIES = 1000
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
# XML compresses well (10–20×); far beyond that an entry is a bomb, not a document.
# Small entries cannot hurt whatever their ratio, so only large ones are judged.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM = 1024 * 1024

INVALID_DOCX = "Tệp tải lên không phải là tệp DOCX hợp lệ."
TOO_LARGE = "Tệp DOCX vượt quá dung lượng cho phép (20 MB)."
HAS_MACROS = "Tệp DOCX chứa macro, không được chấp nhận."

# --- styles of the exported file -------------------------------------------------------

FONT = "Times New Roman"


@dataclass(frozen=True)
class _StyleSpec:
    style_id: str
    name: str
    size: float
    bold: bool = False
    italic: bool = False
    align: int = WD_ALIGN_PARAGRAPH.LEFT
    first_line_cm: float = 0.0
    left_cm: float = 0.0
    before_pt: float = 0.0
    after_pt: float = 0.0
    keep_with_next: bool = False


HEAD = _StyleSpec("eOfficeHead", "eOffice - Đầu văn bản", 13, align=WD_ALIGN_PARAGRAPH.CENTER)
TYPE_NAME = _StyleSpec(
    "eOfficeType", "eOffice - Tên loại", 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
    before_pt=12, keep_with_next=True,
)  # fmt: skip
SUBJECT = _StyleSpec(
    "eOfficeSubject", "eOffice - Trích yếu", 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
    keep_with_next=True,
)  # fmt: skip
ADDRESSEE = _StyleSpec(
    "eOfficeAddressee", "eOffice - Kính gửi", 14, align=WD_ALIGN_PARAGRAPH.CENTER,
    before_pt=6, after_pt=6,
)  # fmt: skip
BODY = _StyleSpec(
    "eOfficeBody", "eOffice - Nội dung", 14, align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    first_line_cm=1.0, after_pt=6,
)  # fmt: skip
HEADING_1 = _StyleSpec(
    "eOfficeHeading1", "eOffice - Đề mục cấp 1", 14, bold=True,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_cm=1.0, after_pt=6, keep_with_next=True,
)  # fmt: skip
HEADING_2 = _StyleSpec(
    "eOfficeHeading2", "eOffice - Đề mục cấp 2", 14, bold=True, italic=True,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_cm=1.0, after_pt=6, keep_with_next=True,
)  # fmt: skip
QUOTE = _StyleSpec(
    "eOfficeQuote", "eOffice - Trích dẫn", 14, italic=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    left_cm=1.0, after_pt=6,
)  # fmt: skip
TABLE_TEXT = _StyleSpec("eOfficeTable", "eOffice - Nội dung bảng", 13, before_pt=2, after_pt=2)
TABLE_HEAD = _StyleSpec(
    "eOfficeTableHead", "eOffice - Tiêu đề bảng", 13, bold=True,
    align=WD_ALIGN_PARAGRAPH.CENTER, before_pt=2, after_pt=2,
)  # fmt: skip
SIGNATURE = _StyleSpec(
    "eOfficeSignature", "eOffice - Chữ ký", 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER
)
RECIPIENTS = _StyleSpec("eOfficeRecipients", "eOffice - Nơi nhận", 11)

ALL_STYLES = (
    HEAD, TYPE_NAME, SUBJECT, ADDRESSEE, BODY, HEADING_1, HEADING_2, QUOTE, TABLE_TEXT,
    TABLE_HEAD, SIGNATURE, RECIPIENTS,
)  # fmt: skip
HEAD_FRAME = (HEAD, TYPE_NAME, SUBJECT, ADDRESSEE)
TAIL_FRAME = (SIGNATURE, RECIPIENTS)

# mammoth: our sub-headings and quotes back to HTML, and other editors' headings to the
# two heading levels a body may have (h1/h2 would be cut to bare text by the sanitiser).
STYLE_MAP = "\n".join(
    [
        f"p[style-name='{HEADING_1.name}'] => h3:fresh",
        f"p[style-name='{HEADING_2.name}'] => h4:fresh",
        f"p[style-name='{QUOTE.name}'] => blockquote > p:fresh",
        f"p.{HEADING_1.style_id} => h3:fresh",
        f"p.{HEADING_2.style_id} => h4:fresh",
        f"p.{QUOTE.style_id} => blockquote > p:fresh",
        "p[style-name='Title'] => h3:fresh",
        *(f"p[style-name='{case}eading 1'] => h3:fresh" for case in "Hh"),
        *(
            f"p[style-name='{case}eading {level}'] => h4:fresh"
            for case in "Hh"
            for level in range(2, 7)
        ),
        "u => u",
    ]
)


def _style_key(name: str | None) -> str:
    return " ".join((name or "").casefold().split())


_HEAD_KEYS = {_style_key(s.name) for s in HEAD_FRAME} | {s.style_id for s in HEAD_FRAME}
_TAIL_KEYS = {_style_key(s.name) for s in TAIL_FRAME} | {s.style_id for s in TAIL_FRAME}
_SUBJECT_KEYS = {_style_key(SUBJECT.name), SUBJECT.style_id}
_VV_PREFIX = re.compile(r"^\s*v\s*/\s*v\s*[:.]?\s*", re.IGNORECASE)


# --- export --------------------------------------------------------------------------


@dataclass(frozen=True)
class DocxDraft:
    """What the exported file shows, already worded, with no ORM object behind it.

    `type_name` None is a công văn: no type heading, the excerpt goes under the number as
    "V/v …". `number_line` and `place_date` come from `layout.number_line(None, …)` and
    `layout.draft_place_date_line(…)` so the file and the PDF agree. Lines of
    `addressees` and `recipients` are printed as given ("- Như trên;"). `author` is the
    drafter's name, written into the file's properties.
    """

    org_name: str
    subject: str
    body_html: str
    parent_name: str | None = None
    type_name: str | None = None
    number_line: str = "Số:"
    place_date: str = ""
    addressees: tuple[str, ...] = ()
    capacity_line: str | None = None
    signer_title: str = ""
    signer_name: str = ""
    recipients: tuple[str, ...] = ()
    author: str = ""


def _nfc(value: str | None) -> str:
    return strip_controls(unicodedata.normalize("NFC", value or ""))


def export_docx(draft: DocxDraft) -> bytes:
    """The draft as a DOCX in the Decree 30 layout (A4, legal margins, Times New Roman)."""
    document = Document()
    _page_setup(document)
    _install_styles(document)
    writer = _BodyWriter(document)
    _write_header(document, draft)
    if draft.type_name:
        _paragraph(document, TYPE_NAME, _nfc(draft.type_name).upper())
        _paragraph(document, SUBJECT, clean(draft.subject))
        _rule(document, width_mm=50, box_mm=165)
    _write_addressees(document, draft)
    writer.write_html(document, sanitize_body(draft.body_html))
    _write_signature_and_recipients(document, draft)
    _set_properties(document, draft)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _page_setup(document: DocxDocument) -> None:
    """A4 portrait; top and bottom 20 mm, left 30, right 15 (NĐ 30 Phụ lục I, I.4)."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = section.footer_distance = Mm(10)
    # Page numbers top centre from page 2; the first page has none.
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number._p.append(
        parse_xml(
            f'<w:fldSimple {nsdecls("w")} w:instr="PAGE">'
            f'<w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t>2</w:t></w:r></w:fldSimple>'
        )
    )


def _set_fonts(rpr: Any) -> None:
    """Times New Roman for every script slot, theme fonts removed.

    Vietnamese letters such as "ệ" are drawn from the hAnsi slot; a theme attribute left
    in place would win over the named font in Word.
    """
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), FONT)


def _set_language(rpr: Any) -> None:
    """Vietnamese proofing language, so Word checks the spelling of the right language."""
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    lang.set(qn("w:val"), "vi-VN")


def _install_styles(document: DocxDocument) -> None:
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr is not None:
            _set_fonts(rpr)
            _set_language(rpr)
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    _set_fonts(normal.element.get_or_add_rPr())
    _set_language(normal.element.get_or_add_rPr())
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    created = {}
    for spec in ALL_STYLES:
        style = styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
        style.style_id = spec.style_id
        style.base_style = normal
        style.quick_style = True
        font = style.font
        font.size = Pt(spec.size)
        font.bold = spec.bold
        font.italic = spec.italic
        fmt = style.paragraph_format
        fmt.alignment = spec.align
        fmt.first_line_indent = Cm(spec.first_line_cm) if spec.first_line_cm else None
        fmt.left_indent = Cm(spec.left_cm) if spec.left_cm else None
        fmt.space_before = Pt(spec.before_pt)
        fmt.space_after = Pt(spec.after_pt)
        fmt.keep_with_next = spec.keep_with_next
        created[spec.style_id] = style
    body = created[BODY.style_id]
    for style in created.values():
        style.next_paragraph_style = body


def _paragraph(container: Any, spec: _StyleSpec, text: str = "", **run_format: Any) -> Paragraph:
    """A paragraph of the frame: one run of `text` in style `spec`."""
    paragraph = container.add_paragraph(style=spec.name)
    if text:
        run = paragraph.add_run(text)
        for name, value in run_format.items():
            setattr(run.font, name, value)
    return paragraph


def _first_paragraph(cell: _Cell, spec: _StyleSpec, text: str, **run_format: Any) -> Paragraph:
    """Fill the empty paragraph every new cell has, instead of adding a second one."""
    paragraph = cell.paragraphs[0]
    paragraph.style = spec.name
    if text:
        run = paragraph.add_run(text)
        for name, value in run_format.items():
            setattr(run.font, name, value)
    return paragraph


_PPR_AFTER_BORDER = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip


def _rule(container: Any, *, width_mm: float, box_mm: float) -> Paragraph:
    """The short line under the issuer's name, the Tiêu ngữ or the trích yếu.

    An empty frame paragraph with a bottom border, narrowed by indents to `width_mm`
    and centred in a box `box_mm` wide: still a plain paragraph Word can edit.
    """
    paragraph = _paragraph(container, HEAD)
    side = Mm(max(box_mm - width_mm, 0) / 2)
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = side
    fmt.first_line_indent = Mm(0)
    fmt.line_spacing = Pt(4)
    border = parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="6" w:space="1" '
        f'w:color="000000"/></w:pBdr>'
    )
    paragraph._p.get_or_add_pPr().insert_element_before(border, *_PPR_AFTER_BORDER)
    return paragraph


_TBLPR_AFTER_BORDERS = (
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
)  # fmt: skip


def _frame_table(document: DocxDocument, rows: int, widths_mm: Sequence[float]) -> Table:
    """A borderless table that places the two columns of the header or the signature."""
    table = document.add_table(rows=rows, cols=len(widths_mm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    borders = parse_xml(
        f"<w:tblBorders {nsdecls('w')}>"
        + "".join(
            f'<w:{side} w:val="nil"/>'
            for side in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
        + "</w:tblBorders>"
    )
    table._tbl.tblPr.insert_element_before(borders, *_TBLPR_AFTER_BORDERS)
    for index, width in enumerate(widths_mm):
        table.columns[index].width = Mm(width)
        for cell in table.columns[index].cells:
            cell.width = Mm(width)
    return table


def _write_header(document: DocxDocument, draft: DocxDraft) -> None:
    """Ô 1–4 (and 5b for a công văn): issuer left, Quốc hiệu and Tiêu ngữ right."""
    left_mm, right_mm = 68, 97
    table = _frame_table(document, 2, (left_mm, right_mm))
    issuer = table.cell(0, 0)
    parent = _nfc(draft.parent_name).strip().upper()
    first = _first_paragraph(issuer, HEAD, parent)
    org = _nfc(draft.org_name).strip().upper()
    if parent:
        _paragraph(issuer, HEAD, org, bold=True)
    else:
        first.add_run(org).bold = True
    _rule(issuer, width_mm=25, box_mm=left_mm)

    nation = table.cell(0, 1)
    _first_paragraph(nation, HEAD, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)
    _paragraph(nation, HEAD, "Độc lập - Tự do - Hạnh phúc", bold=True, size=Pt(14))
    _rule(nation, width_mm=62, box_mm=right_mm)

    number = table.cell(1, 0)
    _first_paragraph(number, HEAD, _nfc(draft.number_line))
    if not draft.type_name:
        vv = _paragraph(number, SUBJECT, f"V/v {clean(draft.subject)}", bold=False, size=Pt(12))
        vv.paragraph_format.space_before = Pt(6)
    _first_paragraph(table.cell(1, 1), HEAD, _nfc(draft.place_date), italic=True, size=Pt(14))


def _write_addressees(document: DocxDocument, draft: DocxDraft) -> None:
    """Ô 9a: "Kính gửi: X" on one line, or "Kính gửi:" above one line per addressee."""
    lines = [clean(line) for line in draft.addressees if clean(line)]
    if not lines:
        return
    if len(lines) == 1:
        _paragraph(document, ADDRESSEE, f"Kính gửi: {lines[0]}")
        return
    _paragraph(document, ADDRESSEE, "Kính gửi:").paragraph_format.space_after = Pt(0)
    for line in lines:
        paragraph = _paragraph(document, ADDRESSEE, line)
        fmt = paragraph.paragraph_format
        fmt.alignment = WD_ALIGN_PARAGRAPH.LEFT
        fmt.left_indent = Cm(5)
        fmt.space_before = fmt.space_after = Pt(0)


def _write_signature_and_recipients(document: DocxDocument, draft: DocxDraft) -> None:
    """Ô 9b left (Nơi nhận, 12 pt bold italic heading, 11 pt lines), ô 7 right."""
    document.add_paragraph(style=BODY.name)  # air between the body and the block
    table = _frame_table(document, 1, (80, 85))
    recipients = table.cell(0, 0)
    _first_paragraph(recipients, RECIPIENTS, "Nơi nhận:", bold=True, italic=True, size=Pt(12))
    for line in draft.recipients:
        if clean(line):
            _paragraph(recipients, RECIPIENTS, clean(line))
    signature = table.cell(0, 1)
    lines = [_nfc(draft.capacity_line).strip().upper(), _nfc(draft.signer_title).strip().upper()]
    lines = [line for line in lines if line]
    _first_paragraph(signature, SIGNATURE, lines[0] if lines else "")
    for line in lines[1:]:
        _paragraph(signature, SIGNATURE, line)
    for _ in range(4):  # room for the signature and the seal
        _paragraph(signature, SIGNATURE)
    _paragraph(signature, SIGNATURE, clean(draft.signer_name))


def _set_properties(document: DocxDocument, draft: DocxDraft) -> None:
    """Title and author as Word shows them (a new python-docx file says "python-docx")."""
    props = document.core_properties
    author = clean(draft.author)
    props.title = clean(draft.subject)[:255]
    props.author = author
    props.last_modified_by = author
    props.subject = clean(draft.type_name or "Công văn")
    props.comments = "Dự thảo văn bản đi xuất từ eOffice để chỉnh sửa."
    props.category = "Dự thảo"
    props.language = "vi-VN"
    props.revision = 1
    stamp = now_utc().replace(microsecond=0)
    props.created = props.modified = stamp


# --- the body: sanitised HTML into Word paragraphs --------------------------------------

_BLOCK_TAGS = frozenset(
    {"p", "h3", "h4", "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr", "td",
     "th", "div"}
)  # fmt: skip
_BOLD, _ITALIC, _UNDERLINE = frozenset({"strong", "b"}), frozenset({"em", "i"}), "u"
_SPACES = re.compile(r"\s+")
_TRPR_AFTER_HEADER = ("w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del", "w:trPrChange")


@dataclass(frozen=True)
class _Format:
    bold: bool = False
    italic: bool = False
    underline: bool = False


@dataclass
class _Inline:
    """The runs of one paragraph being collected; None stands for a line break."""

    runs: list[tuple[str, _Format] | None] = field(default_factory=list)

    def text(self, value: str | None, fmt: _Format) -> None:
        if value:
            self.runs.append((value, fmt))

    def element(self, element: Any, fmt: _Format) -> None:
        tag = _tag(element)
        if tag == "br":
            self.runs.append(None)
        else:
            fmt = _Format(
                bold=fmt.bold or tag in _BOLD,
                italic=fmt.italic or tag in _ITALIC,
                underline=fmt.underline or tag == _UNDERLINE,
            )
            self.text(element.text, fmt)
            for child in element:
                self.element(child, fmt)
                self.text(child.tail, fmt)

    def normalised(self) -> list[tuple[str, _Format] | None]:
        """HTML whitespace rules: runs of spaces become one, none at either end or
        around a line break."""
        out: list[tuple[str, _Format] | None] = []
        space_before = True  # at the start, and after a break, leading spaces go
        for item in self.runs:
            if item is None:
                _trim_end(out)
                out.append(None)
                space_before = True
                continue
            text = _SPACES.sub(" ", _nfc(item[0]))
            if space_before:
                text = text.lstrip(" ")
            if text:
                out.append((text, item[1]))
                space_before = text.endswith(" ")
        _trim_end(out)
        while out and out[-1] is None:
            out.pop()
        return out

    def has_text(self) -> bool:
        return any(item is not None and item[0].strip() for item in self.runs)


@dataclass
class _ListItem:
    """One list item being written: its number goes on its first paragraph only."""

    num_id: int
    level: int
    numbered: bool = False

    def place(self, paragraph: Paragraph) -> None:
        if self.numbered:  # a further paragraph of the item: aligned under its text
            paragraph.paragraph_format.first_line_indent = Cm(1 + 0.5 * self.level)
            return
        num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = self.level
        num_pr.get_or_add_numId().val = self.num_id
        self.numbered = True


def _trim_end(out: list[tuple[str, _Format] | None]) -> None:
    while out and out[-1] is not None:
        text, fmt = out[-1]  # type: ignore[misc]
        stripped = text.rstrip(" ")
        if stripped:
            out[-1] = (stripped, fmt)
            return
        out.pop()


def _tag(element: Any) -> str:
    return element.tag.lower() if isinstance(element.tag, str) else ""


class _BodyWriter:
    """Writes body HTML as Word paragraphs, lists (real Word numbering) and tables."""

    def __init__(self, document: DocxDocument) -> None:
        self.numbering = document.part.numbering_part.element
        self.abstract: dict[bool, int] = {}

    def write_html(self, container: Any, html: str) -> None:
        if not html.strip():
            return
        root = lxml_html.fragment_fromstring(html, create_parent="div")
        self._children(container, root, BODY, None)

    # blocks

    def _children(
        self, container: Any, element: Any, spec: _StyleSpec, item: _ListItem | None
    ) -> None:
        """The children of a block element as paragraphs.

        Inside a list item (`item`), the first paragraph carries the item's number and
        the item's further paragraphs continue under it, unnumbered.
        """
        inline = _Inline()

        def flush() -> None:
            if inline.has_text():
                paragraph = self._paragraph(container, spec, inline)
                if item is not None:
                    item.place(paragraph)
            inline.runs.clear()

        inline.text(element.text, _Format())
        for child in element:
            tag = _tag(child)
            if tag in _BLOCK_TAGS:
                flush()
                self._block(container, child, spec, item)
            elif tag:
                inline.element(child, _Format())
            inline.text(child.tail, _Format())
        flush()

    def _block(
        self, container: Any, element: Any, spec: _StyleSpec, item: _ListItem | None
    ) -> None:
        tag = _tag(element)
        if tag in ("ul", "ol"):
            level = item.level + 1 if item is not None else 0
            self._list(container, element, ordered=tag == "ol", level=level, spec=spec)
        elif tag == "table":
            self._table(container, element)
        elif tag == "blockquote":
            self._children(container, element, QUOTE, None)
        elif tag in ("h3", "h4"):
            self._children(container, element, HEADING_1 if tag == "h3" else HEADING_2, None)
        elif tag in ("tr", "td", "th", "thead", "tbody"):  # stray table parts: their text
            self._children(container, element, spec, None)
        else:  # p, div, a stray li
            self._children(container, element, spec, item)

    def _paragraph(self, container: Any, spec: _StyleSpec, inline: _Inline) -> Paragraph:
        paragraph = container.add_paragraph(style=spec.name)
        run = None
        for item in inline.normalised():
            if item is None:
                (run or paragraph.add_run()).add_break()
                continue
            text, fmt = item
            run = paragraph.add_run(text)
            if fmt.bold:
                run.bold = True
            if fmt.italic:
                run.italic = True
            if fmt.underline:
                run.underline = True
        return paragraph

    # lists

    def _list(
        self, container: Any, element: Any, *, ordered: bool, level: int, spec: _StyleSpec
    ) -> None:
        level = min(level, 8)  # Word has nine levels
        num_id = self._new_num(ordered, level)
        for child in element:
            tag = _tag(child)
            if tag == "li":
                self._children(container, child, spec, _ListItem(num_id, level))
            elif tag in ("ul", "ol"):
                self._list(container, child, ordered=tag == "ol", level=level + 1, spec=spec)
            elif tag:
                self._block(container, child, spec, None)

    def _abstract_num(self, ordered: bool) -> int:
        """One abstract numbering per kind: "1.", "a)", "i." or "-", "+", "•" by level.

        Vietnamese documents number at the first-line indent and wrap to the margin, the
        number followed by a space, not a hanging indent.
        """
        if ordered in self.abstract:
            return self.abstract[ordered]
        existing = [
            int(a.get(qn("w:abstractNumId"))) for a in self.numbering.findall(qn("w:abstractNum"))
        ]
        abstract_id = max(existing, default=0) + 1
        formats = (
            [("decimal", "%{n}."), ("lowerLetter", "%{n})"), ("lowerRoman", "%{n}.")]
            if ordered
            else [("bullet", "-"), ("bullet", "+"), ("bullet", "•")]
        )
        levels = []
        for level in range(9):
            num_fmt, text = formats[level % 3]
            levels.append(
                f'<w:lvl w:ilvl="{level}"><w:start w:val="1"/><w:numFmt w:val="{num_fmt}"/>'
                f'<w:suff w:val="space"/><w:lvlText w:val="{text.format(n=level + 1)}"/>'
                f'<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="0" '
                f'w:firstLine="{567 + 284 * level}"/></w:pPr></w:lvl>'
            )
        abstract = parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
            f'<w:multiLevelType w:val="multilevel"/>{"".join(levels)}</w:abstractNum>'
        )
        first_num = self.numbering.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            self.numbering.append(abstract)
        self.abstract[ordered] = abstract_id
        return abstract_id

    def _new_num(self, ordered: bool, level: int) -> int:
        """A numbering instance per list, restarting at 1 (instances of one abstract
        numbering would otherwise continue each other's count)."""
        abstract_id = self._abstract_num(ordered)
        num = self.numbering.add_num(abstract_id)
        override = parse_xml(
            f'<w:lvlOverride {nsdecls("w")} w:ilvl="{min(level, 8)}">'
            f'<w:startOverride w:val="1"/></w:lvlOverride>'
        )
        num.append(override)
        return int(num.numId)

    # tables

    def _table(self, container: Any, element: Any) -> None:
        """A bordered table; thead rows repeat on each page and come back as <th>."""
        rows: list[tuple[Any, bool]] = []
        for part in element:
            tag = _tag(part)
            if tag == "tr":
                rows.append((part, False))
            elif tag in ("thead", "tbody"):
                rows.extend((tr, tag == "thead") for tr in part if _tag(tr) == "tr")
        placed, width = _grid(rows)
        if not placed:
            return
        table = container.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for index, (_tr, header) in enumerate(rows):
            if header:
                tr_pr = table.rows[index]._tr.get_or_add_trPr()
                tr_pr.insert_element_before(OxmlElement("w:tblHeader"), *_TRPR_AFTER_HEADER)
        for (row, col, rowspan, colspan), cell_element in placed:
            cell = table.cell(row, col)
            if rowspan > 1 or colspan > 1:
                cell = cell.merge(table.cell(row + rowspan - 1, col + colspan - 1))
            spec = TABLE_HEAD if _tag(cell_element) == "th" or rows[row][1] else TABLE_TEXT
            self._children(cell, cell_element, spec, None)
            _drop_leading_empty(cell)
        if not isinstance(container, _Cell):  # (a cell gets its closing paragraph itself)
            container.add_paragraph(style=BODY.name)  # keeps a following table apart


def _grid(rows: list[tuple[Any, bool]]) -> tuple[list[tuple[tuple[int, int, int, int], Any]], int]:
    """Where each cell goes, honouring colspan and rowspan: ((row, col, rs, cs), td)."""
    taken: set[tuple[int, int]] = set()
    placed = []
    width = 0
    for r, (tr, _header) in enumerate(rows):
        col = 0
        for td in tr:
            if _tag(td) not in ("td", "th"):
                continue
            while (r, col) in taken:
                col += 1
            colspan = _span(td.get("colspan"))
            while colspan > 1 and any((r, col + dc) in taken for dc in range(colspan)):
                colspan -= 1  # spans that collide are cut back: merged areas must not overlap
            rowspan = min(_span(td.get("rowspan")), len(rows) - r)
            while rowspan > 1 and any(
                (r + dr, col + dc) in taken for dr in range(rowspan) for dc in range(colspan)
            ):
                rowspan -= 1
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, col + dc))
            placed.append(((r, col, rowspan, colspan), td))
            col += colspan
            width = max(width, col)
    width = max([width] + [c + 1 for _r, c in taken])
    return placed, width


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 50))
    except ValueError:
        return 1


def _drop_leading_empty(cell: _Cell) -> None:
    """A new cell starts with one empty paragraph; drop it once content follows it."""
    paragraphs = cell.paragraphs
    if len(paragraphs) > 1 and not paragraphs[0].text and not paragraphs[0].runs:
        paragraphs[0]._p.getparent().remove(paragraphs[0]._p)


# --- import --------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedDraft:
    """What an uploaded DOCX gives: the trích yếu found in an exported file's frame (None
    when there is none; the caller compares it with the current one), the sanitised body,
    and warnings in Vietnamese for the drafter."""

    subject: str | None
    body_html: str
    warnings: list[str]


def _invalid() -> ValidationFailed:
    return ValidationFailed(INVALID_DOCX, field_errors={"file": INVALID_DOCX})


def check_docx(data: bytes) -> None:
    """Refuse anything that is not a plain DOCX of reasonable size.

    The declared sizes can be trusted for the ratio and total checks: Python's zipfile
    never returns more bytes than an entry declares (it stops there and fails the CRC),
    and mammoth reads through it.
    """
    if len(data) > MAX_DOCX_BYTES:
        raise ValidationFailed(TOO_LARGE, field_errors={"file": TOO_LARGE})
    if not data.startswith(b"PK\x03\x04"):
        raise _invalid()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except ZIP_ERRORS as exc:
        raise _invalid() from exc
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise _invalid()
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ValidationFailed(HAS_MACROS, field_errors={"file": HAS_MACROS})
    try:  # entries, sizes, ratios, names, encryption: the same rules as every upload
        check_zip_container(
            "tệp DOCX",
            data,
            max_entries=MAX_ZIP_ENTRIES,
            max_uncompressed=MAX_UNCOMPRESSED_BYTES,
            max_ratio=MAX_COMPRESSION_RATIO,
            ratio_from=RATIO_CHECKED_FROM,
        )
    except FileRejected as exc:
        raise _invalid() from exc


@dataclass
class _Region:
    """Filled while mammoth reads the file: the body blocks, the subject, what was left."""

    subject_parts: list[str] = field(default_factory=list)
    found_head: bool = False
    found_tail: bool = False
    left_out: list[str] = field(default_factory=list)
    images: int = 0

    def transform(self, document: mdoc.Document) -> mdoc.Document:
        """Keep the blocks between the head frame and the tail frame (see module doc)."""
        blocks = list(document.children)
        kinds = [_frame_kind(block) for block in blocks]
        for block in blocks:
            for paragraph in _paragraphs(block):
                if _paragraph_key(paragraph) & _SUBJECT_KEYS:
                    self.subject_parts.append(_text_of(paragraph))
        tail_start = next((i for i, kind in enumerate(kinds) if kind == "tail"), len(blocks))
        head_end = max((i for i in range(tail_start) if kinds[i] == "head"), default=-1)
        self.found_head = head_end >= 0
        self.found_tail = tail_start < len(blocks)
        body = []
        for index, (block, kind) in enumerate(zip(blocks, kinds, strict=True)):
            if head_end < index < tail_start:
                body.append(block)
            elif kind is None and (text := clean(_text_of(block))):
                self.left_out.append(text)
        self.images = sum(
            len(mammoth.transforms.get_descendants_of_type(b, mdoc.Image)) for b in body
        )
        return document.copy(children=body)

    @property
    def subject(self) -> str | None:
        text = _VV_PREFIX.sub("", clean(" ".join(self.subject_parts)), count=1)
        return text or None


def _paragraphs(block: Any) -> list[Any]:
    found = [block] if isinstance(block, mdoc.Paragraph) else []
    return found + mammoth.transforms.get_descendants_of_type(block, mdoc.Paragraph)


def _paragraph_key(paragraph: Any) -> set[str]:
    return {_style_key(paragraph.style_name), paragraph.style_id or ""}


def _frame_kind(block: Any) -> str | None:
    """'head' or 'tail' when the block holds a paragraph in a frame style, else None."""
    keys: set[str] = set()
    for paragraph in _paragraphs(block):
        keys |= _paragraph_key(paragraph)
    if keys & _TAIL_KEYS:
        return "tail"
    if keys & _HEAD_KEYS:
        return "head"
    return None


def _text_of(element: Any) -> str:
    parts = []
    for node in [element, *mammoth.transforms.get_descendants(element)]:
        if isinstance(node, mdoc.Text):
            parts.append(node.value)
        elif isinstance(node, (mdoc.Tab, mdoc.Break)):
            parts.append(" ")
    return "".join(parts)


def import_docx(data: bytes) -> ImportedDraft:
    """An uploaded DOCX as a draft's body (and trích yếu), or ValidationFailed on "file"."""
    check_docx(data)
    region = _Region()
    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data),
            style_map=STYLE_MAP,
            include_embedded_style_map=False,  # the upload must not steer its conversion
            external_file_access=False,
            convert_image=mammoth.images.img_element(lambda _image: {}),  # never decoded
            transform_document=region.transform,
        )
    except Exception as exc:  # a broken file fails in many ways; each means "not a DOCX"
        log.info("DOCX upload refused: %r", exc, exc_info=True)
        raise _invalid() from exc
    for message in result.messages:
        log.debug("mammoth: %s", message.message)
    body = sanitize_body(_unwrap_cells(unicodedata.normalize("NFC", result.value)))
    body = _EMPTY_PARAGRAPH.sub("", body)  # what held only a picture
    return ImportedDraft(subject=region.subject, body_html=body, warnings=_warnings(region, body))


_EMPTY_PARAGRAPH = re.compile(r"<p>(?:\s|<br>)*</p>")


def _unwrap_cells(html: str) -> str:
    """`<td><p>x</p></td>` (mammoth's way) as `<td>x</td>` (the editor's way), so a version
    from Word and one from the form differ only where the text does."""
    if "<td" not in html and "<th" not in html:
        return html
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    for cell in list(root.iter("td", "th")):
        children = list(cell)
        if len(children) == 1 and _tag(children[0]) == "p" and not (cell.text or "").strip():
            children[0].drop_tag()  # keeps the paragraph's text, children and tail
    return (root.text or "") + "".join(
        lxml_html.tostring(child, encoding="unicode") for child in root
    )


def _warnings(region: _Region, body: str) -> list[str]:
    warnings = []
    if region.found_head and not region.found_tail:
        warnings.append(
            "Không tìm thấy khối chữ ký và nơi nhận của bản xuất: mọi đoạn sau phần đầu văn "
            "bản được lấy làm nội dung, đề nghị kiểm tra lại phần cuối."
        )
    elif region.found_tail and not region.found_head:
        warnings.append(
            "Không tìm thấy phần đầu văn bản của bản xuất: mọi đoạn trước khối chữ ký được "
            "lấy làm nội dung, đề nghị kiểm tra lại phần đầu."
        )
    for text in region.left_out[:3]:
        warnings.append(
            f"Đoạn “{_shorten(text)}” nằm ngoài phần nội dung (trong phần đầu hoặc phần cuối "
            "văn bản) nên không được lấy vào."
        )
    if len(region.left_out) > 3:
        warnings.append(
            f"Còn {len(region.left_out) - 3} đoạn khác ngoài phần nội dung không được lấy vào."
        )
    if region.images:
        warnings.append(
            f"Tệp có {region.images} hình ảnh trong nội dung; hình ảnh không được đưa vào "
            "nội dung văn bản, hãy đính kèm thành tệp riêng nếu cần."
        )
    if not body:
        warnings.append("Không tìm thấy nội dung văn bản trong tệp.")
    return warnings


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- comparing versions ----------------------------------------------------------------

EQUAL, ADDED, REMOVED, CHANGED = "equal", "added", "removed", "changed"
SUBJECT_SECTION, FIELD_SECTION, BODY_SECTION = "subject", "field", "body"

# The labels of the fields a version keeps beside its text (drafting._snapshot), in the
# order the comparison lists them; an unknown key is listed last under its own name.
FIELD_LABELS = {
    "document_type": "Loại văn bản",
    "symbol_unit": "Ký hiệu đơn vị (công văn)",
    "drafting_unit": "Đơn vị soạn thảo",
    "addressees": "Kính gửi",
    "recipients": "Nơi nhận",
    "signer": "Người ký",
    "capacity": "Thẩm quyền ký",
    "capacity_title": "Chức danh sau thẩm quyền ký",
    "signer_title": "Chức vụ người ký",
    "urgency": "Độ khẩn",
    "confidentiality": "Độ mật",
    "circulation": "Phạm vi lưu hành",
    "copies": "Số lượng bản",
    "reply_to": "Trả lời văn bản đến",
    "replaces": "Thay thế văn bản",
    "attachments": "Tệp đính kèm",
    "appendices": "Phụ lục",
}
SUBJECT_LABEL = "Trích yếu"
BODY_LABEL = "Nội dung"


@dataclass(frozen=True)
class VersionView:
    """One saved version as the comparison needs it (from an `OutgoingVersion`)."""

    number: int
    subject: str
    body_html: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """One row of the comparison.

    `old_html`/`new_html` are escaped text with the differing words in <del>/<ins>;
    `diff_html` is the same as one line (both marks). All three are safe to render.
    `old_index`/`new_index` number body paragraphs from 1 on each side.
    """

    section: str  # subject, field, body
    kind: str  # equal, added, removed, changed
    label: str
    old_text: str
    new_text: str
    old_html: Markup
    new_html: Markup
    diff_html: Markup
    old_index: int | None = None
    new_index: int | None = None


def compare_versions(old: VersionView, new: VersionView) -> list[Change]:
    """Subject (when changed), changed fields, then the body paragraph by paragraph."""
    changes: list[Change] = []
    old_subject, new_subject = clean(old.subject), clean(new.subject)
    if old_subject != new_subject:
        changes.append(_text_change(SUBJECT_SECTION, SUBJECT_LABEL, old_subject, new_subject))
    changes.extend(_field_changes(old.fields or {}, new.fields or {}))
    changes.extend(_body_changes(body_blocks(old.body_html), body_blocks(new.body_html)))
    return changes


def _kind(old: str | Sequence[str], new: str | Sequence[str]) -> str:
    if old == new:
        return EQUAL
    if not old:
        return ADDED
    if not new:
        return REMOVED
    return CHANGED


def _text_change(
    section: str,
    label: str,
    old: str,
    new: str,
    old_index: int | None = None,
    new_index: int | None = None,
) -> Change:
    old_html, new_html, diff_html = _marked(_tokens(old), _tokens(new))
    return Change(section, _kind(old, new), label, old, new, old_html, new_html, diff_html,
                  old_index, new_index)  # fmt: skip


# fields


def _field_items(value: Any) -> list[str]:
    """A field's value as display items: lists item by item, text line by line."""
    if value is None:
        return []
    if isinstance(value, bool):
        return ["Có" if value else "Không"]
    if isinstance(value, (list, tuple)):
        return [item for v in value for item in _field_items(v)]
    if isinstance(value, str):
        return [line for line in (clean(part) for part in value.splitlines()) if line]
    return [clean(str(value))]


def _field_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterable[Change]:
    known = [key for key in FIELD_LABELS if key in old or key in new]
    unknown = sorted((set(old) | set(new)) - set(FIELD_LABELS))
    for key in known + unknown:
        before, after = _field_items(old.get(key)), _field_items(new.get(key))
        if before == after:
            continue
        label = FIELD_LABELS.get(key, key)
        if len(before) <= 1 and len(after) <= 1:
            yield _text_change(FIELD_SECTION, label, "".join(before), "".join(after))
            continue
        # Lists (recipients, addressees) compare item by item: a moved "Nơi nhận" line is
        # one line removed and one added, not a jumble of words.
        old_html, new_html, diff_html = _marked(_joined(before), _joined(after))
        yield Change(FIELD_SECTION, _kind(before, after), label, "; ".join(before),
                     "; ".join(after), old_html, new_html, diff_html)  # fmt: skip


def _joined(items: list[str]) -> list[str]:
    out: list[str] = []
    for index, item in enumerate(items):
        out.append(item if index == len(items) - 1 else f"{item}; ")
    return out


# body


_PARAGRAPH_TAGS = frozenset({"p", "li", "h3", "h4"})
_CONTAINER_TAGS = frozenset({"blockquote", "ul", "ol", "table", "thead", "tbody", "div"})


def body_blocks(html: str | None) -> list[str]:
    """The plain text of each block of a body: paragraph, list item, heading, table row.

    A table row is one block with its cells joined by " | "; a list item's own text is
    one block and its nested items follow it. Text is NFC with whitespace collapsed, so
    a change of keyboard mode or spacing is not reported as a change.
    """
    if not html or not html.strip():
        return []
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    out: list[str] = []
    _collect_blocks(root, out)
    return out


def _collect_blocks(element: Any, out: list[str]) -> None:
    buffer = [element.text or ""]

    def flush() -> None:
        text = clean("".join(buffer))
        if text:
            out.append(text)
        buffer.clear()

    for child in element:
        tag = _tag(child)
        if tag == "tr":
            flush()
            cells = [clean(c.text_content()) for c in child if _tag(c) in ("td", "th")]
            if any(cells):
                out.append(" | ".join(cells))
        elif tag in _PARAGRAPH_TAGS or tag in _CONTAINER_TAGS or tag in ("td", "th"):
            flush()
            _collect_blocks(child, out)
        elif tag == "br":
            buffer.append(" ")
        elif tag:
            buffer.append(child.text_content())
        buffer.append(child.tail or "")
    flush()


_SIMILAR = 0.5  # below this two paragraphs are a removal and an addition, not an edit
_ALIGN_LIMIT = 2500  # pairs scored when aligning a replaced stretch (m × n)


def _body_changes(old: list[str], new: list[str]) -> list[Change]:
    rows: list[Change] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for offset in range(i2 - i1):
                i, j = i1 + offset, j1 + offset
                rows.append(_text_change(BODY_SECTION, BODY_LABEL, old[i], new[j], i + 1, j + 1))
            continue
        for i, j in _align(old, new, range(i1, i2), range(j1, j2)):
            rows.append(
                _text_change(
                    BODY_SECTION,
                    BODY_LABEL,
                    old[i] if i is not None else "",
                    new[j] if j is not None else "",
                    i + 1 if i is not None else None,
                    j + 1 if j is not None else None,
                )
            )
    return rows


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _tokens(a), _tokens(b), autojunk=False).ratio()


def _align(
    old: list[str], new: list[str], olds: range, news: range
) -> list[tuple[int | None, int | None]]:
    """Pair the paragraphs of a replaced stretch that are edits of each other.

    A small dynamic programme keeps the order and maximises the total similarity of the
    pairs; what stays unpaired was removed or added. Very long stretches are not
    scored (cost grows with m × n) and come out as removals then additions.
    """
    m, n = len(olds), len(news)
    if m * n > _ALIGN_LIMIT:
        return [(i, None) for i in olds] + [(None, j) for j in news]
    sim = [[_similarity(old[i], new[j]) for j in news] for i in olds]
    best = [[0.0] * (n + 1) for _ in range(m + 1)]
    for a in range(m - 1, -1, -1):
        for b in range(n - 1, -1, -1):
            pair = best[a + 1][b + 1] + sim[a][b] if sim[a][b] >= _SIMILAR else -1.0
            best[a][b] = max(best[a + 1][b], best[a][b + 1], pair)
    out: list[tuple[int | None, int | None]] = []
    a = b = 0
    while a < m or b < n:
        if (
            a < m
            and b < n
            and sim[a][b] >= _SIMILAR
            and best[a][b] == best[a + 1][b + 1] + sim[a][b]
        ):
            out.append((olds[a], news[b]))
            a, b = a + 1, b + 1
        elif a < m and (b == n or best[a][b] == best[a + 1][b]):
            out.append((olds[a], None))
            a += 1
        else:
            out.append((None, news[b]))
            b += 1
    return out


# word-level marks

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _marked(old: Sequence[str], new: Sequence[str]) -> tuple[Markup, Markup, Markup]:
    """Escaped old and new text with <del>/<ins> around what differs, and both in one.

    A lone space between two changed words joins them into one mark, so "a b" → "c d"
    reads as one replacement rather than two with a space kept in the middle.
    """
    matcher = difflib.SequenceMatcher(None, list(old), list(new), autojunk=False)
    segments = [
        [op == "equal", "".join(old[i1:i2]), "".join(new[j1:j2])]
        for op, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    for index in range(1, len(segments) - 1):
        same, text, _ = segments[index]
        if same and text.isspace() and not segments[index - 1][0] and not segments[index + 1][0]:
            segments[index][0] = False
    merged: list[list[Any]] = []
    for segment in segments:
        if merged and not segment[0] and not merged[-1][0]:
            merged[-1][1] += segment[1]
            merged[-1][2] += segment[2]
        else:
            merged.append(list(segment))
    old_html, new_html, diff_html = [], [], []
    for same, before, after in merged:
        if same:
            old_html.append(escape(before))
            new_html.append(escape(after))
            diff_html.append(escape(after))
            continue
        if before:
            old_html.append(Markup("<del>{}</del>").format(before))
            diff_html.append(Markup("<del>{}</del>").format(before))
        if after:
            new_html.append(Markup("<ins>{}</ins>").format(after))
            diff_html.append(Markup("<ins>{}</ins>").format(after))
    return Markup("").join(old_html), Markup("").join(new_html), Markup("").join(diff_html)
