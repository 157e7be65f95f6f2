"""The file store's disk full while storing an upload (issue 9 point 5).

STORAGE_DIR is a real 2 MiB tmpfs, nearly filled by another file, so the store's write
really fails with ENOSPC part-way through. The user reads a clear Vietnamese refusal
(the web form keeps what was typed; the API answers 507 storage_full), the operator's
log says the store is full, and nothing is left behind: no document, attachment or
stored-file row, no temporary file on the disk. Once space is freed, the same upload
succeeds.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import secrets
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from eoffice.auth.services import create_api_token
from eoffice.core import timeutil
from eoffice.core.models import StoredFile
from eoffice.core.storage import FileStore, StorageFull
from eoffice.extensions import db
from eoffice.incoming.models import IncomingAttachment, IncomingDocument
from eoffice.outgoing.models import OutgoingAttachment, OutgoingDocument
from tests import factories

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 28/11/2026 10:00 office time
DISK = 2 * 1024 * 1024
FULL_MESSAGE = "Không đủ dung lượng lưu trữ"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs; skipped where mounting is not permitted (no root, no CAP_SYS_ADMIN)."""
    mount_point = tmp_path / "store"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs for a full disk here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        unmounted = subprocess.run(["umount", str(mount_point)], capture_output=True, check=False)
        if unmounted.returncode != 0:  # busy (a file still open): detach it lazily
            subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, check=True)


@pytest.fixture
def app_config(app_config: dict, small_disk: Path) -> dict:
    return {**app_config, "STORAGE_DIR": str(small_disk)}


@pytest.fixture(autouse=True)
def fixed_clock(app):
    timeutil.set_clock(lambda: NOW)


def _fill(disk: Path, leave: int) -> Path:
    """Fill the disk until about `leave` bytes are free."""
    stats = os.statvfs(disk)
    free = stats.f_bavail * stats.f_frsize
    filler = disk / "filler"
    filler.write_bytes(b"\0" * max(free - leave, 0))
    return filler


def _big_pdf() -> bytes:
    """A valid PDF of about 1.2 MB (random, so it is not already in the store)."""
    return factories.pdf_bytes(secrets.token_hex(600_000))


def _leftovers(disk: Path) -> list[str]:
    """Every file on the disk but the filler: stored blobs and temporary files."""
    return sorted(
        str(path.relative_to(disk))
        for path in disk.rglob("*")
        if path.is_file() and path.name != "filler"
    )


def _rows(*models) -> list[int]:
    db.session.rollback()
    return [db.session.scalar(select(func.count()).select_from(m)) for m in models]


def _intake_form(**overrides) -> dict:
    data = {
        "arrived_at": "2026-11-27T08:15",
        "book_code": "general",
        "sender_name": "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
        "sender_agency_code": "",
        "symbol": "3337/GDĐT-TTTT",
        "document_date": "2026-11-20",
        "document_type_id": str(factories.type_id("Kế hoạch")),
        "subject": "Kế hoạch hướng dẫn thực hiện nhiệm vụ công nghệ thông tin năm học 2026",
        "signer_name": "Nguyễn Văn Hiếu",
        "signer_position": "Phó Giám đốc",
        "page_count": "4",
        "urgency_code": "normal",
        "confidentiality_code": "normal",
        "source": "paper",
        "recipient_unit_id": "0",
        "recipient_user_id": "0",
        "deadline": "",
        "notes": "Nhận qua bưu điện",
    }
    data.update(overrides)
    return data


def _post_with(client, url: str, data: dict, content: bytes, name: str):
    payload = {**data, "files": [(io.BytesIO(content), name)]}
    return client.post(url, data=payload, content_type="multipart/form-data")


def test_intake_form_on_a_full_disk(client, world, small_disk, caplog):
    factories.login(client, world.school_a.clerk)
    filler = _fill(small_disk, leave=400 * 1024)
    pdf = _big_pdf()
    assert len(pdf) > 1024 * 1024

    with caplog.at_level(logging.ERROR, logger="eoffice.core.storage"):
        response = _post_with(client, "/incoming/new", _intake_form(), pdf, "Kế hoạch CNTT.pdf")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert FULL_MESSAGE in page and "Hãy báo quản trị" in page
    assert 'value="3337/GDĐT-TTTT"' in page  # what the clerk typed is still there
    assert "Nhận qua bưu điện" in page
    assert "trình duyệt không giữ tệp đã chọn" in page  # and the file must be chosen again
    assert "is full" in caplog.text and str(small_disk) in caplog.text
    assert _rows(IncomingDocument, IncomingAttachment, StoredFile) == [0, 0, 0]
    assert _leftovers(small_disk) == []  # not even the half-written temporary file

    filler.unlink()  # the operator frees space; the clerk sends the same form again
    again = _post_with(client, "/incoming/new", _intake_form(), pdf, "Kế hoạch CNTT.pdf")
    assert again.status_code == 302
    assert _rows(IncomingDocument, IncomingAttachment, StoredFile) == [1, 1, 1]
    doc = db.session.scalars(select(IncomingDocument)).one()
    assert doc.arrival_number == 1  # the refused attempt took no number
    [stored] = _leftovers(small_disk)
    assert (small_disk / stored).read_bytes() == pdf


def test_api_registration_on_a_full_disk(client, world, small_disk):
    _token, clear = create_api_token(world.school_a.clerk, "Phần mềm tổng hợp")
    db.session.commit()
    form = {
        "sender_name": "Ủy ban nhân dân Quận Thử",
        "symbol": "15/UBND-VX",
        "document_date": "2026-11-22",
        "document_type_id": str(factories.type_id("Kế hoạch")),
        "subject": "Kế hoạch tổ chức ngày hội đọc sách",
        "page_count": "2",
        "arrived_at": "2026-11-27T15:45",
    }
    bearer = {"Authorization": f"Bearer {clear}"}
    filler = _fill(small_disk, leave=400 * 1024)
    pdf = _big_pdf()

    refused = client.post(
        "/api/v1/incoming",
        data={**form, "files": [(io.BytesIO(pdf), "Kế hoạch.pdf")]},
        content_type="multipart/form-data",
        headers=bearer,
    )
    assert refused.status_code == 507
    error = refused.get_json()["error"]
    assert error["code"] == "storage_full"
    assert error["message"].startswith(FULL_MESSAGE)
    assert _rows(IncomingDocument, IncomingAttachment, StoredFile) == [0, 0, 0]
    assert _leftovers(small_disk) == []

    filler.unlink()
    created = client.post(
        "/api/v1/incoming",
        data={**form, "files": [(io.BytesIO(pdf), "Kế hoạch.pdf")]},
        content_type="multipart/form-data",
        headers=bearer,
    )
    assert created.status_code == 201, created.get_json()
    assert _rows(IncomingDocument, IncomingAttachment, StoredFile) == [1, 1, 1]


def _draft_form(world) -> dict:
    return {
        "document_type_id": str(factories.type_id("Kế hoạch")),
        "subject": "Kế hoạch tổ chức Hội khỏe Phù Đổng cấp quận năm học 2026 - 2027",
        "body_text": "I. MỤC ĐÍCH\n\nTạo sân chơi lành mạnh cho học sinh.",
        "addressees": "Hiệu trưởng các trường tiểu học",
        "symbol_unit": "",
        "signer_id": str(world.district.leader.id),
        "capacity": "",
        "capacity_title": "",
        "signer_title": "",
        "urgency_code": "normal",
        "confidentiality_code": "normal",
        "circulation": "",
        "copies": "5",
        "member_org_ids": [str(world.school_a.org.id)],
        "agency_codes": "",
        "text_recipients": "Như trên",
    }


def test_outgoing_draft_with_a_file_on_a_full_disk(client, world, small_disk):
    """The draft row is written before its files are stored: the refusal rolls it back."""
    factories.login(client, world.district.staff)
    data = _draft_form(world)
    filler = _fill(small_disk, leave=400 * 1024)
    pdf = _big_pdf()

    response = _post_with(client, "/outgoing/new", data, pdf, "Phụ lục.pdf")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert FULL_MESSAGE in page
    assert "Hội khỏe Phù Đổng" in page  # the subject typed is still in the form
    assert _rows(OutgoingDocument, OutgoingAttachment, StoredFile) == [0, 0, 0]
    assert _leftovers(small_disk) == []

    filler.unlink()
    again = _post_with(client, "/outgoing/new", data, pdf, "Phụ lục.pdf")
    assert again.status_code == 302
    assert _rows(OutgoingDocument, OutgoingAttachment, StoredFile) == [1, 1, 1]


@pytest.mark.parametrize(
    ("code", "full"), [(errno.EDQUOT, True), (errno.ENOSPC, True), (errno.EIO, False)]
)
def test_a_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch, code, full):
    """A quota (EDQUOT) is a full disk too; any other error (EIO) stays what it is. Either
    way the temporary file is gone and nothing sits under the digest's name."""
    store = FileStore(tmp_path)

    def failing_fsync(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr("eoffice.core.storage.os.fsync", failing_fsync)
    expected = StorageFull if full else OSError
    with pytest.raises(expected) as raised:
        store.put(b"%PDF-1.7 scan")
    assert isinstance(raised.value, StorageFull) is full
    with pytest.raises(expected):
        store.put_stream(io.BytesIO(b"%PDF-1.7 another scan"))
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_the_directories_a_store_creates_are_made_durable_too(tmp_path, monkeypatch):
    """A new file's name is fsynced in its directory, and so is each directory the store
    had to create, in its parent: else a power cut could lose the whole new branch."""
    from eoffice.core import storage

    synced: list[Path] = []
    monkeypatch.setattr(storage, "_fsync_dir", lambda path: synced.append(Path(path)))
    store = FileStore(tmp_path / "root")
    digest = store.put(b"first")
    leaf = store.path_for(digest).parent
    assert synced == [leaf, leaf.parent.parent.parent, leaf.parent.parent, leaf.parent]
    synced.clear()
    store.put(b"first")  # already there: nothing written
    assert synced == []
