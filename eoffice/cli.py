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
