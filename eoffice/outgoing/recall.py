"""Thu hồi: an issued document is recalled, and every copy delivered inside is withdrawn.

NĐ 30 Đ18.4: the recipient cancels a recalled e-document in its system and tells the
sender. Inside one deployment both happen in the recall's transaction: the sender's
document is frozen as recalled (its number stays used), each delivery reports 13, and
each recipient's incoming entry still open ends cancelled through the incoming workflow's
`withdraw` step, with the reason on its timeline. A replacement is drafted as a new
document that names the one it replaces (`replaces_id`).
"""

from __future__ import annotations

from eoffice.core.audit import record as audit_record
from eoffice.core.steps import transaction
from eoffice.core.text import clean_multiline
from eoffice.extensions import db
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import User
from eoffice.outgoing.delivery import recall_deliveries
from eoffice.outgoing.involvement import get_visible
from eoffice.outgoing.models import OutgoingDocument
from eoffice.outgoing.review import fire_step, record
from workflows import incoming as incoming_flow
from workflows import outgoing as outgoing_flow
from workflows.engine import TransitionRefused, fire
from workflows.roles import SENDER


@transaction
def recall(actor: User, doc_id: int, reason: str) -> OutgoingDocument:
    doc = get_visible(actor, doc_id)
    reason = clean_multiline(reason)
    event = fire_step(actor, doc, outgoing_flow.RECALL, reason=reason)
    doc.state = event.to_state
    doc.state_reason = reason[:1000]
    withdrawn = [
        _withdraw(actor, doc, incoming_id, reason)
        for incoming_id in recall_deliveries(doc, actor, reason)
    ]
    record(
        actor,
        doc,
        "recalled",
        event,
        {"withdrawn": sum(1 for done in withdrawn if done)},
        reason,
    )
    return doc


def _withdraw(actor: User, doc: OutgoingDocument, incoming_id: int, reason: str) -> bool:
    """Cancel the recipient's entry if the incoming workflow still allows it (not filed)."""
    incoming = db.session.get(IncomingDocument, incoming_id)
    if incoming is None:
        return False
    note = f"Thu hồi theo văn bản {doc.symbol} của {doc.organisation.name}: {reason}"
    try:
        event = fire(
            incoming_flow.WORKFLOW,
            incoming.state,
            incoming_flow.WITHDRAW,
            {SENDER},
            {"reason": note},
        )
    except TransitionRefused:
        return False  # already closed (filed, cancelled, rejected): stays as it is
    incoming.state = event.to_state
    incoming.cancel_reason = note[:500]
    audit_record(
        actor_id=actor.id,
        org_id=incoming.org_id,
        subject_type="incoming",
        subject_id=incoming.id,
        action="withdrawn",
        changes={
            "state": {
                "from": incoming_flow.STATE_LABELS[event.from_state],
                "to": incoming_flow.STATE_LABELS[event.to_state],
            }
        },
        note=note[:1000],
    )
    return True
