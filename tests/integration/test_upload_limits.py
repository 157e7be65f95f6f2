"""Upload limits on every way a file comes in (decision 0025): the intake (web and API),
the DOCX import of a draft, and the edXML packets of the exchange. Zip containers are
judged from their directory before python-docx, openpyxl or mammoth opens them."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest

from eoffice.auth.services import create_api_token
from eoffice.core.errors import ValidationFailed
from eoffice.exchange import edxml
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload
from eoffice.incoming.models import IncomingAttachment, IncomingDocument
from eoffice.outgoing import drafting, word
from eoffice.outgoing.docx_io import INVALID_DOCX, import_docx
from eoffice.outgoing.models import OutgoingDocument
from tests import factories
from tests.exchange_support import a_document


def _docx_with(extra: dict[str, bytes], base: bytes | None = None) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base or factories.docx_bytes())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        for name, data in extra.items():
            dst.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_bomb_docx() -> bytes:
    """A DOCX of some 10 KB with one member inflating to 10 MB (a ratio of ~1000)."""
    return _docx_with({"word/media/image1.png": b"\0" * (10 * 1024 * 1024)})


def traversal_docx() -> bytes:
    return _docx_with({"../../../../tmp/evil.sh": b"#!/bin/sh\n"})


@pytest.mark.parametrize(
    ("make", "fragment"),
    [(zip_bomb_docx, "giải nén quá lớn"), (traversal_docx, "tên không hợp lệ")],
)
def test_the_intake_refuses_hostile_docx_and_saves_nothing(world, make, fragment):
    with pytest.raises(ValidationFailed) as refused:
        factories.register(world.school_a.clerk, [Upload("Phụ lục.docx", make())])
    assert fragment in refused.value.field_errors["files"]
    db.session.rollback()
    assert db.session.query(IncomingDocument).count() == 0


def test_the_api_refuses_a_zip_bomb_in_base64(app, world):
    _, token = create_api_token(world.school_a.clerk, "nhập liệu")
    db.session.commit()
    body = {
        "sender_name": "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
        "symbol": "3337/GDĐT-TTTT",
        "document_date": "2026-09-19",
        "document_type_id": factories.type_id(),
        "subject": "Hướng dẫn thực hiện nhiệm vụ năm học 2026 - 2027",
        "files": [
            {
                "name": "Phụ lục.docx",
                "content_base64": base64.b64encode(zip_bomb_docx()).decode(),
            }
        ],
    }
    response = app.test_client().post(
        "/api/v1/incoming", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422
    assert "giải nén quá lớn" in response.json["error"]["fields"]["files"]


def test_file_names_are_cleaned_at_intake(world):
    names = [
        "hoa-don\u202egpj.exe.pdf",  # the right-to-left override would show "…exe.jpg"
        "C:\\fakepath\\..\\Công văn\u200b.pdf",
        "../../etc/passwd.pdf",
    ]
    doc = factories.register(
        world.school_a.clerk, [Upload(n, factories.pdf_bytes(n[:5])) for n in names]
    )
    stored = [
        a.original_name
        for a in db.session.query(IncomingAttachment)
        .filter_by(document_id=doc.id)
        .order_by(IncomingAttachment.position)
    ]
    assert stored == ["hoa-dongpj.exe.pdf", "Công văn.pdf", "passwd.pdf"]


def test_a_renamed_docx_that_is_really_a_zip_of_something_else_is_refused(world):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.exe", b"MZ")
    with pytest.raises(ValidationFailed) as refused:
        factories.register(world.school_a.clerk, [Upload("a.docx", out.getvalue())])
    assert "không phải là tệp DOCX" in refused.value.field_errors["files"]


@pytest.mark.parametrize("make", [zip_bomb_docx, traversal_docx])
def test_the_docx_import_refuses_before_opening(make, monkeypatch):
    import mammoth

    def never(*_args, **_kwargs):
        raise AssertionError("mammoth opened a hostile file")

    monkeypatch.setattr(mammoth, "convert_to_html", never)
    with pytest.raises(ValidationFailed) as refused:
        import_docx(make())
    assert refused.value.field_errors == {"file": INVALID_DOCX}


def test_a_drafter_uploading_a_bomb_keeps_the_draft_unchanged(world):
    staff = world.district.staff
    doc = drafting.create_draft(staff, factories.outgoing_plan(world, world.school_a))
    base, _name = word.export_draft(staff, doc.id)  # the drafter's own exported file
    with pytest.raises(ValidationFailed):
        word.upload_docx(staff, doc.id, _docx_with({"word/../../x.xml": b"x"}, base))
    db.session.rollback()
    assert db.session.get(OutgoingDocument, doc.id).version == 1


def test_an_edxml_packet_with_too_many_attachments_is_refused():
    pdf = b"%PDF-1.7 ..."
    many = tuple(
        edxml.Attachment(f"f{i}", f"{i}.pdf", "application/pdf", pdf)
        for i in range(edxml.MAX_ATTACHMENTS + 1)
    )
    data = edxml.build_document(a_document(attachments=many))
    with pytest.raises(edxml.PacketRefused, match="vượt quá 100 tệp"):
        edxml.parse_packet(data)
    few = edxml.build_document(a_document(attachments=many[: edxml.MAX_ATTACHMENTS]))
    assert len(edxml.parse_packet(few).attachments) == edxml.MAX_ATTACHMENTS


def test_an_oversized_edxml_packet_is_refused_before_parsing():
    with pytest.raises(edxml.PacketRefused, match="vượt quá giới hạn"):
        edxml.parse_packet(b"<" + b"x" * 2000, max_bytes=1000)
