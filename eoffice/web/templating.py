"""Template filters and globals: dates in office time, labels, role checks."""

from __future__ import annotations

from datetime import date

from flask import Flask, current_app

from eoffice.core import timeutil
from eoffice.core.audit import ACTION_LABELS
from eoffice.core.filetypes import format_size
from eoffice.core.pagination import CappedCount, thousands
from eoffice.orgs.models import ROLE_LABELS

# Admin menu entries; an entry shows once its endpoint exists.
ADMIN_MENU = [
    ("orgs.organisations", "Cơ quan, trường học"),
    ("orgs.users", "Người dùng"),
    ("catalog.document_types", "Loại văn bản"),
    ("catalog.levels", "Độ khẩn, độ mật"),
    ("catalog.books", "Sổ đăng ký văn bản"),
    ("catalog.holidays", "Ngày nghỉ lễ, ngày làm bù"),
    ("catalog.workflows", "Quy trình xử lý"),
    ("outgoing_admin.chain", "Quy trình duyệt văn bản đi"),
    ("outgoing_admin.delegations", "Ủy quyền ký"),
    ("directive_groups.index", "Nhóm nơi nhận"),
    ("file_lists.retention_levels", "Thời hạn bảo quản hồ sơ"),
    ("signing.certificates", "Chứng thư số"),
    ("signing.trust_anchors", "Tổ chức cấp chứng thư tin cậy"),
    ("exchange_admin.page", "Liên thông văn bản"),
    ("exchange_log.index", "Nhật ký, hàng đợi gói tin liên thông"),
    ("exchange_checks.settings_page", "Giờ kiểm tra văn bản"),
]


def admin_menu_items() -> list[tuple[str, str]]:
    return [(e, label) for e, label in ADMIN_MENU if e in current_app.view_functions]


def count_label(count: CappedCount | int) -> str:
    """A list's figure: "1.234", or "hơn 10.000" for a count that stopped at its cap."""
    return count.label if isinstance(count, CappedCount) else thousands(count)


def register(app: Flask) -> None:
    app.jinja_env.globals["admin_menu_items"] = admin_menu_items
    app.jinja_env.filters["vn_date"] = timeutil.format_date
    app.jinja_env.filters["vn_iso_date"] = lambda text: timeutil.format_date(
        date.fromisoformat(text) if text else None
    )
    app.jinja_env.filters["vn_datetime"] = timeutil.format_datetime
    app.jinja_env.filters["filesize"] = format_size
    app.jinja_env.filters["capped"] = count_label
    app.jinja_env.filters["local"] = timeutil.to_local
    app.jinja_env.globals["ACTION_LABELS"] = ACTION_LABELS
    app.jinja_env.globals["ROLE_LABELS"] = ROLE_LABELS
    app.jinja_env.globals["today"] = timeutil.local_today
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
