"""Sign-in, CSRF, rate limiting, sessions."""

from __future__ import annotations

import re

import pytest

from eoffice.core.security import verify_password
from eoffice.extensions import db
from tests import factories


def test_every_page_needs_sign_in(client, world):
    for url in ("/", "/incoming", "/incoming/new", "/incoming/1", "/profile"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]
    assert client.get("/login").status_code == 200
    assert client.get("/health").status_code == 200


def test_login_with_wrong_password_is_refused_in_vietnamese(client, world):
    response = client.post(
        "/login", data={"email": world.school_a.clerk.email, "password": "sai-mat-khau-1"}
    )
    assert response.status_code == 401
    assert "Thư điện tử hoặc mật khẩu không đúng." in response.get_data(as_text=True)


def test_login_then_home_shows_organisation_and_role(client, world):
    assert factories.login(client, world.school_a.clerk).status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Trường Tiểu học Lê Lợi" in page
    assert "Văn thư" in page


def test_login_redirect_only_to_local_paths(client, world):
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": world.school_a.clerk.email, "password": factories.PASSWORD},
    )
    assert response.headers["Location"] in ("/", "http://eoffice.test/")


def test_logout(client, world):
    factories.login(client, world.school_a.clerk)
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_deactivated_user_cannot_sign_in(client, world, app):
    user = world.school_a.staff
    user.is_active_account = False
    db.session.commit()
    assert factories.login(client, user).status_code == 401


def test_change_password_signs_out_other_sessions(app, world):
    clerk = world.school_a.clerk
    first = app.test_client()
    second = app.test_client()
    factories.login(first, clerk)
    factories.login(second, clerk)
    response = first.post(
        "/profile/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "MatKhauMoi-2027",
            "confirm_password": "MatKhauMoi-2027",
        },
    )
    assert response.status_code == 302
    db.session.refresh(clerk)
    assert verify_password(clerk.password_hash, "MatKhauMoi-2027")
    assert first.get("/").status_code == 200  # this session goes on
    assert second.get("/").status_code == 302  # the other one is signed out


def test_weak_new_password_is_refused(client, world):
    factories.login(client, world.school_a.clerk)
    response = client.post(
        "/profile/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "123",
            "confirm_password": "123",
        },
    )
    assert response.status_code == 422
    assert "ít nhất 10 ký tự" in response.get_data(as_text=True)


class TestWithCsrfAndRateLimit:
    @pytest.fixture
    def app_config(self, app_config):
        return {
            **app_config,
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": True,
            "LOGIN_RATE_LIMIT": "3/minute",
        }

    def test_post_without_csrf_token_is_rejected(self, client, world):
        response = client.post(
            "/login", data={"email": world.school_a.clerk.email, "password": factories.PASSWORD}
        )
        assert response.status_code == 400
        assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)

    def test_form_with_csrf_token_works_and_forged_post_fails(self, client, world):
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        ok = client.post(
            "/login",
            data={
                "email": world.school_a.clerk.email,
                "password": factories.PASSWORD,
                "csrf_token": token,
            },
        )
        assert ok.status_code == 302
        forged = client.post("/incoming/1/cancel", data={"reason": "giả mạo yêu cầu"})
        assert forged.status_code == 400

    def test_login_is_rate_limited(self, client, world):
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        data = {
            "email": world.school_a.clerk.email,
            "password": "sai-mat-khau-9",
            "csrf_token": token,
        }
        statuses = [client.post("/login", data=data).status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        assert "quá nhiều lần" in client.post("/login", data=data).get_data(as_text=True)


def _csrf_token(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


class TestLoginLimits:
    """Per address (the proxy's client address when configured) and per account."""

    @pytest.fixture
    def app_config(self, app_config):
        return {
            **app_config,
            "RATELIMIT_ENABLED": True,
            "LOGIN_RATE_LIMIT": "3/minute",
            "LOGIN_ACCOUNT_RATE_LIMIT": "2/minute",
            "PROXY_FIX_X_FOR": 1,
        }

    @staticmethod
    def _try(client, email: str, address: str, password: str = "sai-mat-khau-9") -> int:
        return client.post(
            "/login",
            data={"email": email, "password": password},
            headers={"X-Forwarded-For": address},
        ).status_code

    def test_one_account_is_limited_whatever_the_address(self, client, world):
        email = world.school_a.clerk.email
        statuses = [self._try(client, email, f"203.0.113.{n}") for n in range(3)]
        assert statuses == [401, 401, 429]
        # The same address typed differently is the same account.
        assert self._try(client, "  " + email.upper(), "203.0.113.9") == 429
        # Even the right password waits: the limit is what stops guessing.
        assert self._try(client, email, "203.0.113.10", factories.PASSWORD) == 429
        # Other people are not held back.
        assert self._try(client, world.school_a.leader.email, "203.0.113.11") == 401

    def test_one_address_is_limited_whatever_the_account(self, client, world):
        school = world.school_a
        accounts = [school.clerk, school.leader, school.staff, school.admin]
        statuses = [self._try(client, user.email, "198.51.100.7") for user in accounts]
        assert statuses == [401, 401, 401, 429]
        # Behind the proxy, other people in the office have addresses of their own.
        assert self._try(client, world.school_b.clerk.email, "198.51.100.8") == 401

    def test_successful_sign_ins_do_not_count(self, app, world):
        for n in range(4):
            client = app.test_client()
            assert (
                self._try(client, world.school_a.clerk.email, "192.0.2.1", factories.PASSWORD)
                == 302
            ), n


class TestWithoutProxyFix:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "2/minute"}

    def test_forwarded_addresses_are_not_trusted_by_default(self, client, world):
        school = world.school_a
        statuses = [
            client.post(
                "/login",
                data={"email": user.email, "password": "sai-mat-khau-9"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            ).status_code
            for n, user in enumerate([school.clerk, school.leader, school.staff])
        ]
        assert statuses == [401, 401, 429]


def test_proxy_fix_takes_the_client_address_and_scheme(app_config, world):
    from flask import request

    from eoffice import create_app
    from tests.conftest import IsolatedClient

    proxied = create_app({**app_config, "PROXY_FIX_X_FOR": 1})
    proxied.test_client_class = IsolatedClient
    seen = {}

    @proxied.get("/_seen")
    def seen_view():
        seen.update(addr=request.remote_addr, scheme=request.scheme)
        return ""

    client = proxied.test_client()
    forwarded = {"X-Forwarded-For": "10.0.0.1, 203.0.113.5", "X-Forwarded-Proto": "https"}
    user = world.school_a.clerk
    client.post(
        "/login", data={"email": user.email, "password": factories.PASSWORD}, headers=forwarded
    )
    response = client.get("/_seen", headers=forwarded)
    assert response.status_code == 200
    assert seen == {"addr": "203.0.113.5", "scheme": "https"}
    with proxied.app_context():
        db.engine.dispose()


def test_new_api_token_is_shown_once_in_the_response_and_never_in_the_session(client, world):
    factories.login(client, world.school_a.clerk)
    response = client.post("/profile/tokens", data={"name": "Phần mềm tổng hợp báo cáo"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    clear = re.search(r'id="new-token">(eo_[^<]+)<', page).group(1)
    assert "chỉ hiển thị một lần" in page
    with client.session_transaction() as session:
        assert clear not in repr(dict(session))
    assert clear not in client.get("/profile").get_data(as_text=True)
    from eoffice.auth.services import user_for_api_token

    assert user_for_api_token(clear).id == world.school_a.clerk.id


def test_api_token_without_a_name_is_refused_in_place(client, world):
    factories.login(client, world.school_a.clerk)
    response = client.post("/profile/tokens", data={"name": "   "})
    assert response.status_code == 422
    assert "Vui lòng đặt tên." in response.get_data(as_text=True)


def test_phone_banner_shows_organisation_and_role_outside_the_menu(client, world):
    # Below 1400 px (phones, and desktops too narrow for it in the bar) who is signed in
    # shows in a strip under the bar, outside the collapsed menu.
    factories.login(client, world.school_b.leader)
    page = client.get("/").get_data(as_text=True)
    banner = page.split('class="d-xxl-none bg-primary-subtle', 1)[1].split("</div>", 1)[0]
    assert "Trường THCS Bạch Đằng" in banner and "Lãnh đạo" in banner
