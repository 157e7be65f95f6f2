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
    """Make the tables hold exactly `rows` again, and move each id sequence past them.

    Only tables holding a row now are emptied, and the sequences move in one statement:
    a DELETE and a setval per table (ninety of them) cost more than the INSERTs."""
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
        tables = _tables()
        holding = _holding_rows(conn, [t.name for t in tables])
        sequences: dict[str, int] = {}
        for table in tables:
            if table.name in holding:
                conn.execute(table.delete())
            kept = rows.get(table.name, [])
            if not kept:
                continue
            conn.execute(table.insert(), kept)
            if "id" in table.columns:
                sequences[table.name] = max(row["id"] for row in kept)
        if postgres and sequences:
            conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence(t, 'id'), m)"
                    " FROM unnest(CAST(:tables AS text[]), CAST(:maxes AS bigint[])) AS x(t, m)"
                    " WHERE pg_get_serial_sequence(t, 'id') IS NOT NULL"
                ),
                {"tables": list(sequences), "maxes": list(sequences.values())},
            )


def _holding_rows(conn, names: list[str]) -> set[str]:
    """Which of the tables `names` hold at least one row, in one round trip."""
    probe = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in names
    )
    return set(conn.execute(text(probe)).scalars())
