"""Admin forms for organisations, units and users.

Choices are not checked by WTForms (its messages are English): the services check
every value and answer in Vietnamese, shown on the field.
"""

from __future__ import annotations

from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from eoffice.orgs.models import ORG_KIND_LABELS, ROLE_LABELS, Organisation, Role, Unit
from eoffice.orgs.services import OrganisationData
from eoffice.web.fields import CheckboxesField
from eoffice.web.forms import Form, optional_int


def _max(n: int) -> Length:
    return Length(max=n, message=f"Tối đa {n} ký tự.")


class OrganisationForm(Form):
    name = StringField(
        "Tên cơ quan đầy đủ",
        validators=[DataRequired("Vui lòng nhập tên cơ quan."), _max(200)],
    )
    kind = SelectField(
        "Loại cơ quan",
        choices=[(k.value, label) for k, label in ORG_KIND_LABELS.items()],
        validate_choice=False,
    )
    parent_id = SelectField("Cơ quan cấp trên", coerce=optional_int, validate_choice=False)
    short_name = StringField("Tên viết tắt dùng trong ký hiệu", validators=[Optional(), _max(30)])
    agency_code = StringField("Mã định danh cơ quan", validators=[Optional(), _max(20)])
    address = StringField("Địa chỉ", validators=[Optional(), _max(300)])
    email = StringField("Thư điện tử công vụ", validators=[Optional(), _max(120)])
    phone = StringField("Điện thoại", validators=[Optional(), _max(40)])
    ward = StringField("Phường, xã", validators=[Optional(), _max(80)])
    place_name = StringField("Địa danh ghi trên văn bản đi", validators=[Optional(), _max(100)])

    def set_parents(self, parents: list[Organisation]) -> None:
        self.parent_id.choices = [(0, "— Không có —")] + [(o.id, o.name) for o in parents]

    def to_data(self) -> OrganisationData:
        return OrganisationData(
            name=self.name.data or "",
            kind=self.kind.data or "",
            short_name=self.short_name.data,
            agency_code=self.agency_code.data,
            parent_id=self.parent_id.data,
            address=self.address.data,
            email=self.email.data,
            phone=self.phone.data,
            ward=self.ward.data,
            place_name=self.place_name.data,
        )


class UnitForm(Form):
    name = StringField(
        "Tên đơn vị", validators=[DataRequired("Vui lòng nhập tên đơn vị."), _max(150)]
    )
    short_name = StringField("Tên viết tắt", validators=[Optional(), _max(20)])


class UserEditForm(Form):
    full_name = StringField(
        "Họ và tên", validators=[DataRequired("Vui lòng nhập họ và tên."), _max(100)]
    )
    title = StringField("Chức vụ", validators=[Optional(), _max(100)])
    unit_id = SelectField("Đơn vị", coerce=optional_int, validate_choice=False)
    roles = CheckboxesField(
        "Vai trò",
        choices=[(r.value, label) for r, label in ROLE_LABELS.items()],
        validate_choice=False,
    )

    def set_units(self, units: list[Unit]) -> None:
        self.unit_id.choices = [(0, "— Không thuộc đơn vị nào —")] + [
            (u.id, u.name if u.is_active else f"{u.name} (ngừng hoạt động)") for u in units
        ]


class UserCreateForm(UserEditForm):
    email = StringField(
        "Thư điện tử công vụ",
        validators=[DataRequired("Vui lòng nhập địa chỉ thư."), _max(120)],
    )
    password = PasswordField(
        "Mật khẩu ban đầu",
        validators=[DataRequired("Vui lòng đặt mật khẩu ban đầu.")],
        render_kw={"autocomplete": "new-password"},
    )


class TwoFactorPolicyForm(Form):
    """The roles of the organisation that must sign in with two steps (eoffice.auth.policy)."""

    roles = CheckboxesField(
        "Bắt buộc xác thực hai bước với",
        choices=[(r.value, ROLE_LABELS[r]) for r in (Role.LEADER, Role.CLERK, Role.ADMIN)],
        validate_choice=False,
    )
