"""What create_app refuses or provides on its own: the secret key."""

from __future__ import annotations

import stat

import pytest

from eoffice import create_app
from eoffice.core.errors import ConfigurationError


def _embedded(tmp_path, **config):
    """Embedded mode: no database URL, so the instance folder holds everything."""
    return create_app(
        {"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": None, "REDIS_URL": None, **config},
        instance_path=str(tmp_path / "instance"),
    )


def test_embedded_mode_keeps_one_random_key_in_the_instance_folder(tmp_path):
    first = _embedded(tmp_path)
    key = first.config["SECRET_KEY"]
    assert len(key) == 64 and key != "dev-only-change-me"
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # A restart signs with the same key, so sessions survive it.
    assert _embedded(tmp_path).config["SECRET_KEY"] == key
    # Another installation gets another key.
    assert _embedded(tmp_path / "other").config["SECRET_KEY"] != key


def test_an_empty_key_file_is_replaced(tmp_path):
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "secret_key").write_text("")
    key = _embedded(tmp_path).config["SECRET_KEY"]
    assert len(key) == 64
    assert (tmp_path / "instance" / "secret_key").read_text().strip() == key


def test_a_configured_key_is_used_and_no_file_is_written(tmp_path):
    app = _embedded(tmp_path, SECRET_KEY="mot-khoa-rat-dai-do-nguoi-quan-tri-dat")
    assert app.config["SECRET_KEY"] == "mot-khoa-rat-dai-do-nguoi-quan-tri-dat"
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_a_real_deployment_without_a_key_refuses_to_start(tmp_path):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(
            {
                "SECRET_KEY": None,
                "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://eoffice@db.example/eoffice",
                "REDIS_URL": None,
            },
            instance_path=str(tmp_path / "instance"),
        )
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_tests_without_a_key_get_a_throwaway_one(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": None,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://eoffice@db.example/eoffice",
            "REDIS_URL": None,
        },
        instance_path=str(tmp_path / "instance"),
    )
    assert len(app.config["SECRET_KEY"]) == 64
