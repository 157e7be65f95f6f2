"""The built-in catalogue (NĐ 30/2020 Điều 7 and Phụ lục III), loaded by the first migration.

Admins can rename, deactivate and add entries afterwards; these are only the defaults.
"""

from __future__ import annotations

# (name, abbreviation); None where Phụ lục III gives none.
DOCUMENT_TYPES: list[tuple[str, str | None]] = [
    ("Nghị quyết", "NQ"),
    ("Quyết định", "QĐ"),
    ("Chỉ thị", "CT"),
    ("Quy chế", "QC"),
    ("Quy định", "QyĐ"),
    ("Thông cáo", "TC"),
    ("Thông báo", "TB"),
    ("Hướng dẫn", "HD"),
    ("Chương trình", "CTr"),
    ("Kế hoạch", "KH"),
    ("Phương án", "PA"),
    ("Đề án", "ĐA"),
    ("Dự án", "DA"),
    ("Báo cáo", "BC"),
    ("Biên bản", "BB"),
    ("Tờ trình", "TTr"),
    ("Hợp đồng", "HĐ"),
    ("Công văn", None),
    ("Công điện", "CĐ"),
    ("Bản ghi nhớ", "BGN"),
    ("Bản thỏa thuận", "BTT"),
    ("Giấy ủy quyền", "GUQ"),
    ("Giấy mời", "GM"),
    ("Giấy giới thiệu", "GGT"),
    ("Giấy nghỉ phép", "GNP"),
    ("Phiếu gửi", "PG"),
    ("Phiếu chuyển", "PC"),
    ("Phiếu báo", "PB"),
    ("Thư công", None),
]

# (code, name, rank)
URGENCY_LEVELS = [
    ("normal", "Thường", 0),
    ("urgent", "Khẩn", 1),
    ("very_urgent", "Thượng khẩn", 2),
    ("flash", "Hỏa tốc", 3),
]

CONFIDENTIALITY_LEVELS = [
    ("normal", "Thường", 0),
    ("confidential", "Mật", 1),
    ("secret", "Tối mật", 2),
    ("top_secret", "Tuyệt mật", 3),
]

# Default register books opened for every member organisation each year.
# (direction, code, name, is_confidential)
DEFAULT_BOOKS = [
    ("incoming", "general", "Sổ đăng ký văn bản đến", False),
    ("incoming", "confidential", "Sổ đăng ký văn bản mật đến", True),
    ("outgoing", "general", "Sổ đăng ký văn bản đi", False),
    ("outgoing", "confidential", "Sổ đăng ký văn bản mật đi", True),
]
