"""Recording audit events; services call `record()` inside their transaction.

The transaction's commit puts its events in their organisation's hash chain
(`core.audit_chain`); `flask audit verify` walks the chains (`core.audit_verify`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from eoffice.core.models import AuditEvent
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db

# Reading a confidential document (core.secret_access): logged for the leader, never
# shown in the document's history.
SECRET_OPENED, SECRET_DOWNLOADED = "secret_opened", "secret_downloaded"
ACCESS_ACTIONS = (SECRET_OPENED, SECRET_DOWNLOADED)

# Vietnamese labels for the history shown on a document page.
ACTION_LABELS = {
    "registered": "Vào sổ",
    "corrected": "Sửa thông tin",
    "cancelled": "Hủy vào sổ",
    "file_added": "Thêm tệp",
    "presented": "Trình lãnh đạo",
    "returned_to_clerk": "Trả lại văn thư",
    "assigned": "Phân công xử lý",
    "reassigned": "Phân công lại",
    "deadline_extended": "Gia hạn xử lý",
    "started": "Bắt đầu xử lý",
    "progress": "Ghi nhận tiến độ",
    "completed": "Hoàn thành xử lý",
    "reopened": "Mở lại để xử lý tiếp",
    "filed": "Lập hồ sơ / lưu",
    "rejected": "Từ chối tiếp nhận",
    "contributed": "Gửi ý kiến phối hợp",
    "acknowledged": "Đã xem để biết",
    "passed_on": "Giao cho cán bộ trong đơn vị",
    "commented": "Ý kiến trao đổi",
    "withdrawn": "Thu hồi theo yêu cầu của nơi gửi",
    "drafted": "Soạn thảo",
    "draft_updated": "Sửa dự thảo",
    "submitted": "Trình duyệt",
    "approved": "Đồng ý",
    "sent_back": "Trả lại để sửa",
    "signed": "Ký ban hành",
    "published": "Phát hành",
    "recalled": "Thu hồi văn bản",
    "discarded": "Hủy dự thảo",
    "not_issued": "Không ban hành",
    "republish_requested": "Yêu cầu phát hành lại",
    "delivery_rejected": "Nơi nhận từ chối tiếp nhận",
    # District directives (eoffice.directives): the schools' answers and acknowledgements,
    # the district's follow-up. Custom recipient groups use "created", "updated", "deleted".
    "report_answered": "Trả lời yêu cầu báo cáo",
    "report_answered_again": "Trả lời lại yêu cầu báo cáo",
    "report_corrected": "Sửa câu trả lời báo cáo",
    "report_returned": "Trả lại câu trả lời để bổ sung",
    "report_deadline_extended": "Gia hạn trả lời báo cáo",
    "report_reminded": "Nhắc các trường báo cáo",
    "directive_acknowledged": "Xác nhận đã nhận, đã triển khai",
    "acknowledgement_edited": "Sửa ghi chú triển khai",
    "created": "Tạo mới",
    "updated": "Cập nhật",
    "deactivated": "Khóa",
    "reactivated": "Mở khóa",
    "deleted": "Xóa",
    "password_changed": "Đổi mật khẩu",
    "password_reset": "Đặt lại mật khẩu",
    "token_created": "Tạo mã API",
    "token_revoked": "Thu hồi mã API",
    SECRET_OPENED: "Mở xem văn bản mật",
    SECRET_DOWNLOADED: "Tải tệp của văn bản mật",
}


def record(
    *,
    actor_id: int | None,
    org_id: int | None,
    subject_type: str,
    subject_id: int | None,
    action: str,
    changes: dict[str, Any] | None = None,
    note: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=now_utc(),
        actor_id=actor_id,
        org_id=org_id,
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        changes=changes or {},
        note=note,
    )
    db.session.add(event)
    return event


def history(subject_type: str, subject_id: int) -> list[AuditEvent]:
    """Events of one record, oldest first; readings of a secret document are left out
    (they are the access log's, not steps of the record)."""
    stmt = (
        select(AuditEvent)
        .where(
            AuditEvent.subject_type == subject_type,
            AuditEvent.subject_id == subject_id,
            AuditEvent.action.not_in(ACCESS_ACTIONS),
        )
        .order_by(AuditEvent.id)
    )
    return list(db.session.scalars(stmt))
