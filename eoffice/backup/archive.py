"""The archive format: one tar file, read and written as a stream.

Members, in this order:

- `FORMAT`: `eoffice-backup` and the format version, so a reader knows at once what it
  holds;
- `database/postgresql.dump` (pg_dump custom format) or `database/sqlite3.db` (a copy
  made by SQLite's backup API);
- `files/ab/cd/abcd…`: every stored file, named by its SHA-256 as in the file store;
- `manifest.json`, last: it needs the hash of every member before it, and those are only
  known once they are written (a corrupt blob is found while it is copied, one read).

An archive whose name ends in `.gz` or `.tgz` is gzip-compressed; otherwise it is a
plain tar (the dump is compressed already, and most stored files are PDFs or scans).
A reader accepts only these names, regular files, each once (and one database dump,
of the manifest's kind): nothing in an archive can write outside the staging folder (no
`extractall`). The manifest is the one member read whole: it is capped at
`MANIFEST_LIMIT` and its shape is checked before anything relies on it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import re
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO

from eoffice.backup.errors import BackupError

FORMAT_NAME = "eoffice-backup"
FORMAT_VERSION = 1
FORMAT_MEMBER = "FORMAT"
MANIFEST_MEMBER = "manifest.json"
DUMP_MEMBERS = {"postgresql": "database/postgresql.dump", "sqlite": "database/sqlite3.db"}
FILES_PREFIX = "files/"
CHUNK = 1024 * 1024
# About 130 bytes per stored file: room for some two million files, and a bound on what a
# damaged or hostile archive can make a reader hold in memory.
MANIFEST_LIMIT = 256 * 1024 * 1024
DAMAGE_KINDS = ("missing", "corrupt")

_FILE_MEMBER = re.compile(r"^files/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def file_member(sha256: str) -> str:
    """The archive name of a stored file: the file store's own layout under `files/`."""
    return f"{FILES_PREFIX}{sha256[:2]}/{sha256[2:4]}/{sha256}"


def file_digest(name: str) -> str | None:
    """The SHA-256 a `files/…` member is named after (None: not a well-formed name)."""
    match = _FILE_MEMBER.match(name)
    if match is None or match.group(3)[:2] != match.group(1):
        return None
    if match.group(3)[2:4] != match.group(2):
        return None
    return match.group(3)


def is_known_member(name: str) -> bool:
    return (
        name in (FORMAT_MEMBER, MANIFEST_MEMBER)
        or name in DUMP_MEMBERS.values()
        or file_digest(name) is not None
    )


def compressed_name(path: Path) -> bool:
    return path.name.endswith((".gz", ".tgz"))


class HashingReader(io.RawIOBase):
    """A file read through once, hashed on the way (tar copies it, we learn its digest)."""

    def __init__(self, handle: IO[bytes]):
        self._handle = handle
        self.hasher = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.hasher.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        return self.hasher.hexdigest()


class _HashingWriter:
    """The archive file, hashed as tar writes it."""

    def __init__(self, handle: IO[bytes]):
        self._handle = handle
        self.hasher = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.hasher.update(data)
        return self._handle.write(data)

    def flush(self) -> None:
        self._handle.flush()


@dataclass
class Member:
    """What the manifest says of one member."""

    sha256: str
    size: int

    def as_json(self) -> dict:
        return {"sha256": self.sha256, "size": self.size}


class ArchiveWriter:
    """Writes the members in order into `path`, recording each one's hash and size."""

    def __init__(self, path: Path, *, compressed: bool):
        self.path = path
        self.members: dict[str, Member] = {}
        self._handle = path.open("xb")  # never overwrite: the caller names a new file
        path.chmod(0o600)  # password hashes, encrypted certificates: for the operator only
        self._hashed = _HashingWriter(self._handle)
        mode = "w|gz" if compressed else "w|"
        self._tar = tarfile.open(  # noqa: SIM115 - closed by close() or abort()
            fileobj=self._hashed, mode=mode, format=tarfile.PAX_FORMAT
        )

    def add_bytes(self, name: str, data: bytes) -> Member:
        return self.add_stream(name, io.BytesIO(data), len(data))

    def add_stream(self, name: str, handle: IO[bytes], size: int) -> Member:
        """Copy `size` bytes of `handle` into the archive; returns their real digest."""
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.type = size, 0o600, tarfile.REGTYPE
        reader = HashingReader(handle)
        self._tar.addfile(info, reader)
        member = Member(reader.hexdigest(), reader.size)
        self.members[name] = member
        return member

    def close(self) -> str:
        """Finish the archive; returns the SHA-256 of the whole file, for the operator to
        keep elsewhere (the manifest inside cannot vouch for itself)."""
        self._tar.close()
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        return self._hashed.hasher.hexdigest()

    def abort(self) -> None:
        with contextlib.suppress(Exception):  # the partial archive is thrown away anyway
            self._tar.close()
        self._handle.close()


def manifest_bytes(manifest: dict) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


@dataclass
class ReadResult:
    """What a full read of an archive found: its manifest and each member's real digest."""

    manifest: dict
    members: dict[str, Member] = field(default_factory=dict)
    archive_sha256: str = ""


Sink = Callable[[str], BinaryIO | None]


def read_archive(
    path: Path, sink: Sink | None = None, progress: Callable[[int], None] | None = None
) -> ReadResult:
    """Read the whole archive once, hashing every member, and check it against its
    manifest. `sink(name)` may return a file to copy the member into (a restore's
    staging folder) or None. Raises BackupError on the first thing that is wrong."""
    if not path.is_file():
        raise BackupError(f"Không tìm thấy tệp sao lưu {path}.")
    members: dict[str, Member] = {}
    manifest_raw: bytes | None = None
    dump_seen: str | None = None
    first = True
    try:
        with (
            path.open("rb") as raw,
            tarfile.open(fileobj=(hashed := HashingReader(raw)), mode="r|*") as tar,
        ):
            for info in tar:
                name = info.name
                if first and name != FORMAT_MEMBER:
                    raise BackupError(
                        f"{path.name} không phải tệp sao lưu eoffice (thiếu {FORMAT_MEMBER})."
                    )
                first = False
                if not info.isreg() or not is_known_member(name):
                    raise BackupError(f"Tệp sao lưu chứa thành phần lạ: {name!r}.")
                if name in members or (name == MANIFEST_MEMBER and manifest_raw is not None):
                    raise BackupError(f"Thành phần {name} xuất hiện hai lần trong tệp sao lưu.")
                if manifest_raw is not None:
                    raise BackupError("Tệp sao lưu có thành phần sau bảng kê (manifest.json).")
                source = tar.extractfile(info)
                assert source is not None
                if name == MANIFEST_MEMBER:
                    if info.size > MANIFEST_LIMIT:
                        raise BackupError(
                            f"Bảng kê (manifest.json) của tệp sao lưu quá lớn ({info.size} byte, "
                            f"tối đa {MANIFEST_LIMIT}): tệp sao lưu hỏng hoặc không phải của "
                            "eoffice."
                        )
                    manifest_raw = source.read()
                    continue
                if name in DUMP_MEMBERS.values():
                    if dump_seen is not None:
                        raise BackupError(
                            f"Tệp sao lưu có hai bản kết xuất cơ sở dữ liệu ({dump_seen} và "
                            f"{name}): chỉ được có một."
                        )
                    dump_seen = name
                if name == FORMAT_MEMBER:
                    members[name] = _check_format(path, source.read(4096))
                else:
                    members[name] = _copy_member(source, _open_sink(sink, name))
                if progress:
                    progress(info.size)
            while hashed.read(CHUNK):  # the end blocks: the whole file's hash
                pass
    except tarfile.TarError as exc:
        raise BackupError(f"Tệp sao lưu hỏng hoặc bị cắt cụt ({exc}).") from exc
    except (EOFError, OSError) as exc:
        if isinstance(exc, BackupError):
            raise
        raise BackupError(f"Không đọc được tệp sao lưu ({exc}).") from exc
    if first:
        raise BackupError(f"{path.name} rỗng hoặc không phải tệp tar.")
    if manifest_raw is None:
        raise BackupError("Tệp sao lưu không có bảng kê (manifest.json): có thể bị cắt cụt.")
    manifest = _parse_manifest(manifest_raw)
    check_members(manifest, members)
    return ReadResult(manifest=manifest, members=members, archive_sha256=hashed.hexdigest())


def staging_error(exc: OSError) -> BackupError:
    """A write into the restore's staging folder failed: the disk of STORAGE_DIR, not the
    archive, is to blame (a full disk above all), and nothing has been restored yet."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        cause = "hết dung lượng đĩa; cần chỗ trống cỡ tệp sao lưu trong thư mục lưu tệp"
    else:
        cause = str(exc)
    return BackupError(
        f"Không ghi được vào thư mục tạm của lần khôi phục ({cause}). Chưa khôi phục gì; "
        "hãy xử lý rồi chạy lại."
    )


def _open_sink(sink: Sink | None, name: str) -> BinaryIO | None:
    if sink is None:
        return None
    try:
        return sink(name)
    except OSError as exc:
        raise staging_error(exc) from exc


def _copy_member(source: IO[bytes], target: BinaryIO | None) -> Member:
    """Hash a member while copying it into `target` (if any), which is fsync'd: a restore
    moves these very files into the store, so they must be on the disk before the
    database says they exist. A read error is the archive's; a write error the target's."""
    hasher, size = hashlib.sha256(), 0
    try:
        while chunk := source.read(CHUNK):
            hasher.update(chunk)
            size += len(chunk)
            if target is not None:
                _write(target, chunk)
        if target is not None:
            try:
                target.flush()
                os.fsync(target.fileno())
            except OSError as exc:
                raise staging_error(exc) from exc
    finally:
        if target is not None:
            with contextlib.suppress(OSError):  # flushed above; an error already raised
                target.close()
    return Member(hasher.hexdigest(), size)


def _write(target: BinaryIO, chunk: bytes) -> None:
    try:
        target.write(chunk)
    except OSError as exc:
        raise staging_error(exc) from exc


def format_bytes() -> bytes:
    return f"{FORMAT_NAME}\n{FORMAT_VERSION}\n".encode()


def _check_format(path: Path, data: bytes) -> Member:
    """The first member: refuse a foreign tar or a newer format before reading on."""
    lines = data.decode("utf-8", "replace").split()
    if not lines or lines[0] != FORMAT_NAME:
        raise BackupError(f"{path.name} không phải tệp sao lưu eoffice.")
    if lines[1:2] != [str(FORMAT_VERSION)]:
        raise BackupError(
            f"{path.name} dùng định dạng sao lưu phiên bản {' '.join(lines[1:2]) or '?'}; "
            f"phiên bản này của eoffice chỉ đọc được định dạng {FORMAT_VERSION}."
        )
    return Member(hashlib.sha256(data).hexdigest(), len(data))


def _parse_manifest(raw: bytes) -> dict:
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError("Bảng kê (manifest.json) của tệp sao lưu không đọc được.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise BackupError("Bảng kê không phải của một bản sao lưu eoffice.")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise BackupError(
            f"Bản sao lưu dùng định dạng phiên bản {version}; phiên bản này của eoffice chỉ "
            f"đọc được định dạng {FORMAT_VERSION}."
        )
    if manifest.get("database_kind") not in DUMP_MEMBERS or not isinstance(
        manifest.get("members"), dict
    ):
        raise BackupError("Bảng kê của tệp sao lưu thiếu thông tin bắt buộc.")
    wrong = _shape_problem(manifest)
    if wrong:
        raise BackupError(
            f"Bảng kê của tệp sao lưu sai cấu trúc ở mục {wrong}: tệp sao lưu bị sửa hoặc hỏng."
        )
    return manifest


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _shape_problem(manifest: dict) -> str | None:
    """The first entry of the manifest that is not what a backup writes (None: all are).
    Everything after relies on these shapes: a hand-edited or damaged manifest is refused
    here, with a message, never found later as a KeyError."""
    for name, entry in manifest["members"].items():
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and _count(entry.get("size"))
        ):
            return f"members ({name})"
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or not all(_count(v) for v in tables.values()):
        return "tables"
    stored = manifest.get("stored_files")
    if not (
        isinstance(stored, dict) and _count(stored.get("count")) and _count(stored.get("bytes"))
    ):
        return "stored_files"
    damaged = manifest.get("damaged_files", [])
    if not isinstance(damaged, list) or not all(
        isinstance(d, dict)
        and isinstance(d.get("sha256"), str)
        and _SHA256.match(d["sha256"])
        and d.get("problem") in DAMAGE_KINDS
        for d in damaged
    ):
        return "damaged_files"
    for key in (
        "alembic_revision",
        "app_version",
        "created_at",
        "database_server_version",
        "secret_key_check",
    ):
        if not isinstance(manifest.get(key), str | None):
            return key
    return None


def check_members(manifest: dict, found: dict[str, Member]) -> None:
    """Every member the manifest lists is there with its hash and size, nothing else is,
    the dump is there, and every stored file's content gives its name (or is one of the
    damaged files the backup reported)."""
    listed: dict = manifest["members"]
    for name, entry in listed.items():
        got = found.get(name)
        if got is None:
            raise BackupError(f"Thiếu thành phần {name} mà bảng kê liệt kê.")
        if (got.sha256, got.size) != (entry.get("sha256"), entry.get("size")):
            raise BackupError(
                f"Thành phần {name} không khớp mã băm SHA-256 trong bảng kê: tệp sao lưu "
                "đã bị sửa hoặc hỏng."
            )
    extra = sorted(set(found) - set(listed))
    if extra:
        raise BackupError(f"Thành phần {extra[0]} không có trong bảng kê.")
    kind = manifest["database_kind"]
    dump = DUMP_MEMBERS[kind]
    other = sorted(n for n in found if n in DUMP_MEMBERS.values() and n != dump)
    if other:
        raise BackupError(
            f"Bản kết xuất cơ sở dữ liệu trong tệp sao lưu ({other[0]}) không phải loại mà "
            f"bảng kê ghi ({kind}): tệp sao lưu bị sửa hoặc hỏng."
        )
    if dump not in found:
        raise BackupError(f"Tệp sao lưu thiếu bản kết xuất cơ sở dữ liệu ({dump}).")
    corrupt = {d["sha256"] for d in manifest.get("damaged_files", []) if d["problem"] == "corrupt"}
    for name, member in found.items():
        digest = file_digest(name)
        if digest is not None and digest != member.sha256 and digest not in corrupt:
            raise BackupError(f"Tệp lưu trữ {digest} trong bản sao lưu không khớp tên của nó.")


def iter_file_members(manifest: dict) -> Iterator[str]:
    return (name for name in manifest["members"] if file_digest(name) is not None)
