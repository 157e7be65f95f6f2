"""Digital signatures of received PDFs: checked at intake, shown on the document card.

The check runs while the clerk registers, after the files are stored and before the
arrival number is taken (the book stays unlocked meanwhile), offline against the trust
roots the office configured (eoffice.signing.services.trust_roots). Its verdict per
signature is kept with the file: valid, invalid (changed after signing), or unknown
issuer, with the signer's name.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from eoffice.extensions import db
from eoffice.incoming.attachments import CheckedUpload
from eoffice.incoming.models import IncomingDocument, SignatureCheck

log = logging.getLogger(__name__)


def check_uploads(files: list[CheckedUpload]) -> dict[str, list[dict[str, Any]]]:
    """Each stored PDF's signature reports, by SHA-256; files already checked are skipped."""
    from eoffice.signing.pdfsign import PdfUnreadable, validate_pdf
    from eoffice.signing.services import trust_roots

    pdfs = [f for f in files if f.kind.code == "pdf" and f.sha256]
    if not pdfs:
        return {}
    known = _checked_hashes([f.sha256 for f in pdfs if f.sha256])
    roots: list[bytes] | None = None
    results: dict[str, list[dict[str, Any]]] = {}
    for item in pdfs:
        assert item.sha256 is not None
        if item.sha256 in known or item.sha256 in results:
            continue
        if roots is None:
            roots = trust_roots()
        try:
            reports = validate_pdf(item.upload.data, roots)
        except PdfUnreadable:
            log.warning("PDF %s could not be read for signatures", item.sha256)
            reports = []
        results[item.sha256] = [report.as_json() for report in reports]
    return results


def _checked_hashes(hashes: list[str]) -> set[str]:
    from eoffice.core.models import StoredFile

    return set(
        db.session.scalars(
            select(StoredFile.sha256)
            .join(SignatureCheck, SignatureCheck.stored_file_id == StoredFile.id)
            .where(StoredFile.sha256.in_(hashes))
        )
    )


def record_checks(doc: IncomingDocument, results: dict[str, list[dict[str, Any]]]) -> None:
    """Keep the reports beside the stored files (inside the registering transaction)."""
    for attachment in doc.attachments:
        reports = results.get(attachment.stored_file.sha256)
        if reports is None:
            continue
        db.session.add(SignatureCheck(stored_file_id=attachment.stored_file_id, results=reports))
        results.pop(attachment.stored_file.sha256)
    db.session.flush()


def signature_cards(doc: IncomingDocument) -> dict[int, list[dict[str, Any]]]:
    """The reports to show under each attachment, by attachment id (signed files only)."""
    ids = {a.stored_file_id: a.id for a in doc.attachments}
    if not ids:
        return {}
    checks = db.session.scalars(
        select(SignatureCheck).where(SignatureCheck.stored_file_id.in_(list(ids)))
    )
    return {ids[c.stored_file_id]: c.results for c in checks if c.results}
