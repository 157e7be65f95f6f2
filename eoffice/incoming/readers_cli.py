"""`flask readers rebuild`: who may read each incoming document, recomputed by hand.

The rows keep themselves in step with every change made through the application
(`incoming.readers`); this is for what happened outside it: documents or parts loaded
straight into the database (a restore, a script), or a repair after a bug.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from eoffice.extensions import db
from eoffice.incoming import readers
from eoffice.incoming.readers import IncomingReader
from eoffice.search.cli import number


def register(app: Flask) -> None:
    group = AppGroup("readers", help="Người được xem văn bản đến (bảng incoming_readers).")

    @group.command("rebuild")
    def rebuild() -> None:
        """Recompute every row from the documents, parts and units, in one transaction."""
        before = db.session.scalar(select(func.count()).select_from(IncomingReader))
        readers.rebuild_all(db.session.connection())
        after = db.session.scalar(select(func.count()).select_from(IncomingReader))
        db.session.commit()
        click.echo(f"Đã tính lại: {number(after)} dòng (trước đó {number(before)}).")

    app.cli.add_command(group)
