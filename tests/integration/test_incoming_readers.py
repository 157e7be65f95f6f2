"""`incoming_readers` (who may read each incoming document without the register's
overview) always says what the rule itself says, whatever the steps that changed it."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from eoffice.extensions import db
from eoffice.incoming import processing, readers
from eoffice.incoming.access import can_see_register, visible_filter
from eoffice.incoming.involvement import Party
from eoffice.incoming.models import Assignment, IncomingDocument
from eoffice.incoming.readers import IncomingReader
from eoffice.orgs import people
from eoffice.orgs.models import User
from tests import factories


def rule(user: User, doc: IncomingDocument) -> bool:
    """The staff rule of incoming.access, written out over the objects: addressed to
    the person, or (not secret) to their unit, or a part held by them or their unit."""
    if doc.org_id != user.org_id:
        return False
    if doc.recipient_user_id == user.id:
        return True
    unit = user.unit_id
    if unit and doc.recipient_unit_id == unit and doc.confidentiality_code == "normal":
        return True
    return any(
        part.user_id == user.id or (unit is not None and part.unit_id == unit)
        for part in doc.assignments
    )


def visible_ids(user: User) -> set[int]:
    return set(db.session.scalars(select(IncomingDocument.id).where(visible_filter(user))))


def stored_rows() -> set[tuple[int, int]]:
    return set(db.session.execute(select(IncomingReader.user_id, IncomingReader.document_id)))


def assert_rows_follow_the_rule(people_: list[User]) -> None:
    db.session.expire_all()
    docs = list(db.session.scalars(select(IncomingDocument)))
    for user in people_:
        expected = {doc.id for doc in docs if rule(user, doc)}
        assert visible_ids(user) == expected, user.full_name


@pytest.fixture
def office(world):
    """School A with a second unit, people in each, and a staff member of no unit."""
    school = world.school_a
    admin = school.admin
    second = people.add_unit(admin, school.org.id, "Tổ Chuyên môn", "CM")
    staff = [
        factories.make_user(school.org, f"gv{i}@thleloi.hcm.edu.vn", ["staff"], f"Giáo Viên {i}",
                            second if i % 2 else school.unit)
        for i in range(4)
    ]  # fmt: skip
    loner = factories.make_user(school.org, "gvtudo@thleloi.hcm.edu.vn", ["staff"], "Tự Do")
    db.session.commit()
    return school, second, [school.staff, *staff, loner]


def test_every_step_that_changes_who_reads_keeps_the_rows_true(app, office):
    school, second, staff = office
    rng = random.Random(8)
    units = [school.unit, second]
    docs = []
    for i in range(12):
        addressed = rng.choice(["unit", "user", "none"])
        docs.append(
            factories.register(
                school.clerk,
                subject=f"Văn bản thử số {i}",
                symbol=f"{i + 1}/UBND",
                confidentiality_code=rng.choice(["normal", "normal", "secret"]),
                recipient_unit_id=rng.choice(units).id if addressed == "unit" else None,
                recipient_user_id=rng.choice(staff).id if addressed == "user" else None,
            )
        )
    db.session.commit()
    assert_rows_follow_the_rule(staff)

    for doc in docs[:8]:
        processing.present(school.clerk, doc.id, presented_to=school.leader.id)
        lead = rng.choice(
            [Party(unit_id=rng.choice(units).id), Party(user_id=rng.choice(staff).id)]
        )
        informed = [Party(user_id=rng.choice(staff).id)]
        processing.assign(school.leader, doc.id, lead, informed=informed)
    assert_rows_follow_the_rule(staff)

    # A part given to someone else: the first holder keeps reading, the new one reads.
    target = docs[0]
    processing.reassign(
        school.leader, target.id, Party(user_id=staff[-1].id), reason="Đổi người xử lý"
    )
    assert_rows_follow_the_rule(staff)

    # People moving between units, leaving one, joining one; a newcomer.
    for user, unit in ((staff[1], second), (staff[2], None), (staff[-1], school.unit)):
        people.update_user(
            school.admin, user.id, full_name=user.full_name, title=None,
            unit_id=unit.id if unit else None, roles=["staff"],
        )  # fmt: skip
    factories.make_user(school.org, "gvmoi@thleloi.hcm.edu.vn", ["staff"], "Mới", second)
    db.session.commit()
    everyone = db.session.scalars(select(User).where(User.org_id == school.org.id))
    assert_rows_follow_the_rule([u for u in everyone if not can_see_register(u)])

    # Rebuilt from scratch, the rows are the ones kept step by step.
    kept = stored_rows()
    readers.rebuild_all(db.session.connection())
    assert stored_rows() == kept


def test_a_document_for_a_unit_is_read_by_its_members_unless_secret(app, office):
    school, second, staff = office
    plain = factories.register(school.clerk, recipient_unit_id=second.id)
    secret = factories.register(
        school.clerk, recipient_unit_id=second.id, confidentiality_code="secret", symbol="9/M"
    )
    db.session.commit()
    rows = stored_rows()
    assert {user for user, d in rows if d == plain.id} == {
        u.id for u in staff if u.unit_id == second.id
    }
    assert not {user for user, d in rows if d == secret.id}


def test_a_rolled_back_assignment_leaves_no_reader(app, office):
    school, _second, staff = office
    doc = factories.register(school.clerk)
    processing.present(school.clerk, doc.id, presented_to=school.leader.id)
    before = stored_rows()
    db.session.add(Assignment(document_id=doc.id, kind="lead", user_id=staff[0].id))
    db.session.flush()
    assert (staff[0].id, doc.id) in stored_rows()  # the transaction sees it at once
    db.session.rollback()
    assert stored_rows() == before


def test_a_staff_members_register_pages_through_words_and_without(app, office, client):
    """A staff member's register walks their readers rows: with words to find (the keys
    read first, the page cut from them) and without, every page, each document once."""
    from eoffice.incoming.queries import RegisterFilters, register_page

    school, second, staff = office
    mine = [
        factories.register(
            school.clerk,
            subject=f"Kế hoạch số {i}",
            symbol=f"{i + 1}/KH",
            recipient_unit_id=second.id,
        ).id
        for i in range(5)
    ]
    factories.register(
        school.clerk, subject="Kế hoạch của tổ khác", recipient_unit_id=school.unit.id
    )
    db.session.commit()
    reader = next(u for u in staff if u.unit_id == second.id)
    for text in ("kế hoạch", None):
        seen, cursor = [], None
        while True:
            page = register_page(reader, RegisterFilters(text=text), cursor, 2)
            seen += [doc.id for doc in page.items]
            cursor = page.next_cursor
            if not cursor:
                break
        assert seen == list(reversed(mine)), text
    factories.login(client, reader)
    response = client.get("/incoming", query_string={"q": "kế hoạch"})
    assert response.status_code == 200


@pytest.mark.postgres
def test_a_part_given_to_a_unit_while_a_member_leaves_it(app, office, postgres_only):
    """T1 gives a unit a part of a secret document and holds its commit; meanwhile T2
    moves a member out of the unit. Each rebuilds rows from what it sees: without the
    organisation's lock, T1's rows (written before T2's move) would keep the member
    reading the secret document for good."""
    import threading
    import time

    from sqlalchemy import text

    school, second, staff = office
    doc = factories.register(school.clerk, confidentiality_code="secret", symbol="7/M")
    processing.present(school.clerk, doc.id, presented_to=school.leader.id)
    leaving = next(u for u in staff if u.unit_id == second.id)
    doc_id, leaving_id, unit_id = doc.id, leaving.id, second.id
    db.session.commit()
    t1_flushed, t1_go, t2_done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def t1() -> None:
        with app.app_context():
            try:
                db.session.add(Assignment(document_id=doc_id, kind="lead", unit_id=unit_id))
                db.session.flush()
                t1_flushed.set()
                assert t1_go.wait(30)
                db.session.commit()
            except BaseException as exc:
                errors.append(exc)
            finally:
                t1_flushed.set()
                db.session.remove()

    def t2() -> None:
        with app.app_context():
            try:
                db.session.get(User, leaving_id).unit_id = None
                db.session.commit()
            except BaseException as exc:
                errors.append(exc)
            finally:
                t2_done.set()
                db.session.remove()

    def t2_waits() -> bool:
        with db.engine.connect() as conn:
            return bool(
                conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                    )
                )
            )

    first = threading.Thread(target=t1)
    first.start()
    assert t1_flushed.wait(30)
    second_thread = threading.Thread(target=t2)
    second_thread.start()
    deadline = time.monotonic() + 30
    while not (t2_done.is_set() or t2_waits()) and time.monotonic() < deadline:
        time.sleep(0.01)
    t1_go.set()
    first.join(30)
    second_thread.join(30)
    assert not errors, errors
    db.session.rollback()
    assert (leaving_id, doc_id) not in stored_rows()
    kept = stored_rows()
    readers.rebuild_all(db.session.connection())
    assert stored_rows() == kept


def test_the_repair_command_writes_back_rows_lost_outside_the_application(app, office):
    school, second, _staff = office
    factories.register(school.clerk, recipient_unit_id=second.id)
    db.session.commit()
    kept = stored_rows()
    assert kept
    db.session.execute(IncomingReader.__table__.delete())
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["readers", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Đã tính lại" in result.output
    db.session.rollback()
    assert stored_rows() == kept
