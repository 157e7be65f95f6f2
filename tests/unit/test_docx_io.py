"""A draft as a DOCX and back, refusing what is not a DOCX, and comparing versions."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from dataclasses import replace

import docx
import pytest

from eoffice.core.errors import ValidationFailed
from eoffice.outgoing.docx_io import (
    ADDED,
    BODY,
    CHANGED,
    EQUAL,
    HAS_MACROS,
    INVALID_DOCX,
    MAX_ZIP_ENTRIES,
    REMOVED,
    TOO_LARGE,
    DocxDraft,
    VersionView,
    body_blocks,
    compare_versions,
    export_docx,
    import_docx,
)

BODY_HTML = (
    "<h3>I. MỤC ĐÍCH, YÊU CẦU</h3>"
    "<p>Căn cứ <strong>Kế hoạch</strong> của Sở, <em>Phòng Giáo dục</em> hướng dẫn "
    "<u>các trường</u> thực hiện.</p>"
    "<ol><li>Triển khai phần mềm quản lý</li>"
    "<li>Báo cáo định kỳ<ul><li>Hằng tháng</li><li>Cuối học kỳ</li></ul></li></ol>"
    "<ul><li>Thực hiện nghiêm túc</li></ul>"
    "<table><thead><tr><th>STT</th><th>Nội dung báo cáo</th><th>Thời hạn</th></tr></thead>"
    "<tbody><tr><td>1</td><td>Báo cáo đầu năm học</td><td>Trước ngày 15/10</td></tr>"
    "<tr><td>2</td><td>Sơ kết học kỳ I</td><td>Trước ngày 10/01</td></tr></tbody></table>"
    "<p>Đề nghị các đơn vị thực hiện đúng thời hạn.</p>"
)


GAP = "\u00a0" * 5


def _draft(**changes) -> DocxDraft:
    draft = DocxDraft(
        org_name="Phòng Giáo dục và Đào tạo",
        parent_name="Ủy ban nhân dân Quận 3",
        type_name="Kế hoạch",
        subject="Thực hiện nhiệm vụ công nghệ thông tin năm học 2024 - 2025",
        body_html=BODY_HTML,
        number_line="Số:\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0/KH-GDĐT",
        place_date=f"Quận 3, ngày{GAP}tháng{GAP}năm 2024",
        addressees=("Hiệu trưởng các trường mầm non, tiểu học, trung học cơ sở",),
        capacity_line="KT. Trưởng phòng",
        signer_title="Phó Trưởng phòng",
        signer_name="Nguyễn Văn An",
        recipients=("- Như trên;", "- UBND Quận 3 (để báo cáo);", "- Lưu: VT, TTTT."),
        author="Trần Thị Bích",
    )
    return replace(draft, **changes)


def _all_text(document) -> list[str]:
    """Every paragraph's text, table cells included, in reading order."""
    lines: list[str] = []

    def walk(container) -> None:
        for block in container.iter_inner_content():
            if isinstance(block, docx.table.Table):
                for row in block.rows:
                    for cell in row.cells:
                        walk(cell)
            else:
                lines.append(block.text)

    walk(document)
    return lines


def _open(data: bytes):
    return docx.Document(io.BytesIO(data))


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def _refused(data: bytes, message: str = INVALID_DOCX) -> None:
    with pytest.raises(ValidationFailed) as caught:
        import_docx(data)
    assert caught.value.message == message
    assert caught.value.field_errors == {"file": message}


# --- export ---------------------------------------------------------------------------


def test_export_has_the_header_type_subject_body_signature_and_recipients():
    lines = _all_text(_open(export_docx(_draft())))
    for expected in (
        "ỦY BAN NHÂN DÂN QUẬN 3",
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số:\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0/KH-GDĐT",
        "KẾ HOẠCH",
        "Thực hiện nhiệm vụ công nghệ thông tin năm học 2024 - 2025",
        "Kính gửi: Hiệu trưởng các trường mầm non, tiểu học, trung học cơ sở",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "Căn cứ Kế hoạch của Sở, Phòng Giáo dục hướng dẫn các trường thực hiện.",
        "Báo cáo đầu năm học",
        "Nơi nhận:",
        "- Như trên;",
        "- Lưu: VT, TTTT.",
        "KT. TRƯỞNG PHÒNG",
        "PHÓ TRƯỞNG PHÒNG",
        "Nguyễn Văn An",
    ):
        assert expected in lines, expected
    # Reading order: header, type, subject, Kính gửi, body, then the signature block.
    assert lines.index("KẾ HOẠCH") < lines.index("I. MỤC ĐÍCH, YÊU CẦU") < lines.index("Nơi nhận:")
    assert lines.index("KT. TRƯỞNG PHÒNG") < lines.index("Nguyễn Văn An")


def test_export_is_a4_with_the_decree_margins_in_times_new_roman():
    document = _open(export_docx(_draft()))
    section = document.sections[0]
    # Word stores twentieths of a point: compare to the tenth of a millimetre.
    size = [round(length.mm, 1) for length in (section.page_width, section.page_height)]
    assert size == [210, 297]
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm, 1) for m in margins] == [20, 20, 30, 15]
    assert document.styles["Normal"].font.name == "Times New Roman"
    body = document.styles[BODY.name]
    assert 13 <= body.font.size.pt <= 14


def test_export_properties_name_the_subject_and_the_drafter_not_the_library():
    props = _open(export_docx(_draft())).core_properties
    assert props.title == "Thực hiện nhiệm vụ công nghệ thông tin năm học 2024 - 2025"
    assert props.author == "Trần Thị Bích"
    assert "python-docx" not in (props.author, props.last_modified_by)


def test_export_keeps_emphasis_lists_and_a_bordered_table():
    document = _open(export_docx(_draft()))
    runs = {run.text: run for p in document.paragraphs for run in p.runs}
    assert runs["Kế hoạch"].bold and runs["Phòng Giáo dục"].italic and runs["các trường"].underline
    numbered = [
        p.text for p in document.paragraphs if p._p.pPr is not None and p._p.pPr.numPr is not None
    ]
    assert numbered == [
        "Triển khai phần mềm quản lý",
        "Báo cáo định kỳ",
        "Hằng tháng",
        "Cuối học kỳ",
        "Thực hiện nghiêm túc",
    ]
    body_tables = [
        t for t in document.tables if t.style is not None and t.style.name == "Table Grid"
    ]
    assert len(body_tables) == 1
    assert body_tables[0].cell(2, 1).text == "Sơ kết học kỳ I"


def test_export_of_a_cong_van_puts_the_subject_after_vv_and_has_no_type_name():
    lines = _all_text(_open(export_docx(_draft(type_name=None))))
    assert "V/v Thực hiện nhiệm vụ công nghệ thông tin năm học 2024 - 2025" in lines
    assert "KẾ HOẠCH" not in lines


def test_export_writes_nfc_and_drops_what_the_sanitiser_drops():
    decomposed = unicodedata.normalize("NFD", "Kế hoạch tuyển sinh")
    draft = _draft(subject=decomposed, body_html=f"<p>{decomposed}</p><script>alert(1)</script>")
    lines = _all_text(_open(export_docx(draft)))
    assert "Kế hoạch tuyển sinh" in lines
    assert not any("alert" in line for line in lines)


# --- round trip -------------------------------------------------------------------------


def test_round_trip_keeps_emphasis_lists_and_the_table():
    imported = import_docx(export_docx(_draft()))
    assert imported.warnings == []
    assert imported.subject == "Thực hiện nhiệm vụ công nghệ thông tin năm học 2024 - 2025"
    assert imported.body_html == (
        "<h3>I. MỤC ĐÍCH, YÊU CẦU</h3>"
        "<p>Căn cứ <strong>Kế hoạch</strong> của Sở, <em>Phòng Giáo dục</em> hướng dẫn "
        "<u>các trường</u> thực hiện.</p>"
        "<ol><li>Triển khai phần mềm quản lý</li>"
        "<li>Báo cáo định kỳ<ul><li>Hằng tháng</li><li>Cuối học kỳ</li></ul></li></ol>"
        "<ul><li>Thực hiện nghiêm túc</li></ul>"
        "<table><thead><tr><th>STT</th><th>Nội dung báo cáo</th><th>Thời hạn</th></tr></thead>"
        "<tbody><tr><td>1</td><td>Báo cáo đầu năm học</td><td>Trước ngày 15/10</td></tr>"
        "<tr><td>2</td><td>Sơ kết học kỳ I</td><td>Trước ngày 10/01</td></tr></tbody></table>"
        "<p>Đề nghị các đơn vị thực hiện đúng thời hạn.</p>"
    )
    assert unicodedata.is_normalized("NFC", imported.body_html)
    # The frame (header, signature, Nơi nhận) stays out of the body.
    for frame_text in ("CỘNG HÒA", "Kính gửi", "Nơi nhận", "Nguyễn Văn An", "KẾ HOẠCH"):
        assert frame_text not in imported.body_html


def test_a_second_round_trip_changes_nothing():
    once = import_docx(export_docx(_draft()))
    twice = import_docx(export_docx(_draft(body_html=once.body_html)))
    assert twice.body_html == once.body_html


def test_round_trip_of_line_breaks_merged_cells_and_quotes():
    html = (
        "<p>Dòng một<br>Dòng hai</p><blockquote><p>Trích dẫn</p></blockquote>"
        '<table><tbody><tr><td colspan="2">Gộp hai cột</td></tr>'
        "<tr><td>a</td><td>b</td></tr></tbody></table><h4>Tiểu mục</h4>"
    )
    assert import_docx(export_docx(_draft(body_html=html))).body_html == html


def test_cong_van_subject_comes_back_without_vv():
    imported = import_docx(export_docx(_draft(type_name=None, subject="Tổ chức hội thi")))
    assert imported.subject == "Tổ chức hội thi"


def _edited(data: bytes, edit) -> bytes:
    """The exported file as a drafter might change it in Word."""
    document = _open(data)
    edit(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _paragraph_with(document, text: str):
    return next(p for p in document.paragraphs if p.text == text)


def test_edits_in_word_come_back_in_the_body_and_the_new_subject_is_read():
    def edit(document) -> None:
        last = _paragraph_with(document, "Đề nghị các đơn vị thực hiện đúng thời hạn.")
        # Enter at the end of the last body paragraph, text in another style.
        added = last.insert_paragraph_before("Đoạn bổ sung ở cuối.", style="Normal")
        last._p.addnext(added._p)
        # A pasted paragraph right after "Kính gửi", in Word's own style.
        heading = _paragraph_with(document, "I. MỤC ĐÍCH, YÊU CẦU")
        heading.insert_paragraph_before("Đoạn dán vào đầu nội dung.", style="Normal")
        subject = _paragraph_with(
            document, "Thực hiện nhiệm vụ công nghệ thông tin năm học 2024 - 2025"
        )
        subject.runs[0].text = "Thực hiện nhiệm vụ chuyển đổi số năm học 2024 - 2025"

    imported = import_docx(_edited(export_docx(_draft()), edit))
    assert imported.subject == "Thực hiện nhiệm vụ chuyển đổi số năm học 2024 - 2025"
    assert imported.body_html.startswith("<p>Đoạn dán vào đầu nội dung.</p><h3>")
    assert imported.body_html.endswith(
        "<p>Đề nghị các đơn vị thực hiện đúng thời hạn.</p><p>Đoạn bổ sung ở cuối.</p>"
    )
    assert imported.warnings == []


def test_deleting_the_first_and_last_body_paragraphs_keeps_the_region():
    def edit(document) -> None:
        for text in ("I. MỤC ĐÍCH, YÊU CẦU", "Đề nghị các đơn vị thực hiện đúng thời hạn."):
            paragraph = _paragraph_with(document, text)
            paragraph._p.getparent().remove(paragraph._p)

    body = import_docx(_edited(export_docx(_draft()), edit)).body_html
    assert body.startswith("<p>Căn cứ <strong>Kế hoạch</strong>")
    assert body.endswith("</table>")


def test_text_typed_inside_the_frame_is_left_out_with_a_warning():
    def edit(document) -> None:
        _paragraph_with(document, "KẾ HOẠCH").insert_paragraph_before("HỎA TỐC", style="Normal")

    imported = import_docx(_edited(export_docx(_draft()), edit))
    assert "HỎA TỐC" not in imported.body_html
    assert any("“HỎA TỐC”" in warning for warning in imported.warnings)


def test_a_file_without_the_signature_block_is_body_after_the_head_with_a_warning():
    def edit(document) -> None:
        frame = document.tables[-1]
        frame._tbl.getparent().remove(frame._tbl)

    imported = import_docx(_edited(export_docx(_draft()), edit))
    assert imported.body_html.endswith("<p>Đề nghị các đơn vị thực hiện đúng thời hạn.</p>")
    assert len(imported.warnings) == 1 and "khối chữ ký" in imported.warnings[0]


def test_any_other_docx_is_all_body_in_nfc():
    document = docx.Document()
    document.add_heading("Báo cáo", level=1)
    document.add_paragraph(unicodedata.normalize("NFD", "Tình hình thực hiện nhiệm vụ"))
    paragraph = document.add_paragraph("Nội dung ")
    paragraph.add_run("quan trọng").bold = True
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Trường", "Số lượng"
    out = io.BytesIO()
    document.save(out)

    imported = import_docx(out.getvalue())
    assert imported.subject is None
    assert imported.warnings == []
    assert imported.body_html == (
        "<h3>Báo cáo</h3><p>Tình hình thực hiện nhiệm vụ</p>"
        "<p>Nội dung <strong>quan trọng</strong></p>"
        "<table><tbody><tr><td>Trường</td><td>Số lượng</td></tr></tbody></table>"
    )


# --- refusing what is not a DOCX -----------------------------------------------------------


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(50)


def test_a_png_renamed_docx_is_refused():
    _refused(PNG)


def test_a_zip_without_a_word_document_is_refused():
    _refused(_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}))


def test_a_truncated_zip_is_refused():
    _refused(export_docx(_draft())[:2000])


def test_a_zip_with_broken_xml_is_refused():
    data = export_docx(_draft())
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = {name: source.read(name) for name in source.namelist()}
    entries["word/document.xml"] = b"<w:document><not-closed>"
    _refused(_zip(entries))


def _bomb(size: int) -> bytes:
    """A DOCX-shaped zip with one entry of `size` zero bytes, written in chunks (cheap)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")
        chunk = bytes(1024 * 1024)
        with archive.open("word/media/image1.bin", "w", force_zip64=True) as entry:
            for _ in range(size // len(chunk)):
                entry.write(chunk)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_anything_is_inflated():
    data = _bomb(200 * 1024 * 1024)
    assert len(data) < 1024 * 1024  # tiny on the wire
    _refused(data)


def test_a_highly_compressed_entry_under_the_total_cap_is_refused_by_its_ratio():
    _refused(_bomb(30 * 1024 * 1024))


def test_too_many_entries_are_refused():
    entries = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}
    entries.update({f"word/media/{i}.txt": b"x" for i in range(MAX_ZIP_ENTRIES)})
    _refused(_zip(entries))


def test_an_oversized_upload_is_refused_with_its_own_message():
    _refused(b"PK\x03\x04" + bytes(20 * 1024 * 1024), TOO_LARGE)


def test_a_docx_with_macros_is_refused():
    data = export_docx(_draft())
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = {name: source.read(name) for name in source.namelist()}
    entries["word/vbaProject.bin"] = b"macro"
    _refused(_zip(entries), HAS_MACROS)


# --- comparing versions ---------------------------------------------------------------------


def _version(number: int, subject: str, body: str, **fields) -> VersionView:
    return VersionView(number=number, subject=subject, body_html=body, fields=fields)


def test_body_paragraphs_are_marked_equal_removed_changed_and_added():
    old = _version(
        1,
        "Kế hoạch",
        "<p>Giữ nguyên đoạn này.</p><p>Đoạn này sẽ bị xóa hẳn khỏi văn bản.</p>"
        "<p>Hạn nộp báo cáo trước ngày 15 hằng tháng.</p>",
    )
    new = _version(
        2,
        "Kế hoạch",
        "<p>Giữ nguyên đoạn này.</p><p>Hạn nộp báo cáo trước ngày 20 hằng tháng.</p>"
        "<p>Bổ sung một đoạn mới hoàn toàn.</p>",
    )
    rows = compare_versions(old, new)
    assert [(r.section, r.kind) for r in rows] == [
        ("body", EQUAL),
        ("body", REMOVED),
        ("body", CHANGED),
        ("body", ADDED),
    ]
    equal, removed, changed, added = rows
    assert (equal.old_index, equal.new_index) == (1, 1)
    assert removed.old_text == "Đoạn này sẽ bị xóa hẳn khỏi văn bản." and removed.new_index is None
    assert str(removed.old_html) == "<del>Đoạn này sẽ bị xóa hẳn khỏi văn bản.</del>"
    assert str(changed.old_html) == "Hạn nộp báo cáo trước ngày <del>15</del> hằng tháng."
    assert str(changed.new_html) == "Hạn nộp báo cáo trước ngày <ins>20</ins> hằng tháng."
    assert (
        str(changed.diff_html)
        == "Hạn nộp báo cáo trước ngày <del>15</del><ins>20</ins> hằng tháng."
    )
    assert (changed.old_index, changed.new_index) == (3, 2)
    assert str(added.new_html) == "<ins>Bổ sung một đoạn mới hoàn toàn.</ins>"
    assert added.old_index is None and added.new_index == 3


def test_subject_and_field_changes_are_listed_with_vietnamese_labels():
    old = _version(
        1,
        "Kế hoạch tuyển sinh",
        "<p>A</p>",
        signer="Nguyễn Văn An",
        urgency=None,
        copies=30,
        recipients=["Như trên", "Lưu: VT"],
    )
    new = _version(
        2,
        "Kế hoạch tuyển sinh năm học 2025",
        "<p>A</p>",
        signer="Lê Thị Hoa",
        urgency="Khẩn",
        copies=30,
        recipients=["Như trên", "UBND Quận 3", "Lưu: VT"],
    )
    rows = [r for r in compare_versions(old, new) if r.section != "body"]
    assert [(r.section, r.label, r.kind) for r in rows] == [
        ("subject", "Trích yếu", CHANGED),
        ("field", "Nơi nhận", CHANGED),
        ("field", "Người ký", CHANGED),
        ("field", "Độ khẩn", ADDED),
    ]
    subject, recipients, signer, urgency = rows
    assert str(subject.new_html) == "Kế hoạch tuyển sinh<ins> năm học 2025</ins>"
    assert str(recipients.new_html) == "Như trên; <ins>UBND Quận 3; </ins>Lưu: VT"
    assert (signer.old_text, signer.new_text) == ("Nguyễn Văn An", "Lê Thị Hoa")
    assert str(urgency.new_html) == "<ins>Khẩn</ins>"


def test_html_in_the_text_is_escaped_in_the_comparison():
    old = _version(1, "Về <b>việc</b>", "<p>Giá trị a &lt; b &amp; c</p>")
    new = _version(
        2, "Về <i>việc</i>", "<p>Giá trị a &lt; b &amp; d &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )
    rows = compare_versions(old, new)
    rendered = "".join(str(r.old_html) + str(r.new_html) + str(r.diff_html) for r in rows)
    assert "<script>" not in rendered and "<b>" not in rendered and "<i>" not in rendered
    assert "&lt;script&gt;" in rendered
    assert "a &lt; b &amp; " in str(rows[-1].new_html)
    assert rows[0].new_text == "Về <i>việc</i>"  # the plain text, unescaped


def test_keyboard_mode_and_spacing_alone_are_not_changes():
    composed = "<p>Hướng dẫn   thực hiện</p>"
    decomposed = unicodedata.normalize("NFD", "<p>Hướng dẫn thực hiện</p>")
    rows = compare_versions(_version(1, "Kế hoạch", composed), _version(2, "Kế hoạch", decomposed))
    assert [r.kind for r in rows] == [EQUAL]


def test_body_blocks_split_list_items_headings_and_table_rows():
    assert body_blocks(BODY_HTML) == [
        "I. MỤC ĐÍCH, YÊU CẦU",
        "Căn cứ Kế hoạch của Sở, Phòng Giáo dục hướng dẫn các trường thực hiện.",
        "Triển khai phần mềm quản lý",
        "Báo cáo định kỳ",
        "Hằng tháng",
        "Cuối học kỳ",
        "Thực hiện nghiêm túc",
        "STT | Nội dung báo cáo | Thời hạn",
        "1 | Báo cáo đầu năm học | Trước ngày 15/10",
        "2 | Sơ kết học kỳ I | Trước ngày 10/01",
        "Đề nghị các đơn vị thực hiện đúng thời hạn.",
    ]
    assert body_blocks("") == []


def test_a_version_from_word_and_one_from_the_form_compare_equal():
    form = _version(1, "Kế hoạch", BODY_HTML)
    word = _version(2, "Kế hoạch", import_docx(export_docx(_draft())).body_html)
    assert {r.kind for r in compare_versions(form, word)} == {EQUAL}


def test_overlapping_spans_are_cut_back_instead_of_failing():
    html = (
        '<table><tbody><tr><td>a</td><td rowspan="2">b</td></tr>'
        '<tr><td colspan="3">c</td></tr></tbody></table>'
    )
    body = import_docx(export_docx(_draft(body_html=html))).body_html
    assert body_blocks(body) == ["a | b", "c"]


def test_pictures_are_left_out_with_a_warning():
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(picture, format="PNG")
    document = docx.Document()
    document.add_paragraph("Sơ đồ tổ chức:")
    document.add_picture(io.BytesIO(picture.getvalue()))
    out = io.BytesIO()
    document.save(out)

    imported = import_docx(out.getvalue())
    assert imported.body_html == "<p>Sơ đồ tổ chức:</p>"
    assert imported.warnings == [
        "Tệp có 1 hình ảnh trong nội dung; hình ảnh không được đưa vào nội dung văn bản, "
        "hãy đính kèm thành tệp riêng nếu cần."
    ]
