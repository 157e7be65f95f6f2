"""Registering incoming documents through the service layer."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from eoffice.core import timeutil
from eoffice.core.errors import Forbidden, NotFound, ValidationFailed
from eoffice.core.models import AuditEvent
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload
from eoffice.incoming.duplicates import HIDDEN_ONLY_MESSAGE
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.services import (
    DuplicateSuspected,
    cancel_incoming,
    correct_incoming,
    input_from_document,
    register_incoming,
)
from tests import factories


def test_numbers_run_from_one_per_book(world):
    clerk = world.school_a.clerk
    first = factories.register(clerk, symbol="1/SGDĐT")
    second = factories.register(clerk, symbol="2/SGDĐT")
    other_school = factories.register(world.school_b.clerk, symbol="3/SGDĐT")
    assert (first.arrival_number, second.arrival_number) == (1, 2)
    assert other_school.arrival_number == 1


def test_confidential_documents_go_to_their_own_book(world):
    clerk = world.school_a.clerk
    normal = factories.register(clerk, symbol="10/UBND")
    secret = factories.register(clerk, symbol="11/UBND", confidentiality_code="confidential")
    assert secret.register_book.is_confidential
    assert secret.register_book_id != normal.register_book_id
    assert secret.arrival_number == 1


def test_year_rollover_at_local_midnight(world):
    clerk = world.school_a.clerk
    # 23:59:59 on 31 December in Ho Chi Minh City is 16:59:59 UTC.
    timeutil.set_clock(lambda: datetime(2026, 12, 31, 16, 59, 59, tzinfo=UTC))
    last_of_year = [
        factories.register(clerk, symbol=f"{i}/X", document_date=date(2026, 12, 30))
        for i in range(3)
    ]
    timeutil.set_clock(lambda: datetime(2026, 12, 31, 17, 0, 0, tzinfo=UTC))
    first_of_year = factories.register(clerk, symbol="9/X", document_date=date(2026, 12, 30))
    assert [d.arrival_number for d in last_of_year] == [1, 2, 3]
    assert last_of_year[0].register_book.year == 2026
    assert first_of_year.arrival_number == 1
    assert first_of_year.register_book.year == 2027


def test_duplicate_needs_confirmation(world):
    clerk = world.school_a.clerk
    original = factories.register(clerk)
    with pytest.raises(DuplicateSuspected) as caught:
        register_incoming(clerk, factories.incoming_input(), [])
    assert caught.value.duplicates == [original]
    count = db.session.scalar(select(db.func.count(IncomingDocument.id)))
    assert count == 1
    confirmed = register_incoming(clerk, factories.incoming_input(), [], confirm_duplicate=True)
    assert confirmed.arrival_number == 2


def test_duplicate_detection_ignores_case_and_diacritics_of_sender(world):
    clerk = world.school_a.clerk
    factories.register(clerk)
    with pytest.raises(DuplicateSuspected):
        register_incoming(
            clerk,
            factories.incoming_input(sender_name="so giao duc va dao tao thanh pho ho chi minh"),
            [],
        )


def test_refused_registration_consumes_no_number(world):
    clerk = world.school_a.clerk
    with pytest.raises(ValidationFailed) as caught:
        register_incoming(clerk, factories.incoming_input(subject="  "), [])
    assert "subject" in caught.value.field_errors
    with pytest.raises(ValidationFailed):
        register_incoming(clerk, factories.incoming_input(symbol="5/A"), [Upload("trống.pdf", b"")])
    doc = factories.register(clerk, symbol="6/A")
    assert doc.arrival_number == 1


def test_only_clerks_register(world):
    with pytest.raises(Forbidden):
        register_incoming(world.school_a.staff, factories.incoming_input(), [])


def test_files_are_stored_by_hash_with_their_vietnamese_names(world, app):
    clerk = world.school_a.clerk
    data = factories.pdf_bytes()
    doc = factories.register(clerk, uploads=[Upload("Quyết định số 12.pdf", data)])
    again = factories.register(clerk, symbol="99/KH", uploads=[Upload("bản sao.pdf", data)])
    assert doc.attachments[0].original_name == "Quyết định số 12.pdf"
    assert doc.attachments[0].stored_file_id == again.attachments[0].stored_file_id
    stored = doc.attachments[0].stored_file
    assert stored.kind == "pdf"
    from eoffice.incoming.attachments import file_store

    with file_store().open(stored.sha256) as handle:
        assert handle.read() == data


def test_correction_is_recorded_with_old_and_new_values(world):
    clerk = world.school_a.clerk
    doc = factories.register(clerk)
    data = input_from_document(doc)
    data.subject = "Trích yếu đã sửa"
    data.page_count = 5
    correct_incoming(clerk, doc.id, data)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "corrected")).one()
    assert event.changes["subject"][1] == "Trích yếu đã sửa"
    assert event.changes["page_count"] == [3, 5]
    assert doc.arrival_number == 1


def test_cancel_needs_a_reason_and_blocks_further_correction(world):
    clerk = world.school_a.clerk
    doc = factories.register(clerk)
    with pytest.raises(ValidationFailed):
        cancel_incoming(clerk, doc.id, "")
    cancel_incoming(clerk, doc.id, "Vào sổ nhầm văn bản của đơn vị khác")
    assert doc.is_cancelled
    from eoffice.core.errors import Conflict

    with pytest.raises(Conflict):
        correct_incoming(clerk, doc.id, input_from_document(doc))


def test_other_organisations_cannot_reach_a_document(world):
    doc = factories.register(world.school_a.clerk)
    with pytest.raises(NotFound):
        cancel_incoming(world.school_b.clerk, doc.id, "không phải của tôi")


def test_nfc_normalisation_of_typed_text(world):
    decomposed = "Ke\u0302\u0301 hoa\u0323ch"  # "Kế hoạch" typed with combining marks
    doc = factories.register(world.school_a.clerk, subject=decomposed)
    assert doc.subject == "Kế hoạch"


def test_unknown_or_mismatched_book_is_a_validation_error(world):
    clerk = world.school_a.clerk
    with pytest.raises(ValidationFailed):
        register_incoming(clerk, factories.incoming_input(book_code="khong-co"), [])
    with pytest.raises(ValidationFailed):
        register_incoming(clerk, factories.incoming_input(book_code="confidential"), [])
    assert factories.register(clerk).arrival_number == 1


# Duplicates and visibility ------------------------------------------------------------


def _second_clerk(world):
    user = factories.make_user(
        world.school_a.org, "vanthu2@thleloi.hcm.edu.vn", ["clerk"], "Đỗ Văn Thư Hai"
    )
    db.session.commit()
    return user


def test_duplicate_of_a_secret_entry_is_announced_without_its_details(world, caplog, monkeypatch):
    secret = factories.register(
        world.school_a.clerk,
        confidentiality_code="confidential",
        subject="Phương án bảo vệ bí mật kỳ thi",
    )
    other_clerk = _second_clerk(world)
    # Alembic's fileConfig (run by the session's migration) disables existing loggers.
    monkeypatch.setattr(logging.getLogger("eoffice.incoming.services"), "disabled", False)
    caplog.set_level("INFO", logger="eoffice.incoming.services")
    with pytest.raises(DuplicateSuspected) as caught:
        register_incoming(other_clerk, factories.incoming_input(), [])
    warning = caught.value
    assert warning.duplicates == []
    assert warning.hidden_count == 1
    assert warning.message == HIDDEN_ONLY_MESSAGE
    for detail in (secret.subject, secret.symbol, secret.sender_name, str(secret.id)):
        assert detail not in warning.message
    assert "possible duplicate" in caplog.text
    # The clerk who registered it sees the earlier entry in full.
    with pytest.raises(DuplicateSuspected) as own:
        register_incoming(world.school_a.clerk, factories.incoming_input(), [])
    assert own.value.duplicates == [secret] and own.value.hidden_count == 0


def test_visible_and_hidden_duplicates_together(world):
    plain = factories.register(world.school_a.clerk)
    factories.register(world.school_a.clerk, confidentiality_code="confidential")
    other_clerk = _second_clerk(world)
    with pytest.raises(DuplicateSuspected) as caught:
        register_incoming(other_clerk, factories.incoming_input(), [])
    assert caught.value.duplicates == [plain]
    assert caught.value.hidden_count == 1
    assert "1 văn bản trùng mà bạn không có quyền xem" in caught.value.message


def test_another_schools_entry_is_no_duplicate(world):
    factories.register(world.school_b.clerk)
    doc = register_incoming(world.school_a.clerk, factories.incoming_input(), [])
    assert doc.arrival_number == 1
