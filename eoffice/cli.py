"""`flask` commands."""

from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Chạy hết hàng đợi rồi dừng.")
    def worker(burst: bool) -> None:
        """Run an RQ worker on the high, default and low queues (needs REDIS_URL)."""
        import weasyprint  # noqa: F401  (imported once here, not in every forked job)

        from eoffice.signing.fonts import stamp_font_bytes

        stamp_font_bytes()  # the signature stamps' font, cut once before the fork
        from rq import Worker

        from eoffice.jobs.connection import runner

        jobs = runner()
        if jobs.embedded:
            raise click.ClickException("REDIS_URL chưa được cấu hình; chế độ nhúng tự chạy job.")
        # Maintenance (taking over the retry scheduler of a worker that died, cleaning up
        # its abandoned jobs) every minute rather than RQ's 10: retries wait less after a
        # crash (tests/integration/test_exchange_faults.py).
        Worker(
            list(jobs.queues.values()), connection=jobs.connection, maintenance_interval=60
        ).work(burst=burst, with_scheduler=True)

    @app.cli.command("create-admin")
    @click.option("--org-name", required=True, help="Tên đầy đủ của Phòng Giáo dục và Đào tạo.")
    @click.option("--short-name", default="GDĐT", show_default=True, help="Tên viết tắt.")
    @click.option("--agency-code", default="", help="Mã định danh (NNN.NN.NN.XNN).")
    @click.option("--email", required=True, help="Thư công vụ của người quản trị.")
    @click.option("--full-name", required=True, help="Họ và tên người quản trị.")
    @click.password_option("--password", help="Mật khẩu (hỏi nếu không truyền).")
    def create_admin(org_name, short_name, agency_code, email, full_name, password) -> None:
        """Create the district office and its first admin on a new installation."""
        from eoffice.core.errors import ServiceError
        from eoffice.orgs.services import bootstrap_district

        try:
            user = bootstrap_district(
                org_name=org_name,
                short_name=short_name,
                agency_code=agency_code,
                email=email,
                full_name=full_name,
                password=password,
            )
        except ServiceError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"Đã tạo {user.organisation.name} và tài khoản quản trị {user.email}.")

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

    def hub_db_option(command):
        return click.option(
            "--db",
            "db_path",
            default=None,
            help="Tệp cơ sở dữ liệu của trục (mặc định: instance/exchange-hub.db).",
        )(command)

    def _hub_store(db_path: str | None):
        import os

        from eoffice.exchange.hubstore import HubStore

        path = db_path or os.path.join(app.instance_path, "exchange-hub.db")
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        return HubStore(path)

    @app.cli.command("exchange-hub")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=8700, show_default=True, type=click.IntRange(1, 65535))
    @hub_db_option
    def exchange_hub(host: str, port: int, db_path: str | None) -> None:
        """Run the reference exchange hub (its own HTTP service and database)."""
        from werkzeug.serving import run_simple

        from eoffice.exchange.hub import create_hub

        hub = create_hub(_hub_store(db_path))
        click.echo(f"Trục liên thông thử nghiệm đang chạy tại http://{host}:{port}")
        run_simple(host, port, hub, threaded=True, use_reloader=False)

    @app.cli.command("exchange-hub-agency")
    @click.argument("code")
    @click.argument("name")
    @click.option("--secret", prompt=True, hide_input=True, help="Khóa bí mật của cơ quan.")
    @hub_db_option
    def exchange_hub_agency(code: str, name: str, secret: str, db_path: str | None) -> None:
        """Register (or re-key) an agency on the reference hub."""
        if len(secret) < 16:
            raise click.ClickException("Khóa bí mật cần ít nhất 16 ký tự.")
        _hub_store(db_path).add_agency(code, name, secret)
        click.echo(f"Đã đăng ký {code} ({name}) trên trục thử nghiệm.")

    @app.cli.command("scheduler")
    @click.option("--once", is_flag=True, help="Chạy một lượt rồi dừng (cho cron hoặc kiểm thử).")
    def scheduler(once: bool) -> None:
        """Run the deployment's one scheduler process: a tick every minute (decision 0014).

        Each tick runs the due check slots of every member organisation (catching up
        slots missed while it was down), reminds the clerks before each slot, puts back
        exchange sends whose job died, sends the digests whose time has come and, once a
        day, the deadline reminders (eoffice.jobs.clock). Ticks are idempotent, so a
        second process or an extra `--once` run does no harm.
        """
        import signal
        import threading

        from eoffice.core.timeutil import now_utc
        from eoffice.jobs.clock import Clock, run_loop

        if once:
            click.echo(Clock().tick(now_utc()).summary())
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        click.echo("Bộ lập lịch đang chạy (mỗi phút một lượt).")
        run_loop(app, stop)

    from eoffice.backup.cli import register as register_backup_cli
    from eoffice.core.audit_cli import register as register_audit_cli
    from eoffice.incoming.readers_cli import register as register_readers_cli
    from eoffice.search.cli import register as register_search_cli

    register_search_cli(app)
    register_readers_cli(app)
    register_audit_cli(app)
    register_backup_cli(app)
