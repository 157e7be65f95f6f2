"""Account security (decision 0022): two-step sign-in with TOTP and recovery codes, the
organisation's two-factor policy, lock-out with an e-mail, revocable sessions, the idle
timeout and the fresh login that signing and security settings need.

Codes come from pyotp with the secret the enrolment page shows, as an authenticator app
would. The TOTP clock of eoffice.auth.two_factor (`_now`) is stepped by the tests from
one 30-second window to the next, so no test waits and none depends on where in a
window it happens to run. The lock-out e-mail goes through the queued job to a real
SMTP server on loopback.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from eoffice.auth import fresh, guards, policy, services, two_factor
from eoffice.auth.models import RecoveryCode
from eoffice.core import timeutil
from eoffice.core.models import AuditEvent
from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.orgs.models import User
from eoffice.outgoing import drafting, review
from eoffice.outgoing.models import OutgoingDocument
from tests import factories
from tests.smtp import text_of

LOCKED = "Tài khoản tạm thời bị khóa do đăng nhập sai nhiều lần liên tiếp."
WRONG = "Thư điện tử hoặc mật khẩu không đúng."


@pytest.fixture
def app_config(app_config, smtp):
    _collector, port = smtp
    return {
        **app_config,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "LOGIN_LOCKOUT_THRESHOLD": 3,
        "LOGIN_LOCKOUT_MINUTES": 15,
    }


@pytest.fixture(autouse=True)
def empty_queues(app):
    runner().connection.flushall()


class TotpClock:
    """The wall clock of two_factor, moved by whole windows."""

    def __init__(self) -> None:
        self.now = 1_790_000_000.0  # the start of a window, any real-looking moment

    def next_window(self) -> None:
        self.now += two_factor.STEP_SECONDS


@pytest.fixture
def totp_clock(monkeypatch) -> TotpClock:
    clock = TotpClock()
    monkeypatch.setattr(two_factor, "_now", lambda: clock.now)
    return clock


def _text(response) -> str:
    return response.get_data(as_text=True)


def _secret_from(page: str) -> str:
    match = re.search(r'<code[^>]*id="totp-secret"[^>]*>([^<]+)</code>', page)
    assert match, "the enrolment page shows the secret as text"
    return match.group(1).replace(" ", "")


def _code(secret: str, clock: TotpClock) -> str:
    return pyotp.TOTP(secret).at(clock.now)


def _enrol(client, user: User, clock: TotpClock) -> tuple[str, list[str]]:
    """Turn two-step sign-in on through the pages; returns the secret and recovery codes."""
    page = client.post("/profile/two-factor/start")
    assert page.status_code == 200
    secret = _secret_from(_text(page))
    done = client.post("/profile/two-factor/confirm", data={"code": _code(secret, clock)})
    assert done.status_code == 200, _text(done)
    codes = re.findall(r"<li>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</li>", _text(done))
    clock.next_window()
    return secret, codes


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


# --- Two-step sign-in -------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_stores_the_secret_encrypted(app, world, totp_clock):
    leader = world.school_a.leader
    client = app.test_client()
    factories.login(client, leader)

    page = client.post("/profile/two-factor/start")
    html = _text(page)
    assert page.headers["Cache-Control"] == "no-store"
    assert re.search(r'<img[^>]+src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script (strict CSP)
    secret = _secret_from(html)
    stored = _reload(leader)
    assert stored.totp_secret and secret not in stored.totp_secret  # Fernet, not clear
    assert not stored.has_two_factor  # not before a first code

    wrong = client.post("/profile/two-factor/confirm", data={"code": "000000"})
    assert wrong.status_code == 422
    assert two_factor.WRONG_CODE in _text(wrong)
    assert not _reload(leader).has_two_factor

    done = client.post("/profile/two-factor/confirm", data={"code": _code(secret, totp_clock)})
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li>([a-z2-7-]{19})</li>", _text(done))
    assert len(set(codes)) == 10
    digests = db.session.scalars(select(RecoveryCode.code_digest)).all()
    hashed = {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes}
    assert len(digests) == 10 and set(digests) == hashed  # stored hashed, not in clear
    assert not {c.replace("-", "") for c in codes} & set(digests)
    assert _reload(leader).has_two_factor
    assert [e.subject_id for e in _events("two_factor_enabled")] == [leader.id]
    assert client.get("/").status_code == 200  # this session goes on


def test_sign_in_needs_the_code_and_a_code_is_not_accepted_twice(app, world, totp_clock):
    leader = world.school_a.leader
    first = app.test_client()
    factories.login(first, leader)
    secret, _codes = _enrol(first, leader, totp_clock)

    browser = app.test_client()
    step_one = factories.login(browser, leader)
    assert step_one.status_code == 302 and step_one.headers["Location"].endswith("/login/code")
    assert browser.get("/").status_code == 302  # not signed in yet
    form = browser.get("/login/code")
    assert "Mã xác thực" in _text(form)

    wrong = browser.post("/login/code", data={"code": "123456"})
    assert wrong.status_code == 401
    assert two_factor.WRONG_CODE in _text(wrong)

    code = _code(secret, totp_clock)
    assert browser.post("/login/code", data={"code": code}).status_code == 302
    assert browser.get("/").status_code == 200
    assert _reload(leader).last_login_at is not None

    # The same code, seen over a shoulder, in its own window: refused.
    other = app.test_client()
    factories.login(other, leader)
    assert other.post("/login/code", data={"code": code}).status_code == 401
    assert other.get("/").status_code == 302


def test_the_pending_second_step_expires(app, world, totp_clock):
    leader = world.school_a.leader
    client = app.test_client()
    factories.login(client, leader)
    secret, _ = _enrol(client, leader, totp_clock)
    client.post("/logout")

    factories.login(client, leader)
    with client.session_transaction() as session:
        pending = dict(session["eoffice.pending_sign_in"])
        session["eoffice.pending_sign_in"] = {**pending, "expires": time.time() - 1}
    late = client.post("/login/code", data={"code": _code(secret, totp_clock)})
    assert late.status_code == 302 and late.headers["Location"].startswith("/login")
    assert "Phiên đăng nhập đã hết hạn" in _text(client.get("/login"))
    assert client.get("/").status_code == 302


def test_a_recovery_code_works_once_and_regenerating_replaces_them(app, world, totp_clock):
    clerk = world.school_a.clerk
    client = app.test_client()
    factories.login(client, clerk)
    secret, codes = _enrol(client, clerk, totp_clock)

    phone_lost = app.test_client()
    factories.login(phone_lost, clerk)
    assert phone_lost.post("/login/code", data={"code": codes[0].upper()}).status_code == 302
    assert phone_lost.get("/").status_code == 200
    again = app.test_client()
    factories.login(again, clerk)
    assert again.post("/login/code", data={"code": codes[0]}).status_code == 401
    assert "Còn <strong>9</strong> mã khôi phục" in _text(phone_lost.get("/profile"))

    fresh_codes = phone_lost.post(
        "/profile/two-factor/recovery-codes", data={"code": _code(secret, totp_clock)}
    )
    assert fresh_codes.status_code == 200
    new = re.findall(r"<li>([a-z2-7-]{19})</li>", _text(fresh_codes))
    assert len(new) == 10 and not set(new) & set(codes)
    late = app.test_client()
    factories.login(late, clerk)
    assert late.post("/login/code", data={"code": codes[1]}).status_code == 401  # old: gone
    assert late.post("/login/code", data={"code": new[0]}).status_code == 302


def test_disabling_needs_a_fresh_login_and_a_code_and_signs_out_elsewhere(app, world, totp_clock):
    staff = world.school_a.staff
    client = app.test_client()
    factories.login(client, staff)
    secret, _ = _enrol(client, staff, totp_clock)
    other = app.test_client()
    factories.login(other, staff)
    other.post("/login/code", data={"code": _code(secret, totp_clock)})
    totp_clock.next_window()
    assert other.get("/").status_code == 200

    with client.session_transaction() as session:
        session[fresh.FRESH_AT] = time.time() - 11 * 60  # signed in 11 minutes ago
    stale = client.post("/profile/two-factor/disable", data={"code": _code(secret, totp_clock)})
    assert stale.status_code == 302 and "/reauth" in stale.headers["Location"]
    assert _reload(staff).has_two_factor

    no_code = client.post(
        "/reauth?next=/profile", data={"password": factories.PASSWORD, "code": ""}
    )
    assert no_code.status_code == 401  # with 2FA on, the code is part of re-authenticating
    confirmed = client.post(
        "/reauth?next=/profile",
        data={"password": factories.PASSWORD, "code": _code(secret, totp_clock)},
    )
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/profile"
    totp_clock.next_window()
    assert client.post("/profile/two-factor/disable", data={"code": "000000"}).status_code == 422
    done = client.post("/profile/two-factor/disable", data={"code": _code(secret, totp_clock)})
    assert done.status_code == 302
    assert not _reload(staff).has_two_factor
    assert db.session.scalars(select(RecoveryCode)).all() == []
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302  # the other session ended
    assert factories.login(app.test_client(), staff).headers["Location"] == "/"


# --- The organisation's policy ----------------------------------------------------------


def test_an_admin_requires_two_factor_and_a_leader_must_enrol_first(app, world, totp_clock):
    school = world.school_a
    # Default: nobody is required; a leader signs in with the password alone.
    plain = app.test_client()
    assert factories.login(plain, school.leader).headers["Location"] == "/"

    admin = app.test_client()
    factories.login(admin, school.admin)
    page = _text(admin.get(f"/admin/organisations/{school.org.id}"))
    assert "Xác thực hai bước" in page
    saved = admin.post(
        f"/admin/organisations/{school.org.id}/two-factor", data={"roles": ["leader", "clerk"]}
    )
    assert saved.status_code == 302
    assert "Lãnh đạo, Văn thư phải đăng nhập bằng xác thực hai bước" in _text(
        admin.get(saved.headers["Location"])
    )
    [event] = _events("two_factor_policy_changed")
    assert event.changes["roles"] == [[], ["clerk", "leader"]]

    # Another school's admin cannot set it for school A, a clerk cannot set it at all.
    other_admin = app.test_client()
    factories.login(other_admin, world.school_b.admin)
    refused = other_admin.post(
        f"/admin/organisations/{school.org.id}/two-factor", data={"roles": []}
    )
    assert refused.status_code == 404
    staff = app.test_client()
    factories.login(staff, school.staff)
    assert (
        staff.post(f"/admin/organisations/{school.org.id}/two-factor", data={}).status_code == 403
    )

    leader = app.test_client()
    signed_in = factories.login(leader, school.leader)
    assert signed_in.headers["Location"] == "/profile/two-factor/required"
    for url in ("/", "/incoming", "/profile"):
        held = leader.get(url)
        assert held.status_code == 302, url
        assert held.headers["Location"] == "/profile/two-factor/required"
    secret, _ = _enrol(leader, school.leader, totp_clock)
    assert leader.get("/incoming").status_code == 200
    assert "không thể tắt" in _text(leader.get("/profile"))
    refused = leader.post("/profile/two-factor/disable", data={"code": _code(secret, totp_clock)})
    assert refused.status_code == 422
    assert _reload(school.leader).has_two_factor
    # Staff are not covered by the policy.
    assert factories.login(app.test_client(), school.staff).headers["Location"] == "/"


def test_an_admin_resets_the_two_factor_of_a_member_who_lost_the_phone(app, world, totp_clock):
    school = world.school_a
    leader = app.test_client()
    factories.login(leader, school.leader)
    _enrol(leader, school.leader, totp_clock)
    admin = app.test_client()
    factories.login(admin, school.admin)
    card = _text(admin.get(f"/admin/organisations/{school.org.id}"))
    row = card.split(f'data-user="{school.leader.id}"')[1].split("</li>")[0]
    assert "Đã bật" in row and "Đặt lại" in row

    other_admin = app.test_client()
    factories.login(other_admin, world.school_b.admin)
    assert other_admin.post(f"/admin/users/{school.leader.id}/two-factor/reset").status_code == 404
    assert _reload(school.leader).has_two_factor

    done = admin.post(f"/admin/users/{school.leader.id}/two-factor/reset")
    assert done.status_code == 302
    assert not _reload(school.leader).has_two_factor
    assert leader.get("/").status_code == 302  # signed out everywhere
    assert [e.actor_id for e in _events("two_factor_reset")] == [school.admin.id]
    assert factories.login(app.test_client(), school.leader).headers["Location"] == "/"


# --- Lock-out ---------------------------------------------------------------------------


def test_repeated_failures_lock_the_account_and_the_owner_is_told(app, world, outbox):
    clerk = world.school_a.clerk
    client = app.test_client()
    for _ in range(2):
        assert factories.login(client, clerk, "sai-mat-khau-1").status_code == 401
    third = factories.login(client, clerk, "sai-mat-khau-1")
    assert third.status_code == 401
    assert LOCKED in _text(third)
    right = factories.login(client, clerk)  # even the right password, while locked
    assert right.status_code == 401 and LOCKED in _text(right)
    assert client.get("/").status_code == 302

    [event] = _events("account_locked")
    assert (event.subject_id, event.org_id, event.actor_id) == (clerk.id, clerk.org_id, None)
    assert outbox.messages == []  # sent by a job, after the commit
    runner().work_burst()
    [mail] = outbox.to(clerk.email)
    assert "tạm thời bị khóa" in str(mail["Subject"])
    body = text_of(mail)
    assert "3 lần đăng nhập sai liên tiếp" in body and "15 phút" in body
    assert "đổi mật khẩu ngay" not in body  # wrong passwords: the password is not known

    # After the lock, the right password works and the count starts again.
    timeutil.set_clock(lambda: datetime.now(UTC) + timedelta(minutes=16))
    assert factories.login(client, clerk).status_code == 302
    client.post("/logout")
    for _ in range(2):
        factories.login(client, clerk, "sai-mat-khau-1")
    assert factories.login(client, clerk).status_code == 302  # a success resets the count
    client.post("/logout")
    for _ in range(2):
        assert LOCKED not in _text(factories.login(client, clerk, "sai-mat-khau-1"))


def test_wrong_current_passwords_at_the_profile_count_too(app, world):
    staff = world.school_b.staff
    client = app.test_client()
    factories.login(client, staff)
    change = {"new_password": "MatKhauMoi-2027", "confirm_password": "MatKhauMoi-2027"}
    for _ in range(3):
        wrong = client.post("/profile/password", data={"current_password": "sai-1", **change})
        assert wrong.status_code == 422
    assert [e.subject_id for e in _events("account_locked")] == [staff.id]
    locked = client.post(
        "/profile/password", data={"current_password": factories.PASSWORD, **change}
    )
    assert locked.status_code == 422 and LOCKED in _text(locked)
    assert LOCKED in _text(factories.login(app.test_client(), staff))


@pytest.mark.parametrize(
    "password, reason",
    [
        ("Matkhau@123", "quá phổ biến"),
        ("giaovien2027!", "địa chỉ thư hoặc họ tên"),  # giaovien@thcsbachdang…
        ("LeThiGiaoVien-1", "địa chỉ thư hoặc họ tên"),  # Lê Thị Giáo Viên
    ],
)
def test_the_password_policy_refuses_common_and_personal_passwords(app, world, password, reason):
    client = app.test_client()
    factories.login(client, world.school_b.staff)
    refused = client.post(
        "/profile/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": password,
            "confirm_password": password,
        },
    )
    assert refused.status_code == 422
    assert reason in _text(refused)


def _shape(page: str, email: str) -> str:
    """A login page with what may differ between two sign-ins masked: the address
    typed, the form's CSRF token and the moment the lock ends."""
    page = page.replace(email, "EMAIL")
    for token in set(re.findall(r'csrf[-_]token"[^>]*(?:value|content)="([^"]+)"', page)):
        page = page.replace(token, "CSRF")
    return re.sub(r"\d{1,2}:\d{2}[^<]*?\d{4}", "TIME", page)


def test_an_unknown_address_locks_the_same_way(app, world, outbox):
    def three_tries(email: str) -> list[tuple[int, str]]:
        client = app.test_client()
        answers = [client.post("/login", data={"email": email, "password": "x1"}) for _ in range(3)]
        return [(a.status_code, _shape(_text(a), email)) for a in answers]

    unknown = three_tries("khongco@thleloi.hcm.edu.vn")
    known = three_tries(world.school_a.staff.email)
    assert WRONG in unknown[0][1] and WRONG in unknown[1][1]
    assert LOCKED in unknown[2][1]
    assert [status for status, _ in unknown] == [401, 401, 401]
    assert unknown == known  # the same answers, the same pages
    runner().work_burst()
    assert len(outbox.messages) == 1 and len(outbox.to(world.school_a.staff.email)) == 1
    assert [e.subject_id for e in _events("account_locked")] == [world.school_a.staff.id]


def test_wrong_codes_count_toward_the_lock_out(app, world, totp_clock, outbox):
    staff = world.school_b.staff
    client = app.test_client()
    factories.login(client, staff)
    _enrol(client, staff, totp_clock)
    client.post("/logout")

    factories.login(client, staff)
    assert client.post("/login/code", data={"code": "111111"}).status_code == 401
    assert client.post("/login/code", data={"code": "222222"}).status_code == 401
    locked = client.post("/login/code", data={"code": "333333"})
    assert locked.status_code == 302
    assert LOCKED in _text(client.get("/login"))
    # Locked: the right password and the right code are refused alike.
    assert LOCKED in _text(factories.login(client, staff))
    assert _events("account_locked")[0].subject_id == staff.id
    runner().work_burst()
    [mail] = outbox.to(staff.email)
    assert "Hãy đổi mật khẩu ngay" in text_of(mail)  # whoever typed the codes knows it


# --- Sessions ---------------------------------------------------------------------------


def test_sign_out_every_other_session_keeps_this_one(app, world):
    clerk = world.school_b.clerk
    here, elsewhere = app.test_client(), app.test_client()
    factories.login(here, clerk)
    remembered = _sign_in_remembered(app, clerk)  # checks the remember_token cookie is set
    factories.login(elsewhere, clerk)

    done = here.post("/profile/sessions/revoke")
    assert done.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    # The remember-me cookie carried the old token: it no longer signs in either.
    remembered.delete_cookie("session", domain="eoffice.test")
    assert remembered.get("/").status_code == 302
    assert [e.subject_id for e in _events("sessions_revoked")] == [clerk.id]


def test_sign_out_clears_the_remember_me_cookie(app, world):
    client = app.test_client()
    client.post(
        "/login",
        data={"email": world.school_a.staff.email, "password": factories.PASSWORD, "remember": "y"},
    )
    assert client.get_cookie("remember_token", domain="eoffice.test") is not None
    client.post("/logout")
    assert client.get_cookie("remember_token", domain="eoffice.test") is None
    assert client.get("/").status_code == 302


def test_an_idle_session_is_signed_out_with_a_message(app, world):
    client = app.test_client()
    client.post(
        "/login",
        data={"email": world.school_a.staff.email, "password": factories.PASSWORD, "remember": "y"},
    )
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session[guards.SEEN_AT] = time.time() - 31 * 60
    idle = client.get("/incoming")
    assert idle.status_code == 302 and idle.headers["Location"].startswith("/login")
    assert "không hoạt động quá 30 phút" in _text(client.get("/login"))
    assert (
        client.get_cookie("remember_token", domain="eoffice.test") is None
    )  # not signed back in by the cookie
    assert client.get("/").status_code == 302


def test_a_session_restored_by_remember_me_is_not_fresh(app, world):
    client = app.test_client()
    client.post(
        "/login",
        data={"email": world.school_a.staff.email, "password": factories.PASSWORD, "remember": "y"},
    )
    client.delete_cookie("session", domain="eoffice.test")  # the browser was closed
    assert client.get("/profile").status_code == 200  # still signed in
    refused = client.post("/profile/tokens", data={"name": "Báo cáo"})
    assert refused.status_code == 302 and "/reauth" in refused.headers["Location"]


# --- Fresh login ------------------------------------------------------------------------


def test_creating_an_api_token_needs_a_recent_password(app, world):
    client = app.test_client()
    factories.login(client, world.school_a.staff)
    assert client.post("/profile/tokens", data={"name": "Ngay sau đăng nhập"}).status_code == 200
    with client.session_transaction() as session:
        session[fresh.FRESH_AT] = time.time() - 11 * 60
    refused = client.post(
        "/profile/tokens", data={"name": "Sau 11 phút"}, headers={"Referer": "/profile"}
    )
    assert refused.status_code == 302
    assert refused.headers["Location"] == "/reauth?next=/profile"
    assert "nhập lại mật khẩu" in _text(client.get("/reauth?next=/profile"))
    wrong = client.post("/reauth?next=/profile", data={"password": "sai-mat-khau-1"})
    assert wrong.status_code == 401 and "Mật khẩu không đúng." in _text(wrong)
    ok = client.post("/reauth?next=/profile", data={"password": factories.PASSWORD})
    assert ok.headers["Location"] == "/profile"
    assert "Vui lòng thực hiện lại thao tác." in _text(client.get("/profile"))
    assert client.post("/profile/tokens", data={"name": "Sau xác nhận"}).status_code == 200


def test_signing_a_document_needs_a_recent_password(app, office):
    world, _school_c = office
    district = world.district
    doc = drafting.create_draft(district.staff, factories.outgoing_plan(world, world.school_a))
    review.submit(district.staff, doc.id)
    review.approve(district.clerk, doc.id, "Thể thức đạt.")
    leader = app.test_client()
    factories.login(leader, district.leader)
    with leader.session_transaction() as session:
        session[fresh.FRESH_AT] = time.time() - 11 * 60

    page = f"/outgoing/{doc.id}"
    refused = leader.post(
        f"{page}/steps/sign", data={"sign-note": "Đồng ý."}, headers={"Referer": page}
    )
    assert refused.status_code == 302 and refused.headers["Location"] == f"/reauth?next={page}"
    db.session.expire_all()
    assert db.session.get(OutgoingDocument, doc.id).state == "in_review"  # nothing done

    back = leader.post(f"/reauth?next={page}", data={"password": factories.PASSWORD})
    assert back.headers["Location"] == page
    signed = leader.post(f"{page}/steps/sign", data={"sign-note": "Đồng ý."})
    assert signed.status_code == 302
    db.session.expire_all()
    assert db.session.get(OutgoingDocument, doc.id).state == "issued"


# --- Review fixes -----------------------------------------------------------------------


def _require_two_factor_of(world_school, *roles: str) -> None:
    policy.set_required_roles(world_school.admin, world_school.org.id, list(roles))


def _sign_in_remembered(app, user: User):
    client = app.test_client()
    signed_in = client.post(
        "/login", data={"email": user.email, "password": factories.PASSWORD, "remember": "y"}
    )
    assert signed_in.status_code == 302
    assert client.get_cookie("remember_token", domain="eoffice.test") is not None
    return client


def test_remember_me_does_not_get_around_a_required_enrolment(app, world):
    school = world.school_a
    _require_two_factor_of(school, "leader")
    client = _sign_in_remembered(app, school.leader)
    client.delete_cookie("session", domain="eoffice.test")  # the browser was closed
    held = client.get("/incoming")
    assert held.status_code == 302
    assert held.headers["Location"] == "/profile/two-factor/required"


def test_a_policy_set_after_sign_in_holds_back_the_next_page(app, world):
    school = world.school_a
    client = app.test_client()
    factories.login(client, school.clerk)
    assert client.get("/incoming").status_code == 200
    _require_two_factor_of(school, "clerk")
    assert client.get("/incoming").headers["Location"] == "/profile/two-factor/required"


def test_changing_the_password_does_not_make_the_login_fresh(app, world, totp_clock):
    staff = world.school_a.staff
    client = app.test_client()
    factories.login(client, staff)
    _enrol(client, staff, totp_clock)
    with client.session_transaction() as session:
        session[fresh.FRESH_AT] = time.time() - 11 * 60
    changed = client.post(
        "/profile/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "Cay-Bang-Xanh-2027",
            "confirm_password": "Cay-Bang-Xanh-2027",
        },
    )
    assert changed.status_code == 302 and changed.headers["Location"] == "/profile"
    assert client.get("/").status_code == 200  # this session goes on
    refused = client.post("/profile/tokens", data={"name": "Không có mã"})
    assert refused.status_code == 302 and "/reauth" in refused.headers["Location"]


def test_an_action_repeated_does_not_keep_a_session_fresh(app, world):
    client = app.test_client()
    factories.login(client, world.school_b.staff)
    stamp = time.time() - 9 * 60
    with client.session_transaction() as session:
        session[fresh.FRESH_AT] = stamp
    assert client.post("/profile/sessions/revoke").status_code == 302
    with client.session_transaction() as session:
        assert session[fresh.FRESH_AT] == stamp


@pytest.mark.parametrize(
    "target",
    [
        "/%5Cevil.example",
        "/%5C%5Cevil.example",
        "/%09/evil.example",
        "/%0A/evil.example",
        "//evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_next_never_leads_to_another_site(app, world, target):
    client = app.test_client()
    signed_in = client.post(
        f"/login?next={target}",
        data={"email": world.school_a.staff.email, "password": factories.PASSWORD},
    )
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/"
    back = client.post(f"/reauth?next={target}", data={"password": factories.PASSWORD})
    assert back.status_code == 302 and back.headers["Location"] == "/"
    assert (
        client.post(
            "/reauth?next=/incoming%3Fpage%3D2", data={"password": factories.PASSWORD}
        ).headers["Location"]
        == "/incoming?page=2"
    )


def test_a_session_ends_after_its_upper_age_however_active(app, world):
    client = app.test_client()
    factories.login(client, world.school_a.staff)
    with client.session_transaction() as session:
        session[guards.SIGNED_IN_AT] = time.time() - 12 * 3600 - 60
        session[guards.SEEN_AT] = time.time() - 30  # active a moment ago
    ended = client.get("/incoming")
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/login")
    assert "kéo dài quá 12 giờ" in _text(client.get("/login"))
    assert client.get("/").status_code == 302


def _api_me(app, token: str):
    return app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_securing_the_account_revokes_its_api_tokens(app, world, totp_clock):
    staff = world.school_b.staff
    client = app.test_client()
    factories.login(client, staff)
    _token, before_2fa = services.create_api_token(staff, "Trước khi bật")
    assert _api_me(app, before_2fa).status_code == 200
    _enrol(client, staff, totp_clock)
    assert _api_me(app, before_2fa).status_code == 401

    _token, before_revoke = services.create_api_token(_reload(staff), "Trước khi đăng xuất")
    assert client.post("/profile/sessions/revoke").status_code == 302
    assert _api_me(app, before_revoke).status_code == 401
    reasons = [e.changes["reason"] for e in _events("api_tokens_revoked")]
    assert reasons == ["two_factor_enabled", "sessions_revoked"]


def test_a_password_change_and_an_admin_reset_revoke_api_tokens(app, world, totp_clock):
    school = world.school_a
    leader = app.test_client()
    factories.login(leader, school.leader)
    _enrol(leader, school.leader, totp_clock)
    _token, clear = services.create_api_token(_reload(school.leader), "Báo cáo")
    admin = app.test_client()
    factories.login(admin, school.admin)
    assert admin.post(f"/admin/users/{school.leader.id}/two-factor/reset").status_code == 302
    assert _api_me(app, clear).status_code == 401

    staff = app.test_client()
    factories.login(staff, school.staff)
    _token, clear = services.create_api_token(school.staff, "Báo cáo")
    staff.post(
        "/profile/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "Cay-Bang-Xanh-2027",
            "confirm_password": "Cay-Bang-Xanh-2027",
        },
    )
    assert _api_me(app, clear).status_code == 401


def test_the_api_refuses_a_person_who_must_enrol(app, world):
    school = world.school_a
    _token, clear = services.create_api_token(school.clerk, "Đồng bộ")
    assert _api_me(app, clear).status_code == 200
    _require_two_factor_of(school, "clerk")
    refused = _api_me(app, clear)
    assert refused.status_code == 401
    assert "xác thực hai bước" in refused.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "method, url",
    [
        ("GET", "/admin/users/new?org_id={org}"),
        ("POST", "/admin/users/{user}/edit"),
        ("POST", "/admin/certificates?org_id={org}"),
        ("POST", "/admin/certificates/1/deactivate"),
        ("POST", "/admin/certificates/trust-anchors"),
        ("POST", "/admin/exchange/"),
        ("POST", "/admin/outgoing/delegations?org_id={org}"),
        ("POST", "/admin/outgoing/delegations/1/delete"),
    ],
)
def test_other_security_settings_need_a_recent_password(app, world, method, url):
    school = world.district
    client = app.test_client()
    factories.login(client, school.admin)
    with client.session_transaction() as session:
        session[fresh.FRESH_AT] = time.time() - 11 * 60
    url = url.format(org=school.org.id, user=school.staff.id)
    refused = client.open(url, method=method, data={}, headers={"Referer": "/admin/"})
    assert refused.status_code == 302, _text(refused)
    assert refused.headers["Location"].startswith("/reauth?next=")


def test_one_code_signs_in_once_even_from_two_requests_at_once(
    app, world, totp_clock, postgres_only
):
    """Two requests read the user before either burns the code's step (on PostgreSQL
    under READ COMMITTED as on SQLite): only one of them may accept it."""
    clerk = world.school_a.clerk
    enrolment = two_factor.start_enrolment(clerk)
    codes = two_factor.confirm_enrolment(clerk, _code(enrolment.secret, totp_clock))
    totp_clock.next_window()
    code = _code(enrolment.secret, totp_clock)
    assert _twice_at_once(app, clerk.id, code) == [True, False]
    assert _twice_at_once(app, clerk.id, codes[0]) == [True, False]


def _twice_at_once(app, user_id: int, code: str) -> list[bool]:
    """Two threads (each its own session and connection) both load the user, then
    check `code` one after the other with what they loaded."""
    loaded = threading.Barrier(2)
    first_done = threading.Event()
    results: dict[int, bool] = {}

    def attempt(index: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            _ = user.totp_last_step, user.has_two_factor
            loaded.wait(timeout=30)
            if index == 1:
                first_done.wait(timeout=30)
            results[index] = two_factor.check_second_factor(user, code)
            db.session.commit()
            if index == 0:
                first_done.set()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return [results.get(0), results.get(1)]


def test_parallel_guesses_get_no_more_than_the_threshold(app, world, postgres_only, monkeypatch):
    """Eight wrong passwords sent at once: each is counted before it is checked, so at
    most LOGIN_LOCKOUT_THRESHOLD (3) of them are verified at all."""
    clerk = world.school_b.clerk
    email, real_hash = clerk.email, clerk.password_hash
    verified = []
    lock = threading.Lock()
    real_verify = services.verify_password

    def counting_verify(stored: str, password: str) -> bool:
        if stored == real_hash:
            with lock:
                verified.append(password)
        return real_verify(stored, password)

    monkeypatch.setattr(services, "verify_password", counting_verify)
    start = threading.Barrier(8)

    def guess(index: int) -> None:
        with app.app_context():
            start.wait(timeout=30)
            services.check_password(email, f"doan-sai-{index}")

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(verified) <= 3
    assert len(_events("account_locked")) == 1  # locked once, told once


def test_a_started_enrolment_shows_its_secret_again_only_while_recent_and_fresh(app, world):
    school = world.school_a
    _require_two_factor_of(school, "leader")
    client = app.test_client()
    factories.login(client, school.leader)
    started = client.post("/profile/two-factor/start")
    secret = _secret_from(_text(started))
    assert _secret_from(_text(client.get("/profile/two-factor/required"))) == secret  # reload

    with client.session_transaction() as session:
        session[fresh.FRESH_AT] = time.time() - 11 * 60
    stale = _text(client.get("/profile/two-factor/required"))
    assert 'id="totp-secret"' not in stale
    assert "Bắt đầu" in stale

    with client.session_transaction() as session:
        session[fresh.FRESH_AT] = time.time()
        session["eoffice.enrolment_started"] = time.time() - 16 * 60
    late = _text(client.get("/profile/two-factor/required"))
    assert 'id="totp-secret"' not in late
    refused = client.post("/profile/two-factor/confirm", data={"code": "123456"})
    assert refused.status_code == 302  # start again: a new secret
    assert not _reload(school.leader).has_two_factor
