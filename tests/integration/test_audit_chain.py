"""The audit trail's hash chains (core.audit_chain, core.audit_verify, decision 0020):
events recorded through the services chain themselves at their commit, and rows changed,
deleted or added behind the application's back are found by `flask audit verify`."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import bindparam, event, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eoffice import create_app
from eoffice.core import audit
from eoffice.core.audit_chain import GENESIS, content_digest, event_digest, link_hash
from eoffice.core.audit_verify import verify
from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.models import AuditChainHead, AuditEvent
from eoffice.extensions import db
from eoffice.incoming import processing
from tests import factories


@pytest.fixture
def app_config(app_config):
    """PostgreSQL: a connection for each of the concurrent tests' threads."""
    return (
        {
            **app_config,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                **app_config["SQLALCHEMY_ENGINE_OPTIONS"],
                "pool_size": 6,
            },
        }
        if app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
        else app_config
    )


def _reports(org_id: int | None = None) -> dict[int, object]:
    return {r.key: r for r in verify(db.session, org_id)}


def _chain(org_id: int | None) -> list[AuditEvent]:
    cond = AuditEvent.org_id.is_(None) if org_id is None else AuditEvent.org_id == org_id
    return list(db.session.scalars(select(AuditEvent).where(cond).order_by(AuditEvent.chain_seq)))


def _raw(sql: str, **params) -> None:
    """A statement on a connection of its own: behind the application's back."""
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


@pytest.fixture
def office(world):
    """School A with three registered documents, one presented, and school B with one."""
    school = world.school_a
    docs = [factories.register(school.clerk, symbol=f"{n}/SGDĐT-VP") for n in range(1, 4)]
    processing.present(school.clerk, docs[0].id, presented_to=school.leader.id)
    factories.register(world.school_b.clerk)
    db.session.expire_all()
    return world


def _middle(org_id: int) -> AuditEvent:
    events = _chain(org_id)
    assert len(events) >= 5
    return events[len(events) // 2]


def test_events_of_the_services_form_one_chain_per_organisation(office):
    for school in (office.district, office.school_a, office.school_b):
        events = _chain(school.org.id)
        assert events, school.org.name
        prev = GENESIS
        for seq, item in enumerate(events, start=1):
            assert (item.chain_seq, item.prev_hash) == (seq, prev)
            assert item.hash == link_hash(prev, seq, event_digest(item))
            prev = item.hash
        head = db.session.get(AuditChainHead, school.org.id)
        assert (head.last_seq, head.last_hash, head.last_event_id) == (
            len(events),
            prev,
            events[-1].id,
        )
    registered = [e for e in _chain(office.school_a.org.id) if e.action == "registered"]
    assert len(registered) == 3
    reports = _reports()
    assert set(reports) >= {office.school_a.org.id, office.school_b.org.id}
    assert all(r.intact for r in reports.values())
    assert reports[office.school_a.org.id].checked == len(_chain(office.school_a.org.id))


def test_no_org_events_and_savepoints(world):
    """Events of no organisation have their chain; an event whose savepoint rolled back
    leaves no trace, the ones before and after it are chained without a gap."""
    org_id = world.school_a.org.id
    before = len(_chain(org_id))
    audit.record(actor_id=None, org_id=None, subject_type="system", subject_id=None, action="x")
    audit.record(actor_id=None, org_id=org_id, subject_type="t", subject_id=1, action="kept")
    db.session.flush()
    savepoint = db.session.begin_nested()
    audit.record(actor_id=None, org_id=org_id, subject_type="t", subject_id=2, action="gone")
    db.session.flush()
    savepoint.rollback()
    with db.session.begin_nested():
        audit.record(actor_id=None, org_id=org_id, subject_type="t", subject_id=3, action="in")
    audit.record(actor_id=None, org_id=org_id, subject_type="t", subject_id=4, action="after")
    db.session.commit()

    events = _chain(org_id)
    assert [e.action for e in events[before:]] == ["kept", "in", "after"]
    assert [e.chain_seq for e in events] == list(range(1, len(events) + 1))
    assert [e.action for e in _chain(None)] == ["x"]
    assert db.session.get(AuditChainHead, 0).last_seq == 1
    assert all(r.intact for r in _reports().values())


def test_a_value_set_after_record_is_the_one_hashed(world):
    """The demo dates its events after `record()`: the commit hashes what is stored."""
    item = audit.record(
        actor_id=None, org_id=world.school_a.org.id, subject_type="t", subject_id=1, action="a"
    )
    item.at = datetime(2026, 9, 1, 1, 2, 3, 456789, tzinfo=UTC)
    db.session.commit()
    assert _reports()[world.school_a.org.id].intact


def test_a_chained_event_cannot_be_changed_through_the_application(office):
    item = _middle(office.school_a.org.id)
    item.action = "corrected"
    with pytest.raises(RuntimeError, match="already chained"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(_middle(office.school_a.org.id))
    with pytest.raises(RuntimeError, match="already chained"):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("column", "sql", "value"),
    [
        (
            "changes",
            "UPDATE audit_events SET changes = :v WHERE id = :id",
            '{"arrival_number": 99}',
        ),
        ("action", "UPDATE audit_events SET action = :v WHERE id = :id", "cancelled"),
        ("note", "UPDATE audit_events SET note = :v WHERE id = :id", "thêm ghi chú"),
        ("subject", "UPDATE audit_events SET subject_id = subject_id + 1 WHERE id = :id", None),
    ],
)
def test_an_edited_row_is_found(office, column, sql, value):
    org_id = office.school_a.org.id
    target = _middle(org_id)
    _raw(sql, v=value, id=target.id)
    reports = _reports()
    report = reports[org_id]
    assert not report.intact
    assert report.event_id == target.id
    assert report.checked == target.chain_seq - 1
    assert "không khớp với mã băm đã lưu" in report.problem
    assert f"#{target.id}" in report.problem
    others = [r for key, r in reports.items() if key != org_id]
    assert others and all(r.intact for r in others)


def test_a_moved_event_id_is_found(office):
    """The history pages order a record's events by id: renumbering one shows."""
    org_id = office.school_a.org.id
    target = _middle(org_id)
    new_id = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc())) + 50
    _raw("UPDATE audit_events SET id = :new WHERE id = :id", new=new_id, id=target.id)
    report = _reports(org_id)[org_id]
    assert report.event_id == new_id
    assert "không khớp với mã băm đã lưu" in report.problem


def test_an_edited_time_is_found(office):
    """Even one microsecond, stored by each database its own way."""
    org_id = office.school_a.org.id
    target = _middle(org_id)
    moved = target.at.replace(microsecond=(target.at.microsecond + 1) % 1_000_000)
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_events SET at = :at WHERE id = :id").bindparams(
                bindparam("at", type_=UTCDateTime)
            ),
            {"at": moved, "id": target.id},
        )
    report = _reports()[org_id]
    assert report.event_id == target.id
    assert "không khớp với mã băm đã lưu" in report.problem


def test_the_time_read_back_hashes_as_written(office):
    """Both databases give back the instant the hash was made from (zone, microseconds)."""
    db.session.expire_all()
    for item in _chain(office.school_a.org.id):
        assert item.at.tzinfo is not None
        assert item.hash == link_hash(item.prev_hash, item.chain_seq, event_digest(item))


def test_a_deleted_row_in_the_middle_is_found(office):
    org_id = office.school_a.org.id
    target = _middle(org_id)
    seq, after_id = target.chain_seq, _chain(org_id)[target.chain_seq].id  # the next one
    _raw("DELETE FROM audit_events WHERE id = :id", id=target.id)
    report = _reports(org_id)[org_id]
    assert report.event_id == after_id
    assert f"thiếu sự kiện ở vị trí {seq}, ngay trước sự kiện #{after_id}" in report.problem


def test_a_deleted_last_row_is_found(office):
    org_id = office.school_a.org.id
    last = _chain(org_id)[-1]
    seq, last_id = last.chain_seq, last.id
    _raw("DELETE FROM audit_events WHERE id = :id", id=last_id)
    report = _reports(org_id)[org_id]
    assert not report.intact
    assert "điểm cuối đã ghi của chuỗi" in report.problem
    assert f"vị trí {seq}, sự kiện #{last_id}" in report.problem


def test_a_row_inserted_without_a_hash_is_found(office):
    org_id = office.school_a.org.id
    _raw(
        "INSERT INTO audit_events (org_id, actor_id, at, subject_type, subject_id, action,"
        " changes) VALUES (:org, NULL, :at, 'incoming', 1, 'registered', '{}')",
        org=org_id,
        at="2026-09-25 02:00:00.000000",
    )
    forged = db.session.scalar(select(AuditEvent.id).where(AuditEvent.chain_seq.is_(None)))
    report = _reports(org_id)[org_id]
    assert report.event_id == forged
    assert "không có vị trí trong chuỗi" in report.problem


def test_a_forged_row_with_a_correct_hash_after_the_end_is_found(office):
    """Someone who knows the code appends a well-formed event: the head row gives it away."""
    org_id = office.school_a.org.id
    last = _chain(org_id)[-1]
    at = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)
    forged_id = last.id + 1000
    forged = link_hash(
        last.hash,
        last.chain_seq + 1,
        content_digest(
            event_id=forged_id, org_id=org_id, actor_id=None, at=at,
            subject_type="incoming", subject_id=1, action="cancelled", changes={}, note=None,
        ),
    )  # fmt: skip
    _raw(
        "INSERT INTO audit_events (id, org_id, at, subject_type, subject_id, action, changes,"
        " chain_seq, prev_hash, hash) VALUES (:id, :org, :at, 'incoming', 1, 'cancelled',"
        " '{}', :seq, :prev, :hash)",
        id=forged_id,
        org=org_id,
        at="2026-09-25 02:00:00+00:00"
        if db.engine.dialect.name == "postgresql"
        else "2026-09-25 02:00:00.000000",
        seq=last.chain_seq + 1,
        prev=last.hash,
        hash=forged,
    )
    report = _reports(org_id)[org_id]
    assert "điểm cuối đã ghi của chuỗi" in report.problem
    assert report.checked == last.chain_seq + 1


def test_a_row_rewritten_with_its_hash_recomputed_breaks_the_next_link(office):
    org_id = office.school_a.org.id
    target = _middle(org_id)
    after = _chain(org_id)[target.chain_seq]
    changes = {"arrival_number": 99}
    rehashed = link_hash(
        target.prev_hash,
        target.chain_seq,
        content_digest(
            event_id=target.id, org_id=org_id, actor_id=target.actor_id, at=target.at,
            subject_type=target.subject_type, subject_id=target.subject_id,
            action=target.action, changes=changes, note=target.note,
        ),
    )  # fmt: skip
    _raw(
        "UPDATE audit_events SET changes = :c, hash = :h WHERE id = :id",
        c='{"arrival_number": 99}',
        h=rehashed,
        id=target.id,
    )
    report = _reports(org_id)[org_id]
    assert report.event_id == after.id
    assert f"không nối với sự kiện #{target.id}" in report.problem


def test_the_command_exit_codes(app, office):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Tất cả" in result.output and "nguyên vẹn" in result.output
    head = db.session.get(AuditChainHead, office.school_a.org.id)
    assert head.last_hash in result.output  # the hash to keep elsewhere

    target = _middle(office.school_a.org.id)
    _raw("UPDATE audit_events SET action = 'cancelled' WHERE id = :id", id=target.id)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert f"#{target.id}" in result.output and "HỎNG" in result.output
    assert "1/" in result.output

    other = runner.invoke(args=["audit", "verify", "--org", str(office.school_b.org.id)])
    assert other.exit_code == 0, other.output
    assert "Trường THCS Bạch Đằng" in other.output
    broken = runner.invoke(args=["audit", "verify", "--org", str(office.school_a.org.id)])
    assert broken.exit_code == 1
    assert "Trường Tiểu học Lê Lợi" in broken.output


# --- Reading one snapshot while the office goes on; one place per event ---------------------


def _record_from_another_thread(app, org_id: int | None) -> None:
    """An event committed by another request (its own thread, session and connection)."""
    failures: list[BaseException] = []

    def work() -> None:
        try:
            with app.app_context():
                audit.record(
                    actor_id=None, org_id=org_id, subject_type="t", subject_id=9, action="during"
                )
                db.session.commit()
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(60)
    assert not thread.is_alive() and not failures, failures


def _transaction_state(session: Session) -> tuple:
    """What the walk's transaction is: its isolation and read-only-ness (PostgreSQL), or
    whether a transaction is open at all (SQLite: the driver opens none for a SELECT)."""
    if session.get_bind().dialect.name == "postgresql":
        return (
            session.execute(text("SHOW transaction_isolation")).scalar(),
            session.execute(text("SHOW transaction_read_only")).scalar(),
        )
    return (session.connection().connection.dbapi_connection.in_transaction,)


@pytest.mark.parametrize("no_org", [False, True], ids=["organisation", "no-organisation"])
def test_an_event_committed_during_the_walk_is_no_tampering(app, office, monkeypatch, no_org):
    """The walk reads one snapshot: an event another request commits after the walk has
    started (here: after its first row) is not there for it, and the chain's head row is
    read in the same snapshot, so the end of the chain does not look deleted."""
    from eoffice.core import audit_verify

    if no_org:
        for n in range(3):
            audit.record(actor_id=None, org_id=None, subject_type="t", subject_id=n, action="x")
        db.session.commit()
    org_id = None if no_org else office.school_a.org.id
    key = 0 if no_org else org_id
    before = len(_chain(org_id))
    walk, states = audit_verify._walk, []

    def walk_while_the_office_works(session, chain, batch):
        rows = walk(session, chain, batch)
        yield next(rows)
        states.append(_transaction_state(session))
        _record_from_another_thread(app, org_id)
        yield from rows

    monkeypatch.setattr(audit_verify, "_walk", walk_while_the_office_works)
    report = _reports(key)[key]
    assert report.intact, report.problem
    assert report.checked == before
    expected = ("repeatable read", "on") if db.engine.dialect.name == "postgresql" else (True,)
    assert states == [expected]

    monkeypatch.setattr(audit_verify, "_walk", walk)
    db.session.expire_all()
    assert len(_chain(org_id)) == before + 1
    again = _reports(key)[key]
    assert again.intact and again.checked == before + 1


def _insert_chained(org_id: int | None, seq: int, id_: int | None = None) -> None:
    """A raw row at place `seq` of a chain (its hashes need not be right: the index is
    what refuses it)."""
    _raw(
        "INSERT INTO audit_events (org_id, at, subject_type, subject_id, action, changes,"
        " chain_seq, prev_hash, hash) VALUES (:org, :at, 't', 1, 'x', '{}', :seq, :h, :h)",
        org=org_id,
        at="2026-09-25 02:00:00+00:00"
        if db.engine.dialect.name == "postgresql"
        else "2026-09-25 02:00:00.000000",
        seq=seq,
        h="f" * 64,
    )


def test_two_events_of_no_organisation_cannot_share_a_place(world):
    """(org_id, chain_seq) is unique, but NULLs are distinct: the chain of no organisation
    has its own unique index on (coalesce(org_id, 0), chain_seq)."""
    audit.record(actor_id=None, org_id=None, subject_type="system", subject_id=None, action="x")
    db.session.commit()
    [first] = _chain(None)
    with pytest.raises(IntegrityError):
        _insert_chained(None, first.chain_seq)
    with pytest.raises(IntegrityError):
        _insert_chained(world.school_a.org.id, 1)  # an organisation's chain, as before
    _insert_chained(None, first.chain_seq + 1)  # the next place is free
    assert [e.chain_seq for e in _chain(None)] == [1, 2]


def test_the_models_declare_the_audit_indexes(tmp_path):
    """`db.create_all()` (the tests' and a new install's tables) makes them too."""
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    db.metadata.create_all(engine)
    with engine.connect() as conn:  # SQLite does not reflect an expression index
        indexes = dict(
            conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all()
        )
    assert "UNIQUE" in indexes["ux_audit_events_chain_key"]
    assert "coalesce(org_id, 0)" in indexes["ux_audit_events_chain_key"]
    assert "WHERE action IN" in indexes["ix_audit_events_secret_log"]
    insert = text(
        "INSERT INTO audit_events (org_id, at, subject_type, action, changes, chain_seq)"
        " VALUES (NULL, '2026-09-25 02:00:00', 't', 'x', '{}', 1)"
    )
    with engine.begin() as conn:
        conn.execute(insert)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert)
    engine.dispose()


# --- Two transactions of one office at once (PostgreSQL) ------------------------------------


@pytest.mark.postgres
def test_a_transaction_waits_for_the_chain_end_another_holds(app, world, postgres_only):
    """A has chained its event and not committed yet; B's commit waits for A's and then
    continues the chain after A's event: no fork."""
    org_id = world.school_a.org.id
    chained, b_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    finished: dict[str, float] = {}

    def pause_after_chaining(session: Session) -> None:
        if session.info.get("who") == "A" and not session.in_nested_transaction():
            chained.set()
            b_started.wait(10)
            time.sleep(0.5)  # B is now trying to chain

    def work(who: str) -> None:
        with app.app_context():
            try:
                db.session.info["who"] = who
                if who == "B":
                    chained.wait(10)
                audit.record(actor_id=None, org_id=org_id, subject_type="t", subject_id=1,
                             action=who)  # fmt: skip
                db.session.flush()
                if who == "B":
                    b_started.set()
                db.session.commit()
                finished[who] = time.monotonic()
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    event.listen(Session, "before_commit", pause_after_chaining)
    try:
        threads = [threading.Thread(target=work, args=(w,)) for w in ("A", "B")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        event.remove(Session, "before_commit", pause_after_chaining)
    assert not errors, errors
    assert finished["A"] <= finished["B"]
    events = _chain(org_id)
    assert [e.action for e in events[-2:]] == ["A", "B"]
    assert events[-1].prev_hash == events[-2].hash
    assert _reports(org_id)[org_id].intact


@pytest.mark.postgres
def test_two_threads_recording_for_one_office_keep_one_chain(app, world, postgres_only):
    org_id = world.school_a.org.id
    rounds = 40
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(who: int) -> None:
        with app.app_context():
            try:
                for n in range(rounds):
                    audit.record(actor_id=None, org_id=org_id, subject_type="t",
                                 subject_id=n, action=f"w{who}")  # fmt: skip
                    db.session.flush()
                    start.wait(10)
                    db.session.commit()
            except BaseException as exc:
                errors.append(exc)
                start.abort()
            finally:
                db.session.remove()

    before = len(_chain(org_id))
    threads = [threading.Thread(target=work, args=(w,)) for w in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors[:2]
    events = _chain(org_id)
    assert len(events) == before + 2 * rounds
    assert [e.chain_seq for e in events] == list(range(1, len(events) + 1))
    assert _reports(org_id)[org_id].intact


# --- The migration ------------------------------------------------------------------------------

EVENTS = 2345  # more than one batch of the migration (2,000)


def test_the_migration_chains_the_events_already_there(tmp_path):
    url = "sqlite:///" + str(tmp_path / "old.sqlite3")
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": url},
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        upgrade(revision="0022")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO organisations (id, name, name_folded, kind, is_member,"
                    " is_active, created_at) VALUES (:id, :name, 'x', 'primary', 1, 1,"
                    " '2026-01-01 00:00:00.000000')"
                ),
                [{"id": 1, "name": "Trường A"}, {"id": 2, "name": "Trường B"}],
            )
            conn.execute(
                text(
                    "INSERT INTO audit_events (id, org_id, actor_id, at, subject_type,"
                    " subject_id, action, changes, note) VALUES (:id, :org, NULL, :at,"
                    " 'incoming', :id, 'registered', :changes, :note)"
                ),
                [
                    {
                        "id": n,
                        "org": (None, 1, 2)[n % 3],
                        "at": f"2026-09-{1 + n % 28:02d} 0{n % 10}:00:00.{n:06d}",
                        "changes": json.dumps({"book": "Sổ đến", "n": n}, ensure_ascii=False),
                        "note": "Ghi chú" if n % 7 == 0 else None,
                    }
                    for n in range(1, EVENTS + 1)
                ],
            )
        upgrade(revision="0023")

        rows = db.session.execute(
            select(AuditEvent.id, AuditEvent.org_id, AuditEvent.chain_seq).order_by(AuditEvent.id)
        ).all()
        for org in (None, 1, 2):
            seqs = [r.chain_seq for r in rows if r.org_id == org]
            assert seqs == list(range(1, len(seqs) + 1))  # in id order, no gap
        reports = {r.key: r for r in verify(db.session)}
        assert set(reports) == {0, 1, 2}
        assert all(r.intact for r in reports.values()), reports
        assert sum(r.checked for r in reports.values()) == EVENTS
        heads = {h.chain_key: h.last_event_id for h in db.session.scalars(select(AuditChainHead))}
        assert heads == {
            0: EVENTS - EVENTS % 3,
            1: EVENTS - (EVENTS - 1) % 3,
            2: EVENTS - (EVENTS - 2) % 3,
        }

        # The application carries on from the migrated heads.
        audit.record(actor_id=None, org_id=1, subject_type="t", subject_id=1, action="next")
        db.session.commit()
        assert all(r.intact for r in verify(db.session))
        db.session.remove()

        downgrade(revision="0022")
        columns = {c["name"] for c in inspect(db.engine).get_columns("audit_events")}
        assert not columns & {"chain_seq", "prev_hash", "hash"}
        assert "audit_chain_heads" not in inspect(db.engine).get_table_names()
        db.engine.dispose()
