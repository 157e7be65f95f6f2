"""Backup, verification and restore of a deployment (decision 0024).

`create_backup` takes the database's snapshot first and copies the stored files after
it: a file is written to the store before the row naming it commits, and a stored file
is never modified or deleted, so every file the snapshot names is on the disk when the
copy reaches it. Each copied file is hashed on the way; a missing or corrupt one fails
the backup (or, with `allow_damaged`, is reported in the manifest and the summary).

`restore_backup` refuses unless the database and the file store are empty, reads the
whole archive into a staging folder inside the store (`.restore-…`: same file system
even when STORAGE_DIR is a mount point) while hashing every member, checks it against
the manifest (and the archive's SHA-256 against the operator's, if given), and only
then writes: the files are moved into place first (taken out again if the database
cannot be restored: the target is left as empty as it was), then the database, then the
row counts are checked and the schema brought up to the code's revision. A failure
after the database is written says so: the target must be emptied before a retry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from eoffice.backup import database
from eoffice.backup.archive import (
    DUMP_MEMBERS,
    FORMAT_MEMBER,
    FORMAT_NAME,
    FORMAT_VERSION,
    MANIFEST_MEMBER,
    ArchiveWriter,
    ReadResult,
    compressed_name,
    file_digest,
    file_member,
    format_bytes,
    iter_file_members,
    manifest_bytes,
    read_archive,
)
from eoffice.backup.errors import BackupError
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db

Progress = Callable[[int], None]
ProgressFactory = Callable[[int, str], AbstractContextManager[Progress]]
SHOWN = 10  # damaged files named in a message; the rest are counted
# Left alone by the emptiness check of STORAGE_DIR: the root of a mounted file system.
IGNORED_IN_STORE = frozenset({"lost+found"})
STAGING_PREFIX = ".restore-"


def _quiet(_message: str) -> None:
    """No echo: the default when a service is called outside the commands."""


def no_progress(_total: int, _label: str) -> AbstractContextManager[Progress]:
    return nullcontext(lambda _n: None)


@dataclass
class Damaged:
    sha256: str
    problem: str  # "missing" | "corrupt"


@dataclass
class BackupSummary:
    path: Path
    archive_bytes: int
    archive_sha256: str
    kind: str
    revision: str | None
    tables: dict[str, int]
    file_count: int
    file_bytes: int
    damaged: list[Damaged] = field(default_factory=list)


@dataclass
class RestoreSummary:
    archive_sha256: str
    kind: str
    revision: str | None
    upgraded_to: str | None
    tables: dict[str, int]
    file_count: int
    damaged: list[dict]
    secret_key_matches: bool | None


def app_version() -> str:
    try:
        from importlib.metadata import version

        return version("eoffice")
    except Exception:  # not installed as a package: read pyproject
        import tomllib

        from eoffice import PROJECT_ROOT

        with (PROJECT_ROOT / "pyproject.toml").open("rb") as handle:
            return tomllib.load(handle).get("project", {}).get("version", "?")


def secret_key_check(secret: str | None) -> str | None:
    """A fingerprint of SECRET_KEY that reveals nothing of it: a restore under another
    key cannot decrypt certificates' keys and hub secrets, and says so."""
    if not secret:
        return None
    return hmac.new(secret.encode(), b"eoffice-backup-secret-key-check", hashlib.sha256).hexdigest()


def damaged_message(damaged: list[Damaged]) -> str:
    words = {"missing": "không còn trên đĩa", "corrupt": "nội dung không khớp mã băm"}
    listed = "; ".join(f"{d.sha256} ({words[d.problem]})" for d in damaged[:SHOWN])
    more = f" và {len(damaged) - SHOWN} tệp khác" if len(damaged) > SHOWN else ""
    return f"{len(damaged)} tệp lưu trữ bị hỏng hoặc mất: {listed}{more}."


def _archive_path(target: Path) -> Path:
    if target.is_dir():
        stamp = now_utc().strftime("%Y%m%d-%H%M%S")
        target = target / f"eoffice-backup-{stamp}.tar"
    if target.exists():
        raise BackupError(f"Tệp {target} đã có; hãy chọn tên khác (không ghi đè bản sao lưu).")
    if not target.parent.is_dir():
        raise BackupError(f"Không có thư mục {target.parent}.")
    return target


def _files(snapshot: database.Snapshot) -> Iterator[tuple[str, int]]:
    with snapshot.files_list.open(encoding="ascii") as lines:
        for line in lines:
            sha256, size = line.split()
            yield sha256, int(size)


def create_backup(
    target: Path,
    *,
    allow_damaged: bool = False,
    pg_bin: str | None = None,
    timeout: float | None = None,
    progress: ProgressFactory = no_progress,
    echo: Callable[[str], None] = _quiet,
) -> BackupSummary:
    """Write one archive of the database and the stored files to `target` (a new file,
    or a folder to put a dated one in). The archive appears under its name only once
    complete; a failed backup leaves nothing behind."""
    target = _archive_path(target)
    engine = db.engine
    kind = database.database_kind(engine.url)
    store = Path(current_app.config["STORAGE_DIR"])
    db.session.remove()
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".eoffice-backup-") as work:
        workdir = Path(work)
        echo("Đang kết xuất cơ sở dữ liệu (một ảnh chụp nhất quán)…")
        if kind == "postgresql":
            snapshot = database.dump_postgresql(engine, workdir, pg_bin, timeout)
        else:
            snapshot = database.dump_sqlite(engine, workdir)
        echo(f"Đang kiểm tra {snapshot.file_count} tệp lưu trữ mà cơ sở dữ liệu ghi nhận…")
        missing = [
            Damaged(sha, "missing")
            for sha, _ in _files(snapshot)
            if not _blob(store, sha).is_file()
        ]
        if missing and not allow_damaged:
            raise BackupError(
                damaged_message(missing) + " Chưa ghi bản sao lưu; hãy khôi phục các tệp đó "
                "(từ bản sao lưu trước) hoặc chạy lại với --allow-damaged để sao lưu phần còn lại."
            )
        # In the run's own temporary folder (unique, removed whatever happens, same file
        # system as the target): a leftover of a killed run never blocks the next one.
        partial = workdir / (target.name + ".partial")
        writer = ArchiveWriter(partial, compressed=compressed_name(target))
        try:
            damaged = _write_archive(writer, snapshot, store, missing, progress)
            if any(d.problem == "corrupt" for d in damaged) and not allow_damaged:
                raise BackupError(
                    damaged_message(damaged) + " Chưa ghi bản sao lưu; hãy khôi phục các tệp "
                    "đó hoặc chạy lại với --allow-damaged."
                )
            manifest = _manifest(snapshot, writer, damaged)
            writer.add_bytes(MANIFEST_MEMBER, manifest_bytes(manifest))
            archive_sha256 = writer.close()
            os.replace(partial, target)
        except BaseException:
            writer.abort()
            partial.unlink(missing_ok=True)
            raise
    return BackupSummary(
        path=target,
        archive_bytes=target.stat().st_size,
        archive_sha256=archive_sha256,
        kind=kind,
        revision=snapshot.revision,
        tables=snapshot.tables,
        file_count=snapshot.file_count,
        file_bytes=snapshot.file_bytes,
        damaged=damaged,
    )


def _blob(store: Path, sha256: str) -> Path:
    return store / sha256[:2] / sha256[2:4] / sha256


def _write_archive(
    writer: ArchiveWriter,
    snapshot: database.Snapshot,
    store: Path,
    missing: list[Damaged],
    progress: ProgressFactory,
) -> list[Damaged]:
    writer.add_bytes(FORMAT_MEMBER, format_bytes())
    dump_size = snapshot.dump_path.stat().st_size
    with snapshot.dump_path.open("rb") as handle:
        writer.add_stream(DUMP_MEMBERS[snapshot.kind], handle, dump_size)
    damaged = list(missing)
    skip = {d.sha256 for d in missing}
    with progress(snapshot.file_bytes, "Chép tệp lưu trữ") as advance:
        for sha256, size in _files(snapshot):
            if sha256 in skip:
                advance(size)
                continue
            path = _blob(store, sha256)
            with path.open("rb") as handle:
                member = writer.add_stream(
                    file_member(sha256), handle, os.fstat(handle.fileno()).st_size
                )
            if member.sha256 != sha256:
                damaged.append(Damaged(sha256, "corrupt"))
            advance(size)
    return damaged


def _manifest(snapshot: database.Snapshot, writer: ArchiveWriter, damaged: list[Damaged]) -> dict:
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "app_version": app_version(),
        "alembic_revision": snapshot.revision,
        "created_at": now_utc().isoformat(),
        "database_kind": snapshot.kind,
        "database_server_version": snapshot.server_version,
        "tables": snapshot.tables,
        "stored_files": {"count": snapshot.file_count, "bytes": snapshot.file_bytes},
        "damaged_files": [{"sha256": d.sha256, "problem": d.problem} for d in damaged],
        "secret_key_check": secret_key_check(current_app.config.get("SECRET_KEY")),
        "members": {name: m.as_json() for name, m in writer.members.items()},
    }


# --- Verification ----------------------------------------------------------------------


def _check_contents(result: ReadResult) -> None:
    """Beyond the hashes: the files the dump's stored_files table names are all there
    (or reported damaged at backup time)."""
    manifest = result.manifest
    files = sum(1 for _ in iter_file_members(manifest))
    damaged = manifest.get("damaged_files") or []
    missing = sum(1 for d in damaged if d.get("problem") == "missing")
    expected = (manifest.get("stored_files") or {}).get("count")
    if expected != files + missing or manifest.get("tables", {}).get("stored_files", 0) != expected:
        raise BackupError(
            f"Bảng kê ghi {expected} tệp lưu trữ nhưng tệp sao lưu có {files} tệp "
            f"(và {missing} tệp báo mất): bản sao lưu không đầy đủ."
        )


def expected_digest(value: str | None) -> str | None:
    """The `--sha256` an operator typed: 64 hex digits, any case, spaces around."""
    if value is None:
        return None
    digest = value.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise BackupError("--sha256 phải là mã SHA-256 gồm 64 chữ số thập lục phân.")
    return digest


def _check_archive_digest(result: ReadResult, expected: str | None) -> None:
    if expected is not None and result.archive_sha256 != expected:
        raise BackupError(
            f"SHA-256 của tệp sao lưu là {result.archive_sha256}, khác mã đã cho "
            f"({expected}): đây không phải bản sao lưu đã ghi nhận, hoặc nó đã bị thay. "
            "Chưa ghi gì."
        )


def verify_archive(
    path: Path, progress: ProgressFactory = no_progress, expected_sha256: str | None = None
) -> ReadResult:
    """Read and check a whole archive without restoring it: its manifest, and the
    SHA-256 of the whole file to compare with the one printed when it was made (or
    with `expected_sha256`)."""
    expected = expected_digest(expected_sha256)
    with progress(path.stat().st_size if path.is_file() else 0, "Kiểm tra") as advance:
        result = read_archive(path, None, advance)
    _check_archive_digest(result, expected)
    _check_contents(result)
    return result


# --- Restore ---------------------------------------------------------------------------


def _code_revisions() -> tuple[set[str], set[str]]:
    """The code's migration heads and every revision it knows."""
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    script = ScriptDirectory.from_config(config)
    return set(script.get_heads()), {r.revision for r in script.walk_revisions()}


def target_problems(engine, store: Path, staging: Path | None = None) -> list[str]:
    """Why this instance cannot receive a restore (empty list: it can). STORAGE_DIR may
    hold `lost+found` (it is a mount point) and this restore's own staging folder."""
    problems = []
    kind = database.database_kind(engine.url)
    found = (
        database.postgresql_relations(engine)
        if kind == "postgresql"
        else database.sqlite_tables(engine)
    )
    if found:
        problems.append(
            "Cơ sở dữ liệu đích không trống (có " + ", ".join(found) + "…). Chỉ khôi phục "
            "vào một cơ sở dữ liệu trống: hãy tạo cơ sở dữ liệu mới hoặc xóa hết bảng."
        )
    if store.exists() and not store.is_dir():
        problems.append(f"{store} (thư mục lưu tệp) không phải một thư mục.")
    elif store.exists():
        ignored = IGNORED_IN_STORE | ({staging.name} if staging is not None else set())
        entries = sorted(p.name for p in store.iterdir() if p.name not in ignored)
        if entries:
            shown = ", ".join(entries[:3]) + ("…" if len(entries) > 3 else "")
            problems.append(
                f"Thư mục lưu tệp {store} không trống (có {shown}). Chỉ khôi phục vào thư mục "
                "trống hoặc chưa có."
            )
    return problems


@contextmanager
def _staging(store: Path) -> Iterator[Path]:
    """A folder inside the store (`.restore-…`): the files are moved from it into place
    by renames that cannot cross file systems, even when STORAGE_DIR is a mount point.
    It is removed whatever happens, and so is the store if this restore created it and
    nothing was put in it."""
    created = not store.exists()
    store.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=store, prefix=STAGING_PREFIX))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if created:
            with suppress(OSError):  # not empty: the restore went through
                store.rmdir()


def _sink(staging: Path) -> Callable[[str], BinaryIO | None]:
    def open_for(name: str) -> BinaryIO | None:
        if name in DUMP_MEMBERS.values():
            return _create(staging / "database.dump")
        digest = file_digest(name)
        if digest is None:
            return None
        path = staging / "files" / digest[:2] / digest[2:4] / digest
        path.parent.mkdir(parents=True, exist_ok=True)
        return _create(path)

    return open_for


def _create(path: Path) -> BinaryIO:
    """A new file readable by the service account only, as the store writes them."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    return os.fdopen(fd, "wb")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _move_files_in(files: Path, store: Path) -> list[Path]:
    """Move the staged `ab/` folders into the (empty) store; returns what was moved.
    The staged files are fsync'd already; their folders are too, then the store, so the
    files are on the disk before the database names them. On failure the folders moved
    so far are taken out again and nothing has been written."""
    moved: list[Path] = []
    try:
        if not files.is_dir():
            return moved
        for top in sorted(files.iterdir()):
            for sub in top.iterdir():
                _fsync_dir(sub)
            _fsync_dir(top)
        for top in sorted(files.iterdir()):
            os.rename(top, store / top.name)
            moved.append(store / top.name)
        _fsync_dir(store)
    except OSError as exc:
        _take_out(moved)
        raise BackupError(
            f"Không chuyển được tệp lưu trữ vào thư mục lưu tệp {store} ({exc}). "
            "Chưa ghi gì vào cơ sở dữ liệu."
        ) from exc
    return moved


def _take_out(moved: list[Path]) -> None:
    for folder in moved:
        shutil.rmtree(folder, ignore_errors=True)


def _half_restored(store: Path, detail: str) -> BackupError:
    return BackupError(
        f"Khôi phục không hoàn tất: {detail}. Cơ sở dữ liệu đích đã được ghi và các tệp đã "
        f"vào thư mục lưu tệp {store}, nên cả hai không còn trống: hãy làm trống cả hai "
        "(tạo lại cơ sở dữ liệu hoặc xóa hết bảng, xóa nội dung thư mục) rồi khôi phục lại."
    )


def error_text(exc: BaseException) -> str:
    """One line for an unexpected error (SQLAlchemy's carry a long tail of links)."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}".rstrip(": ")


def restore_backup(
    path: Path,
    *,
    pg_bin: str | None = None,
    expected_sha256: str | None = None,
    timeout: float | None = None,
    progress: ProgressFactory = no_progress,
    echo: Callable[[str], None] = _quiet,
) -> RestoreSummary:
    """Bring a backup up on this (empty) instance; see the module docstring for the
    order. Raises BackupError, having left the target as it was, when anything is wrong
    before the database is restored; one saying the target was written after that."""
    engine = db.engine
    store = Path(current_app.config["STORAGE_DIR"])
    kind = database.database_kind(engine.url)
    expected = expected_digest(expected_sha256)
    db.session.remove()
    problems = target_problems(engine, store)
    if problems:
        raise BackupError(" ".join(problems))
    with _staging(store) as staging:
        with progress(path.stat().st_size if path.is_file() else 0, "Đọc và kiểm tra") as advance:
            result = read_archive(path, _sink(staging), advance)
        echo(f"SHA-256 của tệp sao lưu: {result.archive_sha256}")
        _check_archive_digest(result, expected)
        _check_contents(result)
        manifest = result.manifest
        if manifest["database_kind"] != kind:
            raise BackupError(
                f"Bản sao lưu là của {manifest['database_kind']}, còn cơ sở dữ liệu đích là "
                f"{kind}: chỉ khôi phục vào cùng loại cơ sở dữ liệu."
            )
        revision = manifest.get("alembic_revision")
        heads, known = _code_revisions()
        if revision not in known:
            raise BackupError(
                f"Bản sao lưu ở phiên bản lược đồ {revision}, mã nguồn này không biết phiên bản "
                "đó (bản sao lưu mới hơn mã nguồn): hãy cài đúng phiên bản eoffice "
                f"{manifest.get('app_version', '?')} hoặc mới hơn rồi khôi phục."
            )
        problems = target_problems(engine, store, staging)
        if problems:
            raise BackupError(" ".join(problems))
        damaged = manifest.get("damaged_files") or []
        for entry in damaged:  # a corrupt copy never goes in under a name it does not match
            if entry["problem"] == "corrupt":
                sha = entry["sha256"]
                (staging / "files" / sha[:2] / sha[2:4] / sha).unlink(missing_ok=True)
        # Nothing has been written yet. The files go first: without rows naming them
        # they are inert, and they are taken out again if the database cannot be written.
        echo("Đang chuyển tệp lưu trữ vào chỗ…")
        moved = _move_files_in(staging / "files", store)
        echo("Đang khôi phục cơ sở dữ liệu…")
        try:
            if kind == "postgresql":
                database.restore_postgresql(engine, staging / "database.dump", pg_bin, timeout)
            else:
                database.restore_sqlite(engine, staging / "database.dump")
        except BaseException:
            _take_out(moved)
            raise
    try:
        upgraded_to = _finish_restore(engine, manifest, revision, heads, echo)
    except BackupError as exc:
        raise _half_restored(store, exc.message.rstrip(".")) from exc
    except Exception as exc:  # Alembic, SQLAlchemy, the disk: said in Vietnamese, not a trace
        raise _half_restored(store, error_text(exc)) from exc
    stored_check = manifest.get("secret_key_check")
    current_check = secret_key_check(current_app.config.get("SECRET_KEY"))
    return RestoreSummary(
        archive_sha256=result.archive_sha256,
        kind=kind,
        revision=revision,
        upgraded_to=upgraded_to,
        tables=manifest["tables"],
        file_count=sum(1 for _ in iter_file_members(manifest)),
        damaged=damaged,
        secret_key_matches=None if stored_check is None else stored_check == current_check,
    )


def _finish_restore(
    engine, manifest: dict, revision: str | None, heads: set[str], echo: Callable[[str], None]
) -> str | None:
    """After the database is written: its row counts against the manifest, then the
    schema brought up to the code's head when the backup is older. Returns the heads
    upgraded to, if any."""
    db.session.remove()
    restored_counts = database.table_counts(engine)
    if restored_counts != manifest["tables"]:
        differing = sorted(
            name
            for name in set(restored_counts) | set(manifest["tables"])
            if restored_counts.get(name) != manifest["tables"].get(name)
        )
        raise BackupError(
            "số dòng sau khi khôi phục khác bảng kê ở các bảng " + ", ".join(differing[:SHOWN])
        )
    if revision in heads:
        return None
    from alembic import command

    echo(f"Bản sao lưu ở phiên bản lược đồ {revision}; đang nâng cấp lên phiên bản mới nhất…")
    # Alembic itself, not flask_migrate.upgrade: that one turns an error into sys.exit.
    command.upgrade(current_app.extensions["migrate"].migrate.get_config(), "heads")
    db.session.remove()
    return ", ".join(sorted(heads))


def manifest_text(manifest: dict) -> str:
    """The manifest without its member list, for printing."""
    shown = {k: v for k, v in manifest.items() if k != "members"}
    return json.dumps(shown, ensure_ascii=False, indent=2, sort_keys=True)
