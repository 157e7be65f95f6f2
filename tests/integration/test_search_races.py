"""Two transactions rebuilding one document's index row at once (PostgreSQL, READ
COMMITTED): a clerk's edit or a new attachment (T1) and the job storing the text of the
document's file (T2). Each builds the row from what it saw; without the lock taken
before reading (`search.indexing.lock_documents`, `search.texts._wait_for_attachers`)
the one committing last wrote its stale view over the other's work.

Each test runs T1 and T2 in threads with their own sessions and connections and drives
them into the order that lost work: T2 goes as far as it can (to its commit, or until
PostgreSQL makes it wait for a lock), then T1 commits as far as it can, then T2 commits.
Where a transaction stands is read from threading events and from pg_stat_activity
(waiting for a lock), never guessed with sleeps.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import select, text

from eoffice.extensions import db
from eoffice.incoming.attachments import Upload, attach_files, store_blobs, validate_uploads
from eoffice.incoming.models import IncomingAttachment, IncomingDocument
from eoffice.jobs.connection import runner
from eoffice.orgs.models import User
from eoffice.search import indexing, texts
from eoffice.search.engine import SearchQuery, search
from eoffice.search.models import DocumentKind, SearchEntry
from tests import factories

FILE_WORDS = "lộc vừng"  # only in the attached file
NEW_SUBJECT = "Kế hoạch phòng cháy chữa cháy năm học mới"
WAIT = 30.0  # seconds before a step that never comes fails the test


@pytest.fixture
def file_bytes() -> bytes:
    return factories.docx_bytes("Trường sẽ trồng cây lộc vừng trong sân trường.")


@pytest.fixture
def letter(app, world, file_bytes, postgres_only) -> tuple[int, int]:
    """An incoming document with a DOCX attached, its text not extracted yet (no job
    runs by itself here): (document id, stored file id)."""
    doc = factories.register(world.school_a.clerk, [Upload("Kế hoạch.docx", file_bytes)])
    file_id = db.session.scalars(
        select(IncomingAttachment.stored_file_id).where(IncomingAttachment.document_id == doc.id)
    ).one()
    runner().connection.flushall()
    db.session.commit()
    return doc.id, file_id


def _someone_waits_for_a_lock() -> bool:
    """A backend of this test database is waiting for a row lock (only T1 and T2 work
    in it while a test runs)."""
    with db.engine.connect() as conn:
        return bool(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
            )
        )


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.01)


class Race:
    """T1 (`edit`, then commit when told) against T2 (the extraction job, which stops
    before its commit until told)."""

    def __init__(self, app, edit: Callable[[], None], file_id: int, monkeypatch):
        self.app, self.edit, self.file_id = app, edit, file_id
        self.t1_ready, self.t1_go, self.t1_done = (threading.Event() for _ in range(3))
        self.t2_built, self.t2_go = threading.Event(), threading.Event()
        self.errors: list[BaseException] = []
        self.t2: threading.Thread | None = None
        reindex = indexing.reindex

        def reindex_then_hold(kind, ids, session):  # T2 holds its commit back when told
            done = reindex(kind, ids, session)
            if threading.current_thread() is self.t2:
                self.t2_built.set()
                assert self.t2_go.wait(WAIT), "T2 never told to commit"
            return done

        monkeypatch.setattr(indexing, "reindex", reindex_then_hold)

    def _t1(self) -> None:
        with self.app.app_context():
            try:
                self.edit()
                self.t1_ready.set()
                assert self.t1_go.wait(WAIT), "T1 never told to commit"
                db.session.commit()
            except BaseException as exc:  # reported by run(), never swallowed
                self.errors.append(exc)
            finally:
                self.t1_done.set()
                db.session.remove()

    def _t2(self) -> None:
        with self.app.app_context():
            try:
                assert self.t1_ready.wait(WAIT), "T1 never got ready"
                texts.run_extraction(self.file_id)
            except BaseException as exc:
                self.errors.append(exc)
            finally:
                db.session.remove()

    def run(self) -> None:
        t1 = threading.Thread(target=self._t1, name="T1 edit")
        self.t2 = threading.Thread(target=self._t2, name="T2 job")
        t1.start()
        self.t2.start()
        try:
            assert self.t1_ready.wait(WAIT), "T1 never got ready"
            # T2 as far as it goes: built and upserted its rows, or waiting for a lock.
            _until(
                lambda: self.t2_built.is_set() or _someone_waits_for_a_lock() or self.errors,
                "T2 built its rows or waits for a lock",
            )
            self.t1_go.set()
            # T1's commit as far as it goes: done, or waiting for T2's locks.
            _until(
                lambda: self.t1_done.is_set() or _someone_waits_for_a_lock() or self.errors,
                "T1 committed or waits for a lock",
            )
        finally:
            self.t1_go.set()
            self.t2_go.set()
            t1.join(WAIT)
            self.t2.join(WAIT)
        assert not t1.is_alive() and not self.t2.is_alive()
        assert not self.errors, self.errors


def _folded(doc_id: int) -> str:
    db.session.rollback()
    return db.session.scalars(
        select(SearchEntry.folded).where(
            SearchEntry.kind == DocumentKind.INCOMING, SearchEntry.document_id == doc_id
        )
    ).one()


def _found(user, words: str) -> list[int]:
    db.session.rollback()
    return [hit.document.id for hit in search(user, SearchQuery(text=words)).hits]


@pytest.mark.postgres
@pytest.mark.parametrize("flushed_first", [True, False], ids=["edit-flushed", "edit-in-memory"])
def test_an_edit_and_the_extraction_job_both_reach_the_row(
    app, world, letter, monkeypatch, flushed_first
):
    """T1 changes the subject, flushed before the job starts (holding the document's row)
    or only in memory (written at its commit); the job stores the file's text and
    re-indexes the document. The row ends with both."""
    doc_id, file_id = letter

    def edit() -> None:
        doc = db.session.get(IncomingDocument, doc_id)
        doc.subject = NEW_SUBJECT
        if flushed_first:
            db.session.flush()

    Race(app, edit, file_id, monkeypatch).run()

    folded = _folded(doc_id)
    assert "phong chay chua chay" in folded and "loc vung" in folded
    clerk = world.school_a.clerk
    assert _found(clerk, "phòng cháy chữa cháy") == [doc_id]
    assert _found(clerk, FILE_WORDS) == [doc_id]


@pytest.mark.postgres
def test_a_file_attached_while_its_text_is_stored_reaches_the_new_document(
    app, world, letter, file_bytes, monkeypatch
):
    """T1 attaches the same bytes to a second document while the job stores their text:
    the job does not see the attachment before T1 commits, and T1 reads no text before
    the job commits. The second document's row gets the text all the same."""
    first_id, file_id = letter
    clerk = world.school_a.clerk
    second = factories.register(clerk, subject="Thông báo trồng cây xanh")
    second_id = second.id
    runner().connection.flushall()
    db.session.commit()

    def attach() -> None:
        doc = db.session.get(IncomingDocument, second_id)
        actor = db.session.get(User, clerk.id)
        checked = validate_uploads([Upload("Kế hoạch (bản sao).docx", file_bytes)])
        store_blobs(checked)
        attach_files(doc, checked, actor=actor)  # flushes: the stored file is referenced

    Race(app, attach, file_id, monkeypatch).run()

    assert "loc vung" in _folded(second_id)
    assert "loc vung" in _folded(first_id)
    assert sorted(_found(clerk, FILE_WORDS)) == sorted([first_id, second_id])


@pytest.mark.postgres
def test_a_document_given_to_a_person_while_they_are_renamed(
    app, world, monkeypatch, postgres_only
):
    """T1 makes a user the recipient of a document and builds its row with the user's
    name; the user is renamed and the rename's job (T2) walks the user's documents
    before T1 commits. T1's row must not keep the old name: the job waits for T1 and
    re-indexes the document. (A unit's rename cannot race so: its name is in a unique
    key, so PostgreSQL makes the rename itself wait for T1.)"""
    from eoffice.orgs import people
    from eoffice.search import renames

    school = world.school_a
    teacher = factories.make_user(
        school.org, "nhung@thleloi.hcm.edu.vn", ["staff"], "Lý Thị Hồng Nhung", school.unit
    )
    doc = factories.register(school.clerk, subject="Lịch thực hành thí nghiệm")
    doc_id, teacher_id = doc.id, teacher.id
    runner().connection.flushall()
    db.session.commit()

    t1_built, t1_go, t2_done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []
    reindex = indexing.reindex
    threads: dict[str, threading.Thread] = {}

    def reindex_then_hold(kind, ids, session):
        done = reindex(kind, ids, session)
        if threading.current_thread() is threads["T1"]:
            t1_built.set()
            assert t1_go.wait(WAIT), "T1 never told to commit"
        return done

    monkeypatch.setattr(indexing, "reindex", reindex_then_hold)

    def give() -> None:
        with app.app_context():
            try:
                db.session.get(IncomingDocument, doc_id).recipient_user_id = teacher_id
                db.session.commit()
            except BaseException as exc:  # reported below, never swallowed
                errors.append(exc)
            finally:
                db.session.remove()

    def job() -> None:
        with app.app_context():
            try:
                renames.run("user", teacher_id)
            except BaseException as exc:
                errors.append(exc)
            finally:
                t2_done.set()
                db.session.remove()

    threads["T1"] = threading.Thread(target=give, name="T1 give")
    threads["T2"] = threading.Thread(target=job, name="T2 rename job")
    threads["T1"].start()
    try:
        assert t1_built.wait(WAIT), "T1 never built its row"
        people.update_user(
            school.admin,
            teacher_id,
            full_name="Lý Thị Thanh Trúc",
            title=None,
            unit_id=school.unit.id,
            roles=["staff"],
        )
        threads["T2"].start()
        _until(
            lambda: t2_done.is_set() or _someone_waits_for_a_lock() or errors,
            "the job is done or waits for T1",
        )
    finally:
        t1_go.set()
        for thread in threads.values():
            if thread.ident is not None:
                thread.join(WAIT)
    assert not errors, errors
    assert _found(school.clerk, "thanh trúc") == [doc_id]
    assert _found(school.clerk, "hồng nhung") == []


def test_a_row_is_built_from_the_database_not_from_a_stale_session(app, world):
    """A session that loaded the document before another one changed and committed it
    builds the row from the document as committed, plus its own change: it does not
    write its old copy of the other fields back into the index."""
    clerk = world.school_a.clerk
    doc_id = factories.register(clerk, subject="Lịch công tác tháng mười").id
    db.session.commit()
    with app.app_context():  # the clerk's later request, loaded before the other commit
        doc = db.session.get(IncomingDocument, doc_id)
        doc.subject = NEW_SUBJECT
        with app.app_context():  # another request: a note added and committed meanwhile
            db.session.get(IncomingDocument, doc_id).notes = "Gửi kèm danh sách cây lộc vừng"
            db.session.commit()
            db.session.remove()
        db.session.commit()
        db.session.remove()
    folded = _folded(doc_id)
    assert "phong chay chua chay" in folded and "loc vung" in folded
