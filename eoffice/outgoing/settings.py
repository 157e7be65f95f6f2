"""An organisation's outgoing settings kept by its admin: the approval chain and the
signing delegations.

`review.chain_for` reads the chain when a draft is submitted (and snapshots it, so an
edit here never moves a document already on its way); `involvement.delegation_for`
reads the delegations each time someone tries to sign. Every write here is validated
as a whole, audited against the organisation, and committed or rolled back in one go.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eoffice.core import audit
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.core.text import clean
from eoffice.core.timeutil import format_date, local_today
from eoffice.extensions import db
from eoffice.orgs.administration import get_member_org_for
from eoffice.orgs.models import ROLE_LABELS, Organisation, Role, User
from eoffice.outgoing.models import (
    CAPACITY_LABELS,
    ApprovalStage,
    Capacity,
    SigningDelegation,
)
from eoffice.outgoing.review import DEFAULT_CHAIN

MAX_STAGES = 10
MAX_LABEL = 150
MAX_NOTE = 300

STAGE_KIND_LABELS = {
    "unit_head": "Trưởng đơn vị soạn thảo",
    "role": "Người có vai trò",
    "user": "Một người cụ thể",
}
# Who may sign in the head's place: ký thay, quyền, thừa ủy quyền, thừa lệnh.
DELEGATION_CAPACITIES = (Capacity.KT, Capacity.Q, Capacity.TUQ, Capacity.TL)
DELEGATION_CAPACITY_LABELS = {c: CAPACITY_LABELS[c] for c in DELEGATION_CAPACITIES}

NOT_FOUND_STAGE = "Bước này không còn trong quy trình; hãy tải lại trang."
NOT_FOUND_DELEGATION = "Không tìm thấy ủy quyền ký này."
CHAIN_CHANGED = "Quy trình vừa được người khác thay đổi; hãy tải lại trang rồi làm lại."


def _require_admin(actor: User) -> None:
    if not actor.has_role(Role.ADMIN):
        raise Forbidden("Chỉ quản trị được thay đổi thiết lập văn bản đi.")


def _managed_org(actor: User, org_id: int) -> Organisation:
    _require_admin(actor)
    return get_member_org_for(actor, org_id)


def _fail(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(next(iter(errors.values())), field_errors=errors)


# --- The approval chain ----------------------------------------------------------------


@dataclass(frozen=True)
class StageInput:
    """One check as the admin describes it; `role` for 'role', `user_id` for 'user'."""

    kind: str
    label: str
    role: str | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class StageView:
    """One check as the page shows it, configured or from the default chain."""

    id: int | None
    position: int
    kind: str
    label: str
    role: str | None
    user: User | None

    @property
    def holder(self) -> str:
        """Who holds the check, in words."""
        if self.kind == "role" and self.role:
            return f"Người có vai trò {ROLE_LABELS.get(Role(self.role), self.role)}"
        if self.kind == "user":
            return self.user.full_name if self.user else "—"
        return STAGE_KIND_LABELS["unit_head"]


@dataclass(frozen=True)
class ChainView:
    org: Organisation
    stages: list[StageView]
    is_default: bool


def _stages(org_id: int) -> list[ApprovalStage]:
    return list(
        db.session.scalars(
            select(ApprovalStage)
            .where(ApprovalStage.org_id == org_id)
            .order_by(ApprovalStage.position)
        )
    )


def _default_inputs() -> list[StageInput]:
    return [StageInput(kind=k, label=label, role=role) for k, role, label in DEFAULT_CHAIN]


def _inputs_of(stages: list[ApprovalStage]) -> list[StageInput]:
    return [StageInput(kind=s.kind, label=s.label, role=s.role, user_id=s.user_id) for s in stages]


def chain_of(actor: User, org_id: int) -> ChainView:
    """The organisation's chain for its admin; the default one when none is configured."""
    org = _managed_org(actor, org_id)
    stages = _stages(org.id)
    if stages:
        views = [StageView(s.id, s.position, s.kind, s.label, s.role, s.user) for s in stages]
        return ChainView(org=org, stages=views, is_default=False)
    views = [
        StageView(None, i, s.kind, s.label, s.role, None) for i, s in enumerate(_default_inputs())
    ]
    return ChainView(org=org, stages=views, is_default=True)


def stage_holder_choices(org_id: int) -> list[User]:
    """The people a 'user' check can name: the organisation's active accounts."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.org_id == org_id, User.is_active_account.is_(True))
            .order_by(User.full_name, User.id)
        )
    )


def _check_stage(org: Organisation, item: StageInput) -> tuple[StageInput, dict[str, str]]:
    """The stage normalised (fields its kind does not use cleared), and its problems."""
    errors: dict[str, str] = {}
    label = clean(item.label)
    if not label:
        errors["label"] = "Vui lòng nhập tên bước kiểm tra."
    elif len(label) > MAX_LABEL:
        errors["label"] = f"Tên bước kiểm tra tối đa {MAX_LABEL} ký tự."
    role = user_id = None
    if item.kind == "role":
        role = clean(item.role)
        if role not in {r.value for r in Role}:
            errors["role"] = "Vui lòng chọn một vai trò có trong hệ thống."
    elif item.kind == "user":
        user = db.session.get(User, item.user_id) if item.user_id else None
        if user is None or user.org_id != org.id or not user.is_active_account:
            errors["user_id"] = "Người kiểm tra phải là người dùng đang hoạt động của cơ quan."
        else:
            user_id = user.id
    elif item.kind != "unit_head":
        errors["kind"] = "Loại bước kiểm tra không hợp lệ."
    return StageInput(kind=item.kind, label=label, role=role, user_id=user_id), errors


def _describe(items: list[StageInput]) -> list[str]:
    return [item.label for item in items]


# A check of the chain being edited: the row it already is (None: a new one) and what
# it should say. Editing keeps each row's id, so a page still showing the chain before
# a change never acts on another check than the one it names.
Entry = tuple[int | None, StageInput]


def _write_chain(actor: User, org: Organisation, entries: list[Entry], action: str) -> None:
    """Make the organisation's rows be `entries`, in order (none: back to the default).

    Positions are unique per organisation, so rows that stay are first parked on
    negative positions (distinct, as their old ones were), then given their new places;
    rows left out are deleted, new ones inserted.
    """
    before = _stages(org.id)
    old = _describe(_inputs_of(before)) if before else None
    rows = {s.id: s for s in before}
    kept = {stage_id for stage_id, _ in entries if stage_id is not None}
    try:
        for stage in before:
            if stage.id in kept:
                stage.position = -1 - stage.position
            else:
                db.session.delete(stage)
        db.session.flush()
        for position, (stage_id, item) in enumerate(entries):
            row = rows.get(stage_id) if stage_id is not None else None
            if row is None:
                row = ApprovalStage(org_id=org.id)
                db.session.add(row)
            row.position = position
            row.kind, row.role, row.user_id, row.label = (
                item.kind,
                item.role,
                item.user_id,
                item.label,
            )
        db.session.flush()
        audit.record(
            actor_id=actor.id,
            org_id=org.id,
            subject_type="approval_chain",
            subject_id=org.id,
            action=action,
            changes={"stages": [old, _describe([i for _, i in entries]) if entries else None]},
        )
        db.session.commit()
    except IntegrityError:  # another admin wrote the chain at the same moment
        db.session.rollback()
        raise Conflict(CHAIN_CHANGED) from None
    except Exception:
        db.session.rollback()
        raise


def _save(actor: User, org: Organisation, entries: list[Entry]) -> list[ApprovalStage]:
    """Validate every check, then write them all; nothing is written if one is refused."""
    if not entries:
        raise ValidationFailed("Quy trình cần ít nhất một bước kiểm tra.")
    if len(entries) > MAX_STAGES:
        message = f"Quy trình có tối đa {MAX_STAGES} bước kiểm tra."
        raise ValidationFailed(message, field_errors={"stages": message})
    checked: list[Entry] = []
    for position, (stage_id, item) in enumerate(entries, start=1):
        normalised, errors = _check_stage(org, item)
        if errors:
            first = next(iter(errors.values()))
            raise ValidationFailed(f"Bước {position}: {first}", field_errors=errors)
        checked.append((stage_id, normalised))
    _write_chain(actor, org, checked, "updated")
    return _stages(org.id)


def save_chain(actor: User, org_id: int, items: list[StageInput]) -> list[ApprovalStage]:
    """Set the whole chain, in order, as new rows. An empty list is refused: it would
    mean the default chain (no rows), which `reset_chain` says explicitly."""
    org = _managed_org(actor, org_id)
    return _save(actor, org, [(None, item) for item in items])


def _current(org: Organisation) -> list[Entry]:
    """The chain as it stands: the configured rows, or the default chain to start from."""
    stages = _stages(org.id)
    if stages:
        return [(s.id, i) for s, i in zip(stages, _inputs_of(stages), strict=True)]
    return [(None, item) for item in _default_inputs()]


def _index_of(entries: list[Entry], stage_id: int) -> int:
    for index, (entry_id, _) in enumerate(entries):
        if entry_id == stage_id:
            return index
    raise NotFound(NOT_FOUND_STAGE)


def add_stage(actor: User, org_id: int, item: StageInput) -> list[ApprovalStage]:
    """Append a check. An organisation on the default chain starts from a copy of it,
    so adding "the deputy checks" keeps the unit head's and the clerk's checks."""
    org = _managed_org(actor, org_id)
    entries = _current(org)
    if len(entries) >= MAX_STAGES:
        message = f"Quy trình có tối đa {MAX_STAGES} bước kiểm tra."
        raise ValidationFailed(message, field_errors={"kind": message})
    normalised, errors = _check_stage(org, item)
    _fail(errors)
    return _save(actor, org, [*entries, (None, normalised)])


def get_stage_for(actor: User, stage_id: int) -> ApprovalStage:
    stage = db.session.get(ApprovalStage, stage_id)
    if stage is None:
        raise NotFound(NOT_FOUND_STAGE)
    try:
        _managed_org(actor, stage.org_id)
    except NotFound:
        raise NotFound(NOT_FOUND_STAGE) from None
    return stage


def _stage_and_chain(actor: User, stage_id: int) -> tuple[Organisation, list[Entry], int]:
    stage = get_stage_for(actor, stage_id)
    org = _managed_org(actor, stage.org_id)
    entries = _current(org)
    return org, entries, _index_of(entries, stage.id)


def update_stage(actor: User, stage_id: int, item: StageInput) -> list[ApprovalStage]:
    """Change one check where it stands."""
    org, entries, index = _stage_and_chain(actor, stage_id)
    normalised, errors = _check_stage(org, item)
    _fail(errors)
    entries[index] = (stage_id, normalised)
    return _save(actor, org, entries)


def move_stage(actor: User, stage_id: int, offset: int) -> list[ApprovalStage]:
    """Move a check one place up (-1) or down (+1); at either end nothing changes."""
    org, entries, index = _stage_and_chain(actor, stage_id)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(entries):
        return _stages(org.id)
    entries[index], entries[target] = entries[target], entries[index]
    return _save(actor, org, entries)


def remove_stage(actor: User, stage_id: int) -> list[ApprovalStage]:
    """Remove a check. The last one cannot go: no rows would mean the default chain,
    with its checks back, which is not what removing a check says."""
    org, entries, index = _stage_and_chain(actor, stage_id)
    if len(entries) == 1:
        raise ValidationFailed(
            "Không thể bỏ bước kiểm tra cuối cùng. Muốn dùng quy trình mặc định, "
            "hãy chọn “Dùng quy trình mặc định”."
        )
    del entries[index]
    return _save(actor, org, entries)


def start_from_default(actor: User, org_id: int) -> list[ApprovalStage]:
    """Copy the default chain into the organisation's own rows, to edit them one by one
    (a check of the default chain can only be removed or moved once it is a row)."""
    org = _managed_org(actor, org_id)
    stages = _stages(org.id)
    if stages:
        return stages
    return _save(actor, org, _current(org))


def reset_chain(actor: User, org_id: int) -> None:
    """Back to the default chain: the organisation's rows are removed."""
    org = _managed_org(actor, org_id)
    if not _stages(org.id):
        return
    _write_chain(actor, org, [], "deleted")


# --- Signing delegations ---------------------------------------------------------------


@dataclass(frozen=True)
class DelegationInput:
    from_user_id: int | None
    to_user_id: int | None
    capacity: str | None
    starts_on: date | None
    ends_on: date | None
    note: str | None = None


@dataclass(frozen=True)
class DelegationRow:
    delegation: SigningDelegation
    state: str  # running, upcoming, ended

    @property
    def state_label(self) -> str:
        return DELEGATION_STATE_LABELS[self.state]

    @property
    def capacity_label(self) -> str:
        return CAPACITY_LABELS.get(Capacity(self.delegation.capacity), self.delegation.capacity)


DELEGATION_STATE_LABELS = {
    "running": "Đang có hiệu lực",
    "upcoming": "Sắp có hiệu lực",
    "ended": "Đã hết hạn",
}


def _active_members(org_id: int, *roles: str) -> list[User]:
    users = db.session.scalars(
        select(User)
        .where(User.org_id == org_id, User.is_active_account.is_(True))
        .order_by(User.full_name, User.id)
    )
    return [u for u in users if u.has_role(*roles)]


def delegators(org_id: int) -> list[User]:
    """Who can hand their signing over: the organisation's leaders (người đứng đầu)."""
    return _active_members(org_id, Role.LEADER)


def delegates(org_id: int) -> list[User]:
    """Who can sign in their place: a deputy, or another leader."""
    return _active_members(org_id, Role.DEPUTY, Role.LEADER)


def _state(delegation: SigningDelegation, today: date) -> str:
    if delegation.ends_on < today:
        return "ended"
    if delegation.starts_on > today:
        return "upcoming"
    return "running"


def delegations_of(actor: User, org_id: int) -> list[DelegationRow]:
    """The organisation's delegations, the latest start first, each with its state today."""
    org = _managed_org(actor, org_id)
    today = local_today()
    rows = db.session.scalars(
        select(SigningDelegation)
        .where(SigningDelegation.org_id == org.id)
        .order_by(SigningDelegation.starts_on.desc(), SigningDelegation.id.desc())
    )
    return [DelegationRow(d, _state(d, today)) for d in rows]


def _member(org: Organisation, user_id: int | None) -> User | None:
    user = db.session.get(User, user_id) if user_id else None
    if user is None or user.org_id != org.id or not user.is_active_account:
        return None
    return user


def _check_delegation(org: Organisation, data: DelegationInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    grantor = _member(org, data.from_user_id)
    if grantor is None or not grantor.has_role(Role.LEADER):
        errors["from_user_id"] = "Người ủy quyền phải là lãnh đạo (người đứng đầu) của cơ quan."
    grantee = _member(org, data.to_user_id)
    if grantee is None or not grantee.has_role(Role.DEPUTY, Role.LEADER):
        errors["to_user_id"] = "Người được ủy quyền phải là cấp phó hoặc lãnh đạo khác của cơ quan."
    elif grantor is not None and grantee.id == grantor.id:
        errors["to_user_id"] = "Người được ủy quyền phải khác người ủy quyền."
    if data.capacity not in {c.value for c in DELEGATION_CAPACITIES}:
        errors["capacity"] = "Vui lòng chọn thẩm quyền ký: KT., Q., TUQ. hoặc TL."
    if data.starts_on is None:
        errors["starts_on"] = "Vui lòng nhập ngày bắt đầu."
    if data.ends_on is None:
        errors["ends_on"] = "Vui lòng nhập ngày kết thúc."
    elif data.starts_on is not None and data.ends_on < data.starts_on:
        errors["ends_on"] = "Ngày kết thúc phải từ ngày bắt đầu trở đi."
    if len(clean(data.note)) > MAX_NOTE:
        errors["note"] = f"Ghi chú tối đa {MAX_NOTE} ký tự."
    return errors


def _overlapping(data: DelegationInput) -> SigningDelegation | None:
    """A delegation from the same person whose dates meet the new one's (both ends in)."""
    assert data.starts_on is not None and data.ends_on is not None
    return db.session.scalars(
        select(SigningDelegation)
        .where(
            SigningDelegation.from_user_id == data.from_user_id,
            SigningDelegation.starts_on <= data.ends_on,
            SigningDelegation.ends_on >= data.starts_on,
        )
        .order_by(SigningDelegation.starts_on)
    ).first()


def add_delegation(actor: User, org_id: int, data: DelegationInput) -> SigningDelegation:
    """Record that a leader's signing passes to a deputy between two dates (both included).

    One person hands over to one deputy at a time: two delegations from the same leader
    on the same day would leave who signs, and under which capacity, to chance.
    """
    org = _managed_org(actor, org_id)
    _fail(_check_delegation(org, data))
    try:
        # Serialise the overlap check per leader: the leader's row stays locked until
        # commit (PostgreSQL), so two admins cannot both record a clashing delegation.
        db.session.execute(
            select(User.id).where(User.id == data.from_user_id).with_for_update()
        ).all()
        clash = _overlapping(data)
        if clash is not None:
            message = (
                f"{clash.from_user.full_name} đã ủy quyền cho {clash.to_user.full_name} "
                f"từ {format_date(clash.starts_on)} đến {format_date(clash.ends_on)}, "
                "trùng thời gian này."
            )
            raise ValidationFailed(message, field_errors={"starts_on": message})
        delegation = SigningDelegation(
            org_id=org.id,
            from_user_id=data.from_user_id,
            to_user_id=data.to_user_id,
            capacity=data.capacity,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            note=clean(data.note) or None,
            created_by_id=actor.id,
        )
        db.session.add(delegation)
        db.session.flush()
        _audit_delegation(actor, delegation, "created")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return delegation


def get_delegation_for(actor: User, delegation_id: int) -> SigningDelegation:
    delegation = db.session.get(SigningDelegation, delegation_id)
    if delegation is None:
        raise NotFound(NOT_FOUND_DELEGATION)
    try:
        _managed_org(actor, delegation.org_id)
    except NotFound:
        raise NotFound(NOT_FOUND_DELEGATION) from None
    return delegation


def delete_delegation(actor: User, delegation_id: int) -> None:
    """Remove a delegation recorded by mistake or cancelled; the audit keeps its trace.

    Documents already signed under it keep their signature block: `issuing.sign` copied
    the capacity onto them.
    """
    delegation = get_delegation_for(actor, delegation_id)
    try:
        _audit_delegation(actor, delegation, "deleted")
        db.session.delete(delegation)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def _audit_delegation(actor: User, delegation: SigningDelegation, action: str) -> None:
    audit.record(
        actor_id=actor.id,
        org_id=delegation.org_id,
        subject_type="signing_delegation",
        subject_id=delegation.id,
        action=action,
        changes={
            "from_user_id": delegation.from_user_id,
            "to_user_id": delegation.to_user_id,
            "capacity": delegation.capacity,
            "starts_on": delegation.starts_on.isoformat(),
            "ends_on": delegation.ends_on.isoformat(),
        },
    )
