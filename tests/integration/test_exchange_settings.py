"""The exchange settings of an organisation, through its admin page: saved with the secret
encrypted at rest, refused in Vietnamese when wrong, for the organisation's admins only,
and a connection check against a real hub process and a port where nothing listens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from eoffice.core.audit import history
from eoffice.exchange import settings
from eoffice.exchange.client import HubClient
from eoffice.exchange.hubstore import HubStore
from eoffice.exchange.models import ExchangeSettings
from eoffice.extensions import db
from eoffice.orgs.models import User
from tests import factories
from tests.exchange_support import _free_port, _start

SECRET = "khoa-bi-mat-cua-phong-gd-2026"
URL = "/admin/exchange/"


def _signed_in(app: Flask, user: User):
    client = app.test_client()
    assert factories.login(client, user).status_code == 302
    return client


def _stored() -> ExchangeSettings | None:
    db.session.expire_all()
    return db.session.scalar(select(ExchangeSettings))


@pytest.fixture
def running_hub(tmp_path, world) -> Iterator[str]:
    """A hub process that knows the district office by its agency code and SECRET."""
    org = world.district.org
    store = HubStore(tmp_path / "hub.db")
    store.add_agency(org.agency_code, org.name, SECRET)
    port = _free_port()
    process = _start(tmp_path / "hub.db", port)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def test_settings_are_saved_with_the_secret_encrypted_and_never_shown(app, world):
    admin = world.district.admin
    client = _signed_in(app, admin)
    page = client.get(URL)
    assert page.status_code == 200 and "Kiểm tra kết nối" not in page.text

    saved = client.post(URL, data={"hub_url": "https://truc.hcm.gov.vn/", "secret": SECRET})
    assert saved.status_code == 302
    row = _stored()
    assert (row.org_id, row.hub_url, row.enabled) == (
        world.district.org.id,
        "https://truc.hcm.gov.vn",
        False,
    )
    assert SECRET not in row.agency_secret
    assert settings.decrypt_secret(row.agency_secret) == SECRET
    assert settings.client_for(world.district.org) is None  # saved, not yet enabled

    shown = client.get(URL)
    assert "https://truc.hcm.gov.vn" in shown.text and SECRET not in shown.text
    assert "Để trống để giữ khóa bí mật đã lưu." in shown.text

    # An empty secret on edit keeps the old one; turning it on gives a client.
    token = row.agency_secret
    client.post(URL, data={"hub_url": "https://truc2.hcm.gov.vn", "secret": "", "enabled": "y"})
    row = _stored()
    assert (row.hub_url, row.enabled, row.agency_secret) == (
        "https://truc2.hcm.gov.vn",
        True,
        token,
    )
    hub_client = settings.client_for(world.district.org)
    assert isinstance(hub_client, HubClient)
    assert hub_client.agency_code == world.district.org.agency_code
    assert SECRET not in repr(hub_client)

    created, updated = history("exchange_settings", world.district.org.id)
    assert (created.action, updated.action) == ("create", "update")
    assert updated.changes == {
        "hub_url": ["https://truc.hcm.gov.vn", "https://truc2.hcm.gov.vn"],
        "enabled": [False, True],
    }
    assert all(SECRET not in str(e.changes) + str(e.note) for e in (created, updated))


@pytest.mark.parametrize(
    ("form", "field_message"),
    [
        ({"hub_url": "ftp://truc.hcm.gov.vn", "secret": SECRET}, settings.BAD_URL),
        ({"hub_url": "truc.hcm.gov.vn", "secret": SECRET}, settings.BAD_URL),
        ({"hub_url": "https://truc.hcm.gov.vn", "secret": "ngan-qua"}, settings.SECRET_TOO_SHORT),
        ({"hub_url": "https://truc.hcm.gov.vn", "secret": ""}, settings.SECRET_REQUIRED),
    ],
)
def test_a_bad_address_or_secret_is_refused_in_vietnamese(app, world, form, field_message):
    client = _signed_in(app, world.district.admin)
    refused = client.post(URL, data=form)
    assert refused.status_code == 422
    assert field_message in refused.text
    assert _stored() is None


def test_a_short_new_secret_on_edit_is_refused_and_the_old_one_kept(app, world):
    client = _signed_in(app, world.district.admin)
    client.post(URL, data={"hub_url": "https://truc.hcm.gov.vn", "secret": SECRET})
    token = _stored().agency_secret
    refused = client.post(URL, data={"hub_url": "https://truc.hcm.gov.vn", "secret": "abc"})
    assert refused.status_code == 422 and settings.SECRET_TOO_SHORT in refused.text
    assert _stored().agency_secret == token


def test_only_the_organisations_admins_may_see_or_change_it(app, world):
    for user in (world.district.clerk, world.district.leader):
        client = _signed_in(app, user)
        assert client.get(URL).status_code == 403
        assert (
            client.post(URL, data={"hub_url": "https://x.vn", "secret": SECRET}).status_code == 403
        )
        assert client.post(URL + "check").status_code == 403
    assert _stored() is None
    # A school admin reaches only the school's own settings, never the district's.
    school_admin = _signed_in(app, world.school_a.admin)
    school_admin.post(URL, data={"hub_url": "https://truc.hcm.gov.vn", "secret": SECRET})
    assert _stored().org_id == world.school_a.org.id


def test_the_connection_check_reaches_a_real_hub(app, world, running_hub):
    client = _signed_in(app, world.district.admin)
    client.post(URL, data={"hub_url": running_hub, "secret": SECRET})
    checked = client.post(URL + "check")
    assert checked.status_code == 200
    assert "Kết nối trục liên thông thành công; có 0 gói tin đang chờ nhận." in checked.text

    client.post(URL, data={"hub_url": running_hub, "secret": "khoa-bi-mat-da-cu-2025"})
    refused = client.post(URL + "check")
    assert "Mã cơ quan hoặc khóa bí mật không đúng." in refused.text


def test_the_connection_check_explains_a_dead_port(app, world):
    client = _signed_in(app, world.district.admin)
    client.post(URL, data={"hub_url": f"http://127.0.0.1:{_free_port()}", "secret": SECRET})
    checked = client.post(URL + "check")
    assert checked.status_code == 200
    assert "Không kết nối được trục liên thông (máy chủ từ chối kết nối)." in checked.text
