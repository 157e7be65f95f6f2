"""A private PostgreSQL cluster that a test may stop, kill and start at will.

The shared server on 5432 serves every other test (and other test runs): it must never be
restarted. This one lives in a temporary directory, listens on a free loopback port and a
socket in its own directory, trusts local connections, and is removed at the end.
PostgreSQL refuses to run as root, so the commands run as the `postgres` OS user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.exchange_support import _free_port


def _bindir() -> Path | None:
    """The newest installed server's bin directory (Debian layout), if any."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(found[-1]).parent if found else None


def unavailable_reason() -> str | None:
    """Why a private cluster cannot run here, or None when it can."""
    if _bindir() is None:
        return "no PostgreSQL server binaries (initdb) under /usr/lib/postgresql"
    if os.geteuid() != 0:
        return "a private cluster needs root (to run initdb as the postgres user)"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "no postgres OS user"
    if shutil.which("runuser") is None:
        return "no runuser"
    return None


class PgCluster:
    """initdb + pg_ctl for one throwaway cluster; `url` is its SQLAlchemy URL."""

    def __init__(self, database: str = "eoffice") -> None:
        bindir = _bindir()
        assert bindir is not None, unavailable_reason()
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="eoffice-pg-", dir="/tmp"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "run"
        self.log_file = self.root / "server.log"
        self.port = _free_port()
        self.database = database
        try:
            self._init()
        except BaseException:  # no stray directory in /tmp when initdb fails
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    def _init(self) -> None:
        postgres = pwd.getpwnam("postgres")
        for path in (self.root, self.socket_dir):
            path.mkdir(exist_ok=True)
            os.chown(path, postgres.pw_uid, postgres.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            # Fast and small: nothing here needs to survive a power cut (fsync), but
            # committed work must survive a crash of the server itself, which is what
            # `stop("immediate")` is: synchronous_commit stays on, or the crash would
            # lose the last commits (the WAL not even written to the OS yet).
            conf.write("fsync = off\nfull_page_writes = off\n")
            conf.write("shared_buffers = 16MB\nmax_connections = 30\n")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{self.database}"

    def _run(self, tool: str, *args: str, timeout: float = 60) -> str:
        result = subprocess.run(
            ["runuser", "-u", "postgres", "--", str(self.bindir / tool), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.root,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}):\n{result.stderr}")
        return result.stdout

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "30", *args)

    def start(self) -> None:
        self._pg_ctl(
            "-l",
            str(self.log_file),
            "-o",
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """`immediate` is a crash (every backend killed at once); `fast` disconnects the
        sessions (SQLSTATE 57P01) and shuts down cleanly."""
        self._pg_ctl("-m", mode, "stop")

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def create_database(self) -> None:
        self._run(
            "psql",
            "-h",
            str(self.socket_dir),
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-c",
            f'CREATE DATABASE "{self.database}"',
        )

    def load_from(self, source_url: str) -> None:
        """Copy the schema and rows of another PostgreSQL database into this one (a
        migrated test database: seconds, where running every migration takes far longer)."""
        libpq = make_url(source_url).set(drivername="postgresql")
        dump = subprocess.run(
            [
                str(self.bindir / "pg_dump"),
                "--no-owner",
                "--no-privileges",
                "-d",
                libpq.render_as_string(hide_password=False),
            ],
            capture_output=True,
            check=True,
            timeout=120,
        ).stdout
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(self.bindir / "psql"),
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                str(self.socket_dir),
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                self.database,
            ],
            input=dump,
            capture_output=True,
            check=True,
            timeout=120,
            cwd=self.root,
        )

    def destroy(self) -> None:
        """Stop the server however it can be stopped, then remove its files. When pg_ctl
        fails or hangs, the postmaster (first line of postmaster.pid) is SIGKILLed: no
        server of a finished test left running with its port and memory."""
        try:
            self.stop("immediate")
        except (RuntimeError, subprocess.TimeoutExpired, OSError):
            self._kill_postmaster()
        shutil.rmtree(self.root, ignore_errors=True)

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return  # never started, or already gone
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
