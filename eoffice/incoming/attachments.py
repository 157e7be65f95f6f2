"""Files of incoming documents: validation by their bytes, storage by their hash.

Three steps, in the order registration needs them: `validate_uploads` (no writes),
`store_blobs` (bytes to disk, fsync'd, before any number is taken: a large scan must
not be written while the register book's row is locked) and `attach_files` (the rows,
inside the registering transaction).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eoffice.core.errors import NotFound, ValidationFailed
from eoffice.core.filetypes import FileKind, FileRejected, check_upload, safe_filename
from eoffice.core.models import StoredFile
from eoffice.core.storage import FileStore
from eoffice.extensions import db
from eoffice.incoming.access import get_visible
from eoffice.incoming.models import IncomingAttachment, IncomingDocument
from eoffice.orgs.models import User


@dataclass
class Upload:
    """One uploaded file as received: the name the user's computer gave it, and its bytes."""

    filename: str
    data: bytes


@dataclass
class CheckedUpload:
    upload: Upload
    kind: FileKind
    sha256: str | None = None  # set by store_blobs


def file_store() -> FileStore:
    return FileStore(current_app.config["STORAGE_DIR"])


def display_name(filename: str) -> str:
    """Keep the Vietnamese name (NFC) but drop any directory part a browser may send,
    control and bidirectional characters (`core.filetypes.safe_filename`)."""
    return safe_filename(filename)


def validate_uploads(uploads: list[Upload], *, already: int = 0) -> list[CheckedUpload]:
    """Check every file; report all problems at once under the 'files' field."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    max_files = current_app.config["MAX_FILES_PER_DOCUMENT"]
    problems: list[str] = []
    checked: list[CheckedUpload] = []
    if already + len(uploads) > max_files:
        problems.append(f"Mỗi văn bản có tối đa {max_files} tệp.")
    for upload in uploads:
        upload.filename = display_name(upload.filename)
        try:
            checked.append(
                CheckedUpload(upload, check_upload(upload.filename, upload.data, max_bytes=limit))
            )
        except FileRejected as exc:
            problems.append(str(exc))
    if problems:
        raise ValidationFailed(" ".join(problems), field_errors={"files": " ".join(problems)})
    return checked


def store_blobs(files: list[CheckedUpload]) -> None:
    """Write the bytes to the content-addressed store; idempotent, so a refused or
    repeated registration at worst leaves a file that the next identical upload reuses."""
    store = file_store()
    for checked in files:
        checked.sha256 = store.put(checked.upload.data)


def stored_file_for(checked: CheckedUpload) -> StoredFile:
    if checked.sha256 is None:
        raise RuntimeError("store_blobs() must run before attach_files()")
    digest = checked.sha256
    stmt = select(StoredFile).where(StoredFile.sha256 == digest)
    existing = db.session.scalars(stmt).first()
    if existing is not None:
        return existing
    try:
        with db.session.begin_nested():
            stored = StoredFile(
                sha256=digest,
                size=len(checked.upload.data),
                mime_type=checked.kind.mime,
                kind=checked.kind.code,
            )
            db.session.add(stored)
    except IntegrityError:  # the same bytes stored by a concurrent request
        stored = db.session.scalars(stmt).one()
    return stored


def attach_files(doc: IncomingDocument, files: list[CheckedUpload], *, actor: User) -> None:
    if not files:
        return  # nothing to add: spares loading the document's attachment list
    position = len(doc.attachments)
    for checked in files:
        db.session.add(
            IncomingAttachment(
                document=doc,
                stored_file=stored_file_for(checked),
                original_name=checked.upload.filename,
                position=position,
                added_by_id=actor.id,
            )
        )
        position += 1
    db.session.flush()


def get_attachment(user: User, doc_id: int, attachment_id: int) -> IncomingAttachment:
    """An attachment of a document the user may see; NotFound otherwise."""
    doc = get_visible(user, doc_id)
    for attachment in doc.attachments:
        if attachment.id == attachment_id:
            return attachment
    raise NotFound("Không tìm thấy tệp đính kèm.")
