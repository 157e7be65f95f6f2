"""Sign-in and account forms."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from eoffice.web.forms import Form


class LoginForm(Form):
    email = EmailField(
        "Thư điện tử công vụ", validators=[DataRequired("Vui lòng nhập địa chỉ thư.")]
    )
    password = PasswordField("Mật khẩu", validators=[DataRequired("Vui lòng nhập mật khẩu.")])
    remember = BooleanField("Ghi nhớ đăng nhập trên máy này")


class ChangePasswordForm(Form):
    current_password = PasswordField("Mật khẩu hiện tại", validators=[DataRequired("Bắt buộc.")])
    new_password = PasswordField("Mật khẩu mới", validators=[DataRequired("Bắt buộc.")])
    confirm_password = PasswordField(
        "Nhập lại mật khẩu mới", validators=[DataRequired("Bắt buộc.")]
    )


class ApiTokenForm(Form):
    name = StringField(
        "Tên gợi nhớ", validators=[DataRequired("Vui lòng đặt tên."), Length(max=100)]
    )


class CodeForm(Form):
    """The second step of signing in: a code of the app, or a recovery code."""

    code = StringField(
        "Mã xác thực",
        validators=[DataRequired("Vui lòng nhập mã xác thực."), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True},
    )


class ReauthForm(Form):
    password = PasswordField(
        "Mật khẩu",
        validators=[DataRequired("Vui lòng nhập mật khẩu.")],
        render_kw={"autocomplete": "current-password", "autofocus": True},
    )
    code = StringField(
        "Mã xác thực",
        validators=[Length(max=40)],
        render_kw={"autocomplete": "one-time-code"},
    )
