"""Opening a file outside the yearly list, and editing a file's own fields.

NĐ 30 Đ29: a file the list did not foresee may still be opened, but it must then carry
what the list would have given it — tiêu đề, số và ký hiệu, thời hạn bảo quản, người
lập hồ sơ, thời gian bắt đầu. The number is the organisation's next one for the year
(eoffice.casefiles.numbering); the abbreviation after it is the one the person types
("VP", "TCCB"), since there is no heading to take it from. Such a file starts open: it
exists because somebody is already keeping it.

Both steps are one transaction each, audited on the file, and refuse with every field
error at once so the form can show them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from eoffice.casefiles.access import MANAGERS, get_file_for_update, require_change
from eoffice.casefiles.files import STATE_LABELS, retention_of
from eoffice.casefiles.models import CaseFile, RetentionPeriod
from eoffice.casefiles.numbering import next_code
from eoffice.core.errors import Conflict, ValidationFailed
from eoffice.core.limits import int_in_range, year_in_range
from eoffice.core.steps import record_step, transaction
from eoffice.core.text import clean, clean_multiline
from eoffice.core.timeutil import format_date, local_today, now_utc
from eoffice.extensions import db
from eoffice.orgs.models import User
from workflows import casefiles as flow

SUBJECT = "case_file"
MAX_TITLE = 500  # Phụ lục VI: Title String 500
MAX_NOTATION = 16  # "NNN." + the notation must fit FileNotation (String 20, Phụ lục VI)
MAX_NOTE = 500
MAX_DESCRIPTION = 500  # Description String 500
NOTATION_EXTRA = frozenset("-")  # letters and digits, and the hyphen of "TC-HC"

MSG_TITLE = "Vui lòng nhập tiêu đề hồ sơ."
MSG_NOTATION = "Vui lòng nhập ký hiệu hồ sơ (chữ viết tắt, ví dụ VP hoặc TCCB)."
MSG_NOTATION_CHARS = "Ký hiệu chỉ gồm chữ cái, chữ số và dấu gạch ngang, không có khoảng trắng."
MSG_KEEPER = "Người lập hồ sơ phải là người dùng đang hoạt động của cơ quan."
MSG_KEEPER_OTHER = "Chỉ văn thư và lãnh đạo được giao hồ sơ cho người khác lập."
MSG_START_FUTURE = "Thời gian bắt đầu không được sau ngày hôm nay."
MSG_START_RANGE = "Thời gian bắt đầu không hợp lệ."


@dataclass(frozen=True)
class FileInput:
    """What a person types for a file. `notation` and `start_date` count only when the
    file is created (its code and start are fixed once it exists)."""

    title: str = ""
    notation: str | None = None
    retention: str | None = None
    keeper_id: int | None = None
    start_date: date | None = None
    note: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class _Checked:
    title: str
    retention: RetentionPeriod | None
    keeper: User | None
    note: str | None
    description: str | None


def _too_long(label: str, limit: int) -> str:
    return f"{label} tối đa {limit} ký tự."


def _check_common(
    actor: User, data: FileInput, errors: dict[str, str], *, current_keeper_id: int | None
) -> _Checked:
    """The fields both steps share; problems go into `errors` (field → message)."""
    title = clean(data.title)
    if not title:
        errors["title"] = MSG_TITLE
    elif len(title) > MAX_TITLE:
        errors["title"] = _too_long("Tiêu đề hồ sơ", MAX_TITLE)
    retention = None
    try:
        retention = retention_of(data.retention)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
    keeper = _keeper(actor, data.keeper_id, current_keeper_id, errors)
    note = clean_multiline(data.note) or None
    if note and len(note) > MAX_NOTE:
        errors["note"] = _too_long("Ghi chú", MAX_NOTE)
    description = clean_multiline(data.description) or None
    if description and len(description) > MAX_DESCRIPTION:
        errors["description"] = _too_long("Mô tả", MAX_DESCRIPTION)
    return _Checked(title, retention, keeper, note, description)


def _keeper(
    actor: User, keeper_id: int | None, current_keeper_id: int | None, errors: dict[str, str]
) -> User | None:
    """The keeper chosen (default: the current one, or the actor for a new file).

    Handing a file to somebody else is the clerk's or the leader's decision: a staff
    member keeps the files they open, and cannot push one onto a colleague.
    """
    wanted = keeper_id or current_keeper_id or actor.id
    if not int_in_range(wanted):
        errors["keeper_id"] = MSG_KEEPER
        return None
    keeper = db.session.get(User, wanted)
    if keeper is None or keeper.org_id != actor.org_id or not keeper.is_active_account:
        errors["keeper_id"] = MSG_KEEPER
        return None
    if wanted not in (actor.id, current_keeper_id) and not actor.has_role(*MANAGERS):
        errors["keeper_id"] = MSG_KEEPER_OTHER
        return None
    return keeper


def _notation(value: str | None, errors: dict[str, str]) -> str | None:
    """The abbreviation, upper case as codes are written (`01.TCCB`); no dot or space,
    which would make the code ambiguous."""
    notation = clean(value).upper()
    if not notation:
        errors["notation"] = MSG_NOTATION
        return None
    if len(notation) > MAX_NOTATION:
        errors["notation"] = _too_long("Ký hiệu", MAX_NOTATION)
        return None
    if not all(ch.isalnum() or ch in NOTATION_EXTRA for ch in notation):
        errors["notation"] = MSG_NOTATION_CHARS
        return None
    return notation


def _start(value: date | None, errors: dict[str, str]) -> date:
    today = local_today()
    if value is None:
        return today
    if not year_in_range(value):
        errors["start_date"] = MSG_START_RANGE
    elif value > today:
        errors["start_date"] = MSG_START_FUTURE
    return value


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed("Vui lòng kiểm tra thông tin hồ sơ.", field_errors=errors)


def _record(actor: User, case_file: CaseFile, action: str, changes: dict[str, Any]) -> None:
    record_step(
        actor=actor,
        subject_type=SUBJECT,
        subject_id=case_file.id,
        action=action,
        event=None,
        state_labels=STATE_LABELS,
        changes=changes,
    )


@transaction
def create_file(actor: User, data: FileInput) -> CaseFile:
    """Lập hồ sơ ngoài danh mục: a new open file of the actor's organisation.

    Its year is the year its work started (the start date's), which also decides the
    number it takes; it is kept by the person named (by default the actor) and belongs
    to that person's unit.
    """
    errors: dict[str, str] = {}
    checked = _check_common(actor, data, errors, current_keeper_id=None)
    notation = _notation(data.notation, errors)
    start = _start(data.start_date, errors)
    _refuse(errors)
    assert checked.retention is not None and checked.keeper is not None
    number, notation, code = next_code(actor.org_id, start.year, notation=notation)
    now = now_utc()
    case_file = CaseFile(
        org_id=actor.org_id,
        year=start.year,
        number=number,
        notation=notation,
        code=code,
        title=checked.title,
        retention_code=checked.retention.code,
        keeper_id=checked.keeper.id,
        unit_id=checked.keeper.unit_id,
        note=checked.note,
        description=checked.description,
        state=flow.OPEN,
        in_list=False,
        start_date=start,
        opened_at=now,
        opened_by_id=actor.id,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(case_file)
    db.session.flush()
    _record(
        actor,
        case_file,
        "created",
        {
            "code": code,
            "title": checked.title,
            "retention": checked.retention.label,
            "keeper": checked.keeper.full_name,
            "start_date": format_date(start),
        },
    )
    return case_file


@transaction
def update_file(actor: User, file_id: int, data: FileInput) -> CaseFile:
    """Sửa hồ sơ: title, retention, keeper, note and description, while the file is
    planned or open (a closed file is changed by reopening it first, on record)."""
    case_file = get_file_for_update(actor, file_id)
    require_change(actor, case_file)
    if not case_file.editable:
        raise Conflict(
            f"Hồ sơ {case_file.code} {STATE_LABELS[case_file.state].lower()}: không sửa được "
            "thông tin hồ sơ."
        )
    errors: dict[str, str] = {}
    checked = _check_common(actor, data, errors, current_keeper_id=case_file.keeper_id)
    _refuse(errors)
    assert checked.retention is not None and checked.keeper is not None
    old_keeper = case_file.keeper.full_name if case_file.keeper else None
    before = {
        "title": case_file.title,
        "retention": case_file.retention.label,
        "keeper": old_keeper,
        "note": case_file.note,
        "description": case_file.description,
    }
    after = {
        "title": checked.title,
        "retention": checked.retention.label,
        "keeper": checked.keeper.full_name,
        "note": checked.note,
        "description": checked.description,
    }
    changes = {
        name: {"from": before[name], "to": after[name]}
        for name in before
        if before[name] != after[name]
    }
    if not changes:
        return case_file
    case_file.title = checked.title
    case_file.retention_code = checked.retention.code
    if case_file.keeper_id != checked.keeper.id:
        case_file.keeper_id = checked.keeper.id
        if not case_file.in_list:  # a listed file belongs to its heading's unit
            case_file.unit_id = checked.keeper.unit_id
    case_file.note = checked.note
    case_file.description = checked.description
    case_file.updated_at = now_utc()
    _record(actor, case_file, "updated", changes)
    return case_file


def keeper_choices(actor: User, current_keeper_id: int | None = None) -> list[User]:
    """Whom the form offers as keeper: anyone active in the organisation for the clerk
    and the leader; otherwise the file's keeper (or the actor), as `_keeper` allows."""
    if actor.has_role(*MANAGERS):
        return list(
            db.session.scalars(
                select(User)
                .where(User.org_id == actor.org_id, User.is_active_account.is_(True))
                .order_by(User.full_name, User.id)
            )
        )
    ids = {actor.id, current_keeper_id} - {None}
    return list(
        db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.full_name, User.id))
    )
