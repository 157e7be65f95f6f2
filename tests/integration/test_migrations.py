"""The migrations and the models describe the same schema (no forgotten migration)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from eoffice.extensions import db


def test_models_match_the_migrated_schema(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
