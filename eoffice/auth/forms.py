"""Sign-in and account forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(
        "Thư điện tử công vụ", validators=[DataRequired("Vui lòng nhập địa chỉ thư.")]
    )
    password = PasswordField("Mật khẩu", validators=[DataRequired("Vui lòng nhập mật khẩu.")])
    remember = BooleanField("Ghi nhớ đăng nhập trên máy này")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Mật khẩu hiện tại", validators=[DataRequired("Bắt buộc.")])
    new_password = PasswordField("Mật khẩu mới", validators=[DataRequired("Bắt buộc.")])
    confirm_password = PasswordField(
        "Nhập lại mật khẩu mới", validators=[DataRequired("Bắt buộc.")]
    )


class ApiTokenForm(FlaskForm):
    name = StringField(
        "Tên gợi nhớ", validators=[DataRequired("Vui lòng đặt tên."), Length(max=100)]
    )
