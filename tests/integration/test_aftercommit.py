"""Work queued for after the commit runs once the step commits, survives a savepoint that
rolls back inside the step, and is forgotten when the step itself rolls back."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from eoffice.core.aftercommit import after_commit, run_pending
from eoffice.core.models import StoredFile
from eoffice.extensions import db


def _blob(digest: str) -> StoredFile:
    return StoredFile(sha256=digest, size=1, mime_type="text/plain", kind="txt")


def test_a_savepoint_rolling_back_keeps_the_steps_queued_work(app):
    done: list[str] = []
    db.session.add(_blob("a" * 64))
    db.session.commit()

    after_commit(lambda: done.append("told"))
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(_blob("a" * 64))  # a duplicate caught inside the step
    db.session.add(_blob("b" * 64))
    db.session.commit()
    run_pending()
    assert done == ["told"]


def test_the_step_rolling_back_forgets_its_queued_work(app):
    done: list[str] = []
    after_commit(lambda: done.append("told"))
    db.session.add(_blob("c" * 64))
    db.session.rollback()
    db.session.commit()
    run_pending()
    assert done == []
