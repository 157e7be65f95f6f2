"""Exporting a case file as one ZIP (issue 7): every document's original and signed
files in the file's order, ho-so.xml valid against the shipped schema, the contents list
as CSV, built by the background export job with real progress, through the pages."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

from eoffice.casefiles import files
from eoffice.casefiles.export import ExportInvalid, build_zip, request_export
from eoffice.core.audit import history
from eoffice.core.errors import ValidationFailed
from eoffice.core.models import StoredFile
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload, file_store
from eoffice.jobs.connection import runner
from eoffice.outgoing import drafting, issuing, review
from eoffice.outgoing.models import OutgoingDocument
from eoffice.reports.exports import run_export
from eoffice.reports.models import ExportState, ReportExport
from tests import factories
from tests.casefile_support import file_outside_list, handled_incoming, issued_outgoing
from tests.pdftext import pdf_text

XSD = Path(__file__).parents[2] / "eoffice" / "casefiles" / "schema" / "ho-so.xsd"
NS = {"h": "urn:eoffice:hoso:1"}
SCAN = factories.pdf_bytes("Bản quét công văn 3337")
ANNEX = factories.docx_bytes("Phụ lục: danh sách trường")
PLAN_ANNEX = factories.pdf_bytes("Phụ lục kế hoạch")


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


@pytest.fixture
def signing_office(app, world, test_ca):
    world.district.org.place_name = "Quận Thử"
    db.session.commit()
    factories.equip_for_signing(world.district, test_ca)


def _outgoing_with_annex(world) -> OutgoingDocument:
    """Drafted with a PDF attachment, reviewed, signed and published by the district."""
    office = world.district
    draft = factories.outgoing_plan(
        world, subject="Kế hoạch kiểm tra nội bộ năm học 2026 - 2027", signer_id=office.leader.id
    )
    doc = drafting.create_draft(
        office.staff, draft, uploads=[Upload("Phụ lục kế hoạch.pdf", PLAN_ANNEX)]
    )
    review.submit(office.staff, doc.id)
    review.approve(office.clerk, doc.id)
    issuing.sign(office.leader, doc.id)
    issuing.publish(doc.id)
    db.session.expire_all()
    return db.session.get(OutgoingDocument, doc.id)


@pytest.fixture
def case(world, signing_office):
    """A district file holding, in order: an incoming document registered with a scan and
    a DOCX annex, an issued plan, an issued plan with a signed PDF annex."""
    office = world.district
    incoming = factories.register(
        office.clerk,
        [Upload("Công văn 3337.pdf", SCAN), Upload("Phụ lục danh sách.docx", ANNEX)],
        sender_name="@Sở Giáo dục và Đào tạo",
        page_count=4,
    )
    plain = issued_outgoing(world)
    annexed = _outgoing_with_annex(world)
    case_file = file_outside_list(office, "Hồ sơ kế hoạch công nghệ thông tin năm 2026")
    files.add_documents(
        office.clerk, case_file.id, incoming_ids=[incoming.id], outgoing_ids=[plain.id]
    )
    files.add_documents(office.clerk, case_file.id, outgoing_ids=[annexed.id])
    return case_file, incoming, plain, annexed


def _read(stored: StoredFile) -> bytes:
    return file_store().read(stored.sha256)


def _build(case_file) -> tuple[zipfile.ZipFile, list[tuple[int, int]]]:
    calls: list[tuple[int, int]] = []
    spool = build_zip(case_file, lambda done, total: calls.append((done, total)))
    return zipfile.ZipFile(io.BytesIO(spool.read())), calls


def test_the_zip_holds_every_document_in_order_with_its_signed_pdfs(world, case):
    case_file, _incoming, plain, annexed = case
    archive, calls = _build(case_file)
    assert calls == [(1, 3), (2, 3), (3, 3)]  # after each document, up to the total

    names = archive.namelist()
    first = "001 - 3337-GDĐT-TTTT/"
    second = f"002 - {plain.symbol.replace('/', '-')}/"
    third = f"003 - {annexed.symbol.replace('/', '-')}/"
    assert archive.read(first + "Công văn 3337.pdf") == SCAN
    assert archive.read(first + "Phụ lục danh sách.docx") == ANNEX
    assert plain.signed_file_id and plain.pdf_file_id
    stem = plain.symbol.replace("/", "-")
    assert archive.read(f"{second}{stem}.pdf") == _read(plain.pdf_file)
    assert archive.read(f"{second}{stem} (đã ký số).pdf") == _read(plain.signed_file)
    [attachment] = annexed.attachments
    assert attachment.signed_file is not None
    assert archive.read(third + "Phụ lục kế hoạch.pdf") == PLAN_ANNEX
    assert archive.read(third + "Phụ lục kế hoạch (đã ký số).pdf") == _read(attachment.signed_file)
    documents = [n for n in names if "/" in n]
    folders = [n.split("/")[0] + "/" for n in documents]
    assert folders == sorted(folders)  # the file's order, folder by folder
    assert sorted(set(folders)) == [first, second, third]
    assert len([n for n in documents if n.startswith(third)]) == 4
    # Compressed formats are stored as they are; text is deflated.
    assert archive.getinfo(first + "Công văn 3337.pdf").compress_type == zipfile.ZIP_STORED
    assert archive.getinfo(first + "Phụ lục danh sách.docx").compress_type == zipfile.ZIP_STORED
    assert archive.getinfo("ho-so.xml").compress_type == zipfile.ZIP_DEFLATED
    assert archive.testzip() is None


def test_the_metadata_validates_and_lists_every_file_with_its_hash(world, case):
    case_file, incoming, plain, _annexed = case
    archive, _calls = _build(case_file)
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    tree = etree.fromstring(archive.read("ho-so.xml"))
    schema.assertValid(tree)

    assert tree.findtext("h:FileCode/h:OrganId", namespaces=NS) == "000.01.31.H29"
    assert tree.findtext("h:FileCode/h:FileNotation", namespaces=NS) == case_file.code
    assert tree.findtext("h:Title", namespaces=NS) == case_file.title
    assert tree.findtext("h:Maintenance", namespaces=NS) == "10 năm"
    assert tree.findtext("h:DocTotal", namespaces=NS) == "3"
    items = tree.findall("h:VanBan", NS)
    assert [i.get("kind") for i in items] == ["incoming", "outgoing", "outgoing"]
    assert [i.findtext("h:DocOrdinal", namespaces=NS) for i in items] == ["1", "2", "3"]
    assert items[0].findtext("h:CodeNumber", namespaces=NS) == "3337"
    assert items[0].findtext("h:CodeNotation", namespaces=NS) == "GDĐT-TTTT"
    assert items[0].findtext("h:ArrivalNumber", namespaces=NS) == str(incoming.arrival_number)
    assert items[0].findtext("h:PageAmount", namespaces=NS) == "4"
    number, notation = plain.symbol.split("/")
    assert items[1].findtext("h:CodeNumber", namespaces=NS) == number
    assert items[1].findtext("h:CodeNotation", namespaces=NS) == notation
    assert items[1].findtext("h:IssuedDate", namespaces=NS) == plain.document_date.isoformat()
    assert items[1].findtext("h:SignerInfo/h:FullName", namespaces=NS) == (
        world.district.leader.full_name
    )
    assert items[1].findtext("h:To/h:OrganName", namespaces=NS) == "Lãnh đạo Phòng"

    listed = {
        f.text: (f.get("sha256"), f.get("role")) for f in tree.iterfind(".//h:Files/h:File", NS)
    }
    in_zip = {n for n in archive.namelist() if "/" in n}
    assert set(listed) == in_zip
    for path, (digest, _role) in listed.items():
        assert hashlib.sha256(archive.read(path)).hexdigest() == digest
    assert sorted(role for _digest, role in listed.values()).count("signed") == 3


def test_the_contents_csv_matches_the_documents_and_the_zip(world, case):
    case_file, _incoming, _plain, _annexed = case
    archive, _calls = _build(case_file)
    raw = archive.read("muc-luc.csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header == [
        "STT",
        "Số, ký hiệu văn bản",
        "Ngày tháng văn bản",
        "Tên loại và trích yếu nội dung",
        "Tác giả",
        "Tờ/trang số",
        "Tệp trong ZIP",
    ]
    contents = files.contents(case_file)
    assert [r[0] for r in rows] == ["1", "2", "3"]
    assert [r[1] for r in rows] == [c.symbol for c in contents]
    assert rows[0][2] == "19/09/2026"
    assert rows[0][4] == "'@Sở Giáo dục và Đào tạo"  # never read as a formula
    assert rows[0][5] == "1–4"
    listed = [path for r in rows for path in r[6].split("\n")]
    assert sorted(listed) == sorted(n for n in archive.namelist() if "/" in n)


def test_the_printed_contents_list_goes_in(world, case):
    case_file, *_docs = case
    archive, _calls = _build(case_file)
    assert "MỤC LỤC VĂN BẢN TRONG HỒ SƠ" in pdf_text(archive.read("muc-luc.pdf"))
    assert "ho-so.xml" in archive.namelist() and "muc-luc.csv" in archive.namelist()


def test_what_phu_luc_vi_cannot_hold_is_refused_in_words_before_any_job(world):
    """A document of 1 000 pages (PageAmount, Number 3) and an outgoing notation longer
    than 30 characters (CodeNotation) are refused with the reason, not left to fail in
    the job as a system error (finding 6); the job refuses them too, at once."""
    office = world.district
    thick = handled_incoming(office, subject="Báo cáo thống kê toàn ngành", page_count=1000)
    case_file = file_outside_list(office, "Hồ sơ báo cáo thống kê")
    files.add_documents(office.staff, case_file.id, incoming_ids=[thick.id])
    with pytest.raises(ValidationFailed, match="1000 trang, quá 999 trang"):
        request_export(office.clerk, case_file.id)
    assert db.session.scalar(select(func.count(ReportExport.id))) == 0
    # The metadata itself would not pass the schema: the check is what stands before it.
    with pytest.raises(ExportInvalid, match="PageAmount"):
        build_zip(case_file, lambda done, total: None)

    big = file_outside_list(office, "Hồ sơ nhiều trang", notation="NT")
    heavy = [
        handled_incoming(office, subject=f"Tập tài liệu {n}", page_count=999) for n in range(11)
    ]
    files.add_documents(office.staff, big.id, incoming_ids=[d.id for d in heavy])
    with pytest.raises(ValidationFailed, match="10989 trang, quá 9999 trang"):
        request_export(office.clerk, big.id)


def test_an_export_that_breaks_the_schema_fails_before_writing(world):
    office = world.district
    case_file = file_outside_list(office, "Hồ sơ có ký hiệu quá dài", notation="K" * 20)
    assert len(case_file.code) > 20  # Phụ lục VI: FileNotation String 20
    calls: list[tuple[int, int]] = []
    with pytest.raises(ExportInvalid, match="FileNotation"):
        build_zip(case_file, lambda done, total: calls.append((done, total)))
    assert calls == []
    # Asked for through the service, it is refused in words, before any job.
    with pytest.raises(ValidationFailed, match="dài hơn 20 ký tự"):
        request_export(office.clerk, case_file.id)
    assert db.session.scalar(select(func.count(ReportExport.id))) == 0


def _start(client, file_id: int) -> int:
    response = client.post(f"/casefiles/exports/files/{file_id}")
    assert response.status_code == 302
    return int(re.search(r"/casefiles/exports/(\d+)$", response.headers["Location"]).group(1))


def test_start_status_and_download_through_the_pages(client, world, case):
    case_file, *_docs = case
    clerk = world.district.clerk
    factories.login(client, clerk)
    export_id = _start(client, case_file.id)
    assert _start(client, case_file.id) == export_id  # a second click: the same export

    page = client.get(f"/casefiles/exports/{export_id}").get_data(as_text=True)
    assert case_file.code in page and "Đang chờ đến lượt xử lý" in page
    assert f'hx-get="/casefiles/exports/{export_id}/status"' in page
    export = db.session.get(ReportExport, export_id)
    assert (export.steps_total, export.steps_done) == (3, 0)

    runner().work_burst()

    db.session.refresh(export)
    assert export.state == ExportState.DONE
    assert (export.steps_done, export.steps_total) == (3, 3)
    assert export.stored_file.mime_type == "application/zip"
    status = client.get(f"/casefiles/exports/{export_id}/status").get_data(as_text=True)
    assert "Đã tạo xong tệp" in status and "Tải hồ sơ (ZIP)" in status
    assert "hx-trigger" not in status
    download = client.get(f"/casefiles/exports/{export_id}/download")
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    assert download.headers["Content-Disposition"].startswith("attachment")
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        assert "ho-so.xml" in archive.namelist()
    listing = client.get("/casefiles/exports/").get_data(as_text=True)
    assert case_file.title in listing and "Đã xong" in listing
    assert [e.action for e in history("case_file", case_file.id)].count("exported") == 1


def test_the_bar_shows_the_real_share_of_documents_done(client, world, case):
    case_file, *_docs = case
    factories.login(client, world.district.clerk)
    export_id = _start(client, case_file.id)
    export = db.session.get(ReportExport, export_id)
    export.state = ExportState.RUNNING
    export.started_at = now_utc()
    export.steps_done = 1
    db.session.commit()
    status = client.get(f"/casefiles/exports/{export_id}/status").get_data(as_text=True)
    assert 'aria-valuenow="33"' in status and "Đã xong 1/3 văn bản" in status
    assert "Đang đóng gói" in status and "Ước tính" not in status


def test_the_job_run_twice_builds_once(world, case):
    case_file, *_docs = case
    export = request_export(world.district.clerk, case_file.id)
    run_export(export.id)
    db.session.refresh(export)
    assert export.state == ExportState.DONE
    finished_at, stored_id = export.finished_at, export.stored_file_id
    stored_count = db.session.scalar(select(func.count(StoredFile.id)))
    run_export(export.id)  # a retried or duplicated job
    db.session.refresh(export)
    assert (export.finished_at, export.stored_file_id) == (finished_at, stored_id)
    assert db.session.scalar(select(func.count(StoredFile.id))) == stored_count


def test_a_failed_build_says_why_and_can_be_retried(app, client, world, case):
    case_file, incoming, *_docs = case
    scan = file_store().path_for(incoming.attachments[0].stored_file.sha256)
    kept = scan.read_bytes()
    scan.unlink()  # the scan is gone from the disk
    factories.login(client, world.district.clerk)
    export_id = _start(client, case_file.id)
    runner().work_burst()
    status = client.get(f"/casefiles/exports/{export_id}/status").get_data(as_text=True)
    assert "Không tạo được tệp" in status and "Tệp không còn trên máy chủ" in status
    assert "Tạo lại tệp" in status

    scan.write_bytes(kept)
    assert client.post(f"/casefiles/exports/{export_id}/retry").status_code == 302
    runner().work_burst()
    export = db.session.get(ReportExport, export_id)
    db.session.refresh(export)
    assert export.state == ExportState.DONE


def test_another_office_and_another_user_get_404(client, world, case):
    case_file, *_docs = case
    factories.login(client, world.district.clerk)
    export_id = _start(client, case_file.id)
    runner().work_burst()
    client.post("/logout")

    factories.login(client, world.school_a.clerk)
    assert client.post(f"/casefiles/exports/files/{case_file.id}").status_code == 404
    for path in ("", "/status", "/download"):
        assert client.get(f"/casefiles/exports/{export_id}{path}").status_code == 404
    assert client.post(f"/casefiles/exports/{export_id}/retry").status_code == 404
    client.post("/logout")

    factories.login(client, world.district.leader)  # same office, not the requester
    assert client.get(f"/casefiles/exports/{export_id}/download").status_code == 404
    # The register's pages do not serve a case file's ZIP.
    client.post("/logout")
    factories.login(client, world.district.clerk)
    assert client.get(f"/reports/exports/{export_id}/download").status_code == 404


def test_someone_who_cannot_see_a_document_cannot_export_the_file(client, world, case):
    case_file, *_docs = case
    factories.login(client, world.district.staff)  # keeps the file; the letter is not theirs
    response = client.post(f"/casefiles/exports/files/{case_file.id}")
    assert response.status_code == 403
    assert "không có quyền xem" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ReportExport.id))) == 0


def test_the_register_pdf_export_still_works(app, client, world):
    app.config["REGISTER_PDF_SYNC_ROWS"] = 0
    clerk = world.school_a.clerk
    factories.register(clerk)
    factories.login(client, clerk)
    response = client.get("/incoming/register.pdf?date_from=2026-01-01&date_to=2030-12-31")
    export_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/reports/exports/{export_id}").get_data(as_text=True)
    assert "Sổ đăng ký văn bản đến (PDF)" in page and "Ước tính khoảng" in page
    runner().work_burst()
    status = client.get(f"/reports/exports/{export_id}/status").get_data(as_text=True)
    assert "Mở tệp PDF" in status and 'target="_blank"' in status
    download = client.get(f"/reports/exports/{export_id}/download")
    assert download.data.startswith(b"%PDF-")
    assert download.headers["Content-Disposition"].startswith("inline")
    assert client.get(f"/casefiles/exports/{export_id}").status_code == 404


def test_the_printed_contents_list_masks_what_the_reader_may_not_see(world):
    """Finding 7, the PDF: printed for someone who may not read a secret document, its
    line keeps its place and pages but not its number and subject."""
    from eoffice.casefiles.contents_pdf import render_contents_pdf
    from eoffice.incoming import processing
    from eoffice.incoming.processing import Party

    school = world.school_a
    secret = factories.register(
        school.clerk, confidentiality_code="secret", subject="Về việc nhân sự mật"
    )
    processing.present(school.clerk, secret.id, presented_to=school.leader.id)
    processing.assign(school.leader, secret.id, Party(user_id=school.staff.id))
    processing.start(school.staff, secret.id)
    case_file = file_outside_list(school)
    files.add_documents(school.staff, case_file.id, incoming_ids=[secret.id])
    other = factories.make_user(school.org, "khac@thleloi.hcm.edu.vn", ["staff"], "Đỗ Văn Khác")
    db.session.commit()
    words = " ".join(pdf_text(render_contents_pdf(case_file, other), layout=False).split())
    assert files.HIDDEN_TEXT in words and "nhân sự mật" not in words
    mine = " ".join(pdf_text(render_contents_pdf(case_file, school.staff), layout=False).split())
    assert "nhân sự mật" in mine
