"""What a user was told, and which kinds of news they want in the app and by e-mail."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.core.dbtypes import UTCDateTime
from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.orgs.models import User


class NotificationKind(StrEnum):
    ASSIGNED = "assigned"
    URGENT_ARRIVED = "urgent_arrived"
    DEADLINE_TOMORROW = "deadline_tomorrow"
    OVERDUE = "overdue"
    RETURNED = "returned"
    CONTRIBUTED = "contributed"
    COMPLETED = "completed"
    REOPENED = "reopened"
    COMMENTED = "commented"
    OUTGOING_TO_REVIEW = "outgoing_review"
    OUTGOING_SENT_BACK = "outgoing_sent_back"
    OUTGOING_ISSUED = "outgoing_issued"
    DELIVERY_ARRIVED = "delivery_arrived"
    DELIVERY_REJECTED = "delivery_rejected"
    CHECK_REMINDER = "check_reminder"
    RECALL_REFUSED = "recall_refused"
    REPORT_REMINDER = "report_reminder"
    REPORT_RETURNED = "report_returned"
    REPORT_ANSWERED = "report_answered"
    REPORT_DEADLINE_EXTENDED = "report_deadline_extended"
    CASEFILE_HANDOVER_DUE = "casefile_handover_due"
    PASSWORD_RESET = "password_reset"


# In the order the preferences form lists them.
KIND_LABELS = {
    NotificationKind.ASSIGNED: "Được phân công xử lý văn bản",
    NotificationKind.URGENT_ARRIVED: "Văn bản khẩn vừa đến",
    NotificationKind.DEADLINE_TOMORROW: "Văn bản sắp đến hạn xử lý",
    NotificationKind.OVERDUE: "Văn bản quá hạn xử lý",
    NotificationKind.RETURNED: "Văn bản bị trả lại văn thư",
    NotificationKind.CONTRIBUTED: "Có ý kiến phối hợp cho văn bản bạn chủ trì",
    NotificationKind.COMPLETED: "Văn bản bạn phân công đã xử lý xong",
    NotificationKind.REOPENED: "Văn bản bạn xử lý được mở lại",
    NotificationKind.COMMENTED: "Ý kiến trao đổi về văn bản bạn xử lý hoặc phân công",
    NotificationKind.OUTGOING_TO_REVIEW: "Văn bản đi chờ bạn kiểm tra hoặc ký",
    NotificationKind.OUTGOING_SENT_BACK: "Dự thảo của bạn bị trả lại hoặc không ban hành",
    NotificationKind.OUTGOING_ISSUED: "Văn bản bạn soạn đã được ban hành",
    NotificationKind.DELIVERY_ARRIVED: "Văn bản điện tử mới đến đơn vị (văn thư)",
    NotificationKind.DELIVERY_REJECTED: "Nơi nhận từ chối tiếp nhận văn bản bạn soạn",
    NotificationKind.CHECK_REMINDER: "Nhắc giờ kiểm tra văn bản đến (văn thư)",
    NotificationKind.RECALL_REFUSED: "Nơi nhận từ chối thu hồi văn bản bạn soạn",
    NotificationKind.REPORT_REMINDER: "Nhắc hạn trả lời yêu cầu báo cáo",
    NotificationKind.REPORT_RETURNED: "Báo cáo của đơn vị được trả lại để bổ sung",
    NotificationKind.REPORT_ANSWERED: "Đơn vị trả lời yêu cầu báo cáo văn bản bạn soạn",
    NotificationKind.REPORT_DEADLINE_EXTENDED: "Gia hạn trả lời yêu cầu báo cáo",
    NotificationKind.CASEFILE_HANDOVER_DUE: "Hồ sơ sắp đến hạn nộp lưu",
    NotificationKind.PASSWORD_RESET: "Mật khẩu tài khoản của bạn được đặt lại",
}

# Kinds nobody may switch off: an urgent document must reach the leaders at once, and a
# person must learn that someone else reset their password (were it not them who asked,
# the account is being taken over).
ALWAYS_ON = frozenset({NotificationKind.URGENT_ARRIVED, NotificationKind.PASSWORD_RESET})


class Notification(db.Model):
    """One piece of news for one user; also the delivery record of its e-mail.

    `in_app` is false when the user only wants the e-mail: the row still exists so the
    job has something to send and `sent_at` makes a retried job send once.
    `reminder_day` is set for the daily deadline reminders only, so the unique
    constraint makes a second run on the same day a no-op (NULLs never collide).
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "in_app", "read_at"),
        UniqueConstraint("user_id", "kind", "document_id", "reminder_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_documents.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    # A path inside the application ("/incoming/12"); e-mails prefix PUBLIC_URL.
    link: Mapped[str | None] = mapped_column(String(300))
    in_app: Mapped[bool] = mapped_column(default=True)
    reminder_day: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(NotificationKind(self.kind), self.kind)


class NotificationPreference(db.Model):
    """A user's choice for one kind; no row means both channels on."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    in_app: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=True)


DEFAULT_DIGEST_TIME = time(7, 0)


class DigestSetting(db.Model):
    """A user's daily digest: whether, at what office time, and which day it was done for.

    No row means the defaults (on, 07:00). `send_due_digests` adds the missing rows before
    claiming, so claiming a day is always one conditional UPDATE of `last_sent_day` (two
    concurrent runs cannot both win it). `delivered_day` is stamped only once the SMTP
    server accepted the e-mail, so a job that runs twice sends once; it stays behind
    `last_sent_day` on a day the user had nothing to report.
    """

    __tablename__ = "digest_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    send_time: Mapped[time] = mapped_column(default=DEFAULT_DIGEST_TIME)
    last_sent_day: Mapped[date | None]
    delivered_day: Mapped[date | None]

    user: Mapped[User] = relationship()
