"""A draft goes to Word and comes back as a new version; versions compare."""

from __future__ import annotations

import io

import docx
import pytest

from eoffice.core.errors import Forbidden, NotFound, ValidationFailed
from eoffice.outgoing import drafting, word
from tests import factories


def test_export_edit_in_word_upload_and_compare(world):
    staff = world.district.staff
    doc = drafting.create_draft(staff, factories.outgoing_plan(world, world.school_a))
    data, name = word.export_draft(staff, doc.id)
    assert name == f"du-thao-{doc.id}-v1.docx"
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Triển khai đồng bộ các phần mềm quản lý." in text

    for paragraph in document.paragraphs:  # the drafter edits one sentence in Word
        if paragraph.text == "Triển khai đồng bộ các phần mềm quản lý.":
            for run in paragraph.runs[1:]:
                run.text = ""
            paragraph.runs[0].text = "Triển khai đồng bộ phần mềm quản lý trường học."
    edited = io.BytesIO()
    document.save(edited)

    result = word.upload_docx(staff, doc.id, edited.getvalue())
    assert result.doc.version == 2
    versions = word.versions(staff, doc.id)
    assert [(v.number, v.source, v.docx_file_id is not None) for v in versions] == [
        (1, "form", False),
        (2, "docx", True),
    ]
    changed = [c for c in word.compare(staff, doc.id, 1, 2) if c.kind != "equal"]
    assert [(c.section, c.kind) for c in changed] == [("body", "changed")]
    assert "<ins>" in changed[0].diff_html and "trường học" in changed[0].new_text


def test_a_file_that_is_not_a_docx_changes_nothing(world):
    staff = world.district.staff
    doc = drafting.create_draft(staff, factories.outgoing_plan(world, world.school_a))
    with pytest.raises(ValidationFailed) as caught:
        word.upload_docx(staff, doc.id, factories.pdf_bytes())
    assert caught.value.field_errors == {"file": "Tệp tải lên không phải là tệp DOCX hợp lệ."}
    assert [v.number for v in word.versions(staff, doc.id)] == [1]
    exported = word.export_draft(staff, doc.id)[0]
    with pytest.raises(NotFound):  # a draft is private to its drafter until submitted
        word.upload_docx(world.district.clerk, doc.id, exported)
    with pytest.raises(Forbidden):  # the leader sees it, but only the drafter edits it
        word.upload_docx(world.district.leader, doc.id, exported)
