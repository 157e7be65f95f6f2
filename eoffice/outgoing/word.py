"""Working on a draft in Word: export it as DOCX, upload the edited file as a new version,
and compare any two versions.

The layout rules stay with the PDF (eoffice.outgoing.layout): the DOCX is the drafter's
editable copy, so only its body (and the subject, if changed) comes back on upload
(eoffice.outgoing.docx_io finds them); the file uploaded is kept with its version.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from eoffice.core.models import StoredFile
from eoffice.extensions import db
from eoffice.incoming.attachments import file_store
from eoffice.orgs.models import User
from eoffice.outgoing.docx_io import (
    Change,
    DocxDraft,
    VersionView,
    compare_versions,
    export_docx,
    import_docx,
)
from eoffice.outgoing.drafting import draft_input_from, load_own_draft, update_draft
from eoffice.outgoing.involvement import get_visible
from eoffice.outgoing.issuing import layout_for
from eoffice.outgoing.models import OutgoingDocument, OutgoingVersion

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_name(doc: OutgoingDocument) -> str:
    return f"du-thao-{doc.id}-v{doc.version}.docx"


def export_draft(actor: User, doc_id: int) -> tuple[bytes, str]:
    """The document as the drafter's editable DOCX, worded like its PDF."""
    doc = get_visible(actor, doc_id)
    page = layout_for(doc)
    data = export_docx(
        DocxDraft(
            org_name=page.org_name,
            parent_name=page.parent_name,
            subject=page.subject,
            body_html=page.body_html,
            type_name=page.type_name,
            number_line=page.number_line,
            place_date=page.place_date,
            addressees=page.kinh_gui,
            capacity_line=page.signature.capacity_line,
            signer_title=page.signature.title,
            signer_name=page.signature.name,
            recipients=page.recipients,
            author=doc.drafter.full_name,
        )
    )
    return data, docx_name(doc)


@dataclass(frozen=True)
class Upload:
    doc: OutgoingDocument
    warnings: list[str]


def upload_docx(actor: User, doc_id: int, data: bytes, *, note: str | None = None) -> Upload:
    """The edited DOCX becomes the draft's next version; the file is kept with it.

    Refused (and nothing saved) unless the actor drafts it, it is a draft, and the file is
    a real DOCX within the size and zip-bomb limits.
    """
    doc = load_own_draft(actor, doc_id)
    imported = import_docx(data)
    values = draft_input_from(doc)
    values.body_html = imported.body_html
    values.body_text = None
    if imported.subject:
        values.subject = imported.subject
    stored = _store_docx(data)
    updated = update_draft(
        actor,
        doc.id,
        values,
        note=note or "Tải lên tệp DOCX đã sửa",
        source="docx",
        docx_file_id=stored.id,
    )
    return Upload(updated, imported.warnings)


def _store_docx(data: bytes) -> StoredFile:
    digest = file_store().put(data)
    row = db.session.scalars(select(StoredFile).where(StoredFile.sha256 == digest)).first()
    if row is None:
        row = StoredFile(sha256=digest, size=len(data), mime_type=DOCX_MIME, kind="docx")
        db.session.add(row)
        db.session.flush()
    return row


def versions(actor: User, doc_id: int) -> list[OutgoingVersion]:
    doc = get_visible(actor, doc_id)
    return list(
        db.session.scalars(
            select(OutgoingVersion)
            .where(OutgoingVersion.document_id == doc.id)
            .order_by(OutgoingVersion.number)
        )
    )


def _view(version: OutgoingVersion) -> VersionView:
    return VersionView(version.number, version.subject, version.body_html, version.fields or {})


def compare(actor: User, doc_id: int, old: int, new: int) -> list[Change]:
    """What changed from version `old` to version `new` of a document the actor may see."""
    from eoffice.core.errors import NotFound

    by_number = {v.number: v for v in versions(actor, doc_id)}
    if old not in by_number or new not in by_number:
        raise NotFound("Không có phiên bản này của dự thảo.")
    return compare_versions(_view(by_number[old]), _view(by_number[new]))
