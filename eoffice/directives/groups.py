"""Recipient groups: who a directive goes to, in one click.

An office sends to "all schools", to one level (mầm non, tiểu học, THCS), to the schools
of one ward, or to a group its admin put together ("Cụm 1", "Trường chuẩn quốc gia").
The built-in groups are computed from the organisations every time (never stored), so a
school added, closed or moved to another ward is right at once; custom groups are rows
(eoffice.directives.models.RecipientGroup) that only the office's admin edits.

A group is named by a key the form and the API share: "all", "level:primary",
"ward:Phường 5", "custom:12". `members_of` turns keys into organisation ids with one
query per kind of group, whatever the number of schools; a closed school (inactive) or
one no longer a member is left out of every group, custom ones included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from eoffice.core import audit
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.core.limits import int_in_range
from eoffice.core.text import clean, clean_multiline, vn_fold
from eoffice.core.timeutil import now_utc
from eoffice.directives.models import RecipientGroup, RecipientGroupMember
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, OrgKind, Role, User

SUBJECT = "recipient_group"
MAX_NAME = 150
MAX_DESCRIPTION = 500
MAX_GROUPS = 200  # custom groups of one office
MAX_MEMBERS = 5000

ALL = "all"
LEVEL = "level"
WARD = "ward"
CUSTOM = "custom"

# The levels, in the order offices list them, with the name of their group.
LEVELS = (
    (OrgKind.KINDERGARTEN, "Trường mầm non"),
    (OrgKind.PRIMARY, "Trường tiểu học"),
    (OrgKind.LOWER_SECONDARY, "Trường trung học cơ sở"),
)
LEVEL_LABELS = dict(LEVELS)
OTHER_LEVEL = "Đơn vị khác"

# The sections of the choices, as the form shows them.
SECTION_ALL = "Toàn bộ"
SECTION_LEVEL = "Theo cấp học"
SECTION_WARD = "Theo phường, xã"
SECTION_CUSTOM = "Nhóm riêng"

# How a group is printed in "Nơi nhận" when picked as a whole (one line for all its
# schools, as offices write it). A ward's and a custom group's lines are built from
# their names (`printed_label`).
PRINTED_ALL = "Các trường trên địa bàn"
PRINTED_LEVELS = {
    OrgKind.KINDERGARTEN: "Các trường mầm non trên địa bàn",
    OrgKind.PRIMARY: "Các trường tiểu học trên địa bàn",
    OrgKind.LOWER_SECONDARY: "Các trường trung học cơ sở trên địa bàn",
}

MSG_ADMIN_ONLY = "Chỉ quản trị của cơ quan được quản lý nhóm nơi nhận."
MSG_NOT_FOUND = "Không tìm thấy nhóm nơi nhận này."
MSG_UNKNOWN_GROUP = "Có nhóm nơi nhận không còn tồn tại, vui lòng chọn lại."


@dataclass(frozen=True)
class GroupChoice:
    """One group as the draft form offers it: its key, its name, how many schools."""

    key: str
    label: str
    count: int
    section: str


@dataclass(frozen=True)
class GroupInput:
    """What an admin types for a custom group."""

    name: str = ""
    description: str | None = None
    member_org_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class GroupRow:
    """A custom group in the admin's list."""

    id: int
    name: str
    description: str | None
    count: int
    updated_at: datetime


# --- Who counts as a school of the office --------------------------------------------


def school_conditions(org_id: int) -> tuple[ColumnElement[bool], ...]:
    """The WHERE conditions on Organisation of "a school of office `org_id`": every
    active member organisation other than the office itself and another district office.

    Public because every count of a built-in group and every list of its schools must
    use the same conditions (here, and the API's group members in one query), or a
    group would show one number and send to another."""
    return (
        Organisation.is_member.is_(True),
        Organisation.is_active.is_(True),
        Organisation.id != org_id,
        Organisation.kind != OrgKind.DISTRICT_OFFICE,
    )


def active_member_conditions() -> tuple[ColumnElement[bool], ...]:
    """The WHERE conditions on Organisation a custom group's member must still meet to
    be sent to (a school closed or gone from the deployment stays listed in the group
    but drops out of it). Public for the same reason as `school_conditions`."""
    return (Organisation.is_member.is_(True), Organisation.is_active.is_(True))


_NUMBER = re.compile(r"(\d+)")


def _natural(text: str) -> tuple:
    """Phường 2 before Phường 10: numbers compared as numbers, words folded."""
    return tuple(int(p) if p.isdigit() else vn_fold(p) for p in _NUMBER.split(text))


def ward_key(ward: str) -> str:
    return f"{WARD}:{ward}"


def level_key(kind: str) -> str:
    return f"{LEVEL}:{kind}"


def custom_key(group_id: int) -> str:
    return f"{CUSTOM}:{group_id}"


# --- The choices of the draft form ---------------------------------------------------


def choices_for(org: Organisation) -> list[GroupChoice]:
    """Every group the office can send to, with its number of schools: all, each level
    that has schools, each ward that has schools, then its custom groups by name.

    Two queries: the schools counted by level and ward at once, and the custom groups
    with their members that are still active members of the deployment.
    """
    counts = db.session.execute(
        select(Organisation.kind, Organisation.ward, func.count(Organisation.id))
        .where(*school_conditions(org.id))
        .group_by(Organisation.kind, Organisation.ward)
    ).all()
    total = sum(n for _, _, n in counts)
    by_level: dict[str, int] = {}
    by_ward: dict[str, int] = {}
    for kind, ward, n in counts:
        by_level[kind] = by_level.get(kind, 0) + n
        name = clean(ward)
        if name:
            by_ward[name] = by_ward.get(name, 0) + n
    choices: list[GroupChoice] = []
    if total:
        choices.append(GroupChoice(ALL, "Tất cả các trường", total, SECTION_ALL))
    for kind, label in LEVELS:
        if by_level.get(kind):
            choices.append(GroupChoice(level_key(kind), label, by_level[kind], SECTION_LEVEL))
    for ward in sorted(by_ward, key=_natural):
        choices.append(GroupChoice(ward_key(ward), ward, by_ward[ward], SECTION_WARD))
    choices += [
        GroupChoice(custom_key(row.id), row.name, row.count, SECTION_CUSTOM)
        for row in _custom_rows(org.id)
    ]
    return choices


def _custom_rows(org_id: int) -> list[GroupRow]:
    active = (
        select(RecipientGroupMember.group_id, func.count().label("n"))
        .join(Organisation, Organisation.id == RecipientGroupMember.member_org_id)
        .where(*active_member_conditions())
        .group_by(RecipientGroupMember.group_id)
        .subquery()
    )
    rows = db.session.execute(
        select(RecipientGroup, func.coalesce(active.c.n, 0))
        .outerjoin(active, active.c.group_id == RecipientGroup.id)
        .where(RecipientGroup.org_id == org_id)
    ).all()
    listed = [
        GroupRow(g.id, g.name, g.description, int(n), g.updated_at or g.created_at) for g, n in rows
    ]
    return sorted(listed, key=lambda r: (_natural(r.name), r.id))


# --- Keys to schools -----------------------------------------------------------------


def _parse(keys: list[str]) -> tuple[bool, set[str], set[str], set[int]]:
    """(all?, levels, wards, custom group ids) of the keys; unknown keys refused."""
    everyone = False
    levels: set[str] = set()
    wards: set[str] = set()
    custom: set[int] = set()
    for key in keys:
        kind, _, value = (key or "").partition(":")
        if kind == ALL and not value:
            everyone = True
        elif kind == LEVEL and value in LEVEL_LABELS:
            levels.add(value)
        elif kind == WARD and clean(value):
            wards.add(clean(value))
        elif kind == CUSTOM and value.isdigit() and int_in_range(int(value)):
            custom.add(int(value))
        else:
            raise ValidationFailed(MSG_UNKNOWN_GROUP, field_errors={"groups": MSG_UNKNOWN_GROUP})
    return everyone, levels, wards, custom


def members_of(org: Organisation, keys: list[str]) -> list[int]:
    """The organisation ids of the groups named by `keys`, each once, by name.

    At most two queries: one for the built-in groups (all, levels and wards together)
    and one for the custom groups, which must be the office's own. The office itself is
    never among them, even when a custom group lists it.
    """
    everyone, levels, wards, custom = _parse(keys)
    found: dict[int, str] = {}
    for org_id, folded, _kind, _ward in _builtin_rows(org, everyone, levels, wards):
        found[org_id] = folded
    if custom:
        rows = _custom_members(org, custom)
        missing = custom - {group_id for group_id, _, _ in rows}
        if missing and _groups_missing(org.id, missing):
            raise ValidationFailed(MSG_UNKNOWN_GROUP, field_errors={"groups": MSG_UNKNOWN_GROUP})
        found.update((org_id, folded) for _, org_id, folded in rows)
    return [org_id for org_id, _ in sorted(found.items(), key=lambda item: (item[1], item[0]))]


def _builtin_rows(
    org: Organisation, everyone: bool, levels: set[str], wards: set[str]
) -> list[tuple[int, str, str, str | None]]:
    """(id, folded name, level, ward) of the office's schools in the built-in groups
    named (all of them, or those of the levels or wards): one query, none when no
    built-in group is named."""
    if not (everyone or levels or wards):
        return []
    query = select(
        Organisation.id, Organisation.name_folded, Organisation.kind, Organisation.ward
    ).where(*school_conditions(org.id))
    if not everyone:
        conditions = []
        if levels:
            conditions.append(Organisation.kind.in_(levels))
        if wards:
            conditions.append(Organisation.ward.in_(wards))
        query = query.where(or_(*conditions))
    return [tuple(row) for row in db.session.execute(query)]


def _custom_members(org: Organisation, custom: set[int]) -> list[tuple[int, int, str]]:
    """(group id, member id, folded name) of the office's own custom groups among
    `custom`, their members still active members other than the office: one query."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(RecipientGroup.id, Organisation.id, Organisation.name_folded)
            .join(RecipientGroupMember, RecipientGroupMember.group_id == RecipientGroup.id)
            .join(Organisation, Organisation.id == RecipientGroupMember.member_org_id)
            .where(RecipientGroup.id.in_(custom), RecipientGroup.org_id == org.id)
            .where(*active_member_conditions(), Organisation.id != org.id)
        )
    ]


@dataclass(frozen=True)
class GroupPick:
    """One group picked as a whole on a draft: its key, its "Nơi nhận" line, its schools
    (ids, by name)."""

    key: str
    printed: str
    member_ids: list[int]


def picks(org: Organisation, keys: list[str]) -> list[GroupPick]:
    """Each group named by `keys` (in that order, each once) with its line and schools.

    The same two queries as `members_of`, whatever the number of schools: the built-in
    groups' schools with their level and ward, and the custom groups' members (and
    names). Unknown keys and another office's groups are refused like `members_of`.
    """
    everyone, levels, wards, custom = _parse(keys)
    builtin = _builtin_rows(org, everyone, levels, wards)
    custom_names: dict[int, str] = {}
    custom_members: dict[int, list[tuple[int, str]]] = {}
    if custom:
        groups = db.session.execute(
            select(RecipientGroup.id, RecipientGroup.name).where(
                RecipientGroup.id.in_(custom), RecipientGroup.org_id == org.id
            )
        ).all()
        custom_names = dict(groups)
        if custom - set(custom_names):
            raise ValidationFailed(MSG_UNKNOWN_GROUP, field_errors={"groups": MSG_UNKNOWN_GROUP})
        for group_id, org_id, folded in _custom_members(org, custom):
            custom_members.setdefault(group_id, []).append((org_id, folded))
    result: list[GroupPick] = []
    for key in dict.fromkeys(keys):
        kind, _, value = key.partition(":")
        if kind == ALL:
            found = [(i, f) for i, f, _, _ in builtin]
            printed = PRINTED_ALL
        elif kind == LEVEL:
            found = [(i, f) for i, f, k, _ in builtin if k == value]
            printed = PRINTED_LEVELS[OrgKind(value)]
        elif kind == WARD:
            ward = clean(value)
            found = [(i, f) for i, f, _, w in builtin if clean(w) == ward]
            printed = f"{PRINTED_ALL} {ward}"
        else:
            group_id = int(value)
            found = custom_members.get(group_id, [])
            printed = custom_names[group_id]
        ordered = [i for i, _ in sorted(found, key=lambda item: (item[1], item[0]))]
        result.append(GroupPick(key, printed, ordered))
    return result


def _groups_missing(org_id: int, group_ids: set[int]) -> bool:
    """Whether some of `group_ids` are not the office's groups (an empty one is fine)."""
    own = db.session.scalars(
        select(RecipientGroup.id).where(
            RecipientGroup.id.in_(group_ids), RecipientGroup.org_id == org_id
        )
    )
    return bool(group_ids - set(own))


# --- Custom groups: the admin's list and edits ---------------------------------------


def _require_admin(actor: User) -> None:
    if not actor.has_role(Role.ADMIN):
        raise Forbidden(MSG_ADMIN_ONLY)


def custom_groups(actor: User) -> list[GroupRow]:
    """The office's custom groups with their number of schools sent to today."""
    _require_admin(actor)
    return _custom_rows(actor.org_id)


def get_group(actor: User, group_id: int) -> RecipientGroup:
    """One of the admin's office's groups; anybody else's is simply not found."""
    _require_admin(actor)
    group = db.session.get(RecipientGroup, group_id) if int_in_range(group_id) else None
    if group is None or group.org_id != actor.org_id:
        raise NotFound(MSG_NOT_FOUND)
    return group


def member_ids(group: RecipientGroup) -> list[int]:
    """Who the group lists (closed schools included: the admin sees and may remove them)."""
    return list(
        db.session.scalars(
            select(RecipientGroupMember.member_org_id).where(
                RecipientGroupMember.group_id == group.id
            )
        )
    )


def school_choices(org: Organisation) -> list[tuple[str, list[Organisation]]]:
    """The schools an admin may put in a group, by level then name (the edit page)."""
    rows = db.session.scalars(
        select(Organisation).where(*school_conditions(org.id)).order_by(Organisation.name_folded)
    )
    sections: dict[str, list[Organisation]] = {label: [] for _, label in LEVELS}
    for school in rows:
        sections.setdefault(LEVEL_LABELS.get(school.kind, OTHER_LEVEL), []).append(school)
    return [(label, schools) for label, schools in sections.items() if schools]


def _checked(actor: User, data: GroupInput, group_id: int | None) -> tuple[str, str | None, set]:
    """The cleaned name, description and members; every problem at once."""
    errors: dict[str, str] = {}
    name = clean(data.name)
    description = clean_multiline(data.description) or None
    if not name:
        errors["name"] = "Vui lòng nhập tên nhóm."
    elif len(name) > MAX_NAME:
        errors["name"] = f"Tên nhóm tối đa {MAX_NAME} ký tự."
    else:
        taken = db.session.execute(
            select(RecipientGroup.id, RecipientGroup.name).where(
                RecipientGroup.org_id == actor.org_id
            )
        ).all()
        folded = vn_fold(name)
        if any(vn_fold(other) == folded and gid != group_id for gid, other in taken):
            errors["name"] = f"Đã có nhóm «{name}»; vui lòng đặt tên khác."
        elif group_id is None and len(taken) >= MAX_GROUPS:
            errors["name"] = f"Mỗi cơ quan có tối đa {MAX_GROUPS} nhóm riêng."
    if description and len(description) > MAX_DESCRIPTION:
        errors["description"] = f"Mô tả tối đa {MAX_DESCRIPTION} ký tự."
    wanted = {int(i) for i in data.member_org_ids if int_in_range(int(i))}
    if len(wanted) != len(set(data.member_org_ids)):
        errors["member_org_ids"] = "Có đơn vị không hợp lệ, vui lòng chọn lại."
    elif not wanted:
        errors["member_org_ids"] = "Vui lòng chọn ít nhất một trường."
    elif len(wanted) > MAX_MEMBERS:
        errors["member_org_ids"] = f"Một nhóm có tối đa {MAX_MEMBERS} đơn vị."
    else:
        allowed = set(
            db.session.scalars(
                select(Organisation.id).where(
                    Organisation.id.in_(wanted),
                    *active_member_conditions(),
                    Organisation.id != actor.org_id,
                )
            )
        )
        if wanted - allowed:
            errors["member_org_ids"] = (
                "Chỉ chọn được các trường, đơn vị đang hoạt động trong hệ thống "
                "(không gồm chính cơ quan mình)."
            )
    if errors:
        raise ValidationFailed(next(iter(errors.values())), field_errors=errors)
    return name, description, wanted


def _commit_or_conflict(name: str) -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:  # another admin saved the same name at the same moment
        db.session.rollback()
        raise Conflict(f"Đã có nhóm «{name}»; vui lòng đặt tên khác.") from exc


def _names(org_ids: set[int]) -> str:
    if not org_ids:
        return ""
    names = db.session.scalars(
        select(Organisation.name).where(Organisation.id.in_(org_ids)).order_by(Organisation.name)
    ).all()
    shown = ", ".join(names[:10])
    return shown + (f" và {len(names) - 10} đơn vị khác" if len(names) > 10 else "")


def _members_note(added: set[int], removed: set[int]) -> str | None:
    parts = []
    if added:
        parts.append(f"Thêm: {_names(added)}")
    if removed:
        parts.append(f"Bớt: {_names(removed)}")
    return ("; ".join(parts))[:1000] or None


def create_group(actor: User, data: GroupInput) -> RecipientGroup:
    """A new custom group of the admin's office, with its members, audited."""
    try:
        _require_admin(actor)
        name, description, members = _checked(actor, data, None)
        group = RecipientGroup(
            org_id=actor.org_id,
            name=name,
            description=description,
            created_by_id=actor.id,
            updated_at=now_utc(),
        )
        db.session.add(group)
        db.session.flush()
        _add_members(group.id, members)
        audit.record(
            actor_id=actor.id,
            org_id=actor.org_id,
            subject_type=SUBJECT,
            subject_id=group.id,
            action="created",
            changes={"name": [None, name], "members": [0, len(members)]},
            note=_members_note(members, set()),
        )
    except Exception:
        db.session.rollback()
        raise
    _commit_or_conflict(name)
    return group


def update_group(actor: User, group_id: int, data: GroupInput) -> RecipientGroup:
    """Rename the group, change its description and set its members, in one go."""
    try:
        group = get_group(actor, group_id)
        name, description, members = _checked(actor, data, group.id)
        before = set(member_ids(group))
        added, removed = members - before, before - members
        changes: dict[str, list] = {}
        if name != group.name:
            changes["name"] = [group.name, name]
        if description != group.description:
            changes["description"] = [group.description, description]
        if added or removed:
            changes["members"] = [len(before), len(members)]
        if changes:
            group.name, group.description = name, description
            group.updated_at = now_utc()
            if removed:
                db.session.execute(
                    delete(RecipientGroupMember).where(
                        RecipientGroupMember.group_id == group.id,
                        RecipientGroupMember.member_org_id.in_(removed),
                    )
                )
            _add_members(group.id, added)
            db.session.expire(group, ["members"])
            audit.record(
                actor_id=actor.id,
                org_id=actor.org_id,
                subject_type=SUBJECT,
                subject_id=group.id,
                action="updated",
                changes=changes,
                note=_members_note(added, removed),
            )
    except Exception:
        db.session.rollback()
        raise
    _commit_or_conflict(name)
    return group


def delete_group(actor: User, group_id: int) -> None:
    """Remove a custom group. Documents keep their recipients and the group's line as it
    was printed (OutgoingRecipient.group_key only remembers which group it was); a draft
    that picked it is asked to pick again when next saved."""
    try:
        group = get_group(actor, group_id)
        count = len(member_ids(group))
        db.session.execute(
            delete(RecipientGroupMember).where(RecipientGroupMember.group_id == group.id)
        )
        audit.record(
            actor_id=actor.id,
            org_id=actor.org_id,
            subject_type=SUBJECT,
            subject_id=group.id,
            action="deleted",
            changes={"name": [group.name, None], "members": [count, 0]},
        )
        db.session.delete(group)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def _add_members(group_id: int, org_ids: set[int]) -> None:
    if org_ids:
        db.session.execute(
            insert(RecipientGroupMember),
            [{"group_id": group_id, "member_org_id": org_id} for org_id in sorted(org_ids)],
        )
