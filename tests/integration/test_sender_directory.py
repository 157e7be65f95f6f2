"""The sender directory during intake: suggestions, and entries intake must not change."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from eoffice.core.errors import ValidationFailed
from eoffice.extensions import db
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.queries import sender_suggestions
from eoffice.incoming.services import register_incoming
from eoffice.orgs.models import Organisation
from eoffice.orgs.services import find_or_create_sender
from tests import factories


def _names(user) -> set[str]:
    return {org.name for org in sender_suggestions(user)}


def test_suggestions_are_members_and_senders_this_school_received_from(world):
    factories.register(world.school_a.clerk, sender_name="Sở Tài chính", symbol="1/STC")
    factories.register(world.school_b.clerk, sender_name="Công an Phường 5", symbol="2/CA")
    factories.register(
        world.school_a.clerk,
        sender_name="Bộ Chỉ huy Quân sự",
        symbol="3/BCH",
        confidentiality_code="confidential",
    )
    members = {world.district.org.name, world.school_a.org.name, world.school_b.org.name}
    assert _names(world.school_a.clerk) == members | {
        "Sở Tài chính",
        "Bộ Chỉ huy Quân sự",  # the clerk registered it, so may see it
    }
    assert _names(world.school_b.clerk) == members | {"Công an Phường 5"}
    # A colleague who may not open the secret document is not told who sent it.
    colleague = factories.make_user(
        world.school_a.org, "vanthu2@thleloi.hcm.edu.vn", ["clerk"], "Đỗ Văn Thư Hai"
    )
    assert "Bộ Chỉ huy Quân sự" not in _names(colleague)


def test_a_code_owned_by_another_organisation_is_refused(world):
    owner = world.school_b.org
    long_name = "Ủy ban nhân dân Phường 5 " + "rất dài " * 15
    with pytest.raises(ValidationFailed) as caught:
        register_incoming(
            world.school_a.clerk,
            factories.incoming_input(sender_name=long_name, sender_agency_code=owner.agency_code),
        )
    message = caught.value.field_errors["sender_agency_code"]
    assert owner.name in message and owner.agency_code in message
    assert long_name[:40] in message and long_name.strip() not in message  # shortened
    db.session.refresh(owner)
    assert owner.name == "Trường THCS Bạch Đằng"
    assert db.session.scalar(select(func.count(IncomingDocument.id))) == 0


def test_a_known_name_with_another_code_is_refused(world):
    with pytest.raises(ValidationFailed) as caught:
        find_or_create_sender("trường thcs bạch đằng", "009.09.09.H29")
    assert "002.01.31.H29" in caught.value.field_errors["sender_agency_code"]
    assert db.session.get(Organisation, world.school_b.org.id).agency_code == "002.01.31.H29"


def test_a_code_typed_for_an_entry_without_one_stays_on_the_document(world):
    first = factories.register(world.school_a.clerk, sender_name="Sở Tài chính", symbol="1/STC")
    entry = db.session.get(Organisation, first.sender_org_id)
    assert entry.agency_code is None
    second = factories.register(
        world.school_b.clerk,
        sender_name="SỞ TÀI CHÍNH",
        sender_agency_code="000.00.10.h29",
        symbol="2/STC",
    )
    assert second.sender_org_id == entry.id
    assert second.sender_agency_code == "000.00.10.H29"
    db.session.refresh(entry)
    assert entry.agency_code is None  # the shared entry is not changed by one school


def test_the_code_of_a_known_sender_is_filled_in_by_the_server(world):
    doc = factories.register(
        world.school_a.clerk, sender_name="truong thcs bach dang", sender_agency_code=""
    )
    assert doc.sender_org_id == world.school_b.org.id
    assert doc.sender_name == "Trường THCS Bạch Đằng"
    assert doc.sender_agency_code == "002.01.31.H29"


def test_a_new_sender_is_added_only_when_the_entry_is_registered(world):
    before = db.session.scalar(select(func.count(Organisation.id)))
    with pytest.raises(ValidationFailed):
        register_incoming(
            world.school_a.clerk,
            factories.incoming_input(sender_name="Hội Khuyến học Quận", subject=""),
        )
    assert db.session.scalar(select(func.count(Organisation.id))) == before
    doc = factories.register(world.school_a.clerk, sender_name="Hội Khuyến học Quận")
    entry = db.session.get(Organisation, doc.sender_org_id)
    assert (entry.name, entry.kind, entry.is_member) == ("Hội Khuyến học Quận", "external", False)
