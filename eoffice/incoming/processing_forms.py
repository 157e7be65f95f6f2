"""Forms of the processing steps on the document page, one per step.

Field names are the workflows' input names, so a service's `field_errors` land on the
right field. Each form carries its step as prefix: several of them live on one page.
"""

from __future__ import annotations

from sqlalchemy import select
from wtforms import (
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from eoffice.casefiles.suggest import CHOICES_SHOWN, FilingChoices
from eoffice.extensions import db
from eoffice.incoming.involvement import Party, unit_members
from eoffice.orgs.models import Role, Unit, User, UserRole
from eoffice.web.fields import VnDateField
from eoffice.web.forms import Form, optional_int

MSG_CHOICE = "Lựa chọn không hợp lệ."
MSG_MORE_FILES = (
    f"Danh sách chỉ có {CHOICES_SHOWN} hồ sơ liên quan nhất. Không thấy hồ sơ cần chọn: "
    "mở hồ sơ đó trong mục «Hồ sơ», thêm văn bản này vào hồ sơ, rồi lưu văn bản bằng nút "
    "«Lưu vào hồ sơ này» ở khung «Hồ sơ» bên dưới."
)


def party_choices(org_id: int) -> list[tuple[str, str]]:
    """People and units of the organisation, as "user:ID" / "unit:ID" options."""
    users = db.session.scalars(
        select(User)
        .where(User.org_id == org_id, User.is_active_account.is_(True))
        .order_by(User.full_name, User.id)
    )
    units = db.session.scalars(
        select(Unit).where(Unit.org_id == org_id, Unit.is_active.is_(True)).order_by(Unit.name)
    )
    people = [(f"user:{u.id}", f"{u.full_name}{f' – {u.title}' if u.title else ''}") for u in users]
    return people + [(f"unit:{unit.id}", f"Đơn vị: {unit.name}") for unit in units]


def leader_choices(org_id: int) -> list[tuple[int, str]]:
    leaders = db.session.scalars(
        select(User)
        .join(UserRole)
        .where(
            User.org_id == org_id,
            User.is_active_account.is_(True),
            UserRole.role.in_((Role.LEADER, Role.DEPUTY)),
        )
        .order_by(User.full_name)
        .distinct()
    )
    return [(0, "— Không chỉ định —")] + [
        (u.id, f"{u.full_name}{f' – {u.title}' if u.title else ''}") for u in leaders
    ]


def _result_files() -> MultipleFileField:
    """Checked by their bytes in the service (eoffice.incoming.results), not here."""
    return MultipleFileField("Tệp kết quả (PDF, DOCX, XLSX, JPG, PNG; có thể chọn nhiều tệp)")


def _reason(label: str) -> TextAreaField:
    return TextAreaField(
        label, validators=[DataRequired(f"Vui lòng ghi {label.lower()}."), Length(max=1000)]
    )


class PresentForm(Form):
    presented_to = SelectField("Lãnh đạo được trình", coerce=optional_int, validators=[Optional()])
    note = TextAreaField("Ghi chú", validators=[Optional(), Length(max=1000)])

    def __init__(self, org_id: int, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.presented_to.choices = leader_choices(org_id)


class ReturnForm(Form):
    reason = _reason("Lý do trả lại")


class RejectForm(Form):
    reason = _reason("Lý do từ chối")


class AssignForm(Form):
    lead = SelectField("Chủ trì xử lý", validators=[DataRequired("Vui lòng chọn người chủ trì.")])
    coordinators = SelectMultipleField("Phối hợp", validators=[Optional()])
    informed = SelectMultipleField("Để biết", validators=[Optional()])
    deadline = VnDateField("Hạn xử lý", validators=[Optional()])
    instruction = TextAreaField("Ý kiến chỉ đạo", validators=[Optional(), Length(max=2000)])

    def __init__(self, org_id: int, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = party_choices(org_id)
        self.lead.choices = [("", "— Chọn người hoặc đơn vị —"), *choices]
        self.coordinators.choices = choices
        self.informed.choices = choices

    def parties(self) -> tuple[Party, list[Party], list[Party]]:
        """The choices as parties; the select's own validation already refused others."""
        return (
            Party.parse(self.lead.data),
            [Party.parse(token) for token in self.coordinators.data or []],
            [Party.parse(token) for token in self.informed.data or []],
        )


class ReassignForm(AssignForm):
    reason = _reason("Lý do phân công lại")


class StartForm(Form):
    note = TextAreaField("Ghi chú", validators=[Optional(), Length(max=1000)])


class ProgressForm(Form):
    note = TextAreaField(
        "Nội dung tiến độ",
        validators=[DataRequired("Vui lòng ghi nội dung tiến độ."), Length(max=1000)],
    )
    percent = IntegerField(
        "Tỷ lệ hoàn thành (%)",
        validators=[
            InputRequired("Vui lòng nhập tỷ lệ hoàn thành."),
            NumberRange(0, 100, "Tỷ lệ hoàn thành phải từ 0 đến 100."),
        ],
    )
    files = _result_files()


class CompleteForm(Form):
    result = TextAreaField(
        "Tóm tắt kết quả xử lý",
        validators=[DataRequired("Vui lòng tóm tắt kết quả xử lý."), Length(max=4000)],
    )
    reply_document = StringField(
        "Số, ký hiệu văn bản trả lời (nếu có)",
        validators=[Optional(), Length(max=100, message="Tối đa 100 ký tự.")],
    )
    files = _result_files()


class ReopenForm(Form):
    reason = _reason("Lý do mở lại")
    deadline = VnDateField("Hạn xử lý mới", validators=[Optional()])


class ExtendForm(Form):
    deadline = VnDateField("Hạn xử lý mới", validators=[DataRequired("Vui lòng nhập hạn mới.")])
    reason = _reason("Lý do gia hạn")


class FileForm(Form):
    """Lập hồ sơ / lưu: the case file the document goes into.

    The choices are set by `offer` for the document shown (proposals first); the
    service checks the file posted whatever the list said (eoffice.casefiles.filing).
    """

    case_file_id = SelectField(
        "Hồ sơ",
        coerce=optional_int,
        validators=[Optional()],
        validate_choice=False,
        description=(
            "Văn bản được đưa vào hồ sơ đã chọn rồi chuyển sang «Đã lập hồ sơ / lưu». "
            "Giữ «— Chọn hồ sơ —» nếu văn bản chỉ cần lưu, không thuộc hồ sơ nào."
        ),
    )

    def offer(self, choices: FilingChoices) -> None:
        """The proposed files first (marked), then every other file offered, newest year
        first (eoffice.casefiles.suggest; the page computes them once for this select
        and its "Hồ sơ" card). When the person may file into more files than a select
        can usefully list, the field says how to reach the others."""
        proposed = {f.id for f in choices.proposals}
        self.case_file_id.choices = [
            (0, "— Chọn hồ sơ —"),
            *((f.id, f"Đề xuất: {f.label}") for f in choices.proposals),
            *((f.id, f.label) for f in choices.files if f.id not in proposed),
        ]
        if choices.more:
            self.case_file_id.description = f"{self.case_file_id.description} {MSG_MORE_FILES}"


class ContributeForm(Form):
    result = TextAreaField(
        "Ý kiến / kết quả phối hợp",
        validators=[DataRequired("Vui lòng ghi ý kiến phối hợp."), Length(max=4000)],
    )
    files = _result_files()


class AcknowledgeForm(Form):
    """Nothing to fill in: the button confirms the person informed has read the document."""


class PassOnForm(Form):
    assignee = SelectField(
        "Cán bộ được giao",
        coerce=optional_int,
        validators=[Optional()],  # required by the workflow, which says so on the field
    )
    deadline = VnDateField("Hạn xử lý của đơn vị", validators=[Optional()])
    instruction = TextAreaField(
        "Ý kiến của lãnh đạo đơn vị", validators=[Optional(), Length(max=2000)]
    )

    def __init__(self, unit_id: int | None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = [
            (u.id, f"{u.full_name}{f' – {u.title}' if u.title else ''}")
            for u in unit_members(unit_id)
        ]
        self.assignee.choices = [(0, "— Chọn cán bộ —"), *people]


class CommentForm(Form):
    note = TextAreaField(
        "Ý kiến trao đổi",
        validators=[DataRequired("Vui lòng nhập nội dung ý kiến."), Length(max=1000)],
    )
