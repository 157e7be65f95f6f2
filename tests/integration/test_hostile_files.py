"""Hostile uploads: PDFs carrying JavaScript, and file names that try to leave their place."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, TextStringObject

from eoffice.casefiles import files
from eoffice.casefiles.export import build_zip
from eoffice.core.errors import ValidationFailed
from eoffice.core.filetypes import PDF_ACTIVE_MESSAGE, check_upload, pdf_has_active_content
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload
from eoffice.incoming.models import IncomingAttachment
from tests import factories
from tests.casefile_support import file_outside_list

LIMIT = 20 * 1024 * 1024


def _written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def open_action_js_pdf() -> bytes:
    """A one-page PDF whose catalogue runs JavaScript when it is opened."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('x');"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return _written(writer)


def page_aa_launch_pdf() -> bytes:
    """A page that launches a program when it is shown (/AA with /Launch)."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    launch = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
    )
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): launch})
    return _written(writer)


def object_stream_js_pdf() -> bytes:
    """The JavaScript action inside a compressed object stream, with an xref stream: the
    raw bytes never show /JavaScript, only the parsed objects do."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /S /JavaScript /JS (app.alert(1)) >>",
    ]
    body, offsets = b"", []
    for obj in objects:
        offsets.append(len(body))
        body += obj + b"\n"
    header = b" ".join(f"{n} {off}".encode() for n, off in zip(range(1, 5), offsets, strict=True))
    header += b"\n"
    packed = zlib.compress(header + body)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    objstm_at = len(out)
    out += (
        f"5 0 obj\n<< /Type /ObjStm /N 4 /First {len(header)} /Filter /FlateDecode "
        f"/Length {len(packed)} >>\nstream\n".encode()
        + packed
        + b"\nendstream\nendobj\n"
    )
    xref_at = len(out)
    rows = [bytes([0]) + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")]
    rows += [bytes([2]) + (5).to_bytes(4, "big") + i.to_bytes(2, "big") for i in range(4)]
    rows += [bytes([1]) + objstm_at.to_bytes(4, "big") + (0).to_bytes(2, "big")]
    rows += [bytes([1]) + xref_at.to_bytes(4, "big") + (0).to_bytes(2, "big")]
    data = b"".join(rows)
    out += (
        f"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length {len(data)} >>\n"
        "stream\n".encode()
        + data
        + f"\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n".encode()
    )
    return bytes(out)


def test_the_generated_pdfs_are_what_they_claim():
    hidden = object_stream_js_pdf()
    assert b"JavaScript" not in hidden  # compressed: only a parser finds it
    for data in (open_action_js_pdf(), page_aa_launch_pdf(), hidden):
        with pytest.raises(ValueError, match="JavaScript"):
            check_upload("x.pdf", data, max_bytes=LIMIT)
    assert not pdf_has_active_content(factories.pdf_bytes())


def stream_with_name_like_bytes_pdf() -> bytes:
    """An ordinary PDF whose stream data holds "/JS", "/AA" and "/J#61vaScript" by
    chance: a page naming its font /JS and its graphics state /AA, and a binary stream
    (as a scan's image data may hold any bytes)."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    content = DecodedStreamObject()
    content.set_data(b"q /AA gs BT /JS 12 Tf (Cong van) Tj ET Q")
    page[NameObject("/Contents")] = writer._add_object(content)
    noise = DecodedStreamObject()
    noise.set_data(bytes(range(256)) + b"\x00/JS\x01/AA\x02/J#61vaScript /Launch" * 50)
    writer._root_object[NameObject("/Noise")] = writer._add_object(noise)
    return _written(writer)


def test_names_inside_stream_data_are_not_mistaken_for_actions():
    data = stream_with_name_like_bytes_pdf()
    assert b"/JS" in data and b"/AA" in data  # the bytes are there, in streams only
    assert not pdf_has_active_content(data)
    check_upload("scan.pdf", data, max_bytes=LIMIT)


def test_hex_escaped_names_are_recognised():
    escaped = open_action_js_pdf().replace(b"/JavaScript", b"/J#61vaScript")
    escaped = escaped.replace(b"/JS ", b"/J#53 ")
    assert b"/JavaScript" not in escaped and b"/JS " not in escaped
    assert pdf_has_active_content(escaped)


@pytest.mark.parametrize(
    "make",
    [open_action_js_pdf, page_aa_launch_pdf, object_stream_js_pdf],
    ids=lambda make: make.__name__,
)
def test_registering_a_pdf_with_javascript_is_refused(world, make):
    with pytest.raises(ValidationFailed) as refused:
        factories.register(world.school_a.clerk, [Upload("Công văn.pdf", make())])
    message = refused.value.field_errors["files"]
    assert message == f"Tệp “Công văn.pdf”: {PDF_ACTIVE_MESSAGE}"
    assert "vui lòng dùng bản PDF không có mã" in message


def test_a_normal_pdf_is_registered(world):
    doc = factories.register(world.school_a.clerk, [Upload("Công văn.pdf", factories.pdf_bytes())])
    assert [a.original_name for a in doc.attachments] == ["Công văn.pdf"]


# File names -------------------------------------------------------------------------------

HOSTILE = {
    "../../etc/passwd.pdf": "passwd.pdf",
    "..\\..\\boot.ini.pdf": "boot.ini.pdf",
    "a\x00b.pdf": "ab.pdf",
    "C:\\Windows\\x.pdf": "x.pdf",
}


def _safe_entry(name: str) -> bool:
    return (
        not name.startswith(("/", "\\"))
        and "\\" not in name
        and ".." not in name.split("/")
        and ":" not in name
        and not any(ord(c) < 32 or ord(c) == 127 for c in name)
    )


def test_uploaded_names_lose_their_directories_and_controls(app, client, world):
    clerk = world.school_a.clerk
    uploads = [Upload(name, factories.pdf_bytes(name)) for name in HOSTILE]
    doc = factories.register(clerk, uploads)
    assert [a.original_name for a in doc.attachments] == list(HOSTILE.values())
    storage = Path(app.config["STORAGE_DIR"]).resolve()
    stored = [p for p in storage.rglob("*") if p.is_file()]
    # Every stored path is <root>/ab/cd/abcd… (SHA-256): no uploaded name reaches the disk.
    assert stored and all(
        p.parent.parent.parent == storage and p.name[:2] == p.parent.parent.name for p in stored
    )
    assert {a.stored_file.sha256 for a in doc.attachments} <= {p.name for p in stored}

    factories.login(client, clerk)
    for attachment in doc.attachments:
        response = client.get(f"/incoming/{doc.id}/files/{attachment.id}")
        assert response.headers["Content-Disposition"] == (
            f"attachment; filename={attachment.original_name}"
        )


def test_a_hostile_stored_name_is_cleaned_in_the_download_header(client, world):
    """A name that reached the database some other way (another agency's packet, an old
    row) still never reaches the browser with a directory part or a line break."""
    clerk = world.school_a.clerk
    doc = factories.register(clerk, [Upload("a.pdf", factories.pdf_bytes())])
    attachment = db.session.get(IncomingAttachment, doc.attachments[0].id)
    attachment.original_name = "../../etc/passwd\r\nX-Evil: 1.pdf"
    db.session.commit()
    factories.login(client, clerk)
    response = client.get(f"/incoming/{doc.id}/files/{attachment.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="passwd X-Evil: 1.pdf"'
    )
    assert "X-Evil" not in response.headers


def test_case_file_zip_entries_stay_inside_the_archive(world):
    office = world.district
    doc = factories.register(
        office.clerk, [Upload(name, factories.pdf_bytes(name)) for name in HOSTILE]
    )
    # And names stored before any cleaning, straight in the rows.
    doc.attachments[0].original_name = "../../../x.pdf"
    doc.attachments[1].original_name = "C:\\boot.ini.pdf"
    db.session.commit()
    case_file = file_outside_list(office, "Hồ sơ thử tên tệp")
    files.add_documents(office.clerk, case_file.id, incoming_ids=[doc.id])
    archive = zipfile.ZipFile(io.BytesIO(build_zip(case_file, lambda done, total: None).read()))
    names = archive.namelist()
    attachments = [n for n in names if "/" in n]
    assert len(attachments) == len(HOSTILE)
    assert all(_safe_entry(n) for n in names), names
    folders = {n.split("/")[0] for n in attachments}
    assert len(folders) == 1 and all(n.count("/") == 1 for n in attachments)
