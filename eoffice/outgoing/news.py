"""Who hears about the steps of an outgoing document, and in which words.

Worked out inside the step (where its rows are visible) and told after its commit
(`after_commit`), like the incoming hooks in eoffice.notifications.hooks: the holder of
the stage a draft now waits at, the drafter when it comes back or is issued, the clerks
of every office a copy reaches, and the drafter when an office refuses its copy.
"""

from __future__ import annotations

from sqlalchemy import select

from eoffice.core.aftercommit import after_commit
from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.notifications.content import Message
from eoffice.notifications.models import NotificationKind
from eoffice.notifications.services import tell
from eoffice.orgs.models import Role, User, UserRole
from eoffice.outgoing.involvement import SIGNING_STAGE, current_stage, is_unit_head
from eoffice.outgoing.models import Delivery, OutgoingDocument, OutgoingReview, SigningDelegation

TEMPLATES: dict[NotificationKind, tuple[str, str]] = {
    NotificationKind.OUTGOING_TO_REVIEW: (
        "{kind} «{subject}» chờ bạn: {stage}",
        "{who} trình {kind_lower} «{subject}». Bước hiện tại: {stage}.",
    ),
    NotificationKind.OUTGOING_SENT_BACK: (
        "{kind} «{subject}»: {outcome}",
        "{who}: {reason}",
    ),
    NotificationKind.OUTGOING_ISSUED: (
        "Đã ban hành {kind_lower} số {symbol}",
        "{kind} «{subject}» đã được ký ban hành, số {symbol} ngày {date}.",
    ),
    NotificationKind.DELIVERY_ARRIVED: (
        "Văn bản điện tử mới đến: {symbol} của {sender}",
        "{kind} số {symbol} của {sender} về «{subject}» đã đến, chờ văn thư vào sổ.",
    ),
    NotificationKind.DELIVERY_REJECTED: (
        "{recipient} từ chối tiếp nhận văn bản {symbol}",
        "{recipient} từ chối tiếp nhận {kind_lower} số {symbol}. Lý do: {reason}",
    ),
    NotificationKind.RECALL_REFUSED: (
        "{recipient} từ chối thu hồi văn bản {symbol}",
        "{recipient} từ chối thu hồi {kind_lower} số {symbol} và vẫn giữ văn bản. Lý do: {reason}",
    ),
}


def _words(doc: OutgoingDocument, actor: User | None, **extra: str) -> dict[str, str]:
    kind = doc.document_type.name if doc.document_type else "Văn bản"
    return {
        "kind": kind,
        "kind_lower": kind.lower(),
        "subject": doc.subject,
        "symbol": doc.symbol or "",
        "date": doc.document_date.strftime("%d/%m/%Y") if doc.document_date else "",
        "sender": doc.organisation.name,
        "who": actor.full_name if actor is not None else "Hệ thống",
        "stage": "",
        "reason": "",
        "outcome": "",
        "recipient": "",
        **extra,
    }


def _message(kind: NotificationKind, words: dict[str, str]) -> Message:
    title, body = TEMPLATES[kind]
    return Message(title.format(**words), body.format(**words))


def _later(
    kind: NotificationKind, users: list[User], message: Message, link: str, actor: User | None
) -> None:
    if users:
        after_commit(lambda: tell(kind, users, message, link, actor=actor))


def doc_path(doc: OutgoingDocument) -> str:
    return f"/outgoing/{doc.id}"


def _with_role(org_id: int, *roles: str) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.org_id == org_id, User.is_active_account.is_(True), UserRole.role.in_(roles)
            )
            .order_by(User.id)
        ).unique()
    )


def stage_holders(doc: OutgoingDocument, stage: OutgoingReview) -> list[User]:
    """The people who may act on `stage` now."""
    if stage.kind == "user" or (stage.kind == SIGNING_STAGE and stage.user_id):
        people = [db.session.get(User, stage.user_id)] if stage.user_id else []
        if stage.kind == SIGNING_STAGE and stage.user_id:
            today = local_today()
            people += [
                d.to_user
                for d in db.session.scalars(
                    select(SigningDelegation).where(
                        SigningDelegation.from_user_id == stage.user_id,
                        SigningDelegation.starts_on <= today,
                        SigningDelegation.ends_on >= today,
                    )
                )
            ]
        return [p for p in people if p is not None and p.is_active_account]
    if stage.kind == "role" and stage.role:
        return _with_role(doc.org_id, stage.role)
    if stage.kind == "unit_head" and stage.unit_id:
        members = db.session.scalars(select(User).where(User.unit_id == stage.unit_id))
        return [u for u in members if u.is_active_account and is_unit_head(u, stage.unit_id)]
    return []


def after_moving_on(actor: User, doc: OutgoingDocument) -> None:
    """Submitted or approved: whoever holds the stage it waits at now."""
    stage = current_stage(doc)
    if stage is None:
        return
    message = _message(NotificationKind.OUTGOING_TO_REVIEW, _words(doc, actor, stage=stage.label))
    _later(
        NotificationKind.OUTGOING_TO_REVIEW,
        stage_holders(doc, stage),
        message,
        doc_path(doc),
        actor,
    )


def after_coming_back(actor: User, doc: OutgoingDocument, reason: str, *, rejected: bool) -> None:
    outcome = "không ban hành" if rejected else "trả lại để sửa"
    message = _message(
        NotificationKind.OUTGOING_SENT_BACK, _words(doc, actor, reason=reason, outcome=outcome)
    )
    _later(NotificationKind.OUTGOING_SENT_BACK, [doc.drafter], message, doc_path(doc), actor)


def after_issue(actor: User, doc: OutgoingDocument) -> None:
    message = _message(NotificationKind.OUTGOING_ISSUED, _words(doc, actor))
    _later(NotificationKind.OUTGOING_ISSUED, [doc.drafter], message, doc_path(doc), actor)


def after_delivery(doc: OutgoingDocument, deliveries: list[Delivery]) -> None:
    """Each receiving office's clerks: a copy waits for them in the inbox.

    The same words for all, so the clerks of every office are found by one query and
    told in one go (one transaction), however many schools a directive reaches. They
    are looked up after the commit, so the thousands of rows `tell` reads are fresh
    ones, not rows the commit expired (which would be read back one by one).
    """
    org_ids = sorted(
        {
            d.recipient_org_id
            for d in deliveries
            if d.channel == "internal" and d.recipient_org_id is not None
        }
    )
    if not org_ids:
        return
    message = _message(NotificationKind.DELIVERY_ARRIVED, _words(doc, None))

    def tell_clerks() -> None:
        clerks = _clerks_of(org_ids)
        if clerks:
            tell(NotificationKind.DELIVERY_ARRIVED, clerks, message, "/outgoing/inbox")

    after_commit(tell_clerks)


def _clerks_of(org_ids: list[int]) -> list[User]:
    """The active clerks of these offices, in one query."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.org_id.in_(org_ids),
                User.is_active_account.is_(True),
                UserRole.role == Role.CLERK,
            )
            .order_by(User.id)
        ).unique()
    )


def after_refusal(
    actor: User | None,
    delivery: Delivery,
    reason: str,
    kind: NotificationKind = NotificationKind.DELIVERY_REJECTED,
) -> None:
    """The drafter and the sender's clerks: a recipient refused the copy (02) or, through
    the exchange, refused our recall request (16; `actor` is None: an outside person)."""
    doc = delivery.outgoing
    words = _words(doc, actor, reason=reason, recipient=delivery.recipient_name)
    message = _message(kind, words)
    people = {u.id: u for u in [doc.drafter, *_with_role(doc.org_id, Role.CLERK)]}
    _later(kind, list(people.values()), message, doc_path(doc), actor)
