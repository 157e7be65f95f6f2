"""JSON shapes of the directive routes of /api/v1; spec_schemas.directive_schemas describes
exactly these.

Conventions as in api.schemas: every key always written (null when empty), instants in
office time with their offset, calendar dates as YYYY-MM-DD. Labels are those of
eoffice.directives (board, models), so the API says what the pages say. A figure is a
decimal string ("1250.00": JSON numbers would round 16 digits) with the Vietnamese
writing beside it ("1.250").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import url_for

from eoffice.api.schemas import _person, iso_date, iso_datetime
from eoffice.directives import answers, groups
from eoffice.directives.board import (
    ANSWER_STATUS_LABELS,
    AnswerStatus,
    Board,
    BoardRow,
    TaskCell,
    classify,
)
from eoffice.directives.models import RecipientGroup, ReportRequest, ReportTask
from eoffice.directives.rollup import Rollup
from eoffice.extensions import db
from eoffice.orgs.models import User
from eoffice.outgoing.models import DELIVERY_STATUS_LABELS, Delivery, DeliveryStatus

Json = dict[str, Any]

GROUP_KINDS = (groups.ALL, groups.LEVEL, groups.WARD, groups.CUSTOM)


def _figure(value) -> str | None:
    return None if value is None else str(value)


def _status_label(code: str) -> str:
    try:
        return DELIVERY_STATUS_LABELS[DeliveryStatus(code)]
    except ValueError:
        return code


# Groups ----------------------------------------------------------------------------------


def group_choice_json(
    choice: groups.GroupChoice, members: list[int], custom: RecipientGroup | None
) -> Json:
    kind = choice.key.partition(":")[0]
    return {
        "key": choice.key,
        "kind": kind,
        "id": custom.id if custom else None,
        "label": choice.label,
        "section": choice.section,
        "description": custom.description if custom else None,
        "count": choice.count,
        "member_org_ids": members,
        "url": url_for("api.get_directive_group", group_id=custom.id) if custom else None,
    }


def group_json(group: RecipientGroup, member_ids: list[int], active: list[int]) -> Json:
    """A custom group as its admin edits it: every listed member (closed schools too)
    and the count of those a directive would reach today."""
    return {
        "id": group.id,
        "key": groups.custom_key(group.id),
        "url": url_for("api.get_directive_group", group_id=group.id),
        "name": group.name,
        "description": group.description,
        "member_org_ids": sorted(member_ids),
        "count": len(active),
        "created_at": iso_datetime(group.created_at),
        "updated_at": iso_datetime(group.updated_at or group.created_at),
    }


# Requests and tasks ----------------------------------------------------------------------


def report_request_json(request: ReportRequest) -> Json:
    return {
        "id": request.id,
        "position": request.position,
        "what": request.what,
        "deadline": iso_date(request.deadline),
        "answer_form": request.answer_form,
        "answer_form_label": request.answer_form_label,
    }


def _answer_json(task: ReportTask) -> Json | None:
    if task.answered_at is None:
        return None
    reply = task.answer_outgoing
    return {
        "text": task.answer_text,
        "figure": _figure(task.answer_figure),
        "figure_text": answers.format_figure(task.answer_figure) or None,
        "file": None
        if task.answer_file is None
        else {
            "name": task.answer_file_name,
            "size": task.answer_file.size,
            "mime_type": task.answer_file.mime_type,
            "download_url": url_for("api.directive_task_file", task_id=task.id),
        },
        "reply_outgoing": None
        if reply is None
        else {
            "id": reply.id,
            "symbol": reply.symbol,
            "document_date": iso_date(reply.document_date),
            "subject": reply.subject,
        },
    }


def task_json(task: ReportTask, user: User, today: date) -> Json:
    """One school's task of one request: for the school (what to do, until when) and for
    the issuing office (its answer, to return it)."""
    request = task.request
    doc = request.outgoing
    sender = doc.organisation
    status = classify(task.state, task.late, task.deadline, today)
    own = task.recipient_org_id == user.org_id
    return {
        "id": task.id,
        "url": url_for("api.get_directive_task", task_id=task.id),
        "state": task.state,
        "state_label": task.state_label,
        "status": status.value,
        "status_label": ANSWER_STATUS_LABELS[status],
        "deadline": iso_date(task.deadline),
        "late": task.late,
        "request": report_request_json(request),
        "document": {
            "id": doc.id,
            "symbol": doc.symbol,
            "document_date": iso_date(doc.document_date),
            "subject": doc.subject,
            "sender": {"org_id": sender.id, "name": sender.name},
        },
        "school": {"org_id": task.recipient_org_id, "name": task.recipient.name},
        "delivery_id": task.delivery_id,
        "answered_at": iso_datetime(task.answered_at),
        "answered_by": _person(task.answered_by),
        "answer": _answer_json(task),
        "returned_at": iso_datetime(task.returned_at),
        "return_comment": task.return_comment,
        "reminders_sent": task.reminders_sent,
        "last_reminded_at": iso_datetime(task.last_reminded_at),
        "can_answer": own and answers.can_answer(task),
        "answer_url": url_for("api.answer_directive_task", task_id=task.id) if own else None,
    }


def delivery_json(delivery: Delivery, tasks: Iterable[ReportTask], user: User, today: date):
    """The school's copy of a directive after its acknowledgement, with its tasks."""
    doc = delivery.outgoing
    by = db.session.get(User, delivery.acknowledged_by_id) if delivery.acknowledged_by_id else None
    return {
        "id": delivery.id,
        "outgoing_id": doc.id,
        "symbol": doc.symbol,
        "subject": doc.subject,
        "sender": {"org_id": doc.organisation.id, "name": doc.organisation.name},
        "status": delivery.status,
        "status_label": _status_label(delivery.status),
        "first_read_at": iso_datetime(delivery.first_read_at),
        "acknowledged_at": iso_datetime(delivery.acknowledged_at),
        "acknowledged_by": _person(by),
        "acknowledgement_note": delivery.acknowledgement_note,
        "tasks": [task_json(t, user, today) for t in tasks],
    }


# The board -------------------------------------------------------------------------------


def _cell_json(cell: TaskCell | None) -> Json | None:
    if cell is None:
        return None
    return {
        "task_id": cell.task_id,
        "request_id": cell.request_id,
        "deadline": iso_date(cell.deadline),
        "status": cell.status.value,
        "status_label": cell.label,
        "answered_at": iso_datetime(cell.answered_at),
        "returned_at": iso_datetime(cell.returned_at),
        "return_comment": cell.return_comment,
        "reminders_sent": cell.reminders_sent,
        "last_reminded_at": iso_datetime(cell.last_reminded_at),
        "answer_text": cell.answer_text,
        "answer_figure": _figure(cell.answer_figure),
        "answer_file_name": cell.answer_file_name,
        "answer_file_url": url_for("api.directive_task_file", task_id=cell.task_id)
        if cell.has_file
        else None,
        "answer_outgoing_id": cell.answer_outgoing_id,
    }


def _row_json(row: BoardRow) -> Json:
    return {
        "org_id": row.org_id,
        "name": row.name,
        "kind": row.kind,
        "kind_label": row.kind_label,
        "ward": row.ward,
        "delivery_id": row.delivery_id,
        "delivery_status": row.delivery_status,
        "delivery_status_label": _status_label(row.delivery_status),
        "delivered_at": iso_datetime(row.delivered_at),
        "rejected_reason": row.rejected_reason,
        "registered_at": iso_datetime(row.registered_at),
        "assigned_at": iso_datetime(row.assigned_at),
        "first_read_at": iso_datetime(row.first_read_at),
        "acknowledged_at": iso_datetime(row.acknowledged_at),
        "acknowledgement_note": row.acknowledgement_note,
        "tasks": [_cell_json(cell) for cell in row.cells],
    }


def board_json(data: Board) -> Json:
    doc, f = data.doc, data.filters
    return {
        "document": {
            "id": doc.id,
            "url": url_for("api.get_outgoing", doc_id=doc.id),
            "symbol": doc.symbol,
            "document_date": iso_date(doc.document_date),
            "subject": doc.subject,
            "state": doc.state,
            "state_label": doc.state_label,
        },
        "today": iso_date(data.today),
        "can_manage": data.can_manage,
        "requests": [
            {
                **report_request_json(r),
                "counts": {s.value: data.answer_counts[r.id][s] for s in AnswerStatus},
            }
            for r in data.requests
        ],
        "counts": data.counts,
        "total": data.total,
        "shown": len(data.rows),
        "filters": {
            "status": f.status,
            "answer": f.answer,
            "request_id": f.request_id,
            "level": f.level,
            "ward": f.ward,
            "q": f.text,
            "sort": f.sort,
            "desc": f.descending,
        },
        "wards": data.wards,
        "levels": [{"code": code, "label": label} for code, label in data.levels],
        "rows": [_row_json(row) for row in data.rows],
    }


# The roll-up -----------------------------------------------------------------------------


def rollup_json(data: Rollup) -> Json:
    return {
        "today": iso_date(data.today),
        "open_requests": data.open_requests,
        "schools": [
            {
                "org_id": s.org_id,
                "name": s.name,
                "late": s.late,
                "missing": s.missing,
                "total": s.total,
            }
            for s in data.schools
        ],
        "requests": [
            {
                "request_id": r.request_id,
                "document": {
                    "id": r.doc_id,
                    "url": url_for("api.get_outgoing", doc_id=r.doc_id),
                    "symbol": r.symbol or None,
                    "subject": r.subject,
                },
                "what": r.what,
                "deadline": iso_date(r.deadline),
                "missing": r.missing,
                "overdue_days": r.overdue_days,
                "max_days": r.max_days,
            }
            for r in data.requests
        ],
    }
