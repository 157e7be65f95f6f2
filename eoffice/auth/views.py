"""Sign-in, sign-out, password change, and the profile page with API tokens."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from eoffice.auth import services
from eoffice.auth.forms import ApiTokenForm, ChangePasswordForm, LoginForm
from eoffice.core.errors import ServiceError
from eoffice.core.text import clean
from eoffice.extensions import limiter
from eoffice.web.forms import show_refusal

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def _submitted_account() -> str:
    """The rate-limit key of the account being tried, whatever address the tries come from.

    Guessing one person's password from many addresses (or from behind the office's one
    proxy address, shared by everybody) is held back per account, not only per address.
    """
    return "account:" + clean(request.form.get("email", ""))[:254].lower()


def _failed(response: Response) -> bool:
    """Only failed attempts count: a successful sign-in redirects."""
    return response.status_code != 302


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_account_limit, key_func=_submitted_account, methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()
            login_user(user, remember=form.remember.data)
            log.info("login ok user=%s", user.id)
            return redirect(_safe_next(request.args.get("next")))
        log.warning("login failed for %r from %s", form.email.data, request.remote_addr)
        form.password.errors = ["Thư điện tử hoặc mật khẩu không đúng."]
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


def _render_profile(
    *,
    password_form: ChangePasswordForm | None = None,
    token_form: ApiTokenForm | None = None,
    new_token: str | None = None,
):
    return render_template(
        "auth/profile.html",
        password_form=password_form or ChangePasswordForm(),
        token_form=token_form or ApiTokenForm(),
        tokens=services.tokens_of(current_user),
        new_token=new_token,
    )


@bp.get("/profile")
@login_required
def profile():
    return _render_profile()


@bp.post("/profile/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user,
                form.current_password.data,
                form.new_password.data,
                form.confirm_password.data,
            )
        except ServiceError as exc:
            show_refusal(form, exc)
        else:
            # The cookie must carry the new session token, or this session would end too.
            login_user(current_user._get_current_object(), fresh=True)
            flash("Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất.", "success")
            return redirect(url_for("auth.profile"))
    return _render_profile(password_form=form), 422


@bp.post("/profile/tokens")
@login_required
def create_token():
    """The clear token is shown in this very response and nowhere else.

    Not kept in the session for a redirect: the session cookie is signed, not
    encrypted, and would carry the token to the browser and back until the next view.
    """
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _render_profile(token_form=form), 422
    try:
        _token, clear = services.create_api_token(current_user, form.name.data)
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_profile(token_form=form), 422
    flash("Đã tạo mã API. Hãy sao chép ngay: mã chỉ hiển thị một lần.", "success")
    response = make_response(_render_profile(new_token=clear))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    services.revoke_api_token(current_user, token_id)
    flash("Đã thu hồi mã API.", "success")
    return redirect(url_for("auth.profile"))
