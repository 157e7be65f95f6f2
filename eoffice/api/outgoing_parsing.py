"""Reading /api/v1/outgoing and /api/v1/inbox requests into the outgoing services' inputs.

The same stance as api.parsing and api.steps: JSON types and lengths are checked here,
every problem at once, per field, in Vietnamese (422); what a draft may contain (which
type, which signer, which recipients) is the drafting service's to decide. The step
table is built from the outgoing workflow's transitions, so a step cannot be served
with inputs the workflow does not list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from eoffice.api.parsing import (
    MAX_ID,
    MSG_BOOLEAN,
    MSG_CURSOR,
    MSG_DATE,
    MSG_ID,
    MSG_INTEGER,
    MSG_STRING,
    MSG_UNKNOWN,
    SUMMARY,
    decode_cursor,
    json_files,
    parse_date,
)
from eoffice.api.queries import Keyset, is_known_book_code
from eoffice.api.steps import FIELDS, Step
from eoffice.core.errors import ValidationFailed
from eoffice.core.limits import int_in_range
from eoffice.core.text import clean
from eoffice.directives.inputs import RequestInput
from eoffice.directives.models import AnswerForm
from eoffice.incoming.attachments import Upload
from eoffice.orgs.models import User
from eoffice.outgoing import delivery, issuing, recall, review
from eoffice.outgoing.drafting import DraftInput, RecipientInput
from eoffice.outgoing.models import OutgoingDocument
from workflows import outgoing as outgoing_flow

MSG_BODY = "Không đọc được JSON (sai cú pháp hoặc không phải đối tượng)."
MSG_NOT_OBJECT = "Nội dung yêu cầu phải là một đối tượng JSON hợp lệ."
MSG_FLAG = "Chỉ nhận 1 (có) hoặc 0 (không)."

# Columns the drafting service stores without measuring them: longer text would be a
# database error (500) on PostgreSQL, so it is refused here, per field. None: the
# service has its own limit and message (subject, body) or the value is looked up.
STRING_LIMITS: dict[str, int | None] = {
    "subject": None,
    "body_html": None,
    "body_text": None,
    "addressees": 2000,
    "symbol_unit": 20,
    "capacity": None,
    "capacity_title": 100,
    "signer_title": 100,
    "urgency_code": None,
    "confidentiality_code": None,
    "circulation": 60,
}
ID_FIELDS = ("document_type_id", "signer_id", "reply_to_id", "replaces_id")
INTEGER_FIELDS = ("copies",)
BOOLEAN_FIELDS = ("completes_reply",)
DRAFT_FIELDS = (
    *STRING_LIMITS,
    *ID_FIELDS,
    *INTEGER_FIELDS,
    *BOOLEAN_FIELDS,
    "recipients",
    "files",
    "groups",
    "requests",
)
NOTE_MAX = 500  # the version's note (OutgoingVersion.note)
RECIPIENT_NAME_MAX = 300
RECIPIENT_KEYS = ("kind", "org_id", "agency_code", "name", "addressed")
RECIPIENT_KINDS = ("member", "external", "text")
GROUPS_MAX = 200  # group keys in one draft (an office has at most 200 custom groups)
GROUP_KEY_MAX = 100
REQUEST_KEYS = ("what", "deadline", "answer_form")

_INTEGER = re.compile(r"[+-]?\d{1,12}")


def _fail(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(SUMMARY, field_errors=errors)


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationFailed(MSG_NOT_OBJECT, field_errors={"body": MSG_BODY})
    return body


# The edited DOCX (PUT /outgoing/{id}/docx) ----------------------------------------------

DOCX_FILE = "file"
MSG_DOCX_MISSING = "Thiếu tệp DOCX: gửi tệp trong trường “file” của multipart/form-data."


def docx_from_form(form: MultiDict, files: MultiDict) -> tuple[bytes, str | None]:
    """The uploaded DOCX's bytes and the version's note; the file itself is judged by the
    service (outgoing.word: a real DOCX, its size, no zip bomb, no macros)."""
    errors: dict[str, str] = {}
    for name in [*form.keys(), *files.keys()]:
        if name not in (DOCX_FILE, "note"):
            errors[name] = MSG_UNKNOWN
    chosen = files.get(DOCX_FILE)
    if chosen is None or not chosen.filename:
        errors[DOCX_FILE] = MSG_DOCX_MISSING
    note = form.get("note") or None
    if note is not None:
        note = _string("note", note, NOTE_MAX, errors)
    _fail(errors)
    return chosen.read(), note


# The draft body ------------------------------------------------------------------------


@dataclass
class DraftBody:
    """A parsed POST or PUT /outgoing: what create_draft / update_draft need."""

    data: DraftInput
    uploads: list[Upload] = field(default_factory=list)
    note: str | None = None


def _string(name: str, value: Any, limit: int | None, errors: dict[str, str]) -> str | None:
    if not isinstance(value, str):
        errors[name] = MSG_STRING
        return None
    if limit is not None and len(value) > limit:
        errors[name] = f"Tối đa {limit} ký tự."
        return None
    return value


def _number(name: str, value: Any, errors: dict[str, str]) -> int | None:
    if name in ID_FIELDS:
        if type(value) is not int or not 0 < value <= MAX_ID:
            errors[name] = MSG_ID
            return None
        return value
    if type(value) is not int or not int_in_range(value):
        errors[name] = MSG_INTEGER
        return None
    return value


def _recipient(number: int, item: Any) -> RecipientInput | str:
    """One recipient, or the Vietnamese problem with it."""
    where = f"Nơi nhận thứ {number}"
    if not isinstance(item, dict):
        return f"{where}: phải là một đối tượng {{kind, org_id | agency_code | name, addressed}}."
    unknown = sorted(set(item) - set(RECIPIENT_KEYS))
    if unknown:
        return f"{where}: không hỗ trợ trường {', '.join(unknown)}."
    kind = item.get("kind")
    if kind not in RECIPIENT_KINDS:
        return f"{where}: kind phải là member, external hoặc text."
    org_id, code = item.get("org_id"), item.get("agency_code")
    name, addressed = item.get("name"), item.get("addressed")
    if org_id is not None and (type(org_id) is not int or not 0 < org_id <= MAX_ID):
        return f"{where}: org_id phải là mã số (số nguyên dương)."
    if code is not None and not isinstance(code, str):
        return f"{where}: agency_code phải là chuỗi ký tự."
    if name is not None and (not isinstance(name, str) or len(name) > RECIPIENT_NAME_MAX):
        return f"{where}: name phải là chuỗi tối đa {RECIPIENT_NAME_MAX} ký tự."
    if addressed is not None and not isinstance(addressed, bool):
        return f"{where}: addressed phải là true hoặc false."
    return RecipientInput(kind, org_id, code, name or "", bool(addressed))


def _recipients(value: Any, errors: dict[str, str]) -> list[RecipientInput]:
    if not isinstance(value, list):
        errors["recipients"] = "Danh sách nơi nhận phải là một mảng JSON."
        return []
    read = [_recipient(number, item) for number, item in enumerate(value, start=1)]
    problems = [item for item in read if isinstance(item, str)]
    if problems:
        errors["recipients"] = " ".join(problems)
    return [item for item in read if isinstance(item, RecipientInput)]


def _group_keys(value: Any, errors: dict[str, str]) -> list[str]:
    if (
        not isinstance(value, list)
        or len(value) > GROUPS_MAX
        or any(not isinstance(k, str) or len(k) > GROUP_KEY_MAX for k in value)
    ):
        errors["groups"] = (
            f"Nhóm nơi nhận phải là một mảng tối đa {GROUPS_MAX} mã nhóm (chuỗi ký tự, "
            "ví dụ all, level:primary, ward:Phường 5, custom:12; xem /directives/groups)."
        )
        return []
    return [clean(k) for k in value]


def _request(number: int, item: Any) -> RequestInput | str:
    """One report request, or the Vietnamese problem with it (types only: what is asked,
    how far the deadline is and the answer form are the requests service's rules)."""
    where = f"Yêu cầu thứ {number}"
    if not isinstance(item, dict):
        return f"{where}: phải là một đối tượng {{what, deadline, answer_form}}."
    unknown = sorted(set(item) - set(REQUEST_KEYS))
    if unknown:
        return f"{where}: không hỗ trợ trường {', '.join(unknown)}."
    what, deadline, form = item.get("what"), item.get("deadline"), item.get("answer_form")
    if what is not None and not isinstance(what, str):
        return f"{where}: what phải là chuỗi ký tự."
    day = None
    if deadline is not None:
        try:
            if not isinstance(deadline, str):
                raise ValueError(deadline)
            day = parse_date(deadline.strip())
        except ValueError:
            return f"{where}: deadline sai định dạng. {MSG_DATE}"
    forms = [f.value for f in AnswerForm]
    if form is not None and form not in forms:
        return f"{where}: answer_form chỉ nhận {', '.join(forms)}."
    return RequestInput(what=what or "", deadline=day, answer_form=form or AnswerForm.DOCUMENT)


def _requests(value: Any, errors: dict[str, str]) -> list[RequestInput]:
    if not isinstance(value, list):
        errors["requests"] = "Danh sách yêu cầu báo cáo phải là một mảng JSON."
        return []
    read = [_request(number, item) for number, item in enumerate(value, start=1)]
    problems = [item for item in read if isinstance(item, str)]
    if problems:
        errors["requests"] = " ".join(problems)
    return [item for item in read if isinstance(item, RequestInput)]


def draft_from_json(body: Any, *, with_note: bool) -> DraftBody:
    """A JSON object of DraftInput fields; absent or null means the default (full replacement).

    `with_note`: PUT also takes the new version's note. `groups` (keys of
    /directives/groups) go to the drafting service as they are: it sends a copy to every
    school of each group and prints the group's line once in "Nơi nhận".
    """
    values = dict(_object(body))
    errors: dict[str, str] = {}
    data = DraftInput()
    uploads = json_files(values.pop("files", None), errors)
    note = values.pop("note", None) if with_note else None
    if note is not None:
        note = _string("note", note, NOTE_MAX, errors)
    for name, raw in values.items():
        if name not in DRAFT_FIELDS:
            errors[name] = MSG_UNKNOWN
        elif raw is None:
            continue  # not given: the default applies
        elif name in STRING_LIMITS:
            text = _string(name, raw, STRING_LIMITS[name], errors)
            if text is not None:
                setattr(data, name, text)
        elif name in ID_FIELDS or name in INTEGER_FIELDS:
            setattr(data, name, _number(name, raw, errors))
        elif name in BOOLEAN_FIELDS:
            if isinstance(raw, bool):
                setattr(data, name, raw)
            else:
                errors[name] = MSG_BOOLEAN
        elif name == "groups":
            data.groups = _group_keys(raw, errors)
        elif name == "requests":
            data.requests = _requests(raw, errors)
        else:
            data.recipients = _recipients(raw, errors)
    _fail(errors)
    return DraftBody(data, uploads, note)


# The list's query string ---------------------------------------------------------------


@dataclass
class OutgoingQuery:
    state: str | None = None
    mine: bool = False
    waiting: bool = False
    text: str | None = None
    limit: int = 50
    after: Keyset | None = None


def _flag(args: MultiDict, name: str, errors: dict[str, str]) -> bool:
    raw = clean(args.get(name))
    if raw not in ("", "0", "1"):
        errors[name] = MSG_FLAG
    return raw == "1"


def parse_outgoing_query(args: MultiDict, *, default_limit: int, max_limit: int) -> OutgoingQuery:
    errors: dict[str, str] = {}
    query = OutgoingQuery(limit=default_limit)
    state = clean(args.get("state")) or None
    if state is not None and state not in outgoing_flow.STATE_LABELS:
        allowed = ", ".join(outgoing_flow.STATE_LABELS)
        errors["state"] = f"Trạng thái không hợp lệ (chỉ nhận: {allowed})."
    query.state = state
    query.mine = _flag(args, "mine", errors)
    query.waiting = _flag(args, "waiting", errors)
    query.text = clean(args.get("q")) or None
    raw_limit = clean(args.get("limit"))
    if raw_limit:
        if not _INTEGER.fullmatch(raw_limit) or not 1 <= int(raw_limit) <= max_limit:
            errors["limit"] = f"Số dòng mỗi trang phải là số nguyên từ 1 đến {max_limit}."
        else:
            query.limit = int(raw_limit)
    raw_cursor = clean(args.get("cursor")) or None
    if raw_cursor is not None:
        try:
            query.after = decode_cursor(raw_cursor)
        except ValueError:
            errors["cursor"] = MSG_CURSOR
    _fail(errors)
    return query


# Registering a delivery ------------------------------------------------------------------


def book_code_from_json(body: Any, org_id: int) -> str:
    """POST /inbox/<id>/register: an optional {"book_code": …}; "general" by default."""
    if body is None:
        return "general"
    values = _object(body)
    errors = {name: MSG_UNKNOWN for name in values if name != "book_code"}
    code = values.get("book_code")
    if code is None:
        code = "general"
    elif not isinstance(code, str):
        errors["book_code"] = MSG_STRING
    elif not is_known_book_code(org_id, clean(code)):
        errors["book_code"] = "Không có sổ đăng ký văn bản đến với mã này."
    _fail(errors)
    return clean(code)


# The steps -------------------------------------------------------------------------------

OutgoingRun = Callable[[User, int, dict[str, Any]], OutgoingDocument]


def _from_workflow(name: str, run: OutgoingRun) -> Step:
    """Fields and required ones as the outgoing workflow's transition defines them."""
    transition = outgoing_flow.WORKFLOW.transition(name)
    if transition is None:
        raise RuntimeError(f"outgoing has no transition {name}")
    fields = tuple(i.name for i in transition.inputs if i.name in FIELDS)
    required = tuple(i.name for i in transition.required_inputs if i.name in FIELDS)
    return Step(name, transition.label, fields, required, run)


_STEPS = (
    _from_workflow(outgoing_flow.SUBMIT, lambda u, d, g: review.submit(u, d, g.get("note"))),
    _from_workflow(outgoing_flow.APPROVE, lambda u, d, g: review.approve(u, d, g.get("note"))),
    _from_workflow(
        outgoing_flow.SEND_BACK, lambda u, d, g: review.send_back(u, d, g.get("reason") or "")
    ),
    _from_workflow(
        outgoing_flow.REJECT, lambda u, d, g: review.reject(u, d, g.get("reason") or "")
    ),
    _from_workflow(outgoing_flow.SIGN, lambda u, d, g: issuing.sign(u, d, g.get("note"))),
    _from_workflow(
        outgoing_flow.RECALL, lambda u, d, g: recall.recall(u, d, g.get("reason") or "")
    ),
    _from_workflow(outgoing_flow.DISCARD, lambda u, d, g: review.discard(u, d, g.get("reason"))),
)
STEPS: dict[str, Step] = {step.name: step for step in _STEPS}

# Not a transition of the outgoing document but the recipient's refusal of its copy
# (POST /inbox/<delivery_id>/reject); its id is the delivery's. Answers the Delivery.
REJECT_DELIVERY = Step(
    "reject_delivery",
    "Từ chối tiếp nhận",
    ("reason",),
    ("reason",),
    lambda u, d, g: delivery.reject_delivery(u, d, g.get("reason") or ""),
)
