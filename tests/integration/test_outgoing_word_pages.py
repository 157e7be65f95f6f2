"""Working on a draft in Word through the document page: "Tải bản Word (.docx)", editing
it in Word (python-docx here), "Tải lên và lưu phiên bản mới", and every refusal on the
page itself with nothing saved."""

from __future__ import annotations

import io
import zipfile

import docx
import lxml.html
import pytest
from sqlalchemy import func, select

from eoffice.core.models import StoredFile
from eoffice.core.storage import FileStore, StorageFull
from eoffice.extensions import db
from eoffice.outgoing import drafting, review, word
from eoffice.outgoing.docx_io import INVALID_DOCX
from eoffice.outgoing.forms import DOCX_ONLY
from eoffice.outgoing.models import OutgoingDocument, OutgoingVersion
from tests import factories
from tests.integration.test_api import PREFIX, Api, token_for

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OLD_SENTENCE = "Triển khai đồng bộ các phần mềm quản lý."
NEW_SENTENCE = "Triển khai đồng bộ phần mềm quản lý trường học trước ngày 15/10/2026."
SAVED = "Đã lưu phiên bản mới từ tệp Word."


def _web(app, user):
    client = app.test_client()
    factories.login(client, user)
    return client


def _page(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.get_data(as_text=True))


def _text(response) -> str:
    return " ".join(_page(response).text_content().split())


def _draft(world) -> OutgoingDocument:
    return drafting.create_draft(
        world.district.staff, factories.outgoing_plan(world, world.school_a)
    )


def _versions(doc_id: int) -> list[tuple[int, str]]:
    db.session.expire_all()
    return [
        (v.number, v.source)
        for v in db.session.scalars(
            select(OutgoingVersion)
            .where(OutgoingVersion.document_id == doc_id)
            .order_by(OutgoingVersion.number)
        )
    ]


def _docx_files() -> int:
    return db.session.scalar(select(func.count(StoredFile.id)).where(StoredFile.kind == "docx"))


def _edited(data: bytes, edit) -> bytes:
    document = docx.Document(io.BytesIO(data))
    edit(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _rewrite_sentence(document) -> None:
    """The drafter retypes one sentence of the body in Word."""
    [paragraph] = [p for p in document.paragraphs if p.text == OLD_SENTENCE]
    for run in paragraph.runs[1:]:
        run.text = ""
    paragraph.runs[0].text = NEW_SENTENCE


def _upload(client, doc_id: int, content: bytes, name: str = "du-thao.docx", note: str = ""):
    return client.post(
        f"/outgoing/{doc_id}/word",
        data={"word-file": (io.BytesIO(content), name), "word-note": note},
        content_type="multipart/form-data",
    )


def _field_error(response, field_id: str) -> str:
    [error] = _page(response).xpath(f'//*[@id="{field_id}-error"]')
    return " ".join(error.text_content().split())


# Downloading --------------------------------------------------------------------------


def test_the_drafter_and_the_signer_download_the_draft_as_word(app, world):
    doc = _draft(world)
    for user in (world.district.staff, world.district.leader):  # drafter, signer
        response = _web(app, user).get(f"/outgoing/{doc.id}/word")
        assert response.status_code == 200
        assert response.mimetype == DOCX_MIME
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert f"du-thao-{doc.id}-v1.docx" in disposition
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        document = docx.Document(io.BytesIO(response.get_data()))
        assert OLD_SENTENCE in [p.text for p in document.paragraphs]


def test_someone_who_cannot_see_the_draft_gets_404(app, world):
    doc = _draft(world)
    # The district's clerk does not see a draft before it is submitted; another office
    # never does.
    for user in (world.district.clerk, world.school_a.leader):
        client = _web(app, user)
        assert client.get(f"/outgoing/{doc.id}/word").status_code == 404
        assert (
            _upload(client, doc.id, word.export_draft(world.district.staff, doc.id)[0]).status_code
            == 404
        )
    assert _versions(doc.id) == [(1, "form")]


def test_the_card_offers_the_upload_only_to_the_drafter_of_a_draft(app, world):
    doc = _draft(world)
    page = _page(_web(app, world.district.staff).get(f"/outgoing/{doc.id}"))
    [card] = page.xpath('//*[@id="soan-thao-word"]')
    card_text = " ".join(card.text_content().split())
    assert "Soạn thảo bằng Word" in card_text
    [link] = card.xpath('.//a[@id="word-download"]')
    assert link.get("href") == f"/outgoing/{doc.id}/word"
    assert link.text_content().strip() == "Tải bản Word (.docx)"
    [form] = card.xpath(".//form")
    assert form.get("action") == f"/outgoing/{doc.id}/word"
    assert form.get("method") == "post"
    assert form.get("enctype") == "multipart/form-data"
    assert "data-submit-shortcut" in form.attrib
    [file_input] = form.xpath('.//input[@type="file"]')
    assert file_input.get("accept") == ".docx" and file_input.get("name") == "word-file"
    labels = [" ".join(label.text_content().split()) for label in form.xpath(".//label")]
    assert labels[0].startswith("Tệp Word đã sửa (.docx)")
    assert labels[1] == "Ghi chú phiên bản"
    assert form.xpath(".//button")[0].text_content().strip() == "Tải lên và lưu phiên bản mới"
    assert "mỗi lần tải lên là một phiên bản mới, so sánh được với phiên bản trước" in card_text

    signer_page = _page(_web(app, world.district.leader).get(f"/outgoing/{doc.id}"))
    [card] = signer_page.xpath('//*[@id="soan-thao-word"]')
    assert card.xpath('.//a[@id="word-download"]') and not card.xpath(".//form")


# Uploading ----------------------------------------------------------------------------


def test_the_drafter_uploads_the_edited_file_as_a_new_version(app, world):
    doc = _draft(world)
    client = _web(app, world.district.staff)
    exported = client.get(f"/outgoing/{doc.id}/word").get_data()
    edited = _edited(exported, _rewrite_sentence)

    response = _upload(client, doc.id, edited, note="Sửa thời hạn theo ý kiến tổ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/outgoing/{doc.id}#versions")
    assert _versions(doc.id) == [(1, "form"), (2, "docx")]
    saved = db.session.get(OutgoingDocument, doc.id)
    assert saved.version == 2
    assert NEW_SENTENCE in saved.body_html and OLD_SENTENCE not in saved.body_html
    version = db.session.scalars(
        select(OutgoingVersion).where(
            OutgoingVersion.document_id == doc.id, OutgoingVersion.number == 2
        )
    ).one()
    assert version.note == "Sửa thời hạn theo ý kiến tổ"
    assert version.docx_file_id is not None

    page = client.get(f"/outgoing/{doc.id}")
    text = _text(page)
    assert SAVED in text
    assert "Tệp DOCX" in text and "Sửa thời hạn theo ý kiến tổ" in text
    assert not _page(page).xpath('//*[contains(@class, "word-warnings")]')  # a clean file
    compare = _text(client.get(f"/outgoing/{doc.id}/versions/compare?old=1&new=2"))
    assert "trường học" in compare


def test_import_warnings_are_shown_as_a_list(app, world):
    doc = _draft(world)
    client = _web(app, world.district.staff)
    exported = client.get(f"/outgoing/{doc.id}/word").get_data()

    def drop_signature_block(document) -> None:
        frame = document.tables[-1]
        frame._tbl.getparent().remove(frame._tbl)

    response = _upload(client, doc.id, _edited(exported, drop_signature_block))
    assert response.status_code == 302
    assert _versions(doc.id) == [(1, "form"), (2, "docx")]
    page = _page(client.get(f"/outgoing/{doc.id}"))
    [alert] = page.xpath(
        '//div[contains(@class, "alert-warning")][.//ul[contains(@class, "word-warnings")]]'
    )
    items = [" ".join(li.text_content().split()) for li in alert.xpath(".//li")]
    assert len(items) == 1 and "khối chữ ký" in items[0]
    assert "<li>" not in alert.text_content()  # the list is markup, not escaped text


def test_someone_other_than_the_drafter_is_refused_in_place(app, world):
    doc = _draft(world)
    exported = word.export_draft(world.district.staff, doc.id)[0]
    response = _upload(_web(app, world.district.leader), doc.id, exported)
    assert response.status_code == 403
    assert "Chỉ người soạn thảo mới được sửa dự thảo." in _text(response)
    assert _page(response).xpath('//*[@id="soan-thao-word"]')  # the document page itself
    assert _versions(doc.id) == [(1, "form")]
    assert _docx_files() == 0


def test_after_submitting_the_upload_is_refused(app, world):
    doc = _draft(world)
    staff = world.district.staff
    exported = word.export_draft(staff, doc.id)[0]
    review.submit(staff, doc.id)
    client = _web(app, staff)

    page = _page(client.get(f"/outgoing/{doc.id}"))
    [card] = page.xpath('//*[@id="soan-thao-word"]')
    assert card.xpath('.//a[@id="word-download"]') and not card.xpath(".//form")

    response = _upload(client, doc.id, _edited(exported, _rewrite_sentence))
    assert response.status_code == 409
    assert "chỉ sửa được khi là dự thảo" in _text(response)
    assert _versions(doc.id) == [(1, "form")]
    assert _docx_files() == 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (factories.pdf_bytes(), "cong-van.pdf", DOCX_ONLY),
        (factories.pdf_bytes(), "cong-van.docx", INVALID_DOCX),  # a PDF renamed
        (b"", "trong.docx", INVALID_DOCX),
        (None, None, "Vui lòng chọn tệp Word (.docx) đã sửa."),
    ],
    ids=["pdf", "renamed-pdf", "empty", "none-chosen"],
)
def test_a_file_that_is_not_a_docx_is_refused_and_nothing_saved(app, world, content, name, message):
    doc = _draft(world)
    client = _web(app, world.district.staff)
    if content is None:
        response = client.post(f"/outgoing/{doc.id}/word", data={"word-note": "Không có tệp"})
    else:
        response = _upload(client, doc.id, content, name)
    assert response.status_code == 422
    assert _field_error(response, "word-file") == message
    assert _versions(doc.id) == [(1, "form")]
    assert _docx_files() == 0


def test_a_zip_bomb_dressed_as_a_docx_is_refused(app, world):
    doc = _draft(world)
    exported = word.export_draft(world.district.staff, doc.id)[0]
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(exported)) as src,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in src.infolist():
            out.writestr(item, src.read(item.filename))
        out.writestr("word/media/image1.png", b"\0" * (10 * 1024 * 1024))
    response = _upload(_web(app, world.district.staff), doc.id, bomb.getvalue())
    assert response.status_code == 422
    assert _field_error(response, "word-file") == INVALID_DOCX
    assert _versions(doc.id) == [(1, "form")]


def test_a_full_disk_is_a_clear_refusal(app, world, monkeypatch):
    doc = _draft(world)
    exported = word.export_draft(world.district.staff, doc.id)[0]

    def full(self, data):
        raise StorageFull()

    monkeypatch.setattr(FileStore, "put", full)
    response = _upload(
        _web(app, world.district.staff), doc.id, _edited(exported, _rewrite_sentence)
    )
    assert response.status_code == 422
    assert "Không đủ dung lượng lưu trữ trên máy chủ" in _text(response)
    assert _versions(doc.id) == [(1, "form")]
    assert _docx_files() == 0


# The API: GET / PUT /api/v1/outgoing/{id}/docx, every answer checked against the spec ---


@pytest.fixture
def spec(client) -> dict:
    return client.get(f"{PREFIX}/openapi.json").get_json()


def _api(app, client, spec, user) -> Api:
    return Api(app, client, spec, token_for(user))


def _put_docx(api: Api, doc_id: int, content: bytes | None, note: str | None = None, **extra):
    data: dict = {**extra}
    if content is not None:
        data["file"] = (io.BytesIO(content), "du-thao.docx")
    if note is not None:
        data["note"] = note
    return api.call(
        "PUT", f"{PREFIX}/outgoing/{doc_id}/docx", data=data, content_type="multipart/form-data"
    )


def test_the_api_round_trip_through_word(app, client, spec, world):
    doc = _draft(world)
    staff = _api(app, client, spec, world.district.staff)
    downloaded = staff.get(f"{PREFIX}/outgoing/{doc.id}/docx")
    assert downloaded.status_code == 200 and downloaded.mimetype == DOCX_MIME
    assert f"du-thao-{doc.id}-v1.docx" in downloaded.headers["Content-Disposition"]
    leader = _api(app, client, spec, world.district.leader)
    assert leader.get(f"{PREFIX}/outgoing/{doc.id}/docx").status_code == 200
    clerk = _api(app, client, spec, world.district.clerk)
    assert clerk.get(f"{PREFIX}/outgoing/{doc.id}/docx").status_code == 404

    edited = _edited(downloaded.get_data(), _rewrite_sentence)
    saved = _put_docx(staff, doc.id, edited, note="Sửa trong Word")
    assert saved.status_code == 200, saved.json
    assert saved.json["warnings"] == []
    document = saved.json["document"]
    assert document["version"] == 2 and NEW_SENTENCE in document["body_html"]
    assert [(v["number"], v["source"]) for v in document["versions"]][-1] == (2, "docx")
    assert _versions(doc.id) == [(1, "form"), (2, "docx")]


def test_the_api_refusals_save_nothing(app, client, spec, world):
    doc = _draft(world)
    exported = word.export_draft(world.district.staff, doc.id)[0]
    staff = _api(app, client, spec, world.district.staff)

    not_docx = _put_docx(staff, doc.id, factories.pdf_bytes())
    assert not_docx.status_code == 422
    assert not_docx.json["error"]["fields"] == {"file": INVALID_DOCX}
    missing = _put_docx(staff, doc.id, None, note="x" * 501, extra="1")
    assert missing.status_code == 422
    assert set(missing.json["error"]["fields"]) == {"file", "note", "extra"}
    as_json = staff.call("PUT", f"{PREFIX}/outgoing/{doc.id}/docx", json={"file": "…"})
    assert as_json.status_code == 415

    leader = _api(app, client, spec, world.district.leader)
    assert _put_docx(leader, doc.id, exported).status_code == 403
    clerk = _api(app, client, spec, world.district.clerk)
    assert _put_docx(clerk, doc.id, exported).status_code == 404
    review.submit(world.district.staff, doc.id)
    late = _put_docx(staff, doc.id, exported)
    assert late.status_code == 409 and late.json["error"]["code"] == "conflict"
    assert _versions(doc.id) == [(1, "form")]
    assert _docx_files() == 0
