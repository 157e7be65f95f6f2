"""Result files: what a handler or coordinator hands in with their part of the work.

Checked by their bytes like every upload (eoffice.incoming.attachments) and stored by
hash; the rows go in with the step that brings them (a progress note, the completion,
a contribution), inside that step's transaction, so a refused step leaves no row.
"""

from __future__ import annotations

from flask import current_app

from eoffice.core.errors import NotFound
from eoffice.extensions import db
from eoffice.incoming.access import get_visible
from eoffice.incoming.attachments import Upload, store_blobs, stored_file_for, validate_uploads
from eoffice.incoming.models import Assignment, ResultFile
from eoffice.orgs.models import User


def attach_results(actor: User, part: Assignment, uploads: list[Upload] | None) -> list[str]:
    """Check, store and attach the files to the part; their names, for the history.

    Each part may hold as many files as a document (MAX_FILES_PER_DOCUMENT).
    """
    if not uploads:
        return []
    checked = validate_uploads(uploads, already=len(part.result_files))
    store_blobs(checked)
    held = {found.stored_file.sha256 for found in part.result_files}
    fresh = []
    for item in checked:  # the same bytes twice on one part (a double click) count once
        if item.sha256 not in held:
            held.add(item.sha256)
            fresh.append(item)
    for item in fresh:
        db.session.add(
            ResultFile(
                assignment=part,
                stored_file=stored_file_for(item),
                original_name=item.upload.filename,
                added_by_id=actor.id,
            )
        )
    db.session.flush()
    current_app.logger.info("%d result file(s) added to part %s", len(fresh), part.id)
    return [item.upload.filename for item in fresh]


def get_result_file(user: User, doc_id: int, file_id: int) -> ResultFile:
    """A result file of a document the user may see; NotFound otherwise."""
    doc = get_visible(user, doc_id)
    for part in doc.assignments:
        for found in part.result_files:
            if found.id == file_id:
                return found
    raise NotFound("Không tìm thấy tệp kết quả.")
