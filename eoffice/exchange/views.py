"""The admin page of the exchange settings: the hub's address, the agency's secret, on/off,
and a connection check. Thin: parse, call eoffice.exchange.settings, render.

Always the admin's own organisation (no `?org_id=`): the secret is the agency's own
credential (see eoffice.exchange.settings).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import Length

from eoffice.auth.fresh import fresh_login_required
from eoffice.core.errors import ServiceError
from eoffice.exchange import settings
from eoffice.web.access import roles_required
from eoffice.web.forms import Form, show_refusal

bp = Blueprint("exchange_admin", __name__, url_prefix="/admin/exchange")
admin_only = roles_required("admin")


class SettingsForm(Form):
    """Lengths only here; every rule (URL, secret) is the service's, in Vietnamese."""

    hub_url = StringField("Địa chỉ trục liên thông", validators=[Length(max=settings.MAX_URL)])
    secret = PasswordField("Khóa bí mật", validators=[Length(max=settings.MAX_SECRET)])
    enabled = BooleanField("Bật gửi, nhận văn bản qua trục liên thông")

    def to_input(self) -> settings.SettingsInput:
        return settings.SettingsInput(
            hub_url=self.hub_url.data or "",
            secret=self.secret.data or "",
            enabled=bool(self.enabled.data),
        )


def _render(form: SettingsForm, status: int = 200, check: settings.CheckResult | None = None):
    return render_template(
        "exchange/settings.html",
        view=settings.settings_of(current_user),
        form=form,
        check=check,
        min_secret=settings.MIN_SECRET,
    ), status


@bp.get("/")
@admin_only
def page():
    view = settings.settings_of(current_user)
    form = SettingsForm(formdata=None, data={"hub_url": view.hub_url, "enabled": view.enabled})
    return _render(form)


@bp.post("/")
@admin_only
@fresh_login_required
def save():
    form = SettingsForm()
    if not form.validate_on_submit():
        return _render(form, 422)
    try:
        settings.save_settings(current_user, form.to_input())
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render(form, 422)
    flash("Đã lưu thiết lập liên thông văn bản.", "success")
    return redirect(url_for("exchange_admin.page"))


@bp.post("/check")
@admin_only
def check():
    """Tries the saved settings (not the unsaved form): what the jobs will use."""
    result = settings.check_connection(current_user)
    view = settings.settings_of(current_user)
    form = SettingsForm(formdata=None, data={"hub_url": view.hub_url, "enabled": view.enabled})
    return _render(form, check=result)
