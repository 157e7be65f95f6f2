"""`flask backup ARCHIVE`, `flask backup --verify ARCHIVE`, `flask restore ARCHIVE`.

Exit code 0 on success, 1 on any failure or refusal (the message says which, in
Vietnamese), so a cron job or a script can tell. Errors of the disk and of either
database that reach this far are turned into such a message too, never a traceback.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from eoffice.backup.errors import BackupError
from eoffice.search.cli import number


def _size(value: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}".replace(".", ",")
        value /= 1024
    return str(value)


@contextmanager
def _bar(total: int, label: str) -> Iterator:
    with click.progressbar(length=max(total, 1), label=label, file=sys.stderr) as bar:
        yield bar.update


def _fail(exc: BackupError) -> None:
    click.echo(f"Lỗi: {exc.message}", err=True)
    sys.exit(1)


# What a command turns into a message and exit code 1 (anything else is a bug: a trace).
HANDLED = (BackupError, OSError, sqlite3.Error, SQLAlchemyError)


def _as_backup_error(exc: Exception) -> BackupError:
    from eoffice.backup.service import error_text

    if isinstance(exc, BackupError):
        return exc
    if isinstance(exc, OSError):
        return BackupError(f"Lỗi đọc ghi tệp: {exc}.")
    if isinstance(exc, sqlite3.Error):
        return BackupError(f"Lỗi cơ sở dữ liệu SQLite: {exc}.")
    return BackupError(f"Lỗi cơ sở dữ liệu: {error_text(exc)}.")


_SHA256_OPTION = click.option(
    "--sha256",
    "expected_sha256",
    default=None,
    metavar="HEX",
    help="SHA-256 của tệp sao lưu được in lúc sao lưu: từ chối nếu tệp không khớp.",
)
_TIMEOUT_OPTION = click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=None,
    metavar="GIÂY",
    help="Dừng pg_dump/pg_restore nếu chạy quá số giây này (mặc định: không giới hạn).",
)


def register(app: Flask) -> None:
    @app.cli.command(
        "backup",
        help="Sao lưu cơ sở dữ liệu và mọi tệp lưu trữ vào một tệp (.tar, hoặc .tar.gz). "
        "ARCHIVE là tên tệp mới hoặc một thư mục. Với --verify: kiểm tra một tệp sao lưu "
        "có sẵn mà không khôi phục.",
    )
    @click.argument("archive", type=click.Path(path_type=Path))
    @click.option("--verify", is_flag=True, help="Chỉ kiểm tra tệp sao lưu ARCHIVE.")
    @click.option(
        "--allow-damaged",
        is_flag=True,
        help="Vẫn sao lưu khi có tệp lưu trữ mất hoặc hỏng (ghi chúng vào bảng kê).",
    )
    @click.option("--pg-bin", default=None, help="Thư mục chứa pg_dump (PostgreSQL).")
    @_SHA256_OPTION
    @_TIMEOUT_OPTION
    def backup_command(
        archive: Path,
        verify: bool,
        allow_damaged: bool,
        pg_bin: str | None,
        expected_sha256: str | None,
        timeout: float | None,
    ):
        from eoffice.backup import service

        if expected_sha256 is not None and not verify:
            _fail(BackupError("--sha256 chỉ dùng cùng --verify (hoặc với flask restore)."))
        try:
            if verify:
                result = service.verify_archive(archive, _bar, expected_sha256)
                _print_verified(archive, result.manifest, result.archive_sha256)
                return
            summary = service.create_backup(
                archive,
                allow_damaged=allow_damaged,
                pg_bin=pg_bin,
                timeout=timeout,
                progress=_bar,
                echo=click.echo,
            )
        except HANDLED as exc:
            _fail(_as_backup_error(exc))
        rows = sum(summary.tables.values())
        click.echo(
            f"Đã sao lưu vào {summary.path} ({_size(summary.archive_bytes)}): cơ sở dữ liệu "
            f"{summary.kind} ở phiên bản lược đồ {summary.revision}, {number(len(summary.tables))}"
            f" bảng, {number(rows)} dòng; {number(summary.file_count)} tệp lưu trữ "
            f"({_size(summary.file_bytes)})."
        )
        click.echo(
            f"SHA-256 của tệp sao lưu: {summary.archive_sha256} (hãy lưu mã này ở nơi khác "
            "để đối chiếu khi khôi phục)."
        )
        if summary.damaged:
            click.echo(
                "Cảnh báo: " + service.damaged_message(summary.damaged) + " Các tệp này "
                "được ghi trong bảng kê và sẽ không được khôi phục.",
                err=True,
            )

    @app.cli.command(
        "restore",
        help="Khôi phục một bản sao lưu vào cơ sở dữ liệu và thư mục lưu tệp của cấu hình "
        "hiện tại; cả hai phải trống. Tệp sao lưu được kiểm tra toàn bộ trước khi ghi gì.",
    )
    @click.argument("archive", type=click.Path(path_type=Path))
    @click.option("--pg-bin", default=None, help="Thư mục chứa pg_restore (PostgreSQL).")
    @_SHA256_OPTION
    @_TIMEOUT_OPTION
    def restore_command(
        archive: Path, pg_bin: str | None, expected_sha256: str | None, timeout: float | None
    ):
        from eoffice.backup import service
        from eoffice.core.audit_cli import run_verify

        try:
            summary = service.restore_backup(
                archive,
                pg_bin=pg_bin,
                expected_sha256=expected_sha256,
                timeout=timeout,
                progress=_bar,
                echo=click.echo,
            )
        except HANDLED as exc:
            _fail(_as_backup_error(exc))
        click.echo(
            f"Đã khôi phục cơ sở dữ liệu {summary.kind} ({number(len(summary.tables))} bảng, "
            f"{number(sum(summary.tables.values()))} dòng) và {number(summary.file_count)} "
            f"tệp lưu trữ từ tệp sao lưu có SHA-256 {summary.archive_sha256}."
        )
        if summary.upgraded_to:
            click.echo(f"Lược đồ đã nâng từ {summary.revision} lên {summary.upgraded_to}.")
        if summary.damaged:
            click.echo(
                f"Cảnh báo: {len(summary.damaged)} tệp lưu trữ đã mất hoặc hỏng từ lúc sao lưu, "
                "không được khôi phục (xem bảng kê).",
                err=True,
            )
        if summary.secret_key_matches is False:
            click.echo(
                "Cảnh báo: SECRET_KEY khác với lúc sao lưu; khóa của chứng thư số và mật khẩu "
                "liên thông sẽ không giải mã được. Hãy đặt lại SECRET_KEY cũ.",
                err=True,
            )
        click.echo("Kiểm tra chuỗi nhật ký thao tác:")
        try:
            intact = run_verify(None)
        except HANDLED as exc:
            _fail(
                BackupError(
                    "dữ liệu đã khôi phục nhưng không kiểm tra được chuỗi nhật ký thao tác ("
                    + _as_backup_error(exc).message.rstrip(".")
                    + "); hãy chạy flask audit verify."
                )
            )
        if not intact:
            click.echo("Lỗi: dữ liệu đã khôi phục nhưng chuỗi nhật ký thao tác bị hỏng.", err=True)
            sys.exit(1)


def _print_verified(archive: Path, manifest: dict, archive_sha256: str) -> None:
    files = manifest.get("stored_files") or {}
    click.echo(
        f"{archive}: nguyên vẹn. Bản sao lưu {manifest['database_kind']} lúc "
        f"{manifest.get('created_at')}, eoffice {manifest.get('app_version')}, phiên bản lược "
        f"đồ {manifest.get('alembic_revision')}, {number(len(manifest.get('tables', {})))} bảng, "
        f"{number(files.get('count', 0))} tệp lưu trữ ({_size(files.get('bytes', 0))})."
    )
    click.echo(f"SHA-256 của tệp sao lưu: {archive_sha256}")
    damaged = manifest.get("damaged_files") or []
    if damaged:
        click.echo(f"Cảnh báo: {len(damaged)} tệp lưu trữ đã mất hoặc hỏng lúc sao lưu.", err=True)
