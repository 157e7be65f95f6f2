"""The sample deployment files agree with the application (deploy/, docs/deploy.md).

Nothing here runs nginx or systemd for real (the smoke run in
tests/integration/test_production_shape.py starts the processes); these checks catch the
drift that would otherwise show only on a server: a setting config.py reads that the
sample environment file does not mention, an upload limit nginx refuses before the
application could, a static folder that moved, a unit file systemd would not load.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"


def test_the_sample_environment_mentions_every_setting_config_reads() -> None:
    source = (ROOT / "config.py").read_text(encoding="utf-8")
    settings = set(re.findall(r'(?:os\.environ\.get|_env_\w+)\(\s*"([A-Z][A-Z0-9_]*)"', source))
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "STORAGE_DIR"} <= settings
    sample = (DEPLOY / "eoffice.env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", sample, re.M))
    assert settings - listed == set(), "add them to deploy/eoffice.env.example"
    assert listed - settings - {"FLASK_APP"} == set(), "settings config.py does not read"


def test_nginx_accepts_the_largest_request_the_application_accepts() -> None:
    from config import Config

    site = (DEPLOY / "nginx" / "eoffice.conf").read_text(encoding="utf-8")
    body = re.search(r"^\s*client_max_body_size (\d+)m;", site, re.M)
    assert body, "client_max_body_size missing"
    # eoffice/__init__.py: MAX_CONTENT_LENGTH = 4 x MAX_UPLOAD_BYTES + 1 MiB
    assert int(body.group(1)) * 1024 * 1024 == Config.MAX_UPLOAD_BYTES * 4 + 1024 * 1024


def test_nginx_serves_the_static_folder_the_templates_link_to() -> None:
    from eoffice import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    static = Path(app.static_folder).resolve()
    site = (DEPLOY / "nginx" / "eoffice.conf").read_text(encoding="utf-8")
    aliases = dict(re.findall(r"location (/static/\S*) \{\s*alias /opt/eoffice/(\S+);", site))
    assert set(aliases) == {"/static/", "/static/vendor/"}
    for location, target in aliases.items():
        assert app.static_url_path + "/" + location[len("/static/") :] == location
        assert (ROOT / target).resolve() == static / location[len("/static/") :]
        assert (ROOT / target).is_dir()
    # The application's own security headers are not added again by nginx on its pages.
    proxied = re.search(r"location / \{\s*proxy_pass [^}]*\}", site)
    assert proxied, "no proxied location /"
    proxied = proxied.group(0)
    assert "add_header" not in proxied
    assert "X-Forwarded-Proto $scheme" in proxied  # ProxyFix(x_proto=1): HSTS, secure cookies


def test_the_units_run_what_the_smoke_run_runs() -> None:
    web = (UNITS / "eoffice-web.service").read_text(encoding="utf-8")
    assert "--worker-class gthread" in web and "wsgi:app" in web
    assert "ExecStart=/opt/eoffice/.venv/bin/flask worker\n" in (
        UNITS / "eoffice-worker@.service"
    ).read_text(encoding="utf-8")
    assert "ExecStart=/opt/eoffice/.venv/bin/flask scheduler" in (
        UNITS / "eoffice-scheduler.service"
    ).read_text(encoding="utf-8")
    for unit in UNITS.glob("*.service"):
        text = unit.read_text(encoding="utf-8")
        assert "EnvironmentFile=/etc/eoffice/eoffice.env" in text, unit.name
        assert "NoNewPrivileges=yes" in text and "ProtectSystem=strict" in text, unit.name
        if unit.name != "eoffice-backup.service":
            assert "ReadWritePaths=/srv/eoffice/files" in text, unit.name
            assert "KillMode=mixed" in text, unit.name


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze absent")
def test_systemd_loads_the_units(tmp_path: Path) -> None:
    """`systemd-analyze verify` on copies whose commands point at this checkout's venv
    (it checks that each ExecStart is executable)."""
    bin_dir = Path(sys.executable).parent
    names = []
    for unit in UNITS.iterdir():
        text = unit.read_text(encoding="utf-8").replace("/opt/eoffice/.venv/bin", str(bin_dir))
        name = unit.name.replace("@.service", "@1.service")
        (tmp_path / name).write_text(text, encoding="utf-8")
        names.append(f"./{name}")
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(names)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


NGINX = os.environ.get("NGINX_BIN") or shutil.which("nginx")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vanban.example.edu.vn")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    """`nginx -t` on the site, inside a minimal nginx.conf of its own (no root needed).
    Skipped without nginx on a developer machine, failed under CI (.ci/run installs
    nginx-light), as tests/conftest.py does for PostgreSQL and Redis."""
    if NGINX is None or not os.access(NGINX, os.X_OK):
        message = f"nginx ({NGINX or 'not on PATH'}) is not available (NGINX_BIN names one)"
        if IN_CI:
            pytest.fail(message + " (CI requires it)")
        pytest.skip(message)
    cert, key = _self_signed(tmp_path)
    site = (DEPLOY / "nginx" / "eoffice.conf").read_text(encoding="utf-8")
    site = site.replace("/etc/letsencrypt/live/vanban.example.edu.vn/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/vanban.example.edu.vn/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    temp = tmp_path / "temp"
    temp.mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log {tmp_path}/access.log;\n"
        + "".join(
            f"  {kind}_temp_path {temp};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"  include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
