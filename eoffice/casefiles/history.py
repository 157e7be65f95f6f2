"""The words of a case file's and a file list's history, shared by their pages and the API.

The shared `core.audit.ACTION_LABELS` has the generic words ("Tạo mới", "Cập nhật");
a file's page says what those steps mean for a file ("Lập hồ sơ", "Kết thúc hồ sơ").
"""

from __future__ import annotations

from eoffice.casefiles.list_common import ACTION_LABELS as LIST_ACTION_LABELS
from eoffice.core.audit import ACTION_LABELS

FILE_ACTION_LABELS = {
    "created": "Lập hồ sơ",
    "updated": "Sửa thông tin hồ sơ",
    "opened": "Mở hồ sơ",
    "documents_added": "Đưa văn bản vào hồ sơ",
    "document_removed": "Rút văn bản khỏi hồ sơ",
    "document_moved": "Đổi vị trí văn bản trong hồ sơ",
    "ordered_by_date": "Sắp xếp theo thời gian",
    "closed": "Kết thúc hồ sơ",
    "reopened": "Mở lại hồ sơ",
    "kept_back": "Giữ lại chưa nộp lưu",
    "handed_over": "Nộp lưu",
    "disposed": "Tiêu hủy",
    "exported": "Xuất hồ sơ (ZIP)",
}


# The words of the changes the archive's steps record on a file (hand-over, keeping
# back, disposal, export); the values are written as words already by those steps.
ARCHIVE_CHANGE_LABELS = {
    "kept_until": "Giữ lại đến ngày",
    "handover": "Nộp lưu",
    "delivered_by": "Người giao",
    "received_by": "Người nhận",
    "disposal": "Tiêu hủy theo",
    "documents": "Số văn bản",
}


def file_action_label(action: str) -> str:
    return FILE_ACTION_LABELS.get(action) or ACTION_LABELS.get(action, action)


def list_action_label(action: str) -> str:
    return LIST_ACTION_LABELS.get(action) or ACTION_LABELS.get(action, action)
