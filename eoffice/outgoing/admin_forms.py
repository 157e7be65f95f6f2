"""Forms of the outgoing settings pages: a check of the approval chain, a delegation.

Choices are not checked by WTForms (its messages are English): eoffice.outgoing.settings
checks every value and answers in Vietnamese, on the field of the same name.
"""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from eoffice.orgs.models import ROLE_LABELS, User
from eoffice.outgoing.settings import (
    DELEGATION_CAPACITY_LABELS,
    STAGE_KIND_LABELS,
    DelegationInput,
    StageInput,
)
from eoffice.web.fields import VnDateField
from eoffice.web.forms import Form, optional_int


def _people(users: list[User]) -> list[tuple[int, str]]:
    return [(0, "— Chọn —")] + [
        (u.id, f"{u.full_name}{' – ' + u.title if u.title else ''}") for u in users
    ]


class StageForm(Form):
    kind = SelectField(
        "Ai kiểm tra", choices=list(STAGE_KIND_LABELS.items()), validate_choice=False
    )
    role = SelectField(
        "Vai trò",
        choices=[("", "— Chọn —")] + [(r.value, label) for r, label in ROLE_LABELS.items()],
        validate_choice=False,
    )
    user_id = SelectField("Người kiểm tra", coerce=optional_int, validate_choice=False)
    label = StringField(
        "Tên bước",
        validators=[Optional(), Length(max=150, message="Tối đa 150 ký tự.")],
    )

    def set_people(self, users: list[User]) -> None:
        self.user_id.choices = _people(users)

    def to_input(self) -> StageInput:
        return StageInput(
            kind=self.kind.data or "",
            label=self.label.data or "",
            role=self.role.data or None,
            user_id=self.user_id.data,
        )


class DelegationForm(Form):
    from_user_id = SelectField("Người ủy quyền", coerce=optional_int, validate_choice=False)
    to_user_id = SelectField("Người ký thay", coerce=optional_int, validate_choice=False)
    capacity = SelectField(
        "Thẩm quyền ký",
        choices=[(c.value, label) for c, label in DELEGATION_CAPACITY_LABELS.items()],
        validate_choice=False,
    )
    starts_on = VnDateField("Từ ngày")
    ends_on = VnDateField("Đến hết ngày")
    note = StringField(
        "Ghi chú",
        validators=[Optional(), Length(max=300, message="Tối đa 300 ký tự.")],
    )

    def set_people(self, grantors: list[User], grantees: list[User]) -> None:
        self.from_user_id.choices = _people(grantors)
        self.to_user_id.choices = _people(grantees)

    def to_input(self) -> DelegationInput:
        return DelegationInput(
            from_user_id=self.from_user_id.data,
            to_user_id=self.to_user_id.data,
            capacity=self.capacity.data,
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            note=self.note.data,
        )
