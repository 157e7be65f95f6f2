"""The backup archive format (eoffice.backup.archive): what a reader accepts and what it
refuses before anything is restored (with a message, never a KeyError), where it blames
a failed write, and how pg_dump is reached and run (password, time limits)."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import sys
import tarfile
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import make_url

from eoffice.backup import archive
from eoffice.backup.archive import (
    FORMAT_MEMBER,
    MANIFEST_MEMBER,
    ArchiveWriter,
    file_digest,
    file_member,
    format_bytes,
    manifest_bytes,
    read_archive,
)
from eoffice.backup.database import _run, libpq_target
from eoffice.backup.errors import BackupError

BLOB = b"%PDF-1.7 noi dung"
SHA = hashlib.sha256(BLOB).hexdigest()
DUMP = b"PGDMP fake dump"


def _manifest(members: dict, /, **overrides) -> dict:
    manifest = {
        "format": "eoffice-backup",
        "format_version": 1,
        "database_kind": "postgresql",
        "stored_files": {"count": 1, "bytes": len(BLOB)},
        "tables": {"stored_files": 1},
        "damaged_files": [],
        "members": {name: m.as_json() for name, m in members.items()},
    }
    manifest.update(overrides)
    return manifest


def _write(
    path: Path,
    *,
    blob: bytes = BLOB,
    extra=(),
    listed_extra=(),
    compressed=False,
    **overrides,
) -> str:
    """A small archive; `extra` members are not in the manifest, `listed_extra` are."""
    writer = ArchiveWriter(path, compressed=compressed)
    writer.add_bytes(FORMAT_MEMBER, format_bytes())
    writer.add_bytes("database/postgresql.dump", DUMP)
    writer.add_bytes(file_member(SHA), blob)
    for name, data in listed_extra:
        writer.add_bytes(name, data)
    listed = dict(writer.members)
    for name, data in extra:
        writer.add_bytes(name, data)
    writer.add_bytes(MANIFEST_MEMBER, manifest_bytes(_manifest(listed, **overrides)))
    return writer.close()


def test_a_sound_archive_reads_back_with_every_hash(tmp_path):
    for name, compressed in (("a.tar", False), ("a.tar.gz", True)):
        path = tmp_path / name
        archive_sha = _write(path, compressed=compressed)
        result = read_archive(path)
        assert result.members[file_member(SHA)].sha256 == SHA
        assert result.members["database/postgresql.dump"].size == len(DUMP)
        assert result.archive_sha256 == archive_sha == hashlib.sha256(path.read_bytes()).hexdigest()
        assert path.stat().st_mode & 0o777 == 0o600


def test_the_writer_never_overwrites(tmp_path):
    path = tmp_path / "a.tar"
    path.write_bytes(b"an older backup")
    with pytest.raises(FileExistsError):
        ArchiveWriter(path, compressed=False)
    assert path.read_bytes() == b"an older backup"


def test_file_member_names_are_the_stores_layout_and_nothing_else():
    assert file_member(SHA) == f"files/{SHA[:2]}/{SHA[2:4]}/{SHA}"
    assert file_digest(file_member(SHA)) == SHA
    for bad in (
        f"files/{SHA[:2]}/{SHA[2:4]}/../{SHA}",
        f"files/00/00/{SHA}",
        f"files/{SHA[:2]}/{SHA[2:4]}/{SHA.upper()}",
        "files/../../etc/passwd",
    ):
        assert file_digest(bad) is None


def _refused(path: Path, words: str) -> None:
    with pytest.raises(BackupError) as caught:
        read_archive(path)
    assert words in caught.value.message


def test_a_changed_member_is_refused(tmp_path):
    path = tmp_path / "a.tar"
    _write(path)
    data = bytearray(path.read_bytes())
    at = data.find(DUMP)
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    _refused(path, "không khớp mã băm")


def test_a_stored_file_must_hash_to_its_own_name(tmp_path):
    """Even with a manifest made to agree, a file's bytes must give its name."""
    path = tmp_path / "a.tar"
    _write(path, blob=b"other bytes")
    _refused(path, "không khớp tên")


def test_unlisted_strange_duplicate_or_late_members_are_refused(tmp_path):
    cases = {
        "extra.tar": ([(file_member(hashlib.sha256(b"x").hexdigest()), b"x")], "không có trong"),
        "strange.tar": ([("files/../../etc/cron.d/x", b"x")], "thành phần lạ"),
        "twice.tar": ([(file_member(SHA), BLOB)], "hai lần"),
    }
    for name, (extra, words) in cases.items():
        path = tmp_path / name
        _write(path, extra=extra)
        _refused(path, words)


def _rewrite(source: Path, target: Path, change) -> None:
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        for info in old.getmembers():
            data = old.extractfile(info).read() if info.isreg() else b""
            for info2, data2 in change(info, data):
                new.addfile(info2, io.BytesIO(data2) if info2.isreg() else None)


def test_a_link_a_member_after_the_manifest_or_no_manifest_is_refused(tmp_path):
    good = tmp_path / "good.tar"
    _write(good)

    def link(info, data):
        if info.name == MANIFEST_MEMBER:
            symlink = tarfile.TarInfo(file_member(hashlib.sha256(b"y").hexdigest()))
            symlink.type, symlink.linkname = tarfile.SYMTYPE, "/etc/passwd"
            yield symlink, b""
        yield info, data

    def twice(info, data):
        yield info, data
        if info.name == MANIFEST_MEMBER:
            yield info, data

    def late(info, data):
        yield info, data
        if info.name == MANIFEST_MEMBER:
            payload = b"a file after the manifest"
            after = tarfile.TarInfo(file_member(hashlib.sha256(payload).hexdigest()))
            after.size = len(payload)
            yield after, payload

    def cut(info, data):
        if info.name != MANIFEST_MEMBER:
            yield info, data

    for name, change, words in (
        ("link.tar", link, "thành phần lạ"),
        ("twice.tar", twice, "hai lần"),
        ("late.tar", late, "sau bảng kê"),
        ("cut.tar", cut, "không có bảng kê"),
    ):
        path = tmp_path / name
        _rewrite(good, path, change)
        _refused(path, words)


def test_a_truncated_archive_is_refused(tmp_path):
    path = tmp_path / "a.tar.gz"
    _write(path, compressed=True)
    path.write_bytes(path.read_bytes()[:-200])
    _refused(path, "hỏng hoặc bị cắt cụt")


def test_foreign_files_and_newer_formats_are_refused(tmp_path):
    foreign = tmp_path / "foreign.tar"
    with tarfile.open(foreign, "w") as tar:
        info = tarfile.TarInfo("README")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    _refused(foreign, "không phải tệp sao lưu eoffice")

    not_tar = tmp_path / "notes.txt"
    not_tar.write_text("không phải tar")
    _refused(not_tar, "hỏng hoặc bị cắt cụt")

    newer = tmp_path / "newer.tar"
    _write(newer)

    def bump(info, data):
        if info.name == FORMAT_MEMBER:
            data = b"eoffice-backup\n2\n"
            info.size = len(data)
        yield info, data

    bumped = tmp_path / "bumped.tar"
    _rewrite(newer, bumped, bump)
    _refused(bumped, "phiên bản 2")

    wrong_kind = tmp_path / "kind.tar"
    _write(wrong_kind, database_kind="mysql")
    _refused(wrong_kind, "thiếu thông tin")


def test_the_password_reaches_pg_dump_through_the_environment_only():
    password = quote("mật khẩu", safe="")
    url = make_url(f"postgresql+psycopg://eoffice:{password}@db.local:5433/eoffice?sslmode=require")
    conninfo, env = libpq_target(url)
    assert "mật khẩu" not in conninfo and "password" not in conninfo
    assert env["PGPASSWORD"] == "mật khẩu"
    parts = dict(p.split("=", 1) for p in conninfo.split())
    assert parts == {
        "sslmode": "require",
        "host": "db.local",
        "port": "5433",
        "user": "eoffice",
        "dbname": "eoffice",
        "connect_timeout": "15",  # never waits forever for an unreachable server
    }
    conninfo, _env = libpq_target(make_url(f"{url}&connect_timeout=3"))
    assert "connect_timeout=3" in conninfo.split()


def test_the_manifest_is_plain_json_with_its_words_unescaped():
    raw = manifest_bytes({"note": "Phòng GDĐT"})
    assert "Phòng GDĐT" in raw.decode("utf-8")
    assert json.loads(raw) == {"note": "Phòng GDĐT"}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"members": {"FORMAT": "oops"}}, "members (FORMAT)"),
        ({"members": {"FORMAT": {"sha256": "x", "size": "12"}}}, "members (FORMAT)"),
        ({"damaged_files": [{"sha256": SHA}]}, "damaged_files"),
        ({"damaged_files": [{"sha256": "../x", "problem": "missing"}]}, "damaged_files"),
        ({"damaged_files": {"sha256": SHA}}, "damaged_files"),
        ({"tables": ["stored_files"]}, "tables"),
        ({"tables": {"stored_files": -1}}, "tables"),
        ({"stored_files": {"count": "1", "bytes": 17}}, "stored_files"),
        ({"stored_files": None}, "stored_files"),
        ({"alembic_revision": 24}, "alembic_revision"),
    ],
)
def test_a_malformed_manifest_is_refused_with_a_message(tmp_path, change, words):
    """Every shape a later step relies on is checked when the manifest is read: a
    hand-edited one is refused in words, never found later as a KeyError."""
    path = tmp_path / "a.tar"
    _write(path, **change)
    with pytest.raises(BackupError) as caught:
        read_archive(path)
    assert "sai cấu trúc" in caught.value.message and words in caught.value.message


def test_two_dumps_or_a_dump_of_another_kind_are_refused(tmp_path):
    """One database per archive, of the manifest's kind: never "the last one wins"."""
    two = tmp_path / "two.tar"
    _write(two, listed_extra=[("database/sqlite3.db", b"SQLite format 3\x00")])
    _refused(two, "hai bản kết xuất")

    other = tmp_path / "other.tar"
    _write(other, database_kind="sqlite")
    _refused(other, "không phải loại mà bảng kê ghi (sqlite)")


def test_an_oversized_manifest_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "a.tar"
    _write(path)
    monkeypatch.setattr(archive, "MANIFEST_LIMIT", 64)
    _refused(path, "quá lớn")


class _FullDisk(io.BytesIO):
    def write(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_staging_disk_is_blamed_not_the_archive(tmp_path):
    path = tmp_path / "a.tar"
    _write(path)
    with pytest.raises(BackupError) as caught:
        read_archive(path, lambda name: _FullDisk() if name.startswith("files/") else None)
    assert "hết dung lượng đĩa" in caught.value.message
    assert "Không đọc được tệp sao lưu" not in caught.value.message


def test_staged_members_are_fsynced_before_they_are_closed(tmp_path, monkeypatch):
    path = tmp_path / "a.tar"
    _write(path)
    synced: list[str] = []
    real_fsync = archive.os.fsync

    def record(fd):
        synced.append(Path(f"/proc/self/fd/{fd}").resolve().name)
        real_fsync(fd)

    monkeypatch.setattr(archive.os, "fsync", record)
    staged = tmp_path / "staged"
    staged.mkdir()
    read_archive(path, lambda name: (staged / name.replace("/", "_")).open("wb"))
    assert sorted(synced) == sorted(p.name for p in staged.iterdir())
    assert len(synced) == 2  # the dump and the stored file


def test_a_failing_or_hanging_command_is_a_backup_error():
    script = "import sys; sys.stderr.buffer.write(b'FATAL: \\xff\\xfe la'); sys.exit(3)"
    with pytest.raises(BackupError) as caught:
        _run([sys.executable, "-c", script], {}, "pg_dump")
    assert "pg_dump thất bại (mã 3)" in caught.value.message
    assert "FATAL" in caught.value.message

    with pytest.raises(BackupError) as caught:
        _run([sys.executable, "-c", "import time; time.sleep(60)"], {}, "pg_restore", timeout=1)
    assert "pg_restore chưa xong sau 1 giây" in caught.value.message
