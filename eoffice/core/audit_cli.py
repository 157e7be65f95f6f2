"""`flask audit verify`: are the audit chains intact? Exit code 0 if all are, 1 if not.

For each chain it prints how many events were checked and the hash it ends on: kept
somewhere else (printed, mailed, in another system), that hash lets a later check prove
the history up to it was not rewritten (decision 0020).
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from eoffice.core.audit_verify import verify
from eoffice.extensions import db
from eoffice.search.cli import number


def run_verify(org_id: int | None, echo=click.echo) -> bool:
    """Print every chain's verdict; True when all are intact."""
    chains = broken = events = 0
    for report in verify(db.session, org_id):
        chains += 1
        events += report.checked
        if report.intact:
            echo(
                f"{report.name}: {number(report.checked)} sự kiện, nguyên vẹn. "
                f"Mã băm cuối: {report.last_hash}"
            )
        else:
            broken += 1
            echo(
                f"{report.name}: HỎNG. {number(report.checked)} sự kiện đầu chuỗi đúng; "
                f"chỗ hỏng đầu tiên: {report.problem}"
            )
    if broken:
        echo(f"{broken}/{chains} chuỗi nhật ký bị hỏng.")
        return False
    echo(f"Tất cả {chains} chuỗi nhật ký nguyên vẹn ({number(events)} sự kiện).")
    return True


def register(app: Flask) -> None:
    group = AppGroup("audit", help="Nhật ký thao tác: kiểm tra tính toàn vẹn.")

    @group.command(
        "verify",
        help="Kiểm tra chuỗi mã băm của nhật ký thao tác; báo chỗ hỏng đầu tiên của "
        "mỗi chuỗi. Mã thoát 0 nếu mọi chuỗi nguyên vẹn, 1 nếu có chuỗi hỏng.",
    )
    @click.option(
        "--org",
        "org_id",
        type=click.IntRange(min=0),
        default=None,
        help="Chỉ kiểm tra chuỗi của cơ quan có mã số này (0: sự kiện không thuộc cơ quan nào).",
    )
    def verify_command(org_id: int | None) -> None:
        if not run_verify(org_id):
            sys.exit(1)

    app.cli.add_command(group)
