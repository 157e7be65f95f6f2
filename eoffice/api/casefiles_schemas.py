"""JSON shapes of the case file routes of /api/v1; api.casefiles_openapi describes
exactly these.

Conventions as in api.schemas: every key always written (null when empty), instants in
office time with their offset, calendar dates as YYYY-MM-DD. Labels are those of
eoffice.casefiles and workflows.casefiles (states, steps, history), so the API says what
the pages say.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import url_for

from eoffice.api.casefiles_parsing import CLOSE, LIST_STEPS, REOPEN, Field
from eoffice.api.schemas import _person, iso_date, iso_datetime
from eoffice.casefiles import files, list_common, list_sheet
from eoffice.casefiles.access import file_roles, may_change
from eoffice.casefiles.history import file_action_label, list_action_label
from eoffice.casefiles.models import CaseFile, FileList, RetentionPeriod
from eoffice.core.models import AuditEvent
from eoffice.extensions import db
from eoffice.orgs.models import User
from eoffice.reports.exports import (
    KIND_CASEFILE_ZIP,
    KIND_LABELS,
    can_retry,
    is_stale,
    progress_percent,
)
from eoffice.reports.models import ExportState, ReportExport
from workflows import archive
from workflows import casefiles as flow
from workflows.engine import Transition, available

Json = dict[str, Any]

# The file steps that have a route here (keeping back, handing over and disposal are the
# archive's, on its own pages).
FILE_STEPS: dict[str, tuple[str, tuple[Field, ...]]] = {
    flow.OPEN_FILE: ("api.open_casefile", ()),
    flow.CLOSE_FILE: ("api.close_casefile", CLOSE),
    flow.REOPEN_FILE: ("api.reopen_casefile", REOPEN),
}
EXPORT_STATE_LABELS = {
    ExportState.QUEUED: "Đang chờ đến lượt xử lý",
    ExportState.RUNNING: "Đang tạo tệp",
    ExportState.DONE: "Đã xong",
    ExportState.FAILED: "Không tạo được tệp",
}


def _user(user_id: int | None) -> Json | None:
    return _person(db.session.get(User, user_id)) if user_id else None


def retention_json(level: RetentionPeriod) -> Json:
    return {
        "code": level.code,
        "label": level.label,
        "years": level.years,
        "permanent": level.permanent,
        "active": level.active,
    }


def _retention_ref(case_file: CaseFile) -> Json:
    level = case_file.retention
    return {
        "code": case_file.retention_code,
        "label": level.label if level else case_file.retention_code,
        "years": level.years if level else None,
    }


def event_json(event: AuditEvent, label: Callable[[str], str]) -> Json:
    """An audit event with the action named as the record's own page names it."""
    return {
        "id": event.id,
        "at": iso_datetime(event.at),
        "action": event.action,
        "action_label": label(event.action),
        "actor": _person(event.actor),
        "changes": event.changes or {},
        "note": event.note,
    }


def _step_json(name: str, label: str, url: str, fields: Iterable[Field], required) -> Json:
    return {
        "step": name,
        "label": label,
        "url": url,
        "fields": [f.name for f in fields],
        "required": [i.name for i in required],
    }


# Case files -----------------------------------------------------------------------------


def file_json(case_file: CaseFile, document_count: int) -> Json:
    """A file as lists show it: its code, title, state, keeper and how full it is."""
    return {
        "id": case_file.id,
        "url": url_for("api.get_casefile", file_id=case_file.id),
        "year": case_file.year,
        "code": case_file.code,
        "number": case_file.number,
        "notation": case_file.notation,
        "title": case_file.title,
        "state": case_file.state,
        "state_label": files.STATE_LABELS[case_file.state],
        "in_list": case_file.in_list,
        "list_id": case_file.list_id,
        "heading_id": case_file.heading_id,
        "retention": _retention_ref(case_file),
        "keeper": _person(case_file.keeper),
        "note": case_file.note,
        "start_date": iso_date(case_file.start_date),
        "end_date": iso_date(case_file.end_date),
        "document_count": document_count,
        "handover_due": iso_date(case_file.handover_due),
        "updated_at": iso_datetime(case_file.updated_at),
    }


def contents_row_json(row: files.ContentsRow, openable: bool) -> Json:
    """A line of the contents list (Mục lục văn bản); `document_url` only for a document
    the user may open (a confidential one stays a line, as on the page)."""
    endpoint = "api.get_incoming" if row.kind == "incoming" else "api.get_outgoing"
    return {
        "item_id": row.item_id,
        "position": row.position,
        "kind": row.kind,
        "document_id": row.document_id,
        "document_url": url_for(endpoint, doc_id=row.document_id) if openable else None,
        "symbol": row.symbol or None,
        "document_date": iso_date(row.document_date),
        "type_and_subject": row.type_and_subject,
        "author": row.author,
        "pages": row.pages,
        "page_range": row.page_range or None,
        "note": row.note or None,
        "finished": row.finished,
        "state_label": row.state_label,
        "hidden": row.hidden,
    }


def _file_steps(user: User, case_file: CaseFile) -> list[Json]:
    steps = available(flow.CASE_FILE, case_file.state, file_roles(user, case_file))
    return [
        _step_json(
            t.name,
            t.label,
            url_for(FILE_STEPS[t.name][0], file_id=case_file.id),
            FILE_STEPS[t.name][1],
            t.required_inputs,
        )
        for t in steps
        if t.name in FILE_STEPS
    ]


def file_detail_json(
    case_file: CaseFile,
    user: User,
    rows: list[files.ContentsRow],
    openable: tuple[set[int], set[int]],
    events: list[AuditEvent],
) -> Json:
    """The file with its Phụ lục VI fields, its contents list, why it cannot close yet,
    and what `user` may do with it now."""
    steps = _file_steps(user, case_file)
    may_close = any(s["step"] == flow.CLOSE_FILE for s in steps)
    seen_in, seen_out = openable
    heading = case_file.heading
    return {
        **file_json(case_file, len(rows)),
        "heading": None if heading is None else {"id": heading.id, "title": heading.title},
        "description": case_file.description,
        "rights": case_file.rights,
        "language": case_file.language,
        "doc_total": case_file.doc_total,
        "page_total": case_file.page_total,
        "opened_at": iso_datetime(case_file.opened_at),
        "opened_by": _user(case_file.opened_by_id),
        "closed_at": iso_datetime(case_file.closed_at),
        "closed_on": iso_date(case_file.closed_on),
        "closed_by": _user(case_file.closed_by_id),
        "warn_from": iso_date(case_file.warn_from),
        "kept_until": iso_date(case_file.kept_until),
        "kept_reason": case_file.kept_reason,
        "retention_expires": iso_date(case_file.retention_expires),
        "archived_at": iso_datetime(case_file.archived_at),
        "created_at": iso_datetime(case_file.created_at),
        "contents": [
            contents_row_json(
                row,
                row.document_id in (seen_in if row.kind == "incoming" else seen_out),
            )
            for row in rows
        ],
        "pages_filed": sum(r.pages or 0 for r in rows),
        "closing_problems": files.closing_problems(case_file, user) if may_close else [],
        "can_change": case_file.editable and may_change(user, case_file),
        "available_steps": steps,
        "export_url": url_for("api.export_casefile", file_id=case_file.id),
        "history": [event_json(e, file_action_label) for e in events],
    }


# File lists -----------------------------------------------------------------------------


def _counts(total: int, permanent: int) -> Json:
    return {"total": total, "permanent": permanent, "fixed_term": total - permanent}


def list_json(file_list: FileList, total: int, permanent: int) -> Json:
    return {
        "id": file_list.id,
        "url": url_for("api.get_casefile_list", list_id=file_list.id),
        "year": file_list.year,
        "state": file_list.state,
        "state_label": list_common.STATE_LABELS[file_list.state],
        "numbering": file_list.numbering,
        "numbering_label": archive.NUMBERING_LABELS.get(file_list.numbering, file_list.numbering),
        "counts": _counts(total, permanent),
        "decision_ref": file_list.decision_ref,
        "created_at": iso_datetime(file_list.created_at),
        "submitted_at": iso_datetime(file_list.submitted_at),
        "approved_at": iso_datetime(file_list.approved_at),
        "approved_by": _person(file_list.approved_by),
    }


def heading_json(file_list: FileList, row: list_sheet.ListRow) -> Json:
    heading = row.heading
    assert heading is not None
    return {
        "id": heading.id,
        "url": url_for("api.update_casefile_heading", list_id=file_list.id, heading_id=heading.id),
        "kind": row.kind,
        "number": row.number,
        "label": row.label,
        "title": heading.title,
        "notation": heading.notation,
        "parent_id": heading.parent_id,
        "position": heading.position,
    }


def _list_step_json(file_list: FileList, transition: Transition) -> Json:
    return _step_json(
        transition.name,
        transition.label,
        url_for(f"api.casefile_list_step_{transition.name}", list_id=file_list.id),
        LIST_STEPS[transition.name],
        transition.required_inputs,
    )


def list_detail_json(
    file_list: FileList,
    user: User,
    sheet: list_sheet.ListSheet,
    counts: dict[int, int],
    events: list[AuditEvent],
) -> Json:
    """The list as printed (headings in order, files under them), its counts, what
    `user` may do with it now and its history."""
    copied = (
        db.session.get(FileList, file_list.copied_from_id) if file_list.copied_from_id else None
    )
    return {
        **list_json(file_list, sheet.total, sheet.permanent),
        "note": file_list.note,
        "return_reason": file_list.return_reason,
        "copied_from": None if copied is None else {"id": copied.id, "year": copied.year},
        "can_edit": list_common.may_edit(user, file_list),
        "headings": [heading_json(file_list, r) for r in sheet.rows if r.heading is not None],
        "files": [file_json(f, counts.get(f.id, 0)) for f in sheet.files],
        "available_steps": [
            _list_step_json(file_list, t) for t in list_sheet.available_steps(user, file_list)
        ],
        "history": [event_json(e, list_action_label) for e in events],
    }


# Exports --------------------------------------------------------------------------------


def export_json(export: ReportExport, case_file: CaseFile | None) -> Json:
    """A background export as its status page shows it: state, real progress, the
    download once done, a retry when it failed or its worker died."""
    done = export.state == ExportState.DONE and export.stored_file is not None
    retry = can_retry(export)
    return {
        "id": export.id,
        "url": url_for("api.get_export", export_id=export.id),
        "kind": export.kind,
        "kind_label": KIND_LABELS.get(export.kind, export.kind),
        "state": export.state,
        "state_label": EXPORT_STATE_LABELS.get(ExportState(export.state), export.state),
        "progress": progress_percent(export),
        "steps_done": export.steps_done,
        "steps_total": export.steps_total,
        "stale": is_stale(export),
        "message": export.message,
        "filename": export.filename if done else None,
        "size": export.stored_file.size if done and export.stored_file else None,
        "created_at": iso_datetime(export.created_at),
        "started_at": iso_datetime(export.started_at),
        "finished_at": iso_datetime(export.finished_at),
        "case_file": None
        if case_file is None or export.kind != KIND_CASEFILE_ZIP
        else {
            "id": case_file.id,
            "url": url_for("api.get_casefile", file_id=case_file.id),
            "code": case_file.code,
            "title": case_file.title,
        },
        "download_url": url_for("api.download_export", export_id=export.id) if done else None,
        "retry_url": url_for("api.retry_export_job", export_id=export.id) if retry else None,
    }
