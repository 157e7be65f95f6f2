"""A confidential (mật and above) outgoing document never goes through the exchange: the
draft is refused with outside recipients (on saving, submitting, signing; by the web form
and the API alike), and the forwarding job refuses to build a packet for one."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from eoffice.core.errors import ValidationFailed
from eoffice.exchange import forwarding
from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.outgoing import drafting, issuing, review
from eoffice.outgoing.drafting import RecipientInput
from eoffice.outgoing.models import OutgoingDocument
from tests import factories
from tests.exchange_support import AGENCY, signed_to_outside

pytestmark = pytest.mark.usefixtures("exchange_clock", "empty_queues", "agency_listed")


def _outside() -> list[RecipientInput]:
    return [RecipientInput("external", agency_code=AGENCY.organ_id)]


def _make_secret_behind_the_form(doc_id: int) -> None:
    """As if the level had changed without the drafting rules (an old draft, a script)."""
    db.session.execute(
        update(OutgoingDocument)
        .where(OutgoingDocument.id == doc_id)
        .values(confidentiality_code="confidential")
    )
    db.session.commit()
    db.session.expire_all()


def test_a_secret_draft_with_an_outside_recipient_is_refused(office):
    world, _ = office
    plan = factories.outgoing_plan(
        world, world.school_a, recipients=_outside(), confidentiality_code="confidential"
    )
    with pytest.raises(ValidationFailed) as refused:
        drafting.create_draft(world.district.staff, plan)
    errors = refused.value.field_errors
    assert "không được gửi qua trục liên thông" in errors["recipients"]
    assert "confidentiality_code" in errors
    # Inside the deployment only: accepted.
    inside = factories.outgoing_plan(world, world.school_a, confidentiality_code="confidential")
    assert drafting.create_draft(world.district.staff, inside).is_secret


def test_choosing_secret_while_outside_recipients_remain_is_refused(office):
    world, _ = office
    staff = world.district.staff
    doc = drafting.create_draft(staff, factories.outgoing_plan(world, recipients=_outside()))
    data = drafting.draft_input_from(doc)
    data.confidentiality_code = "confidential"
    with pytest.raises(ValidationFailed) as refused:
        drafting.update_draft(staff, doc.id, data)
    assert "Văn bản mật" in refused.value.field_errors["confidentiality_code"]
    db.session.expire_all()
    assert db.session.get(OutgoingDocument, doc.id).confidentiality_code == "normal"


def test_submitting_or_signing_a_secret_document_to_outside_is_refused(office):
    world, _ = office
    district = world.district
    doc = drafting.create_draft(
        district.staff, factories.outgoing_plan(world, recipients=_outside())
    )
    _make_secret_behind_the_form(doc.id)
    with pytest.raises(ValidationFailed, match="trục liên thông"):
        review.submit(district.staff, doc.id)

    other = drafting.create_draft(
        district.staff, factories.outgoing_plan(world, recipients=_outside())
    )
    review.submit(district.staff, other.id)
    review.approve(district.clerk, other.id)
    _make_secret_behind_the_form(other.id)
    with pytest.raises(ValidationFailed, match="trục liên thông"):
        issuing.sign(district.leader, other.id)
    db.session.expire_all()
    assert db.session.get(OutgoingDocument, other.id).number is None


def test_the_api_shows_the_refusal_as_a_field_error(app, office):
    from eoffice.auth.services import create_api_token

    world, _ = office
    _token, clear = create_api_token(world.district.staff, "Thử")
    body = {
        "document_type_id": factories.type_id("Kế hoạch"),
        "subject": "Kế hoạch mật",
        "body_text": "Nội dung.",
        "signer_id": world.district.leader.id,
        "confidentiality_code": "confidential",
        "recipients": [{"kind": "external", "agency_code": AGENCY.organ_id}],
    }
    response = app.test_client().post(
        "/api/v1/outgoing", json=body, headers={"Authorization": f"Bearer {clear}"}
    )
    assert response.status_code == 422, response.get_json()
    assert "trục liên thông" in str(response.get_json()["error"])


def test_forwarding_never_sends_a_secret_document(office, caplog):
    world, _ = office
    doc = signed_to_outside(world, [AGENCY.organ_id])
    _make_secret_behind_the_form(doc.id)
    runner().work_burst()  # publishing, then the forwarding job

    db.session.expire_all()
    [delivery] = db.session.get(OutgoingDocument, doc.id).deliveries
    assert delivery.exchange_state == forwarding.FAILED
    assert delivery.last_error == forwarding.SECRET_REFUSED
    assert delivery.attempts == 0  # no packet built, no hub asked
    assert any(r.levelname == "ERROR" and "secret" in r.getMessage() for r in caplog.records)
    assert not forwarding.can_send_again(world.district.clerk, delivery)


def test_downloading_the_signed_pdf_of_a_secret_document_is_logged(app, office):
    from eoffice.auth.services import create_api_token
    from eoffice.core.models import AuditEvent

    world, _ = office
    leader = world.district.leader
    plan = factories.outgoing_plan(world, world.school_a, confidentiality_code="confidential")
    doc = drafting.create_draft(world.district.staff, plan)
    review.submit(world.district.staff, doc.id)
    review.approve(world.district.clerk, doc.id)
    doc = issuing.sign(leader, doc.id)
    runner().work_burst()  # the signed PDF
    web = app.test_client()
    factories.login(web, leader)
    assert web.get(f"/outgoing/{doc.id}/signed.pdf").status_code == 200
    _token, clear = create_api_token(leader, "Thử")
    api = app.test_client()
    got = api.get(
        f"/api/v1/outgoing/{doc.id}/signed.pdf", headers={"Authorization": f"Bearer {clear}"}
    )
    assert got.status_code == 200
    db.session.expire_all()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "secret_downloaded").order_by(AuditEvent.id)
    ).all()
    name = doc.symbol.replace("/", "-") + ".pdf"
    assert [(e.actor_id, e.subject_id, e.changes) for e in events] == [
        (leader.id, doc.id, {"file": name}),
        (leader.id, doc.id, {"file": name}),
    ]
