"""What the exchange tests share: three agencies and their hub secrets, a sample edXML
document, and a real hub process on loopback (`flask exchange-hub`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from eoffice.exchange.edxml import (
    Attachment,
    DocumentPacket,
    DocumentType,
    Organisation,
    Signer,
    TraceHeader,
)

DISTRICT = Organisation("000.00.31.H29", "Phòng Giáo dục và Đào tạo Quận 3")
AGENCY = Organisation("000.00.00.H29", "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh")
OTHER = Organisation("002.01.31.H29", "Trường THCS Bạch Đằng")
SECRETS = {
    DISTRICT.organ_id: "khoa-bi-mat-phong-gd",
    AGENCY.organ_id: "khoa-bi-mat-cua-so",
    OTHER.organ_id: "khoa-bi-mat-truong-bd",
}
WHEN = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)


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
