"""Committing the one small write of a page view without reloading the page's objects.

A GET that records something (a first reading, an opening of a secret document) must
commit it at once, yet `session.commit()` expires every object of the session by
default: the template would then reload, one query each, the document and everything
it shows. What was loaded before the commit is what the page shows; only the rows the
write itself changed may need setting by the caller.
"""

from __future__ import annotations

from eoffice.extensions import db


def commit_keeping_loaded() -> None:
    """Commit the session without expiring what it already loaded."""
    session = db.session()
    previous = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = previous
