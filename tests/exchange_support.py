"""What the exchange tests share: three agencies and their hub secrets, a sample edXML
document, and a real hub process on loopback (`flask exchange-hub`), started by hand
(`_start`) or kept as a `RunningHub`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from eoffice.exchange.client import HubClient
from eoffice.exchange.edxml import (
    Attachment,
    DocumentPacket,
    DocumentType,
    Organisation,
    Signer,
    TraceHeader,
)
from eoffice.exchange.hubstore import HubStore

DISTRICT = Organisation("000.00.31.H29", "Phòng Giáo dục và Đào tạo Quận 3")
AGENCY = Organisation("000.00.00.H29", "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh")
OTHER = Organisation("002.01.31.H29", "Trường THCS Bạch Đằng")
SECRETS = {
    DISTRICT.organ_id: "khoa-bi-mat-phong-gd",
    AGENCY.organ_id: "khoa-bi-mat-cua-so",
    OTHER.organ_id: "khoa-bi-mat-truong-bd",
}
WHEN = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)  # Friday 25/09/2026, 09:00 office time

# The secrets the integration tests' district office (tests.factories' world) and the Sở
# (AGENCY) use on the hub of tests/integration/conftest.py's `hub` fixture.
HUB_SECRET_DISTRICT = "khoa-bi-mat-cua-phong-gddt"
HUB_SECRET_AGENCY = "khoa-bi-mat-cua-so-gddt-tphcm"


def a_document(**changes) -> DocumentPacket:
    packet = DocumentPacket(
        document_id="000.00.31.H29,2026/09/25,01/KH-GDĐT",
        from_=DISTRICT,
        to=(AGENCY,),
        code_number="01",
        code_notation="KH-GDĐT",
        promulgation_place="Quận 3",
        promulgation_date=date(2026, 9, 25),
        document_type=DocumentType(10, "Kế hoạch"),
        subject="Hướng dẫn thực hiện nhiệm vụ công nghệ thông tin năm học 2026 - 2027",
        signer=Signer("Trưởng phòng", "Trần Công Toàn"),
        trace_headers=(TraceHeader(DISTRICT.organ_id, WHEN),),
        attachments=(Attachment("kh01", "01-KH-GDĐT.pdf", "application/pdf", b"%PDF-1.7 ..."),),
    )
    return replace(packet, **changes)


def signed_to_outside(world, codes: Sequence[str] = (AGENCY.organ_id,), **plan_changes):
    """A plan of the district office (tests.factories' world, equipped for signing) to
    outside agencies by code, drafted, submitted, approved and signed: published next."""
    from eoffice.outgoing import drafting, issuing, review
    from eoffice.outgoing.drafting import RecipientInput
    from tests import factories

    district = world.district
    recipients = [RecipientInput("external", agency_code=code) for code in codes]
    plan = factories.outgoing_plan(world, recipients=recipients, **plan_changes)
    doc = drafting.create_draft(district.staff, plan)
    review.submit(district.staff, doc.id)
    review.approve(district.clerk, doc.id)
    return issuing.sign(district.leader, doc.id)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(db: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "SECRET_KEY": "hub-test",
        "DATABASE_URL": f"sqlite:///{db.parent / 'app.db'}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "exchange-hub", "--port", str(port), "--db", str(db)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the hub did not start")


class RunningHub:
    """A real hub process on loopback with its store and the secrets it was given. It runs
    from `start()` to `kill()`, and starts again on the same port and file, so a test can
    take the hub down and bring it back where the application expects it."""

    def __init__(self, db: Path):
        self.db = db
        self.store = HubStore(db)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secrets: dict[str, str] = {}
        self.process: subprocess.Popen | None = None

    def add_agency(self, code: str, name: str, secret: str) -> None:
        self.store.add_agency(code, name, secret)
        self.secrets[code] = secret

    def start(self) -> RunningHub:
        self.process = _start(self.db, self.port)
        return self

    def kill(self) -> None:
        """SIGKILL, no clean shutdown: what the hub answered must already be on disk."""
        assert self.process is not None, "the hub was never started"
        self.process.kill()
        self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        """Kill the hub if it runs (a test's clean-up, whatever the test did to it)."""
        if self.process is not None and self.process.poll() is None:
            self.kill()

    def client(self, agency: str | Organisation, secret: str | None = None) -> HubClient:
        """A client as `agency` (a code, or an edXML organisation), by default with the
        secret it was registered with."""
        code = agency if isinstance(agency, str) else agency.organ_id
        return HubClient(self.url, code, secret or self.secrets[code])

    def __enter__(self) -> RunningHub:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()
