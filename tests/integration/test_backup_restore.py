"""`flask backup` and `flask restore` (decision 0024): a populated instance is backed up
with the real commands, restored into a second, empty database and file store, and found
identical there: every row of every table, every stored file's SHA-256 recomputed from
the restored disk, the audit chains intact and continuing. And the refusals: a target
that is not empty, a tampered archive or one that is not the operator's (before anything
is written), a backup of the other kind of database, a stored file missing or corrupt at
backup time. And the failures: one while the database is written leaves the target as it
was (a retry works), one after it says that the target must be emptied first.

The database kind is the session's (SQLite, or PostgreSQL with TEST_DATABASE_URL);
the PostgreSQL restore goes into its own database, `<test database>_restore`.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, make_url, select, text
from sqlalchemy.exc import OperationalError

from eoffice import create_app
from eoffice.backup import database
from eoffice.backup.archive import (
    DUMP_MEMBERS,
    FORMAT_MEMBER,
    MANIFEST_MEMBER,
    ArchiveWriter,
    file_member,
    format_bytes,
    manifest_bytes,
)
from eoffice.casefiles import files
from eoffice.core.audit_verify import verify
from eoffice.core.models import AuditEvent, StoredFile
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload, file_store
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import User
from tests import factories
from tests.casefile_support import file_outside_list, handled_incoming, issued_outgoing
from tests.conftest import ensure_database


@pytest.fixture
def populated(office):
    """Incoming documents with attachments at a school and the district, one handled to
    completion and filed in a case file, an outgoing document signed and published."""
    world, _school_c = office
    school = world.school_a
    factories.register(
        school.clerk,
        uploads=[
            Upload("Công văn 3337.pdf", factories.pdf_bytes("Công văn 3337")),
            Upload("Phụ lục.docx", factories.docx_bytes("Phụ lục kèm theo")),
        ],
    )
    factories.register(
        world.district.clerk,
        symbol="12/SGDĐT-KHTC",
        uploads=[Upload("Kế hoạch.pdf", factories.pdf_bytes("Kế hoạch tài chính"))],
    )
    done = handled_incoming(school)
    case_file = file_outside_list(school)
    files.add_documents(school.staff, case_file.id, incoming_ids=[done.id])
    issued_outgoing(world)
    return world


def _target_app(app_config: dict, url: str, storage: Path) -> Flask:
    return create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": str(storage)})


def _empty_target_url(database_url: str, tmp_path: Path) -> str:
    if not database_url.startswith("postgresql"):
        return "sqlite:///" + str(tmp_path / "restored.sqlite3")
    url = ensure_database(database_url, f"{make_url(database_url).database}_restore")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture
def target(app_config, database_url, tmp_path):
    """An empty second instance: its database and its (absent) file store."""
    url = _empty_target_url(database_url, tmp_path)
    storage = tmp_path / "restored-storage"
    application = _target_app(app_config, url, storage)
    yield application, url, storage
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table the application knows, and alembic_version, in key order."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for table in db.metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
            out["alembic_version"] = [
                tuple(r) for r in conn.execute(text("SELECT version_num FROM alembic_version"))
            ]
            return out
    finally:
        engine.dispose()


def _backup(app: Flask, archive: Path, *extra: str):
    with app.app_context():  # the command runs in the context already pushed, if any
        return app.test_cli_runner().invoke(args=["backup", *extra, str(archive)])


def _restore(application: Flask, archive: Path, *extra: str):
    with application.app_context():
        return application.test_cli_runner().invoke(args=["restore", *extra, str(archive)])


def _printed_sha256(output: str) -> str:
    found = re.findall(r"SHA-256 của tệp sao lưu: ([0-9a-f]{64})", output)
    assert len(found) == 1, output
    return found[0]


def _no_tables(application: Flask) -> bool:
    from eoffice.backup.service import target_problems

    with application.app_context():
        engine = db.engine
        found = target_problems(engine, Path(application.config["STORAGE_DIR"]))
        engine.dispose()
    return not found


def test_a_populated_instance_restores_elsewhere_identically(
    app, app_config, database_url, populated, target, tmp_path
):
    clerk_id = populated.school_a.clerk.id
    db.session.remove()
    archive = tmp_path / "sao-luu.tar"
    result = _backup(app, archive)
    assert result.exit_code == 0, result.output
    assert "Đã sao lưu vào" in result.output
    assert archive.stat().st_mode & 0o777 == 0o600
    printed = _printed_sha256(result.output)
    assert printed == hashlib.sha256(archive.read_bytes()).hexdigest()

    verified = _backup(app, archive, "--verify", "--sha256", printed.upper())
    assert verified.exit_code == 0, verified.output
    assert "nguyên vẹn" in verified.output
    assert _printed_sha256(verified.output) == printed

    target_app, target_url, storage = target
    restored = _restore(target_app, archive, "--sha256", printed)
    assert restored.exit_code == 0, restored.output
    assert "Đã khôi phục" in restored.output
    assert _printed_sha256(restored.output) == printed
    assert "Tất cả" in restored.output and "nguyên vẹn" in restored.output
    assert [p.name for p in storage.iterdir() if p.name.startswith(".")] == []

    source_rows, target_rows = _rows(database_url), _rows(target_url)
    assert source_rows == target_rows
    for name in ("incoming_documents", "incoming_attachments", "stored_files", "audit_events"):
        assert source_rows[name], f"{name} was meant to be populated"
    assert len(source_rows["outgoing_documents"]) == 1

    hashes = {row.sha256 for row in db.session.scalars(select(StoredFile))}
    assert len(hashes) >= 4  # three uploads, the signed PDF
    for sha256 in hashes:
        path = storage / sha256[:2] / sha256[2:4] / sha256
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256
        assert path.stat().st_mode & 0o777 == 0o600  # as the store writes them

    with target_app.app_context():
        reports = list(verify(db.session))
        assert reports and all(r.intact for r in reports)
        # The restored instance carries on: ids, register numbers and chains continue.
        clerk = db.session.get(User, clerk_id)
        doc = factories.register(
            clerk,
            symbol="99/UBND-VX",
            uploads=[Upload("Mới.pdf", factories.pdf_bytes("Sau khôi phục"))],
        )
        assert doc.id > max(r[0] for r in source_rows["incoming_documents"])
        assert file_store().exists(doc.attachments[0].stored_file.sha256)
        assert all(r.intact for r in verify(db.session))
        assert db.session.scalar(select(func.count(AuditEvent.id))) > len(
            source_rows["audit_events"]
        )
        db.session.remove()


def test_a_target_that_is_not_empty_is_refused_and_left_alone(
    app, app_config, database_url, world, target, tmp_path
):
    factories.register(world.school_a.clerk, uploads=[Upload("a.pdf", factories.pdf_bytes())])
    db.session.remove()
    archive = tmp_path / "sao-luu.tar.gz"
    # What a killed run could leave behind never blocks the next one.
    (tmp_path / "sao-luu.tar.gz.partial").write_bytes(b"half of an older archive")
    assert _backup(app, archive).exit_code == 0
    before = _rows(database_url)

    refused = _restore(app, archive)  # the populated instance itself
    assert refused.exit_code == 1
    assert "không trống" in refused.output
    assert _rows(database_url) == before

    # An empty database but a file store with something in it: refused too, nothing written.
    target_app, _url, storage = target
    storage.mkdir()
    (storage / "ghi-chu.txt").write_text("tệp của ai đó")
    refused = _restore(target_app, archive)
    assert refused.exit_code == 1
    assert "Thư mục lưu tệp" in refused.output and "ghi-chu.txt" in refused.output
    assert _no_tables(_target_app(app_config, _url, tmp_path / "elsewhere"))
    assert sorted(p.name for p in storage.iterdir()) == ["ghi-chu.txt"]


def _tamper(archive: Path, member: str) -> None:
    """Flip one byte of a member's data in a plain tar, leaving its header alone."""
    with tarfile.open(archive) as tar:
        offset = tar.getmember(member).offset_data
    with archive.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))


def test_a_tampered_archive_is_refused_before_anything_is_written(app, world, target, tmp_path):
    doc = factories.register(
        world.school_a.clerk, uploads=[Upload("a.pdf", factories.pdf_bytes("Bản gốc"))]
    )
    sha256 = doc.attachments[0].stored_file.sha256
    db.session.remove()
    archive = tmp_path / "sao-luu.tar"
    assert _backup(app, archive).exit_code == 0
    target_app, _url, storage = target

    # A sound archive, but not the one whose hash the operator kept.
    other = "0" * 64
    for checked in (
        _backup(app, archive, "--verify", "--sha256", other),
        _restore(target_app, archive, "--sha256", other),
    ):
        assert checked.exit_code == 1
        assert f"khác mã đã cho ({other})" in checked.output
    assert _no_tables(target_app) and not storage.exists()
    bad = _restore(target_app, archive, "--sha256", "abc")
    assert bad.exit_code == 1 and "64 chữ số" in bad.output

    _tamper(archive, file_member(sha256))

    checked = _backup(app, archive, "--verify")
    assert checked.exit_code == 1
    assert "không khớp mã băm" in checked.output

    refused = _restore(target_app, archive)
    assert refused.exit_code == 1
    assert "không khớp mã băm" in refused.output
    assert _no_tables(target_app)
    assert not storage.exists()
    assert [p.name for p in storage.parent.iterdir() if "restore" in p.name] == []


def test_a_smuggled_member_is_refused(app, world, target, tmp_path):
    """A member smuggled in that the manifest does not list, named to escape the file
    store, is refused before anything is written."""
    db.session.remove()
    archive = tmp_path / "sao-luu.tar"
    assert _backup(app, archive).exit_code == 0
    extended = tmp_path / "them.tar"
    with tarfile.open(archive) as source, tarfile.open(extended, "w") as out:
        for info in source.getmembers():
            if info.name == MANIFEST_MEMBER:
                extra = tarfile.TarInfo("files/../../etc/cron.d/x")
                payload = b"* * * * * root true\n"
                extra.size = len(payload)
                out.addfile(extra, io.BytesIO(payload))
            out.addfile(info, source.extractfile(info))
    target_app, _url, storage = target
    refused = _restore(target_app, extended)
    assert refused.exit_code == 1
    assert "thành phần lạ" in refused.output
    assert _no_tables(target_app) and not storage.exists()


def test_a_missing_or_corrupt_stored_file_fails_the_backup(app, world, tmp_path):
    first = factories.register(
        world.school_a.clerk, uploads=[Upload("a.pdf", factories.pdf_bytes("Một"))]
    )
    second = factories.register(
        world.school_a.clerk,
        symbol="7/KH",
        uploads=[Upload("b.pdf", factories.pdf_bytes("Hai"))],
    )
    lost = first.attachments[0].stored_file.sha256
    spoilt = second.attachments[0].stored_file.sha256
    store = file_store()
    lost_bytes = store.read(lost)
    store.path_for(lost).unlink()
    db.session.remove()

    archive = tmp_path / "sao-luu.tar"
    result = _backup(app, archive)
    assert result.exit_code == 1
    assert lost in result.output and "không còn trên đĩa" in result.output
    assert list(tmp_path.iterdir()) == [tmp_path / "storage"]  # nothing half-written

    store.put(lost_bytes)  # found again; now another one is corrupt
    store.path_for(spoilt).write_bytes(b"not the same bytes")
    result = _backup(app, archive)
    assert result.exit_code == 1
    assert spoilt in result.output and "không khớp mã băm" in result.output
    assert list(tmp_path.iterdir()) == [tmp_path / "storage"]

    store.path_for(lost).unlink()
    kept = _backup(app, archive, "--allow-damaged")
    assert kept.exit_code == 0, kept.output
    assert "Cảnh báo" in kept.output
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST_MEMBER).read())
    assert {(d["sha256"], d["problem"]) for d in manifest["damaged_files"]} == {
        (lost, "missing"),
        (spoilt, "corrupt"),
    }
    assert manifest["tables"]["incoming_documents"] == 2
    assert db.session.scalar(select(func.count(IncomingDocument.id))) == 2
    assert _backup(app, archive, "--verify").exit_code == 0


def test_a_backup_from_newer_code_is_refused_before_anything_is_written(
    app, world, target, tmp_path
):
    db.session.remove()
    archive = tmp_path / "sao-luu.tar"
    assert _backup(app, archive).exit_code == 0
    future = tmp_path / "tuong-lai.tar"
    with tarfile.open(archive) as source, tarfile.open(future, "w") as out:
        for info in source.getmembers():
            data = source.extractfile(info).read()
            if info.name == MANIFEST_MEMBER:
                manifest = json.loads(data)
                manifest["alembic_revision"] = "0999"
                data = json.dumps(manifest).encode()
                info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    target_app, _url, storage = target
    refused = _restore(target_app, future)
    assert refused.exit_code == 1
    assert "0999" in refused.output and "mới hơn mã nguồn" in refused.output
    assert _no_tables(target_app) and not storage.exists()


def test_work_committed_while_postgresql_is_dumped_is_in_neither_dump_nor_manifest(
    postgres_only, app, world, target, tmp_path, monkeypatch
):
    """The dump, the manifest's counts and the list of files to copy come from one
    exported snapshot: a document registered (its file stored, its row committed) after
    the snapshot is taken but before pg_dump starts is in none of them."""
    from eoffice.backup import database, service

    clerk_id = world.school_a.clerk.id
    factories.register(world.school_a.clerk, uploads=[Upload("a.pdf", factories.pdf_bytes("A"))])
    db.session.remove()
    real_run = database._run
    late: list[str] = []

    commands: list[list[str]] = []

    def register_then_dump(command, env, what, **options):
        commands.append(command)
        if what == "pg_dump" and not late:
            clerk = db.session.get(User, clerk_id)
            doc = factories.register(
                clerk, symbol="2/LATE", uploads=[Upload("b.pdf", factories.pdf_bytes("B"))]
            )
            late.append(doc.attachments[0].stored_file.sha256)
            db.session.remove()
        real_run(command, env, what, **options)

    monkeypatch.setattr(database, "_run", register_then_dump)
    archive = tmp_path / "sao-luu.tar"
    summary = service.create_backup(archive)
    assert late and summary.tables["incoming_documents"] == 1
    assert summary.file_count == 1
    assert db.session.scalar(select(func.count(IncomingDocument.id))) == 2
    assert any(arg.startswith("--lock-wait-timeout=") for arg in commands[0])

    monkeypatch.setattr(database, "_run", real_run)
    target_app, target_url, storage = target
    restored = _restore(target_app, archive)
    assert restored.exit_code == 0, restored.output
    rows = _rows(target_url)
    assert len(rows["incoming_documents"]) == 1
    assert late[0] not in {r.sha256 for r in _stored(target_url)}
    assert not (storage / late[0][:2] / late[0][2:4] / late[0]).exists()


def _stored(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(StoredFile.__table__)))
    finally:
        engine.dispose()


def _contents(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_restore_failing_while_the_database_is_written_leaves_the_target_as_it_was(
    app, world, target, tmp_path, monkeypatch
):
    """STORAGE_DIR is the root of a mounted file system (its `lost+found` does not make
    it "not empty"). The files are staged inside it and moved into place before the
    database is written; when that fails they are taken out again, so the target is as
    empty as before and a retry goes through."""
    factories.register(world.school_a.clerk, uploads=[Upload("a.pdf", factories.pdf_bytes("A"))])
    db.session.remove()
    archive = tmp_path / "sao-luu.tar"
    assert _backup(app, archive).exit_code == 0
    target_app, url, storage = target
    (storage / "lost+found").mkdir(parents=True)
    seen: list[list[str]] = []

    def fail(*_args, **_kwargs):
        seen.append(_contents(storage))
        raise database.BackupError("pg_restore thất bại (mã 1): ERROR: out of memory")

    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    monkeypatch.setattr(database, f"restore_{kind}", fail)
    failed = _restore(target_app, archive)
    assert failed.exit_code == 1
    assert "out of memory" in failed.output and "Traceback" not in failed.output
    # While the database was being written the files were in place, having been staged
    # inside the store (the same file system), nothing beside it.
    assert len(seen) == 1
    assert [p for p in seen[0] if len(Path(p).parts) == 3 and p[0] != "."], seen
    assert [p.name for p in storage.parent.iterdir() if p.name.startswith(".")] == []
    assert _contents(storage) == ["lost+found"]
    assert _no_tables(target_app)

    monkeypatch.undo()
    retried = _restore(target_app, archive)
    assert retried.exit_code == 0, retried.output
    assert "lost+found" in {p.name for p in storage.iterdir()}
    assert len([p for p in storage.rglob("*") if p.is_file()]) == 1


def test_a_restore_failing_after_the_database_is_written_says_so(
    app, world, target, tmp_path, monkeypatch
):
    db.session.remove()
    archive = tmp_path / "sao-luu.tar"
    assert _backup(app, archive).exit_code == 0
    target_app, _url, _storage = target

    def lost_connection(_engine):
        raise OperationalError("SELECT count(*)", {}, Exception("server closed the connection"))

    monkeypatch.setattr(database, "table_counts", lost_connection)
    failed = _restore(target_app, archive)
    assert failed.exit_code == 1
    assert "Traceback" not in failed.output
    assert "server closed the connection" in failed.output
    assert "đã được ghi" in failed.output and "làm trống cả hai" in failed.output
    assert not _no_tables(target_app)

    monkeypatch.undo()
    again = _restore(target_app, archive)
    assert again.exit_code == 1 and "không trống" in again.output


def test_a_backup_of_the_other_kind_of_database_is_refused(target, tmp_path):
    target_app, url, storage = target
    other = "sqlite" if url.startswith("postgresql") else "postgresql"
    archive = tmp_path / "khac-loai.tar"
    writer = ArchiveWriter(archive, compressed=False)
    writer.add_bytes(FORMAT_MEMBER, format_bytes())
    writer.add_bytes(DUMP_MEMBERS[other], b"a dump of the other kind")
    manifest = {
        "format": "eoffice-backup",
        "format_version": 1,
        "database_kind": other,
        "alembic_revision": None,
        "tables": {},
        "stored_files": {"count": 0, "bytes": 0},
        "damaged_files": [],
        "members": {name: m.as_json() for name, m in writer.members.items()},
    }
    writer.add_bytes(MANIFEST_MEMBER, manifest_bytes(manifest))
    writer.close()
    refused = _restore(target_app, archive)
    assert refused.exit_code == 1
    assert f"Bản sao lưu là của {other}" in refused.output
    assert "chỉ khôi phục vào cùng loại" in refused.output
    assert _no_tables(target_app) and not storage.exists()


def test_a_database_error_is_a_message_not_a_traceback(app_config, tmp_path):
    """A SQLite target that cannot be opened (here a folder): sqlite3's own error."""
    folder = tmp_path / "not-a-database"
    folder.mkdir()
    application = _target_app(app_config, f"sqlite:///{folder}", tmp_path / "storage-x")
    failed = _restore(application, tmp_path / "any.tar")
    assert failed.exit_code == 1
    assert "Lỗi cơ sở dữ liệu SQLite" in failed.output and "Traceback" not in failed.output
