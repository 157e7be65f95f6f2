"""Admin writes to the catalogue: document types, level names and register books.

Also the read-only overview of the workflows, drawn from their definitions.

Document types and the urgency/confidentiality levels are one catalogue shared by every
organisation of the deployment: every school's intake form offers the same list, reports
across schools count by it, and the district office issues most of what schools receive.
If each school admin could rename "Công văn" or add private types, the same document
would be filed differently from school to school. So only the district office's admin
edits the shared catalogue; school admins see it read-only. Register books belong to
one organisation, so each organisation's admin keeps its own.

Level codes and ranks never change here: the register rules (secret documents in their
own book, urgent documents first) are written against them. Only display names do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from eoffice.catalog.defaults import DEFAULT_BOOKS
from eoffice.catalog.models import (
    ConfidentialityLevel,
    DocumentType,
    RegisterBook,
    UrgencyLevel,
)
from eoffice.catalog.numbering import books_for
from eoffice.core import audit
from eoffice.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eoffice.core.text import clean
from eoffice.core.timeutil import local_today
from eoffice.extensions import db
from eoffice.orgs.administration import is_district_admin
from eoffice.orgs.models import User
from workflows.drawing import WORKFLOWS, mermaid
from workflows.engine import Workflow
from workflows.roles import describe_roles

LEVEL_MODELS: dict[str, type[UrgencyLevel] | type[ConfidentialityLevel]] = {
    "urgency": UrgencyLevel,
    "confidentiality": ConfidentialityLevel,
}
BOOK_CODE_PATTERN = re.compile(r"[a-z0-9_-]{2,30}")
DEFAULT_BOOK_CODES = {code for _direction, code, _name, _conf in DEFAULT_BOOKS}
# Abbreviations go into symbols such as "12/QĐ-UBND": letters and digits only.
ABBREVIATION_PATTERN = re.compile(r"[^\W_]{1,10}")


def can_edit_catalogue(actor: User) -> bool:
    return is_district_admin(actor)


def _require_editor(actor: User) -> None:
    if not can_edit_catalogue(actor):
        raise Forbidden(
            "Danh mục dùng chung chỉ do quản trị của Phòng Giáo dục và Đào tạo cập nhật."
        )


def _fail(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(next(iter(errors.values())), field_errors=errors)


# --- Document types ---------------------------------------------------------------------


@dataclass
class DocumentTypeData:
    name: str
    abbreviation: str | None = None
    sort_order: int | None = None


def document_types() -> list[DocumentType]:
    return list(
        db.session.scalars(
            select(DocumentType).order_by(
                DocumentType.is_active.desc(), DocumentType.sort_order, DocumentType.name
            )
        )
    )


def get_document_type(type_id: int) -> DocumentType:
    doc_type = db.session.get(DocumentType, type_id)
    if doc_type is None:
        raise NotFound("Không tìm thấy loại văn bản này.")
    return doc_type


def _validate_type(data: DocumentTypeData, current: DocumentType | None) -> dict[str, object]:
    errors: dict[str, str] = {}
    name = clean(data.name)
    abbreviation = "".join(clean(data.abbreviation).split())
    if not name:
        errors["name"] = "Vui lòng nhập tên loại văn bản."
    elif len(name) > 100:
        errors["name"] = "Tên loại tối đa 100 ký tự."
    if abbreviation and not ABBREVIATION_PATTERN.fullmatch(abbreviation):
        errors["abbreviation"] = "Chữ viết tắt chỉ gồm chữ cái và chữ số, tối đa 10 ký tự."
    sort_order = 100 if data.sort_order is None else data.sort_order
    if not 0 <= sort_order <= 9999:
        errors["sort_order"] = "Thứ tự phải từ 0 đến 9999."
    for other in db.session.scalars(select(DocumentType)):
        if current is not None and other.id == current.id:
            continue
        if name and other.name.casefold() == name.casefold():
            errors["name"] = f"Loại văn bản “{other.name}” đã có."
        if abbreviation and other.abbreviation == abbreviation:
            errors["abbreviation"] = f"Chữ viết tắt {abbreviation} đã dùng cho “{other.name}”."
    _fail(errors)
    return {"name": name, "abbreviation": abbreviation or None, "sort_order": sort_order}


def create_document_type(actor: User, data: DocumentTypeData) -> DocumentType:
    _require_editor(actor)
    values = _validate_type(data, None)
    doc_type = DocumentType(**values, is_active=True)
    db.session.add(doc_type)
    db.session.flush()
    _record(actor, "document_type", doc_type.id, "created", values)
    db.session.commit()
    return doc_type


def update_document_type(actor: User, type_id: int, data: DocumentTypeData) -> DocumentType:
    """Renaming changes how every document of this type is shown, past ones included."""
    _require_editor(actor)
    doc_type = get_document_type(type_id)
    values = _validate_type(data, doc_type)
    changes = {
        key: [getattr(doc_type, key), value]
        for key, value in values.items()
        if getattr(doc_type, key) != value
    }
    for key, value in values.items():
        setattr(doc_type, key, value)
    if changes:
        _record(actor, "document_type", doc_type.id, "updated", changes)
    db.session.commit()
    return doc_type


def set_document_type_active(actor: User, type_id: int, active: bool) -> DocumentType:
    """A deactivated type is no longer offered for new documents; old ones keep it."""
    _require_editor(actor)
    doc_type = get_document_type(type_id)
    if doc_type.is_active != active:
        doc_type.is_active = active
        _record(actor, "document_type", doc_type.id, "reactivated" if active else "deactivated")
    db.session.commit()
    return doc_type


# --- Urgency and confidentiality levels -------------------------------------------------


def levels(kind: str) -> list[UrgencyLevel] | list[ConfidentialityLevel]:
    model = LEVEL_MODELS[kind]
    return list(db.session.scalars(select(model).order_by(model.rank)))


def get_level(kind: str, code: str) -> UrgencyLevel | ConfidentialityLevel:
    model = LEVEL_MODELS.get(kind)
    # A code from the URL: one with control characters (NUL) exists nowhere.
    level = db.session.get(model, code) if model and clean(code) == code else None
    if level is None:
        raise NotFound("Không tìm thấy mức này.")
    return level


def rename_level(actor: User, kind: str, code: str, name: str):
    """Change the display name of a level; its code and rank stay as they are."""
    _require_editor(actor)
    level = get_level(kind, code)
    name = clean(name)
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Vui lòng nhập tên hiển thị."
    elif len(name) > 50:
        errors["name"] = "Tên hiển thị tối đa 50 ký tự."
    elif any(
        other.code != level.code and other.name.casefold() == name.casefold()
        for other in levels(kind)
    ):
        errors["name"] = f"Tên “{name}” đã dùng cho mức khác."
    _fail(errors)
    if level.name != name:
        _record(
            actor,
            f"{kind}_level",
            None,
            "updated",
            {"code": level.code, "name": [level.name, name]},
        )
        level.name = name
    db.session.commit()
    return level


# --- Register books ---------------------------------------------------------------------


def book_years(actor: User) -> list[int]:
    """Years that have books for the organisation, newest first, always with this year."""
    years = set(
        db.session.scalars(
            select(RegisterBook.year).where(RegisterBook.org_id == actor.org_id).distinct()
        )
    )
    years.add(local_today().year)
    return sorted(years, reverse=True)


def books_of_year(actor: User, year: int) -> list[RegisterBook]:
    """The organisation's books of `year`, deactivated ones included.

    Only the current year's default books are opened here: opening books for a past
    year would add empty registers that were never kept.
    """
    if year == local_today().year:
        for direction in ("incoming", "outgoing"):
            books_for(actor.org_id, direction, year)
        db.session.commit()
    return list(
        db.session.scalars(
            select(RegisterBook)
            .where(RegisterBook.org_id == actor.org_id, RegisterBook.year == year)
            .order_by(RegisterBook.direction, RegisterBook.is_confidential, RegisterBook.id)
        )
    )


def get_book(actor: User, book_id: int) -> RegisterBook:
    book = db.session.get(RegisterBook, book_id)
    if book is None or book.org_id != actor.org_id:
        raise NotFound("Không tìm thấy sổ đăng ký này.")
    return book


def _book_name_problem(org_id: int, direction: str, year: int, name: str, exclude: int | None):
    if not name:
        return "Vui lòng nhập tên sổ."
    if len(name) > 150:
        return "Tên sổ tối đa 150 ký tự."
    siblings = db.session.scalars(
        select(RegisterBook).where(
            RegisterBook.org_id == org_id,
            RegisterBook.direction == direction,
            RegisterBook.year == year,
        )
    )
    for other in siblings:
        if other.id != exclude and other.name.casefold() == name.casefold():
            return f"Năm {year} đã có sổ “{other.name}”."
    return None


def create_book(actor: User, code: str, name: str, is_confidential: bool) -> RegisterBook:
    """Open a custom incoming book (e.g. đơn thư khiếu nại) for the current year.

    Books are created in the current year only: numbering.books_for copies a custom
    book into later years from an earlier one, and has nothing to copy from for years
    before the book first existed.
    """
    year = local_today().year
    code = clean(code).lower()
    name = clean(name)
    errors: dict[str, str] = {}
    if not BOOK_CODE_PATTERN.fullmatch(code):
        errors["code"] = "Mã sổ gồm 2–30 ký tự: chữ thường không dấu (a-z), số, “_” hoặc “-”."
    elif code in DEFAULT_BOOK_CODES:
        errors["code"] = f"Mã “{code}” dành cho sổ mặc định, vui lòng chọn mã khác."
    elif db.session.scalars(
        select(RegisterBook.id).where(
            RegisterBook.org_id == actor.org_id,
            RegisterBook.direction == "incoming",
            RegisterBook.code == code,
        )
    ).first():
        errors["code"] = f"Mã sổ “{code}” đã được dùng."
    problem = _book_name_problem(actor.org_id, "incoming", year, name, None)
    if problem:
        errors["name"] = problem
    _fail(errors)
    book = RegisterBook(
        org_id=actor.org_id,
        direction="incoming",
        code=code,
        name=name,
        year=year,
        is_confidential=is_confidential,
        last_number=0,
        is_active=True,
    )
    db.session.add(book)
    db.session.flush()
    _record(
        actor,
        "register_book",
        book.id,
        "created",
        {"code": code, "name": name, "year": year, "is_confidential": is_confidential},
        org_id=actor.org_id,
    )
    db.session.commit()
    return book


def rename_book(actor: User, book_id: int, name: str) -> RegisterBook:
    book = get_book(actor, book_id)
    name = clean(name)
    problem = _book_name_problem(book.org_id, book.direction, book.year, name, book.id)
    if problem:
        raise ValidationFailed(problem, field_errors={"name": problem})
    if book.name != name:
        _record(
            actor,
            "register_book",
            book.id,
            "updated",
            {"name": [book.name, name]},
            org_id=book.org_id,
        )
        book.name = name
    db.session.commit()
    return book


def set_book_active(actor: User, book_id: int, active: bool) -> RegisterBook:
    """Deactivate a custom book; its numbers and documents stay. Default books stay open,
    because every incoming document needs a general and a confidential book."""
    book = get_book(actor, book_id)
    if not active and book.code in DEFAULT_BOOK_CODES:
        raise Conflict("Không thể khóa sổ mặc định: mọi văn bản đến đều cần sổ này.")
    if book.is_active != active:
        book.is_active = active
        _record(
            actor,
            "register_book",
            book.id,
            "reactivated" if active else "deactivated",
            org_id=book.org_id,
        )
    db.session.commit()
    return book


def _record(
    actor: User,
    subject_type: str,
    subject_id: int | None,
    action: str,
    changes: dict | None = None,
    *,
    org_id: int | None = None,
) -> None:
    """Shared catalogue changes are recorded without an organisation: they affect all."""
    audit.record(
        actor_id=actor.id,
        org_id=org_id,
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        changes=changes,
    )


# --- Workflows (read-only) --------------------------------------------------------------


@dataclass
class TransitionRow:
    label: str
    sources: list[str]
    target: str | None  # None: the step keeps the state
    roles: str
    required: list[str]
    optional: list[str]
    conditions: list[str]


@dataclass
class WorkflowOverview:
    """A workflow as an admin page shows it: the Mermaid text and the same rules as tables,
    so the page says the same without JavaScript."""

    workflow: Workflow
    mermaid: str
    transitions: list[TransitionRow]


def workflow_overviews() -> list[WorkflowOverview]:
    result = []
    for workflow in WORKFLOWS:
        labels = workflow.labels
        rows = [
            TransitionRow(
                label=t.label,
                sources=[labels[code] for code in t.sources],
                target=labels[t.target] if t.target else None,
                roles=describe_roles(t.roles),
                required=[i.label for i in t.inputs if i.required],
                optional=[i.label for i in t.inputs if not i.required],
                conditions=[getattr(g, "description", "") for g in t.guards],
            )
            for t in workflow.transitions
        ]
        result.append(WorkflowOverview(workflow, mermaid(workflow), rows))
    return result
