"""Saved searches: a user names a search to run it again from the search page or the API.

What is kept is the search page's query string (`search.forms.validate_params`: known
keys only, each value checked, dates ISO), never results, so running a saved search
always shows today's documents through today's access rules. Each user has their own
list, at most MAX_PER_USER, names unique per user (compared as search compares words:
"Quyết định" and "quyet dinh" are the same name). Nobody reaches another user's saved
search: it is simply not found.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from eoffice.core.errors import NotFound, ValidationFailed
from eoffice.core.limits import int_in_range
from eoffice.core.text import clean, vn_fold
from eoffice.extensions import db
from eoffice.orgs.models import User
from eoffice.search.forms import validate_params
from eoffice.search.models import SavedSearch

MAX_NAME = 100
MAX_PER_USER = 50

MSG_NAME_REQUIRED = "Vui lòng đặt tên cho tìm kiếm."
MSG_NAME_LONG = f"Tên tìm kiếm tối đa {MAX_NAME} ký tự."
MSG_TOO_MANY = f"Mỗi người lưu được tối đa {MAX_PER_USER} tìm kiếm; hãy xóa bớt trước khi lưu."
MSG_NOT_FOUND = "Không tìm thấy tìm kiếm đã lưu này."
MSG_INVALID = "Chưa lưu được tìm kiếm, vui lòng kiểm tra lại."


def _taken(name: str) -> str:
    return f"Bạn đã có tìm kiếm «{name}»; vui lòng đặt tên khác."


def saved_searches(user: User) -> list[SavedSearch]:
    """The user's own saved searches, by name (as Vietnamese readers sort: diacritics
    after the plain letter, not after z)."""
    found = db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id))
    return sorted(found, key=lambda s: (vn_fold(s.name), s.name))


def get_own(user: User, saved_id: int) -> SavedSearch:
    """One of the user's saved searches; anybody else's is not found."""
    found = db.session.get(SavedSearch, saved_id) if int_in_range(saved_id) else None
    if found is None or found.user_id != user.id:
        raise NotFound(MSG_NOT_FOUND)
    return found


def _checked_name(user: User, raw: Any, saved_id: int | None) -> str:
    name = clean(raw) if isinstance(raw, str) else ""
    if not name:
        raise ValidationFailed(MSG_NAME_REQUIRED, field_errors={"name": MSG_NAME_REQUIRED})
    if len(name) > MAX_NAME:
        raise ValidationFailed(MSG_NAME_LONG, field_errors={"name": MSG_NAME_LONG})
    folded = vn_fold(name)
    others = db.session.execute(
        select(SavedSearch.id, SavedSearch.name).where(SavedSearch.user_id == user.id)
    ).all()
    if any(vn_fold(other) == folded and other_id != saved_id for other_id, other in others):
        raise ValidationFailed(_taken(name), field_errors={"name": _taken(name)})
    return name


def _commit(name: str) -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same name saved at the same moment in another tab
        db.session.rollback()
        raise ValidationFailed(_taken(name), field_errors={"name": _taken(name)}) from exc


def save(user: User, name: Any, params: Mapping[str, Any]) -> SavedSearch:
    """Save `params` (the search page's query string) under `name`.

    ValidationFailed names the problem under `name` or `params.<key>`.
    """
    try:
        checked = _checked_name(user, name, None)
        canonical = validate_params(user, params)
        count = db.session.scalar(
            select(func.count(SavedSearch.id)).where(SavedSearch.user_id == user.id)
        )
        if count >= MAX_PER_USER:
            raise ValidationFailed(MSG_TOO_MANY, field_errors={"name": MSG_TOO_MANY})
        saved = SavedSearch(user_id=user.id, name=checked, params=canonical)
        db.session.add(saved)
    except Exception:
        db.session.rollback()
        raise
    _commit(checked)
    return saved


def rename(user: User, saved_id: int, name: Any) -> SavedSearch:
    try:
        saved = get_own(user, saved_id)
        saved.name = _checked_name(user, name, saved.id)
    except Exception:
        db.session.rollback()
        raise
    _commit(saved.name)
    return saved


def delete(user: User, saved_id: int) -> str:
    """Remove one of the user's saved searches; returns its name (for the message)."""
    saved = get_own(user, saved_id)
    name = saved.name
    db.session.delete(saved)
    db.session.commit()
    return name
