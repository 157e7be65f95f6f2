"""Content-addressed file storage under STORAGE_DIR.

A file's path is derived from the SHA-256 of its bytes (`ab/cd/abcd…`), so the same
scan uploaded twice is stored once, a path never comes from a user-supplied name, and
the stored bytes are never modified (a signed PDF stays valid). Writes go to a
temporary file in the target's directory, fsync'd and renamed into place (then the
directory fsync'd), so a crash never leaves half a file under a digest's name. Any
failure removes the temporary file; a full disk (ENOSPC, EDQUOT) becomes `StorageFull`,
a refusal the user reads, raised before the caller writes its rows (decision 0023).

`store_bytes` is what a service that produces a file (a printed record, an export)
calls: the bytes in the store and their `StoredFile` row, one row per content.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, BinaryIO

from flask import current_app
from sqlalchemy import select

from eoffice.core.errors import NotFound, ValidationFailed
from eoffice.core.models import StoredFile
from eoffice.extensions import db

log = logging.getLogger(__name__)

_CHUNK = 1024 * 1024


class MissingFile(NotFound):
    """A stored file's bytes are gone from the disk (restored backup, manual deletion).

    The record still points at it, so it is an operator's problem, not the user's: the
    user gets a 404 that says whom to tell, the log gets an error with the digest.
    """

    def __init__(self) -> None:
        super().__init__("Tệp không còn trên máy chủ; hãy báo quản trị.")


STORAGE_FULL_MESSAGE = (
    "Không đủ dung lượng lưu trữ trên máy chủ nên tệp chưa được lưu; dữ liệu chưa được "
    "ghi. Hãy báo quản trị giải phóng dung lượng rồi gửi lại."
)


class StorageFull(ValidationFailed):
    """The file store's disk (or the service account's quota) is full.

    Nothing was stored and, since storing comes before the rows in every service, nothing
    was written. A ValidationFailed so that every form that shows a refusal in place
    (and keeps what the user typed) shows this one too; 507 and its own code for the API
    (decision 0023).
    """

    status_code = 507
    code = "storage_full"

    def __init__(
        self, message: str = STORAGE_FULL_MESSAGE, *, field_errors: dict[str, str] | None = None
    ) -> None:
        super().__init__(message, field_errors=field_errors)


_FULL = {errno.ENOSPC, errno.EDQUOT}


class FileStore:
    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Store `data` (idempotently) and return its SHA-256 hex digest."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_for(digest)
        if not target.exists():
            self._write(target, lambda out: out.write(data))
        return digest

    def put_stream(self, handle: IO[bytes]) -> tuple[str, int]:
        """`put` for a file too large for memory: hash it, then copy it into place through
        a temporary file renamed at the end. Returns the digest and the size."""
        hasher, size = hashlib.sha256(), 0
        handle.seek(0)
        while chunk := handle.read(_CHUNK):
            hasher.update(chunk)
            size += len(chunk)
        digest = hasher.hexdigest()
        target = self.path_for(digest)
        if not target.exists():

            def copy(out: BinaryIO) -> None:
                handle.seek(0)
                shutil.copyfileobj(handle, out, _CHUNK)

            self._write(target, copy)
        return digest, size

    def _write(self, target: Path, fill: Callable[[BinaryIO], object]) -> None:
        """Write through a temporary file next to `target`, fsync it, rename it into place
        and fsync the directory. The temporary file is removed on any failure; a full disk
        is logged with what was being stored and raised as StorageFull."""
        tmp: str | None = None
        try:
            created = _make_dirs(target.parent)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            with os.fdopen(fd, "wb") as out:
                fill(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
            tmp = None
            _fsync_dir(target.parent)
            for directory in created:  # a new directory's entry lives in its parent
                _fsync_dir(directory.parent)
        except OSError as exc:
            if exc.errno in _FULL:
                log.error(
                    "file store %s is full: could not store %s (%s)", self.root, target.name, exc
                )
                raise StorageFull() from exc
            raise
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes for reading; MissingFile when they are not on the disk."""
        path = self.path_for(sha256)
        try:
            return path.open("rb")
        except FileNotFoundError:
            log.error("stored file %s is missing from %s", sha256, self.root)
            raise MissingFile() from None

    def read(self, sha256: str) -> bytes:
        """All the stored bytes (for copying a file into another record or a signature)."""
        with self.open(sha256) as handle:
            return handle.read()

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()


def _make_dirs(path: Path) -> list[Path]:
    """mkdir -p, returning the directories it created, deepest last."""
    missing: list[Path] = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    created: list[Path] = []
    for directory in reversed(missing):
        try:
            directory.mkdir()
        except FileExistsError:  # another process made it meanwhile
            continue
        created.append(directory)
    return created


def _fsync_dir(path: Path) -> None:
    """Make the rename itself durable: without it a power cut may lose the new name."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def store_bytes(content: bytes | IO[bytes], mime_type: str, kind: str = "pdf") -> StoredFile:
    """Put a produced file in the application's store (streamed when it is a file on
    disk, which is then closed) and return its StoredFile row, reusing the row of
    identical bytes: a record printed twice the same is one file."""
    store = FileStore(current_app.config["STORAGE_DIR"])
    if isinstance(content, bytes):
        digest, size = store.put(content), len(content)
    else:
        try:
            digest, size = store.put_stream(content)
        finally:
            content.close()
    stored = db.session.scalars(select(StoredFile).where(StoredFile.sha256 == digest)).first()
    if stored is None:
        stored = StoredFile(sha256=digest, size=size, mime_type=mime_type, kind=kind)
        db.session.add(stored)
        db.session.flush()
    return stored
