"""The migrations and the models describe the same schema (no forgotten migration)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from eoffice.extensions import db
from eoffice.search.models import include_schema_object


def test_models_match_the_migrated_schema(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": False, "include_object": include_schema_object}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_a_populated_sqlite_database_upgrades_from_0002(tmp_path):
    """Batch migrations rebuild tables other tables point at; data must survive the upgrade."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from eoffice import create_app

    url = "sqlite:///" + str(tmp_path / "old.sqlite3")
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": url},
        instance_path=str(tmp_path / "instance"),
    )
    now = "2026-11-01 03:00:00"
    with app.app_context():
        upgrade(revision="0002")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO organisations (id, name, name_folded, kind, is_member, is_active,"
                    " created_at) VALUES (1, 'Trường A', 'truong a', 'primary', 1, 1, :t)"
                ),
                {"t": now},
            )
            conn.execute(
                text(
                    "INSERT INTO register_books (id, org_id, direction, code, name, year,"
                    " is_confidential, last_number, is_active, created_at) VALUES"
                    " (1, 1, 'incoming', 'general', 'Sổ', 2026, 0, 1, 1, :t)"
                ),
                {"t": now},
            )
            conn.execute(
                text(
                    "INSERT INTO stored_files (id, sha256, size, mime_type, kind, created_at)"
                    " VALUES (1, :h, 3, 'application/pdf', 'pdf', :t)"
                ),
                {"h": "a" * 64, "t": now},
            )
            conn.execute(
                text(
                    "INSERT INTO incoming_documents (id, org_id, register_book_id, arrival_number,"
                    " arrived_at, registered_at, sender_name, sender_name_folded, document_type_id,"
                    " subject, urgency_code, confidentiality_code, source, state, search_text,"
                    " updated_at) VALUES (1, 1, 1, 1, :t, :t, 'Sở', 'so', 1, 'Trích yếu', 'normal',"
                    " 'normal', 'paper', 'registered', 'trich yeu', :t)"
                ),
                {"t": now},
            )
            conn.execute(
                text(
                    "INSERT INTO incoming_attachments (id, document_id, stored_file_id,"
                    " original_name,"
                    " position, added_at) VALUES (1, 1, 1, 'a.pdf', 0, :t)"
                ),
                {"t": now},
            )
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM incoming_attachments")).scalar() == 1
            assert conn.execute(text("SELECT subject FROM incoming_documents")).scalar() == (
                "Trích yếu"
            )
            assert conn.execute(text("PRAGMA foreign_key_check")).fetchall() == []
        db.engine.dispose()
