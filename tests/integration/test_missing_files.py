"""A stored file gone from the disk: a Vietnamese 404 for the user, an error in the log."""

from __future__ import annotations

import logging

from eoffice.core.storage import FileStore
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload
from eoffice.jobs.connection import runner
from eoffice.reports.models import ReportExport
from tests import factories

MESSAGE = "Tệp không còn trên máy chủ; hãy báo quản trị."


def _remove(app, sha256: str) -> None:
    FileStore(app.config["STORAGE_DIR"]).path_for(sha256).unlink()


def test_missing_attachment_is_a_404_page_and_an_error_in_the_log(
    app, client, world, caplog, monkeypatch
):
    # The migrations' logging.config.fileConfig disabled the loggers imported before it.
    monkeypatch.setattr(logging.getLogger("eoffice.core.storage"), "disabled", False)
    clerk = world.school_a.clerk
    doc = factories.register(clerk, [Upload("Công văn.pdf", factories.pdf_bytes())])
    attachment = doc.attachments[0]
    sha256 = attachment.stored_file.sha256
    _remove(app, sha256)
    factories.login(client, clerk)
    with caplog.at_level(logging.ERROR, logger="eoffice.core.storage"):
        for query in ("", "?inline=1"):
            response = client.get(f"/incoming/{doc.id}/files/{attachment.id}{query}")
            assert response.status_code == 404
            assert MESSAGE in response.get_data(as_text=True)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and sha256 in errors[0].getMessage()
    # The document page itself still opens.
    assert client.get(f"/incoming/{doc.id}").status_code == 200


def test_missing_export_file_is_a_404_page(app, client, world):
    app.config["REGISTER_PDF_SYNC_ROWS"] = 0
    clerk = world.school_a.clerk
    factories.register(clerk)
    factories.login(client, clerk)
    response = client.get("/incoming/register.pdf?date_from=2026-01-01&date_to=2030-12-31")
    export_id = int(response.headers["Location"].rsplit("/", 1)[1])
    runner().work_burst()
    export = db.session.get(ReportExport, export_id)
    _remove(app, export.stored_file.sha256)
    download = client.get(f"/reports/exports/{export_id}/download")
    assert download.status_code == 404
    assert MESSAGE in download.get_data(as_text=True)
