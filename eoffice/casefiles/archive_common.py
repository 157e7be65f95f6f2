"""What the office archive's two services (eoffice.casefiles.handover and
eoffice.casefiles.disposal) share: who reads the archive, how the files chosen on a page
arrive, and how the typed texts of a step (note, reason, decision, witnesses) are checked.

Kept apart so that disposal does not import hand-over for its plumbing, and so that a
typed text is checked the same way in every step: cleaned (NFC, no control characters),
required or not, at most TEXT_MAX characters, the refusal on the form's field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eoffice.core.errors import Forbidden, NotFound, ValidationFailed
from eoffice.core.limits import int_in_range
from eoffice.core.text import clean, clean_multiline
from eoffice.orgs.models import Role, User

# Who reads the archive's pages: the clerk keeps the archive, the leader decides, an
# admin may execute a disposal. What each may do is the workflows' business.
ARCHIVE_ROLES = (Role.CLERK, Role.LEADER, Role.ADMIN)
TEXT_MAX = 1000


def require_archive_reader(user: User) -> None:
    if not user.has_role(*ARCHIVE_ROLES):
        raise Forbidden("Chỉ văn thư, lãnh đạo và quản trị được xem lưu trữ cơ quan.")


def chosen_file_ids(values: Iterable[Any], *, limit: int, field: str, empty: str) -> list[int]:
    """The file ids chosen, once each and in order; an id no row can have is simply not
    found, none chosen or too many is the form's refusal."""
    ids: list[int] = []
    for value in values:
        if not isinstance(value, int) or not int_in_range(value):
            raise NotFound("Không tìm thấy hồ sơ.")
        if value not in ids:
            ids.append(value)
    if not ids:
        raise ValidationFailed(empty, field_errors={field: empty})
    if len(ids) > limit:
        message = f"Mỗi lần chọn tối đa {limit} hồ sơ."
        raise ValidationFailed(message, field_errors={field: message})
    return ids


def typed_text(
    value: str | None,
    field: str,
    label: str | None = None,
    *,
    multiline: bool = False,
    limit: int = TEXT_MAX,
) -> str | None:
    """A text the user typed, cleaned; required when it has a `label` (the refusal names
    it), else None when empty. Longer than `limit` is refused, never cut."""
    text = clean_multiline(value) if multiline else clean(value)
    if not text:
        if label is None:
            return None
        message = f"«{label}» là bắt buộc."
        raise ValidationFailed(message, field_errors={field: message})
    if len(text) > limit:
        message = f"Tối đa {limit} ký tự."
        raise ValidationFailed(message, field_errors={field: message})
    return text
