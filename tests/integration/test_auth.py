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
