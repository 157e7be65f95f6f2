"""Rules of registration: arrival time, deactivated catalogue entries, the book, file order."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from eoffice.catalog.models import RegisterBook
from eoffice.catalog.services import create_book, set_book_active, set_document_type_active
from eoffice.core import timeutil
from eoffice.core.errors import ValidationFailed
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload, file_store
from eoffice.incoming.books import book_options
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.services import correct_incoming, input_from_document, register_incoming
from eoffice.orgs.people import set_unit_active, set_user_active
from tests import factories

# 20/11/2026 09:00 in Ho Chi Minh City.
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)


def _local(*args) -> datetime:
    """A naive office-time moment, as a form or API client sends it."""
    return datetime(*args)


# Arrival time -------------------------------------------------------------------------


def test_arrival_may_not_be_backdated_past_the_limit(world):
    clerk = world.school_a.clerk
    with pytest.raises(ValidationFailed) as caught:
        register_incoming(clerk, factories.incoming_input(arrived_at=_local(2026, 10, 20, 8, 0)))
    message = caught.value.field_errors["arrived_at"]
    assert "không được sớm hơn 30 ngày" in message
    assert "21/10/2026 09:00" in message  # the earliest accepted moment, office time
    assert db.session.scalar(select(func.count(IncomingDocument.id))) == 0
    doc = register_incoming(
        clerk, factories.incoming_input(arrived_at=_local(2026, 10, 21, 9, 0), symbol="9/X")
    )
    assert doc.arrival_number == 1


def test_backdating_limit_is_configurable(world, app):
    app.config["ARRIVAL_BACKDATE_DAYS"] = 3
    with pytest.raises(ValidationFailed) as caught:
        register_incoming(
            world.school_a.clerk, factories.incoming_input(arrived_at=_local(2026, 11, 16, 9, 0))
        )
    assert "3 ngày" in caught.value.field_errors["arrived_at"]


@pytest.mark.parametrize("moment", [datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59)])
def test_absurd_years_are_a_message_not_an_overflow(world, moment):
    with pytest.raises(ValidationFailed) as caught:
        register_incoming(world.school_a.clerk, factories.incoming_input(arrived_at=moment))
    assert "1900–2100" in caught.value.field_errors["arrived_at"]


def test_arrival_in_the_future_is_refused(world):
    with pytest.raises(ValidationFailed) as caught:
        register_incoming(
            world.school_a.clerk, factories.incoming_input(arrived_at=_local(2026, 11, 20, 10, 0))
        )
    assert caught.value.field_errors["arrived_at"] == "Thời điểm đến không được ở tương lai."


def test_a_correction_measures_the_arrival_from_the_registration(world):
    clerk = world.school_a.clerk
    doc = factories.register(clerk)  # registered 20/11/2026 09:00
    timeutil.set_clock(lambda: NOW + timedelta(days=60))
    data = input_from_document(doc)
    data.subject = "Sửa trích yếu hai tháng sau"
    correct_incoming(clerk, doc.id, data)  # the unchanged arrival is still fine
    assert doc.arrived_at == NOW

    data.arrived_at = _local(2026, 11, 1, 8, 0)  # 19 days before the registration
    correct_incoming(clerk, doc.id, data)
    assert timeutil.to_local(doc.arrived_at).day == 1

    data.arrived_at = _local(2026, 10, 19, 8, 0)  # 32 days before the registration
    with pytest.raises(ValidationFailed) as caught:
        correct_incoming(clerk, doc.id, data)
    assert "arrived_at" in caught.value.field_errors


# Deactivated type, unit and person ---------------------------------------------------------


def test_correction_keeps_a_deactivated_type_unit_and_recipient(world):
    school = world.school_a
    plan = factories.type_id("Kế hoạch")
    doc = factories.register(
        school.clerk,
        document_type_id=plan,
        recipient_unit_id=school.unit.id,
        recipient_user_id=school.staff.id,
    )
    set_document_type_active(world.district.admin, plan, False)
    set_unit_active(school.admin, school.unit.id, False)
    set_user_active(school.admin, school.staff.id, False)

    data = input_from_document(doc)
    data.subject = "Trích yếu sửa sau khi tổ chức lại"
    correct_incoming(school.clerk, doc.id, data)
    assert doc.subject == "Trích yếu sửa sau khi tổ chức lại"
    assert (doc.document_type_id, doc.recipient_unit_id, doc.recipient_user_id) == (
        plan,
        school.unit.id,
        school.staff.id,
    )


def test_deactivated_entries_cannot_be_chosen_anew(world):
    school = world.school_a
    plan = factories.type_id("Kế hoạch")
    doc = factories.register(school.clerk)  # Công văn, no recipient
    set_document_type_active(world.district.admin, plan, False)
    set_unit_active(school.admin, school.unit.id, False)
    set_user_active(school.admin, school.staff.id, False)
    data = input_from_document(doc)
    data.document_type_id = plan
    data.recipient_unit_id = school.unit.id
    data.recipient_user_id = school.staff.id
    with pytest.raises(ValidationFailed) as caught:
        correct_incoming(school.clerk, doc.id, data)
    assert set(caught.value.field_errors) >= {
        "document_type_id",
        "recipient_unit_id",
        "recipient_user_id",
    }
    with pytest.raises(ValidationFailed):
        register_incoming(
            school.clerk, factories.incoming_input(symbol="2/X", recipient_unit_id=school.unit.id)
        )


# Register books ------------------------------------------------------------------------


def _books() -> int:
    return db.session.scalar(select(func.count(RegisterBook.id)))


def test_listing_books_opens_none(world):
    options = book_options(world.school_a.org.id, 2026)
    assert {o.code for o in options} == {"general", "confidential"}
    assert _books() == 0
    factories.register(world.school_a.clerk)
    assert _books() == 1  # the general book, opened by its first entry


def test_a_custom_confidential_book_takes_secret_documents(world):
    clerk = world.school_a.clerk
    custom = create_book(world.school_a.admin, "mat-chibo", "Sổ văn bản mật của Chi bộ", True)
    doc = factories.register(clerk, confidentiality_code="secret", book_code="mat-chibo")
    assert doc.register_book_id == custom.id
    # A secret document with an ordinary book chosen goes to the default confidential book.
    other = factories.register(clerk, symbol="8/X", confidentiality_code="secret")
    assert other.register_book.code == "confidential"


def test_an_ordinary_document_never_enters_a_confidential_book(world):
    create_book(world.school_a.admin, "mat-chibo", "Sổ văn bản mật của Chi bộ", True)
    with pytest.raises(ValidationFailed) as caught:
        register_incoming(world.school_a.clerk, factories.incoming_input(book_code="mat-chibo"))
    assert "chỉ dành cho văn bản mật" in caught.value.field_errors["book_code"]


def test_a_locked_book_says_so(world):
    admin = world.school_a.admin
    book = create_book(admin, "don-thu", "Sổ đơn thư", False)
    set_book_active(admin, book.id, False)
    with pytest.raises(ValidationFailed) as caught:
        register_incoming(world.school_a.clerk, factories.incoming_input(book_code="don-thu"))
    message = caught.value.field_errors["book_code"]
    assert message == "Sổ “Sổ đơn thư” năm 2026 đã khóa, vui lòng chọn sổ khác."
    assert "độ mật" not in message


def test_a_custom_book_carries_over_into_the_new_year(world):
    create_book(world.school_a.admin, "don-thu", "Sổ đơn thư", False)
    timeutil.set_clock(lambda: datetime(2027, 1, 5, 2, 0, tzinfo=UTC))
    assert "don-thu" in {o.code for o in book_options(world.school_a.org.id, 2027)}
    doc = factories.register(world.school_a.clerk, book_code="don-thu")
    assert (doc.register_book.code, doc.register_book.year, doc.arrival_number) == (
        "don-thu",
        2027,
        1,
    )


# Files are on disk before the number is taken ------------------------------------------------


def test_files_are_written_before_the_arrival_number_is_taken(world):
    data = factories.pdf_bytes("Tệp lớn")
    digest = hashlib.sha256(data).hexdigest()
    seen: list[bool] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE REGISTER_BOOKS"):
            seen.append(file_store().exists(digest))

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        doc = factories.register(world.school_a.clerk, uploads=[Upload("lớn.pdf", data)])
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
    assert seen == [True]
    assert doc.attachments[0].stored_file.sha256 == digest
