"""The processing steps of /api/v1/incoming/<id>/steps/<step>: their inputs and services.

One table drives the routes, the parsing of each body and the OpenAPI description, so
a step cannot be served with inputs the document does not list. Which inputs a step
requires is not decided here: the workflows (through the processing service) refuse a
missing one with a per-field 422, exactly as on the web page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from eoffice.api.parsing import (
    MAX_ID,
    MSG_DATE,
    MSG_ID,
    MSG_INTEGER,
    MSG_UNKNOWN,
    SUMMARY,
    json_files,
    parse_date,
)
from eoffice.core.errors import ValidationFailed
from eoffice.core.limits import int_in_range
from eoffice.incoming import discussion, parts, processing, services
from eoffice.incoming.attachments import Upload
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.processing import REPLY_REFERENCE_MAX, Party
from eoffice.orgs.models import User
from workflows import assignment as assignment_flow
from workflows import incoming as incoming_flow
from workflows.engine import Transition, Workflow

# Steps that are not transitions of the incoming workflow but of the actor's own part.
PROGRESS = "progress"
EXTEND_DEADLINE = "extend_deadline"

MAX_TEXT = 2000
_PARTY = re.compile(r"(user|unit):(\d{1,12})")
MSG_TEXT = "Phải là chuỗi ký tự."
MSG_PARTY = "Phải có dạng user:<mã người dùng> hoặc unit:<mã đơn vị>, ví dụ user:12."
MSG_PARTIES = "Phải là một mảng, mỗi phần tử có dạng user:<mã> hoặc unit:<mã>."
MSG_TOO_LONG = f"Tối đa {MAX_TEXT} ký tự."


@dataclass(frozen=True)
class FieldKind:
    """How one input is read from JSON and described in the OpenAPI document."""

    read: Callable[[Any], Any]  # raises ValueError with the Vietnamese message
    schema: dict[str, Any]


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(MSG_TEXT)
    if len(value) > MAX_TEXT:
        raise ValueError(MSG_TOO_LONG)
    return value


def _party(value: Any) -> Party:
    match = _PARTY.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or not 0 < int(match.group(2)) <= MAX_ID:
        raise ValueError(MSG_PARTY)
    return Party.parse(value)


def _parties(value: Any) -> list[Party]:
    if not isinstance(value, list):
        raise ValueError(MSG_PARTIES)
    try:
        return [_party(item) for item in value]
    except ValueError:
        raise ValueError(MSG_PARTIES) from None


def _date(value: Any):
    if not isinstance(value, str):
        raise ValueError(MSG_DATE)
    try:
        return parse_date(value.strip())
    except ValueError:
        raise ValueError(MSG_DATE) from None


def _id(value: Any) -> int:
    if type(value) is not int or not 0 < value <= MAX_ID:
        raise ValueError(MSG_ID)
    return value


def _integer(value: Any) -> int:
    if type(value) is not int or not int_in_range(value):
        raise ValueError(MSG_INTEGER)
    return value


def _reply(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(MSG_TEXT)
    if len(value) > REPLY_REFERENCE_MAX:
        raise ValueError(f"Tối đa {REPLY_REFERENCE_MAX} ký tự.")
    return value


def _files(value: Any) -> list[Upload]:
    errors: dict[str, str] = {}
    uploads = json_files(value, errors)
    if errors:
        raise ValueError(errors["files"])
    return uploads


_STRING = {"type": "string", "maxLength": MAX_TEXT}
_PARTY_SCHEMA = {
    "type": "string",
    "pattern": r"^(user|unit):\d+$",
    "description": "Người (user:<mã>) hoặc đơn vị (unit:<mã>) của cơ quan, xem /catalog.",
}

FIELDS: dict[str, tuple[FieldKind, str]] = {
    "reason": (FieldKind(_text, _STRING), "Lý do."),
    "note": (FieldKind(_text, _STRING), "Ghi chú / nội dung."),
    "instruction": (FieldKind(_text, _STRING), "Ý kiến chỉ đạo."),
    "result": (FieldKind(_text, _STRING), "Tóm tắt kết quả xử lý."),
    "case_file_id": (
        FieldKind(_id, {"type": "integer", "minimum": 1, "maximum": MAX_ID}),
        "Mã (id) hồ sơ đang lập của cơ quan mà văn bản được đưa vào, trong cùng giao dịch "
        "với bước lưu; bỏ trống nếu văn bản chỉ lưu, không thuộc hồ sơ nào. Hồ sơ đã kết "
        "thúc, của cơ quan khác hoặc do người khác lập (khi người gọi không phải văn thư, "
        "lãnh đạo) bị từ chối với lỗi 422 trên trường này.",
    ),
    "presented_to": (
        FieldKind(_id, {"type": "integer", "minimum": 1, "maximum": MAX_ID}),
        "Mã người dùng của lãnh đạo (hoặc cấp phó) được trình.",
    ),
    "lead": (FieldKind(_party, _PARTY_SCHEMA), "Chủ trì xử lý."),
    "coordinators": (
        FieldKind(_parties, {"type": "array", "items": _PARTY_SCHEMA}),
        "Phối hợp.",
    ),
    "informed": (FieldKind(_parties, {"type": "array", "items": _PARTY_SCHEMA}), "Để biết."),
    "deadline": (
        FieldKind(_date, {"type": "string", "format": "date"}),
        "Hạn xử lý, YYYY-MM-DD, không trước hôm nay.",
    ),
    "assignee": (
        FieldKind(_id, {"type": "integer", "minimum": 1, "maximum": MAX_ID}),
        "Mã người dùng của cán bộ trong đơn vị được giao (xem /catalog).",
    ),
    "percent": (
        FieldKind(_integer, {"type": "integer", "minimum": 0, "maximum": 100}),
        "Tỷ lệ hoàn thành (%).",
    ),
    "reply_document": (
        FieldKind(_reply, {"type": "string", "maxLength": REPLY_REFERENCE_MAX}),
        "Số, ký hiệu văn bản trả lời (nếu có).",
    ),
    "files": (
        FieldKind(
            _files,
            {"type": "array", "items": {"$ref": "#/components/schemas/FileUpload"}},
        ),
        "Tệp kết quả, mỗi tệp {name, content_base64}.",
    ),
}

Inputs = dict[str, Any]
Run = Callable[[User, int, Inputs], IncomingDocument]


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    fields: tuple[str, ...]
    required: tuple[str, ...]
    run: Run


def _transition(workflow: Workflow, name: str) -> Transition:
    transition = workflow.transition(name)
    if transition is None:
        raise RuntimeError(f"{workflow.name} has no transition {name}")
    return transition


def _from_workflow(name: str, run: Run, workflow: Workflow = incoming_flow.WORKFLOW) -> Step:
    """Fields and required ones as the workflow defines them."""
    transition = _transition(workflow, name)
    fields = tuple(i.name for i in transition.inputs if i.name in FIELDS)
    required = tuple(i.name for i in transition.required_inputs if i.name in FIELDS)
    return Step(name, transition.label, fields, required, run)


def _with_files(step: Step) -> Step:
    """The step also takes result files (not a workflow input: they are not a rule)."""
    return replace(step, fields=(*step.fields, "files"))


def _assign(user: User, doc_id: int, given: Inputs) -> IncomingDocument:
    return processing.assign(
        user,
        doc_id,
        given.get("lead"),
        given.get("coordinators") or (),
        given.get("informed") or (),
        deadline=given.get("deadline"),
        instruction=given.get("instruction"),
    )


def _reassign(user: User, doc_id: int, given: Inputs) -> IncomingDocument:
    return processing.reassign(
        user,
        doc_id,
        given.get("lead"),
        given.get("reason") or "",
        given.get("coordinators") or (),
        given.get("informed") or (),
        deadline=given.get("deadline"),
        instruction=given.get("instruction"),
    )


_STEPS = (
    _from_workflow(
        incoming_flow.PRESENT,
        lambda u, d, g: processing.present(u, d, g.get("presented_to"), g.get("note")),
    ),
    _from_workflow(
        incoming_flow.RETURN_TO_CLERK,
        lambda u, d, g: processing.return_to_clerk(u, d, g.get("reason") or ""),
    ),
    _from_workflow(incoming_flow.ASSIGN, _assign),
    _from_workflow(incoming_flow.REASSIGN, _reassign),
    _from_workflow(incoming_flow.START, lambda u, d, g: processing.start(u, d, g.get("note"))),
    Step(
        PROGRESS,
        "Ghi nhận tiến độ",
        ("note", "percent", "files"),
        ("note", "percent"),
        lambda u, d, g: processing.record_progress(
            u, d, g.get("note") or "", g.get("percent"), g.get("files")
        ),
    ),
    _with_files(
        _from_workflow(
            incoming_flow.COMPLETE,
            lambda u, d, g: processing.complete(
                u, d, g.get("result") or "", g.get("reply_document"), g.get("files")
            ),
        )
    ),
    _from_workflow(
        assignment_flow.EXTEND_DEADLINE,
        lambda u, d, g: processing.extend_deadline(u, d, g.get("deadline"), g.get("reason") or ""),
        assignment_flow.WORKFLOW,
    ),
    Step(
        parts.CONTRIBUTE,
        "Gửi ý kiến phối hợp",
        ("result", "files"),
        ("result",),
        lambda u, d, g: parts.contribute(u, d, g.get("result") or "", g.get("files")),
    ),
    _from_workflow(
        assignment_flow.ACKNOWLEDGE,
        lambda u, d, g: parts.acknowledge(u, d),
        assignment_flow.WORKFLOW,
    ),
    _from_workflow(
        assignment_flow.PASS_ON,
        lambda u, d, g: parts.pass_on(
            u, d, g.get("assignee"), g.get("deadline"), g.get("instruction")
        ),
        assignment_flow.WORKFLOW,
    ),
    _from_workflow(
        incoming_flow.REOPEN,
        lambda u, d, g: processing.reopen(u, d, g.get("reason") or "", g.get("deadline")),
    ),
    # The workflow's `case_file` input is what the step records; the API names the file
    # by its id, and the service files the document into it (eoffice.casefiles.filing).
    Step(
        incoming_flow.FILE,
        _transition(incoming_flow.WORKFLOW, incoming_flow.FILE).label,
        ("case_file_id",),
        (),
        lambda u, d, g: processing.file(u, d, g.get("case_file_id")),
    ),
    _from_workflow(
        incoming_flow.REJECT, lambda u, d, g: processing.reject(u, d, g.get("reason") or "")
    ),
    _from_workflow(
        incoming_flow.CANCEL,
        lambda u, d, g: services.cancel_incoming(u, d, g.get("reason") or ""),
    ),
)
STEPS: dict[str, Step] = {step.name: step for step in _STEPS}

# Not a step of the work (nothing moves, and it is always open to whoever sees the
# document), so not among STEPS nor in available_steps: POST /incoming/<id>/comments.
COMMENT = Step(
    discussion.COMMENT,
    "Ý kiến trao đổi",
    ("note",),
    ("note",),
    lambda u, d, g: discussion.comment(u, d, g.get("note") or ""),
)


def parse_body(step: Step, body: Any) -> Inputs:
    """The step's inputs from a JSON object; null or absent means "not given"."""
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ValidationFailed(
            "Nội dung yêu cầu phải là một đối tượng JSON hợp lệ.",
            field_errors={"body": "Không đọc được JSON (sai cú pháp hoặc không phải đối tượng)."},
        )
    given: Inputs = {}
    errors: dict[str, str] = {}
    for name, raw in body.items():
        if name not in step.fields:
            errors[name] = MSG_UNKNOWN
            continue
        if raw is None:
            continue
        try:
            given[name] = FIELDS[name][0].read(raw)
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise ValidationFailed(SUMMARY, field_errors=errors)
    return given


def available(user: User, doc: IncomingDocument) -> list[Step]:
    """The steps the user may take on the document now, in the order of STEPS."""
    names = {transition.name for transition in processing.available_steps(user, doc)}
    if processing.can_record_progress(user, doc):
        names.add(PROGRESS)
    if processing.can_extend_deadline(user, doc):
        names.add(EXTEND_DEADLINE)
    names |= parts.offered(user, doc)
    return [step for name, step in STEPS.items() if name in names]
