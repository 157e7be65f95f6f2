"""An admin resets a forgotten password (decision 0022): a temporary password shown once,
the old one and every session, remember-me cookie and API token of the person ended,
their lock-out cleared, and every page held back until the person has chosen a new
password of their own.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime

import pyotp
import pytest
from sqlalchemy import select

from eoffice.auth import fresh, password_reset, policy, services, two_factor
from eoffice.auth.models import LoginLockout
from eoffice.core import timeutil
from eoffice.core.errors import Forbidden
from eoffice.core.models import AuditEvent
from eoffice.core.security import password_problem
from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.notifications.models import Notification, NotificationKind
from eoffice.orgs.models import User
from tests import factories
from tests.smtp import html_of, text_of

REQUIRED = "/profile/password/required"
NEW_PASSWORD = "Hoa-Phuong-Do-2027"
LOCKED = "Tài khoản tạm thời bị khóa do đăng nhập sai nhiều lần liên tiếp."
TEMPORARY = re.compile(r'id="temporary-password">([^<]+)</code>')


@pytest.fixture
def app_config(app_config, smtp):
    """The lock-out made short, and e-mail sent to the test's own SMTP server (the reset
    e-mails the person)."""
    _collector, port = smtp
    return {
        **app_config,
        "LOGIN_LOCKOUT_THRESHOLD": 3,
        "LOGIN_LOCKOUT_MINUTES": 15,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
    }


def _text(response) -> str:
    return response.get_data(as_text=True)


def _reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def _events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _signed_in(app, user: User, *, remember: bool = False):
    client = app.test_client()
    data = {"email": user.email, "password": factories.PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 302
    return client


def _reset(admin_client, user: User):
    return admin_client.post(f"/admin/users/{user.id}/password/reset")


def _temporary_from(response) -> str:
    match = TEMPORARY.search(_text(response))
    assert match, "the result page shows the temporary password"
    return match.group(1)


def _change(client, current: str, new: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(
        "/profile/password",
        data={
            "current_password": current,
            "new_password": new,
            "confirm_password": new if confirm is None else confirm,
        },
    )


def _api_me(app, token: str):
    return app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_the_temporary_password_is_readable_random_and_passes_the_policy():
    seen = {password_reset.temporary_password() for _ in range(200)}
    assert len(seen) == 200
    for value in seen:
        assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", value)
        assert not set(value) & set("01ilo")  # no look-alike characters
        assert password_problem(value) is None
    used = set("".join(seen).replace("-", ""))
    assert used <= set(password_reset.ALPHABET) and len(used) > 25  # the whole alphabet


def test_an_admin_resets_a_forgotten_password_and_the_person_must_change_it(app, world):
    school = world.school_a
    person = school.staff
    # The person's browser and a remembered one elsewhere, and an API token.
    here = _signed_in(app, person)
    remembered = _signed_in(app, person, remember=True)
    _token, api_token = services.create_api_token(_reload(person), "Báo cáo")
    assert _api_me(app, api_token).status_code == 200
    # Trying to remember the password, they locked their address.
    for _ in range(3):
        assert factories.login(app.test_client(), person, "khong-nho-1").status_code == 401
    assert LOCKED in _text(factories.login(app.test_client(), person))

    admin = _signed_in(app, school.admin)
    form = _text(admin.get(f"/admin/users/{person.id}/edit"))
    assert f'action="/admin/users/{person.id}/password/reset" autocomplete="off"' in form
    assert '<h2 class="h6">Đặt lại mật khẩu</h2>' in form
    assert (
        f'data-confirm="Đặt lại mật khẩu của {person.full_name}? Mật khẩu hiện tại sẽ hết '
        'hiệu lực và mọi phiên đăng nhập của người này bị đăng xuất."' in form
    )
    old_hash = person.password_hash

    page = _reset(admin, person)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    temporary = _temporary_from(page)
    assert "Sao chép" in _text(page) and "chỉ hiển thị một lần" in _text(page)
    assert "Không tải lại trang này" in _text(page)  # a reload would reset it again
    assert not re.search(r"<script(?![^>]*\bsrc=)", _text(page))  # strict CSP

    stored = _reload(person)
    assert stored.must_change_password and stored.password_hash != old_hash
    assert temporary not in stored.password_hash and stored.password_hash.startswith("$argon2id$")
    # Every session, remember-me cookie and API token of the person has ended.
    assert here.get("/").status_code == 302
    remembered.delete_cookie("session", domain="eoffice.test")  # the browser was closed
    assert remembered.get("/").status_code == 302
    assert _api_me(app, api_token).status_code == 401
    # The lock-out of the address is gone.
    assert db.session.get(LoginLockout, person.email) is None
    [event] = _events("password_reset")
    assert (event.actor_id, event.org_id, event.subject_id) == (
        school.admin.id,
        school.org.id,
        person.id,
    )
    assert temporary not in repr(event.changes)
    [revoked] = _events("api_tokens_revoked")
    assert revoked.changes == {"count": 1, "reason": "password_reset"}
    assert revoked.actor_id == school.admin.id

    # The old password no longer signs in; the temporary one does, to the change page.
    client = app.test_client()
    assert factories.login(client, person).status_code == 401
    signed_in = factories.login(client, person, temporary)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == REQUIRED
    required = client.get(REQUIRED)
    assert required.status_code == 200 and "mật khẩu tạm thời" in _text(required)
    # Every page sends them back there, GET or POST, until the password is changed.
    for url in ("/", "/incoming", "/profile", "/search", "/admin/users", "/reauth"):
        held = client.get(url)
        assert held.status_code == 302 and held.headers["Location"] == REQUIRED, url
    held = client.post("/profile/tokens", data={"name": "Lách qua"})
    assert held.status_code == 302 and held.headers["Location"] == REQUIRED
    assert client.get("/static/js/app.js").status_code == 200

    # The new password follows the policy; a refusal stays on the change page.
    weak = _change(client, temporary, "matkhau123")
    assert weak.status_code == 422 and "quá phổ biến" in _text(weak)
    assert "Mật khẩu tạm thời" in _text(weak)
    wrong = _change(client, "sai-mat-khau-1")
    assert wrong.status_code == 422 and "Mật khẩu hiện tại không đúng." in _text(wrong)
    assert _reload(person).must_change_password

    done = _change(client, temporary)
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert not _reload(person).must_change_password
    assert client.get("/").status_code == 200
    assert client.get("/incoming").status_code == 200
    assert client.get(REQUIRED).headers["Location"] == "/"  # nothing left to change
    # The temporary password is spent; the new one signs in as usual.
    assert factories.login(app.test_client(), person, temporary).status_code == 401
    fresh_client = app.test_client()
    assert factories.login(fresh_client, person, NEW_PASSWORD).headers["Location"] == "/"


def test_the_temporary_password_never_reaches_logs_flashes_or_the_cookie(app, world, caplog):
    caplog.set_level(logging.DEBUG)
    school = world.school_b
    admin = _signed_in(app, school.admin)
    page = _reset(admin, school.clerk)
    temporary = _temporary_from(page)
    assert temporary not in page.headers.get("Set-Cookie", "")
    with admin.session_transaction() as session:
        assert temporary not in repr(dict(session))
        assert not session.get("_flashes")
    following = _text(admin.get("/admin/users"))
    assert temporary not in following
    client = app.test_client()
    factories.login(client, school.clerk, temporary)
    _change(client, temporary)
    with client.session_transaction() as session:
        assert temporary not in repr(dict(session))
    assert temporary not in caplog.text
    assert f"password of user {school.clerk.id} reset by admin {school.admin.id}" in caplog.text
    for event in _events("password_reset") + _events("password_changed"):
        assert temporary not in repr(event.changes)


def test_only_an_admin_managing_the_person_may_reset(app, world):
    person = world.school_a.clerk
    before = person.password_hash

    other_admin = _signed_in(app, world.school_b.admin)
    assert _reset(other_admin, person).status_code == 404
    assert other_admin.post("/admin/users/999999/password/reset").status_code == 404
    leader = _signed_in(app, world.school_a.leader)
    assert _reset(leader, person).status_code == 403
    with pytest.raises(Forbidden):
        password_reset.reset_password(_reload(world.school_a.leader), person.id)
    # The admin's own password goes through their profile.
    own_admin = _signed_in(app, world.school_a.admin)
    own = _reset(own_admin, world.school_a.admin)
    assert own.status_code == 302
    assert own.headers["Location"] == f"/admin/users/{world.school_a.admin.id}/edit"
    assert "Hãy tự đổi mật khẩu của mình" in _text(own_admin.get(own.headers["Location"]))
    assert "Đặt lại mật khẩu" not in _text(
        own_admin.get(f"/admin/users/{world.school_a.admin.id}/edit")
    )
    assert _events("password_reset") == []
    assert _reload(person).password_hash == before and not _reload(person).must_change_password
    assert not _reload(world.school_a.admin).must_change_password

    # The district admin manages the member schools' people, as in the user form.
    district_admin = _signed_in(app, world.district.admin)
    assert _reset(district_admin, person).status_code == 200
    assert [e.actor_id for e in _events("password_reset")] == [world.district.admin.id]


def test_resetting_needs_a_fresh_login(app, world):
    person = world.school_a.staff
    admin = _signed_in(app, world.school_a.admin)
    with admin.session_transaction() as session:
        session[fresh.FRESH_AT] = time.time() - 11 * 60
    edit_page = f"/admin/users/{person.id}/edit"
    refused = admin.post(f"/admin/users/{person.id}/password/reset", headers={"Referer": edit_page})
    assert refused.status_code == 302
    assert refused.headers["Location"] == f"/reauth?next={edit_page}"
    assert not _reload(person).must_change_password and _events("password_reset") == []
    assert admin.post(f"/reauth?next={edit_page}", data={"password": factories.PASSWORD}).headers[
        "Location"
    ] == (edit_page)
    assert _reset(admin, person).status_code == 200


class TotpClock:
    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def code(self, secret: str) -> str:
        self.now += two_factor.STEP_SECONDS  # a new window: a code is accepted once
        return pyotp.TOTP(secret).at(self.now)


def test_with_two_step_sign_in_the_code_step_leads_to_the_change_too(app, world, monkeypatch):
    clock = TotpClock()
    monkeypatch.setattr(two_factor, "_now", lambda: clock.now)
    person = world.school_b.leader
    client = _signed_in(app, person)
    start = _text(client.post("/profile/two-factor/start"))
    secret = re.search(r'id="totp-secret"[^>]*>([^<]+)<', start).group(1).replace(" ", "")
    assert client.post("/profile/two-factor/confirm", data={"code": clock.code(secret)}).status_code
    assert _reload(person).has_two_factor

    admin = _signed_in(app, world.school_b.admin)
    page = _reset(admin, person)
    temporary = _temporary_from(page)
    assert "Xác thực hai bước của người này vẫn bật" in _text(page)
    assert _reload(person).has_two_factor  # the reset leaves the second step alone

    client = app.test_client()
    assert factories.login(client, person, temporary).headers["Location"] == "/login/code"
    assert client.get("/").status_code == 302  # not signed in before the code
    coded = client.post("/login/code", data={"code": clock.code(secret)})
    assert coded.status_code == 302 and coded.headers["Location"] == REQUIRED
    assert client.get("/outgoing").headers["Location"] == REQUIRED
    assert _change(client, temporary).headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_the_change_of_password_comes_before_a_required_enrolment(app, world):
    school = world.school_a
    policy.set_required_roles(school.admin, school.org.id, ["clerk"])
    admin = _signed_in(app, school.admin)
    temporary = _temporary_from(_reset(admin, school.clerk))

    client = app.test_client()
    assert factories.login(client, school.clerk, temporary).headers["Location"] == REQUIRED
    assert client.get("/profile/two-factor/required").headers["Location"] == REQUIRED
    assert client.get(REQUIRED).status_code == 200
    assert _change(client, temporary).status_code == 302
    # Then the organisation's policy: enrol before anything else.
    assert client.get("/incoming").headers["Location"] == "/profile/two-factor/required"


def _notices(user: User) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id,
                Notification.kind == NotificationKind.PASSWORD_RESET,
            )
        )
    )


def test_the_person_is_told_of_the_reset_by_email_and_in_the_bell(app, world, outbox):
    """Who reset it and when, in the bell and by e-mail, even with every kind of news
    switched off; never the temporary password."""
    runner().connection.flushall()
    school = world.school_a
    person = school.staff
    own = _signed_in(app, person)
    assert own.post("/notifications/preferences", data={}).status_code == 302  # all off
    admin = _signed_in(app, school.admin)
    # A refused reset (the admin's own password) tells nobody.
    assert _reset(admin, school.admin).status_code == 302
    assert _notices(school.admin) == []

    moment = datetime(2026, 11, 18, 7, 5, tzinfo=UTC)  # 14:05 office time
    timeutil.set_clock(lambda: moment)
    try:
        temporary = _temporary_from(_reset(admin, person))
    finally:
        timeutil.set_clock(None)
    said = (
        f"Mật khẩu tài khoản của bạn đã được quản trị {school.admin.full_name} đặt lại lúc "
        "14:05 ngày 18/11/2026. Nếu bạn không yêu cầu, hãy báo ngay cho quản trị hoặc "
        "lãnh đạo cơ quan."
    )
    assert outbox.messages == []  # e-mailed by the job, after the commit

    runner().work_burst()
    [message] = outbox.to(person.email)
    assert message["Subject"] == "[eoffice] Mật khẩu tài khoản của bạn đã được đặt lại"
    assert said in text_of(message) and said in html_of(message)
    assert "Xem văn bản" not in text_of(message)  # about no document
    for part in (message["Subject"], text_of(message), html_of(message)):
        assert temporary not in part
    assert len(outbox.messages) == 1  # the admin is not told of their own step

    [notice] = _notices(person)
    assert notice.in_app and notice.link is None and notice.sent_at is not None
    # Once signed in with a password of their own, the bell shows it.
    client = app.test_client()
    factories.login(client, person, temporary)
    assert _change(client, temporary).status_code == 302
    page = _text(client.get("/notifications"))
    assert 'data-unread="1"' in page and said in page and temporary not in page


def test_the_api_refuses_a_token_while_the_password_must_be_changed(app, world):
    """A reset revokes the tokens; one that survived (or was made by other means) still
    waits, like every web page, for the temporary password to be replaced."""
    person = world.school_a.clerk
    _token, clear = services.create_api_token(_reload(person), "Đồng bộ")
    assert _api_me(app, clear).status_code == 200
    held = _reload(person)
    held.must_change_password = True
    db.session.commit()
    refused = _api_me(app, clear)
    assert refused.status_code == 401
    assert "mật khẩu tạm thời" in refused.get_json()["error"]["message"]
    assert "invalid_token" in refused.headers["WWW-Authenticate"]
    held = _reload(person)
    held.must_change_password = False
    db.session.commit()
    assert _api_me(app, clear).status_code == 200
