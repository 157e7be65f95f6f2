"""Long register prints run as background jobs: embedded queue and real Redis."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from rq import Queue, SimpleWorker

from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.reports.exports import MSG_SYSTEM_ERROR, RETRIES, RETRY_INTERVALS, run_export
from eoffice.reports.models import ExportState, ReportExport
from tests import factories

RANGE = "date_from=2026-01-01&date_to=2030-12-31"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "REGISTER_PDF_SYNC_ROWS": 2}


@pytest.fixture(autouse=True)
def empty_queues(app):
    """The embedded queues live in one in-process server: no job of an earlier test."""
    runner().connection.flushall()


def _three_documents(world):
    clerk = world.school_a.clerk
    for n in range(3):
        factories.register(
            clerk, symbol=f"{n + 1}/SGDĐT-VP", subject=f"Văn bản số {n + 1} về tuyển sinh"
        )
    return clerk


def _request_export(client) -> int:
    response = client.get(f"/incoming/register.pdf?{RANGE}")
    assert response.status_code == 302
    return int(re.search(r"/reports/exports/(\d+)", response.headers["Location"]).group(1))


def test_long_register_becomes_a_job_with_progress_then_a_download(client, world):
    clerk = _three_documents(world)
    factories.login(client, clerk)
    export_id = _request_export(client)

    page = client.get(f"/reports/exports/{export_id}").get_data(as_text=True)
    assert "Đang chờ đến lượt xử lý" in page
    assert 'hx-trigger="every 1s"' in page

    runner().work_burst()

    status = client.get(f"/reports/exports/{export_id}/status").get_data(as_text=True)
    assert "Đã tạo xong tệp" in status
    assert "hx-trigger" not in status  # polling stops when finished
    download = client.get(f"/reports/exports/{export_id}/download")
    assert download.status_code == 200
    assert download.data.startswith(b"%PDF-")


def test_short_register_prints_at_once(client, world, app):
    app.config["REGISTER_PDF_SYNC_ROWS"] = 300
    clerk = _three_documents(world)
    factories.login(client, clerk)
    response = client.get(f"/incoming/register.pdf?{RANGE}")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF-")


def test_exports_are_private_to_their_owner(client, world):
    clerk = _three_documents(world)
    factories.login(client, clerk)
    export_id = _request_export(client)
    other = world.school_a.leader
    client.post("/logout")
    factories.login(client, other)
    assert client.get(f"/reports/exports/{export_id}").status_code == 404
    assert client.get(f"/reports/exports/{export_id}/download").status_code == 404


def test_job_is_idempotent_and_failures_are_recorded(client, world, app):
    clerk = _three_documents(world)
    factories.login(client, clerk)
    export_id = _request_export(client)
    app.config["REGISTER_PDF_MAX_ROWS"] = 1  # the render now refuses
    run_export(export_id)
    export = db.session.get(ReportExport, export_id)
    db.session.refresh(export)
    assert export.state == ExportState.FAILED
    assert "quá nhiều để in" in export.message
    page = client.get(f"/reports/exports/{export_id}").get_data(as_text=True)
    assert "Không tạo được tệp" in page

    app.config["REGISTER_PDF_MAX_ROWS"] = 5000
    second_id = _request_export(client)
    run_export(second_id)
    done = db.session.get(ReportExport, second_id)
    finished_at = done.finished_at
    run_export(second_id)  # a retried job changes nothing
    db.session.refresh(done)
    assert done.state == ExportState.DONE and done.finished_at == finished_at


def test_export_jobs_are_retried_with_backoff(client, world):
    clerk = _three_documents(world)
    factories.login(client, clerk)
    export_id = _request_export(client)
    [job] = runner().queues["default"].get_jobs()
    assert job.args == (export_id,)
    assert job.retries_left == RETRIES == 2
    assert job.retry_intervals == RETRY_INTERVALS == [30, 120]


def _stamp_running(export_id: int, started_at) -> ReportExport:
    export = db.session.get(ReportExport, export_id)
    export.state = ExportState.RUNNING
    export.started_at = started_at
    db.session.commit()
    return export


def test_an_export_left_running_by_a_dead_worker_is_rendered_again(client, world, app):
    clerk = _three_documents(world)
    factories.login(client, clerk)
    export_id = _request_export(client)
    timeout = timedelta(seconds=app.config["EXPORT_JOB_TIMEOUT"])

    # Still within its time: somebody is on it, a second run leaves it alone.
    export = _stamp_running(export_id, now_utc() - timeout + timedelta(seconds=30))
    run_export(export_id)
    db.session.refresh(export)
    assert export.state == ExportState.RUNNING
    assert "Đang dàn trang" in client.get(f"/reports/exports/{export_id}").get_data(as_text=True)
    assert client.post(f"/reports/exports/{export_id}/retry").status_code == 302
    db.session.refresh(export)
    assert export.state == ExportState.RUNNING  # refused: it is not stale

    # Past the job timeout: its worker is gone. The page says so and stops polling...
    _stamp_running(export_id, now_utc() - timeout - timedelta(seconds=1))
    status = client.get(f"/reports/exports/{export_id}/status").get_data(as_text=True)
    assert "Quá thời gian tạo tệp" in status and "hx-trigger" not in status
    assert "Tạo lại tệp" in status
    # ...and the job, when it runs again, renders it.
    run_export(export_id)
    db.session.refresh(export)
    assert export.state == ExportState.DONE
    assert client.get(f"/reports/exports/{export_id}/download").data.startswith(b"%PDF-")


def test_the_user_can_ask_again_for_a_stale_export(client, world, app):
    clerk = _three_documents(world)
    factories.login(client, clerk)
    export_id = _request_export(client)
    runner().queues["default"].empty()  # the job died with its worker
    timeout = timedelta(seconds=app.config["EXPORT_JOB_TIMEOUT"])
    _stamp_running(export_id, now_utc() - timeout - timedelta(minutes=5))
    response = client.post(f"/reports/exports/{export_id}/retry")
    assert response.status_code == 302
    export = db.session.get(ReportExport, export_id)
    db.session.refresh(export)
    assert export.state == ExportState.QUEUED
    runner().work_burst()
    db.session.refresh(export)
    assert export.state == ExportState.DONE


def test_an_unexpected_failure_is_queued_again_for_rqs_retry(client, world, app, tmp_path):
    clerk = _three_documents(world)
    factories.login(client, clerk)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    app.config["STORAGE_DIR"] = str(blocked)  # the render works, storing the file fails
    export_id = _request_export(client)
    jobs = runner()
    jobs.work_burst()
    export = db.session.get(ReportExport, export_id)
    db.session.refresh(export)
    assert export.state == ExportState.QUEUED and export.message is None
    queue = jobs.queues["default"]
    [job_id] = queue.scheduled_job_registry.get_job_ids()
    assert queue.fetch_job(job_id).retries_left == 1

    # Called outside a retrying job (the last attempt), the failure is final and told.
    run_export(export_id)
    db.session.refresh(export)
    assert export.state == ExportState.FAILED
    assert export.message == MSG_SYSTEM_ERROR


@pytest.mark.redis
def test_export_job_runs_on_a_real_redis_worker(app, app_config, world, redis_url):
    import redis as redis_lib

    from eoffice import create_app
    from tests.conftest import IsolatedClient

    clerk = _three_documents(world)
    redis_lib.Redis.from_url(redis_url).flushdb()
    redis_app = create_app({**app_config, "REDIS_URL": redis_url})
    redis_app.test_client_class = IsolatedClient
    client = redis_app.test_client()
    factories.login(client, clerk)
    export_id = _request_export(client)
    with redis_app.app_context():
        jobs = runner()
        assert not jobs.embedded
        assert Queue("default", connection=jobs.connection).count == 1
        SimpleWorker(list(jobs.queues.values()), connection=jobs.connection).work(burst=True)
        assert Queue("default", connection=jobs.connection).count == 0
        export = db.session.get(ReportExport, export_id)
        assert export.state == ExportState.DONE
        db.session.remove()
        db.engine.dispose()
