"""Rows kept after building test data through the services once, put back before each
test that asks for the same data again.

Building the shared world (three offices, twelve people) or the demo seed through the
services is what a test's set-up costs most: 0.3–0.5 s for the world, 10–30 s for the
seed, thousands of times over. The data is still made by the services, once per test
process; the tests after the first get the same rows back with a few INSERTs.
"""

from __future__ import annotations

from sqlalchemy import select, text

from eoffice.extensions import db

Rows = dict[str, list[dict]]


def _tables():
    return [t for t in db.metadata.sorted_tables if t.name != "alembic_version"]


def take() -> Rows:
    """Every row of every table (generated columns left out: the database makes them)."""
    db.session.commit()
    with db.engine.connect() as conn:
        return {
            table.name: [
                dict(row._mapping)
                for row in conn.execute(select(*[c for c in table.columns if c.computed is None]))
            ]
            for table in _tables()
        }


def put_back(rows: Rows) -> None:
    """Make the tables hold exactly `rows` again, and move each id sequence past them."""
    db.session.rollback()
    with db.engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        # The rows are consistent as a whole, not in any one order (an organisation names
        # its parent, which may come later): foreign keys are checked at the end on SQLite,
        # not at all on PostgreSQL (the tests' role is a superuser).
        if postgres:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        for table in _tables():
            kept = rows.get(table.name, [])
            conn.execute(table.delete())
            if not kept:
                continue
            conn.execute(table.insert(), kept)
            if postgres and "id" in table.columns:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                        f" (SELECT max(id) FROM {table.name}))"
                        f" WHERE pg_get_serial_sequence('{table.name}', 'id') IS NOT NULL"
                    )
                )
