"""The text inside attached files, found by search (eoffice.search.texts): a file
attached through any service gets a PENDING row and one job after the commit; the job
extracts, stores and re-indexes; failures leave the document searchable by its metadata."""

from __future__ import annotations

import io
import logging
import zipfile
from datetime import UTC, datetime

import pytest
from docx import Document
from openpyxl import Workbook
from sqlalchemy import delete, func, select

from eoffice.core import timeutil
from eoffice.core.models import StoredFile
from eoffice.core.storage import store_bytes
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload, file_store
from eoffice.incoming.models import IncomingAttachment
from eoffice.jobs.connection import runner
from eoffice.outgoing import drafting
from eoffice.reports.pdf import html_to_pdf
from eoffice.search import texts
from eoffice.search.engine import SearchQuery, search
from eoffice.search.models import FileText, SearchEntry, TextState
from tests import factories

LETTER_HTML = (
    "<h1>THÔNG BÁO</h1><p>Trường sẽ trồng cây lộc vừng và cây phượng vĩ trong sân trường "
    "vào dịp khai giảng.</p>"
)
FILE_WORDS = "lộc vừng"  # only in the file, never in a document's fields


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    return html_to_pdf(LETTER_HTML)


def _docx(*paragraphs: str, cells: tuple[str, ...] = ()) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if cells:
        table = document.add_table(rows=1, cols=len(cells))
        for cell, text in zip(table.rows[0].cells, cells, strict=True):
            cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xlsx(*rows: tuple) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _queued() -> list[tuple[str, tuple]]:
    return [(job.func_name, job.args) for job in runner().queues[texts.QUEUE].jobs]


def _found(user, text: str) -> list[tuple[str, int]]:
    db.session.rollback()  # see what the job committed
    return [(hit.kind, hit.document.id) for hit in search(user, SearchQuery(text=text)).hits]


def _file_text(stored_file_id: int) -> FileText:
    db.session.rollback()
    return db.session.get(FileText, stored_file_id)


def _stored_file_id(doc) -> int:
    return db.session.scalars(
        select(IncomingAttachment.stored_file_id).where(IncomingAttachment.document_id == doc.id)
    ).one()


def test_a_registered_pdf_is_found_by_its_text_after_the_job(app, world, letter_pdf):
    clerk = world.school_a.clerk
    doc = factories.register(clerk, [Upload("Thông báo.pdf", letter_pdf)])
    file_id = _stored_file_id(doc)

    row = _file_text(file_id)
    assert (row.state, row.text, row.extracted_at) == (TextState.PENDING, "", None)
    assert _queued() == [(texts.TASK, (file_id,))]
    assert _found(clerk, "loc vung") == []  # not before the job

    timeutil.set_clock(lambda: datetime(2026, 10, 1, 2, 0, tzinfo=UTC))
    runner().work_burst()

    row = _file_text(file_id)
    assert row.state == TextState.DONE and row.error is None
    assert "cây lộc vừng và cây phượng vĩ" in row.text and row.chars == len(row.text)
    assert row.extracted_at == datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
    assert _found(clerk, "loc vung") == [("in", doc.id)]
    [hit] = search(clerk, SearchQuery(text=FILE_WORDS)).hits
    assert hit.exact  # the very diacritics typed, in the file's text
    assert _found(clerk, '"phuong vi trong san"') == [("in", doc.id)]  # a phrase of the file
    assert _found(world.school_b.clerk, "loc vung") == []  # the file does not widen access
    assert _found(clerk, "3337/GDĐT-TTTT") == [("in", doc.id)]  # the fields still count


def test_outgoing_drafts_files_are_found_too(app, world):
    """create_draft and update_draft commit without run_pending(): the job is queued by
    the session's own after-commit event all the same."""
    staff = world.district.staff
    doc = drafting.create_draft(
        staff,
        factories.outgoing_plan(world, world.school_a),
        [Upload("Dự toán.docx", _docx("Dự toán kinh phí", cells=("Hạng mục", "máy chiếu")))],
    )
    assert len(_queued()) == 1
    runner().work_burst()
    assert _found(staff, "may chieu") == [("out", doc.id)]

    drafting.update_draft(
        staff,
        doc.id,
        drafting.draft_input_from(doc),
        [Upload("Số liệu.xlsx", _xlsx(("Trường", "Bàn ghế inox"), ("Lê Lợi", 40)))],
    )
    assert len(_queued()) == 1
    runner().work_burst()
    assert _found(staff, "ban ghe inox") == [("out", doc.id)]
    assert _found(staff, "may chieu") == [("out", doc.id)]  # the first file's text is kept
    assert _found(world.school_b.staff, "may chieu") == []


def test_the_same_file_attached_twice_is_extracted_once(app, world, letter_pdf):
    clerk = world.school_a.clerk
    first = factories.register(clerk, [Upload("a.pdf", letter_pdf)], subject="Thông báo một")
    second = factories.register(clerk, [Upload("b.pdf", letter_pdf)], subject="Thông báo hai")
    file_id = _stored_file_id(first)
    assert _stored_file_id(second) == file_id
    assert db.session.scalar(select(func.count()).select_from(FileText)) == 1
    assert _queued() == [(texts.TASK, (file_id,))]  # one job for both documents

    runner().work_burst()
    assert sorted(_found(clerk, "loc vung")) == [("in", first.id), ("in", second.id)]
    extracted_at = _file_text(file_id).extracted_at

    # Once extracted, a third document holding the file is searchable at once, no job.
    third = factories.register(clerk, [Upload("c.pdf", letter_pdf)], subject="Thông báo ba")
    assert _queued() == []
    assert ("in", third.id) in _found(clerk, "loc vung")

    # A duplicate job (a retry, a second `flask search extract`) does nothing.
    assert texts.run_extraction(file_id) is None
    assert _file_text(file_id).extracted_at == extracted_at


def test_a_failed_extraction_leaves_the_document_searchable_by_its_fields(app, world):
    """A DOCX expanding to 117 MB in members under 4 MB each: accepted as an upload (under
    the upload's 300 MB, no member large enough to be judged by its ratio), refused by the
    extractor, which opens at most 100 MB; the job ends without an error."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_docx("Bom"))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info))
        member = bytes(3_900_000)
        for number in range(30):
            target.writestr(f"word/media/image{number}.png", member)
    clerk = world.school_a.clerk
    doc = factories.register(
        clerk, [Upload("Bom.docx", out.getvalue())], subject="Báo cáo thiết bị dạy học"
    )
    file_id = _stored_file_id(doc)

    runner().work_burst()

    row = _file_text(file_id)
    assert row.state == TextState.FAILED and "zip container expands" in row.error
    assert row.text == ""
    assert _found(clerk, "thiet bi day hoc") == [("in", doc.id)]
    queue = runner().queues[texts.QUEUE]
    assert queue.failed_job_registry.count == 0  # a bad file is a result, not a job failure
    assert queue.scheduled_job_registry.count == 0  # and is not retried


def test_a_missing_blob_fails_and_is_logged(app, world, letter_pdf, caplog):
    clerk = world.school_a.clerk
    doc = factories.register(clerk, [Upload("Thông báo.pdf", letter_pdf)])
    file_id = _stored_file_id(doc)
    sha256 = db.session.get(StoredFile, file_id).sha256
    file_store().path_for(sha256).unlink()

    with caplog.at_level(logging.WARNING):
        runner().work_burst()

    row = _file_text(file_id)
    assert row.state == TextState.FAILED and "missing" in row.error
    assert any(sha256 in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    assert any(
        r.name == "eoffice.search.texts" and str(file_id) in r.getMessage() for r in caplog.records
    )
    assert _found(clerk, "cong nghe thong tin") == [("in", doc.id)]


def test_an_image_is_skipped_and_a_blank_scan_is_empty(app, world):
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    clerk = world.school_a.clerk
    doc = factories.register(
        clerk, [Upload("Ảnh.png", png), Upload("Bản quét.pdf", factories.pdf_bytes())]
    )
    runner().work_burst()
    states = {
        a.original_name: _file_text(a.stored_file_id).state
        for a in db.session.get(type(doc), doc.id).attachments
    }
    assert states == {"Ảnh.png": TextState.SKIPPED, "Bản quét.pdf": TextState.EMPTY}


def test_a_rolled_back_attachment_asks_for_nothing(app, world, letter_pdf):
    clerk = world.school_a.clerk
    doc = factories.register(clerk)
    stored_id = store_bytes(letter_pdf, "application/pdf").id  # a file, attached nowhere
    db.session.commit()
    db.session.add(
        IncomingAttachment(document_id=doc.id, stored_file_id=stored_id, original_name="x.pdf")
    )
    db.session.flush()
    db.session.rollback()  # the step failed after attaching
    db.session.commit()  # the next step of the same session
    assert db.session.scalar(select(func.count()).select_from(FileText)) == 0
    assert _queued() == []

    db.session.add(
        IncomingAttachment(document_id=doc.id, stored_file_id=stored_id, original_name="x.pdf")
    )
    db.session.commit()  # attached for good: asked for at once
    assert _file_text(stored_id).state == TextState.PENDING
    assert _queued() == [(texts.TASK, (stored_id,))]


def test_with_extraction_deferred_rows_wait_for_extract_pending(app, world, letter_pdf):
    clerk = world.school_a.clerk
    with texts.deferred():
        doc = factories.register(clerk, [Upload("Thông báo.pdf", letter_pdf)])
    assert _queued() == []
    assert _file_text(_stored_file_id(doc)).state == TextState.PENDING
    assert texts.extract_pending() == {TextState.DONE: 1}
    assert _found(clerk, "loc vung") == [("in", doc.id)]
    assert texts.extract_pending() == {}


# The commands -----------------------------------------------------------------------------------


def test_flask_search_reindex(app, world):
    clerk = world.school_a.clerk
    docs = [factories.register(clerk, subject=f"Kế hoạch số {n}") for n in range(3)]
    db.session.execute(
        delete(SearchEntry).where(SearchEntry.document_id.in_([docs[0].id, docs[2].id]))
    )
    db.session.commit()
    assert _found(clerk, "ke hoach") == [("in", docs[1].id)]

    result = app.test_cli_runner().invoke(args=["search", "reindex"])

    assert result.exit_code == 0, result.output
    assert "Văn bản đến: 2 văn bản cần lập chỉ mục." in result.output
    assert "Đã lập chỉ mục 2/2 văn bản đến." in result.output
    assert "Xong: 2 văn bản đến, 0 văn bản đi." in result.output
    assert sorted(_found(clerk, "ke hoach")) == sorted(("in", d.id) for d in docs)

    result = app.test_cli_runner().invoke(args=["search", "reindex", "--all"])
    assert "Xong: 3 văn bản đến, 0 văn bản đi." in result.output


def test_flask_search_extract_without_redis_extracts_here(app, world, letter_pdf):
    clerk = world.school_a.clerk
    doc = factories.register(clerk, [Upload("Thông báo.pdf", letter_pdf)])
    other = factories.register(
        clerk, [Upload("Dự toán.docx", _docx("Tủ sách dùng chung"))], subject="Dự toán"
    )
    runner().connection.flushall()  # the jobs lost with Redis, say
    file_id, other_id = _stored_file_id(doc), _stored_file_id(other)
    db.session.execute(delete(FileText).where(FileText.stored_file_id == file_id))
    db.session.execute(
        FileText.__table__.update()
        .where(FileText.stored_file_id == other_id)
        .values(state=TextState.FAILED, error="disk error")
    )
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["search", "extract"])

    assert result.exit_code == 0, result.output
    assert "1 tệp đính kèm chưa được trích xuất nội dung." in result.output
    assert "Chưa cấu hình REDIS_URL: trích xuất ngay trong tiến trình này." in result.output
    assert "Xong: 1 có nội dung, 0 không có lớp chữ, 0 lỗi, 0 bỏ qua (ảnh, DOC)." in result.output
    assert _found(clerk, "loc vung") == [("in", doc.id)]
    assert _file_text(other_id).state == TextState.FAILED  # not retried without --failed

    result = app.test_cli_runner().invoke(args=["search", "extract", "--failed"])

    assert "1 tệp trích xuất lỗi được thử lại." in result.output
    assert _file_text(other_id).state == TextState.DONE
    assert _found(clerk, "tu sach dung chung") == [("in", other.id)]


# A real Redis and RQ worker ----------------------------------------------------------------------


@pytest.mark.redis
def test_a_real_rq_worker_extracts(app, app_config, world, redis_url, letter_pdf):
    import redis as redis_lib
    from rq import Queue, SimpleWorker

    from eoffice import create_app

    clerk_id = world.school_a.clerk.id
    redis_lib.Redis.from_url(redis_url).flushdb()
    redis_app = create_app({**app_config, "REDIS_URL": redis_url})
    with redis_app.app_context():
        from eoffice.orgs.models import User

        clerk = db.session.get(User, clerk_id)
        doc = factories.register(clerk, [Upload("Thông báo.pdf", letter_pdf)])
        doc_id, file_id = doc.id, _stored_file_id(doc)  # the worker removes this session
        jobs = runner()
        assert not jobs.embedded
        assert Queue(texts.QUEUE, connection=jobs.connection).count == 1

        # `flask search extract` with Redis queues the PENDING file again (a lost job).
        result = redis_app.test_cli_runner().invoke(args=["search", "extract"])
        assert "Đã đưa 1 tệp vào hàng đợi trích xuất" in result.output
        assert Queue(texts.QUEUE, connection=jobs.connection).count == 2

        SimpleWorker(list(jobs.queues.values()), connection=jobs.connection).work(burst=True)

        assert Queue(texts.QUEUE, connection=jobs.connection).count == 0
        assert _file_text(file_id).state == TextState.DONE
        assert _found(db.session.get(User, clerk_id), FILE_WORDS) == [("in", doc_id)]
        db.session.remove()
        db.engine.dispose()


# The demo ----------------------------------------------------------------------------------------


def test_the_demo_seed_extracts_its_attachments(app):
    from eoffice.demo.seed import seed_demo
    from eoffice.orgs.models import Role, User, UserRole

    seed_demo(documents=40, outgoing=False)

    assert _queued() == []  # nothing left to a queue that would die with the command
    states = dict(
        db.session.execute(select(FileText.state, func.count()).group_by(FileText.state)).all()
    )
    assert TextState.PENDING not in states and states[TextState.DONE] >= 1
    attached = db.session.scalar(select(func.count(IncomingAttachment.stored_file_id.distinct())))
    assert sum(states.values()) == attached
    # The demo PDFs' standard paragraph, in no document's fields.
    clerks = db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == Role.CLERK)
    ).all()
    assert any(_found(clerk, "vướng mắc") for clerk in clerks)
