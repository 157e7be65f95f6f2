"""`flask` commands."""

from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Chạy hết hàng đợi rồi dừng.")
    def worker(burst: bool) -> None:
        """Run an RQ worker on the high, default and low queues (needs REDIS_URL)."""
        from rq import Worker

        from eoffice.jobs.connection import runner

        jobs = runner()
        if jobs.embedded:
            raise click.ClickException("REDIS_URL chưa được cấu hình; chế độ nhúng tự chạy job.")
        Worker(list(jobs.queues.values()), connection=jobs.connection).work(
            burst=burst, with_scheduler=True
        )

    from eoffice.demo import DEFAULT_DOCUMENTS, DEFAULT_PASSWORD

    @app.cli.command(
        "seed-demo",
        help="Nạp dữ liệu mẫu: Phòng GDĐT Quận 3, các trường, tài khoản và văn bản đến.",
    )
    @click.option("--if-empty", is_flag=True, help="Bỏ qua nếu cơ sở dữ liệu đã có cơ quan.")
    @click.option(
        "--documents",
        default=DEFAULT_DOCUMENTS,
        show_default=True,
        type=click.IntRange(0, 100_000),
        help="Số văn bản đến mẫu.",
    )
    @click.option(
        "--password",
        default=DEFAULT_PASSWORD,
        show_default=True,
        help="Mật khẩu chung của mọi tài khoản mẫu.",
    )
    def seed_demo(if_empty: bool, documents: int, password: str) -> None:
        from eoffice.demo.seed import seed_demo_cli

        seed_demo_cli(if_empty=if_empty, documents=documents, password=password)
