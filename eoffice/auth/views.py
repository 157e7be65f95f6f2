"""Sign-in, sign-out, password change, and the profile page with API tokens."""

from __future__ import annotations

import logging
import time

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
from flask_login import (
    current_user,
    login_required,
    login_user,
    logout_user,
    user_loaded_from_cookie,
)

from eoffice.auth import fresh, guards, services, two_factor
from eoffice.auth.forms import ApiTokenForm, ChangePasswordForm, CodeForm, LoginForm, ReauthForm
from eoffice.auth.policy import requires_two_factor
from eoffice.core.errors import ServiceError
from eoffice.core.text import clean
from eoffice.extensions import db, limiter
from eoffice.orgs.models import User
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
    """A `next` of this site only (see fresh.safe_local_target), else the home page."""
    return fresh.safe_local_target(target) or url_for("main.home")


PENDING = "eoffice.pending_sign_in"
WRONG_CREDENTIALS = "Thư điện tử hoặc mật khẩu không đúng."
PENDING_EXPIRED = "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại."

bp.before_app_request(guards.check_session)
bp.app_errorhandler(fresh.FreshLoginRequired)(fresh.handle_fresh_login_required)
user_loaded_from_cookie.connect(guards.restored_from_cookie)


def _complete_login(user: User, remember: bool, target: str | None):
    """Every step passed: a new session, fresh, and its sign-in time noted.

    Whether the person must enrol first is not kept in the session (a session restored
    by remember-me would lack it): guards.check_session asks the policy every request.
    """
    session.clear()
    login_user(user, remember=remember)
    fresh.mark_fresh()
    guards.start_session()
    if user.must_change_password:
        log.info("login ok user=%s (must change the temporary password)", user.id)
        return redirect(url_for("auth.password_required"))
    if not user.has_two_factor and requires_two_factor(user):
        log.info("login ok user=%s (must enrol in two-step sign-in)", user.id)
        return redirect(url_for("auth.two_factor_required"))
    log.info("login ok user=%s", user.id)
    return redirect(_safe_next(target))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_account_limit, key_func=_submitted_account, methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        outcome = services.check_password(form.email.data, form.password.data)
        user = outcome.user
        if user is not None and user.has_two_factor:
            session.clear()
            session[PENDING] = {
                "user": user.id,
                "token": user.session_token,
                "expires": time.time() + current_app.config["TWO_FACTOR_PENDING_MINUTES"] * 60,
                "remember": bool(form.remember.data),
                "next": request.args.get("next"),
            }
            return redirect(url_for("auth.login_code"))
        if user is not None:
            return _complete_login(user, bool(form.remember.data), request.args.get("next"))
        log.warning("login failed for %r from %s", form.email.data, request.remote_addr)
        if outcome.locked_until is not None:
            form.password.errors = [services.locked_message(outcome.locked_until)]
        else:
            form.password.errors = [WRONG_CREDENTIALS]
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


def _pending_user() -> tuple[User | None, dict]:
    """The person between the two steps of signing in, if that state is still valid."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None, {}
    if not isinstance(pending.get("expires"), int | float) or pending["expires"] < time.time():
        return None, {}
    user = db.session.get(User, pending.get("user") or 0)
    if user is None or user.session_token != pending.get("token") or not user.has_two_factor:
        return None, {}
    return user, pending


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
def login_code():
    """The "Mã xác thực" step: not signed in until the code is right."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(PENDING_EXPIRED, "warning")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        outcome = services.check_second_step(user, form.code.data)
        if outcome.user is not None:
            return _complete_login(user, pending.get("remember", False), pending.get("next"))
        log.warning("two-step code refused for user %s from %s", user.id, request.remote_addr)
        if outcome.locked_until is not None:
            session.pop(PENDING, None)
            flash(services.locked_message(outcome.locked_until), "danger")
            return redirect(url_for("auth.login"))
        form.code.errors = [two_factor.WRONG_CODE]
        return render_template("auth/login_code.html", form=form), 401
    return render_template("auth/login_code.html", form=form)


@bp.route("/reauth", methods=["GET", "POST"])
def reauth():
    """Confirm the password (and code) again before a sensitive action."""
    target = _safe_next(request.args.get("next"))
    form = ReauthForm()
    if form.validate_on_submit():
        try:
            services.confirm_password(current_user, form.password.data, form.code.data)
        except ServiceError as exc:
            show_refusal(form, exc)
            return render_template("auth/reauth.html", form=form, target=target), 401
        fresh.mark_fresh()
        if session.pop(fresh.REAUTH_AGAIN, False):
            flash(fresh.AGAIN, "info")
        return redirect(target)
    return render_template("auth/reauth.html", form=form, target=target)


@bp.post("/logout")
@login_required
def logout():
    session.clear()
    logout_user()  # after clear(): it marks the remember-me cookie for deletion
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


def _render_profile(
    *,
    password_form: ChangePasswordForm | None = None,
    token_form: ApiTokenForm | None = None,
    new_token: str | None = None,
    code_form: CodeForm | None = None,
    status: int = 200,
):
    user = current_user._get_current_object()
    return render_template(
        "auth/profile.html",
        password_form=password_form or ChangePasswordForm(),
        token_form=token_form or ApiTokenForm(),
        tokens=services.tokens_of(user),
        new_token=new_token,
        code_form=code_form or CodeForm(),
        recovery_left=two_factor.remaining_recovery_codes(user) if user.has_two_factor else 0,
        two_factor_required=requires_two_factor(user),
    ), status


def _keep_this_session() -> None:
    """After the session token rotated: re-issue this session's cookie.

    It does not make the login fresh: only a sign-in and /reauth do (otherwise a
    password change would stand in for the code, and an action repeated every few
    minutes would keep a session fresh for ever).
    """
    login_user(current_user._get_current_object())


def _no_store(response):
    """A page showing a secret once must not stay in any cache."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/profile")
@login_required
def profile():
    return _render_profile()


@bp.get("/profile/password/required")
@login_required
def password_required():
    """Where an admin's password reset sends the person before anything else."""
    if not current_user.must_change_password:
        return redirect(url_for("main.home"))
    return render_template("auth/password_required.html", form=ChangePasswordForm())


@bp.post("/profile/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    required = current_user.must_change_password
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
            _keep_this_session()
            flash("Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất.", "success")
            return redirect(url_for("main.home" if required else "auth.profile"))
    if required:
        return render_template("auth/password_required.html", form=form), 422
    return _render_profile(password_form=form, status=422)


@bp.post("/profile/sessions/revoke")
@login_required
@fresh.fresh_login_required
def revoke_other_sessions():
    services.sign_out_other_sessions(current_user)
    _keep_this_session()
    flash("Đã đăng xuất mọi phiên đăng nhập khác của bạn (kể cả các máy đã ghi nhớ).", "success")
    return redirect(url_for("auth.profile"))


@bp.post("/profile/tokens")
@login_required
@fresh.fresh_login_required
def create_token():
    """The clear token is shown in this very response and nowhere else.

    Not kept in the session for a redirect: the session cookie is signed, not
    encrypted, and would carry the token to the browser and back until the next view.
    """
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _render_profile(token_form=form, status=422)
    try:
        _token, clear = services.create_api_token(current_user, form.name.data)
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_profile(token_form=form, status=422)
    flash("Đã tạo mã API. Hãy sao chép ngay: mã chỉ hiển thị một lần.", "success")
    return _no_store(_render_profile(new_token=clear))


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    services.revoke_api_token(current_user, token_id)
    flash("Đã thu hồi mã API.", "success")
    return redirect(url_for("auth.profile"))


# --- Two-step sign-in -----------------------------------------------------------------


def _render_setup(enrolment, form: CodeForm | None = None, *, required: bool, status: int = 200):
    return _no_store(
        (
            render_template(
                "auth/two_factor_setup.html",
                enrolment=enrolment,
                form=form or CodeForm(),
                required=required,
            ),
            status,
        )
    )


ENROLMENT_STARTED = "eoffice.enrolment_started"


def _pending_enrolment():
    """The enrolment this session started, shown again only while it is recent (the
    secret on the page is a credential) and the login fresh; otherwise None, and the
    person starts a new enrolment (a new secret) under a fresh login."""
    started = session.get(ENROLMENT_STARTED)
    limit = two_factor.ENROLMENT_MINUTES * 60
    if not isinstance(started, int | float) or not 0 <= time.time() - started <= limit:
        return None
    if not fresh.is_fresh():
        return None
    return two_factor.pending_enrolment(current_user)


@bp.get("/profile/two-factor/required")
@login_required
def two_factor_required():
    """Where the policy sends a person who must enrol before anything else."""
    if current_user.has_two_factor:
        return redirect(url_for("main.home"))
    enrolment = _pending_enrolment()
    return (
        render_template("auth/two_factor_required.html", enrolment=enrolment, form=CodeForm())
        if enrolment is None
        else _render_setup(enrolment, required=True)
    )


@bp.post("/profile/two-factor/start")
@login_required
@fresh.fresh_login_required
def two_factor_start():
    try:
        enrolment = two_factor.start_enrolment(current_user)
    except ServiceError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("auth.profile"))
    session[ENROLMENT_STARTED] = time.time()
    return _render_setup(enrolment, required=requires_two_factor(current_user))


@bp.post("/profile/two-factor/confirm")
@login_required
@fresh.fresh_login_required
def two_factor_confirm():
    form = CodeForm()
    required = requires_two_factor(current_user)
    enrolment = _pending_enrolment()
    if enrolment is None:
        flash(two_factor.NOT_ENROLLING, "warning")
        return redirect(url_for("auth.profile"))
    if not form.validate_on_submit():
        return _render_setup(enrolment, form, required=required, status=422)
    try:
        codes = two_factor.confirm_enrolment(current_user, form.code.data)
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_setup(enrolment, form, required=required, status=422)
    _keep_this_session()
    session.pop(ENROLMENT_STARTED, None)
    flash("Đã bật xác thực hai bước. Các phiên đăng nhập khác đã bị đăng xuất.", "success")
    return _no_store(render_template("auth/recovery_codes.html", codes=codes))


@bp.post("/profile/two-factor/disable")
@login_required
@fresh.fresh_login_required
def two_factor_disable():
    form = CodeForm()
    if not form.validate_on_submit():
        return _render_profile(code_form=form, status=422)
    try:
        two_factor.disable(current_user, form.code.data)
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_profile(code_form=form, status=422)
    _keep_this_session()
    flash("Đã tắt xác thực hai bước. Các phiên đăng nhập khác đã bị đăng xuất.", "success")
    return redirect(url_for("auth.profile"))


@bp.post("/profile/two-factor/recovery-codes")
@login_required
@fresh.fresh_login_required
def recovery_codes():
    form = CodeForm()
    if not form.validate_on_submit():
        return _render_profile(code_form=form, status=422)
    try:
        codes = two_factor.regenerate_recovery_codes(current_user, form.code.data)
    except ServiceError as exc:
        show_refusal(form, exc)
        return _render_profile(code_form=form, status=422)
    flash("Đã tạo 10 mã khôi phục mới; các mã cũ không còn dùng được.", "success")
    return _no_store(render_template("auth/recovery_codes.html", codes=codes))
