"""Signed PDFs received at intake: their signatures are checked before the number is taken
and the document card shows valid, invalid or unknown issuer, with the signer's name."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
from sqlalchemy import select

from eoffice.extensions import db
from eoffice.incoming.attachments import Upload
from eoffice.incoming.models import SignatureCheck
from eoffice.incoming.signatures import signature_cards
from eoffice.signing import services as signing
from eoffice.signing.certificates import issue_identity, load_identity, make_test_ca
from eoffice.signing.pdfsign import sign_pdf
from tests import factories

MOMENT = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)


def _signed(ca, name: str) -> bytes:
    identity = load_identity(issue_identity(ca, name, password=b"pw"), "pw")
    return sign_pdf(
        factories.pdf_bytes("Cong van da ky so"),  # ASCII: found as is in the bytes below
        identity,
        field_name="ChuKy",
        page_index=0,
        box=(300, 100, 500, 160),
        reason="Ký ban hành",
        location="Quận 1",
        signing_time=MOMENT,
    )


def test_valid_changed_and_unknown_signatures_are_told_apart(app, world):
    known, stranger = make_test_ca("CA tin cậy"), make_test_ca("CA lạ")
    signing.register_trust_anchor("CA tin cậy", known.certificate_pem)
    good = _signed(known, "Nguyễn Văn Ký")
    changed = bytearray(_signed(known, "Lê Thị Sửa"))
    title = changed.index(b"Cong van da ky so")  # in the original revision: signed
    assert title < changed.index(b"/Contents <")
    changed[title] = ord("X")  # the title, changed after signing
    unknown = _signed(stranger, "Trần Văn Lạ")
    doc = factories.register(
        world.school_a.clerk,
        [
            Upload("hop-le.pdf", good),
            Upload("bi-sua.pdf", bytes(changed)),
            Upload("khong-ro.pdf", unknown),
            Upload("khong-ky.pdf", factories.pdf_bytes()),
        ],
    )
    cards = signature_cards(doc)
    by_name = {a.original_name: cards.get(a.id) for a in doc.attachments}
    assert [(r["verdict"], r["signer_cn"]) for r in by_name["hop-le.pdf"]] == [
        ("valid", "Nguyễn Văn Ký")
    ]
    assert by_name["bi-sua.pdf"][0]["verdict"] == "invalid"
    assert [(r["verdict"], r["signer_cn"]) for r in by_name["khong-ro.pdf"]] == [
        ("unknown_issuer", "Trần Văn Lạ")
    ]
    assert by_name["khong-ky.pdf"] is None  # an unsigned file shows nothing
    assert len(db.session.scalars(select(SignatureCheck)).all()) == 4

    client = app.test_client()
    factories.login(client, world.school_a.clerk)
    page = lxml.html.fromstring(client.get(f"/incoming/{doc.id}").data)
    text = page.text_content()
    assert "Hợp lệ" in text and "Nguyễn Văn Ký" in text
    assert "Không rõ tổ chức cấp chứng thư" in text and "Không hợp lệ" in text
