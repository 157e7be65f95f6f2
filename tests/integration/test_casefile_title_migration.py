"""Migration 0022 fills `case_files.title_folded` for the files already there, in
batches, with the fold the application keeps the column in step with."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from eoffice import create_app
from eoffice.casefiles.models import fold_title
from eoffice.extensions import db

NOW = "2026-11-01 03:00:00"
FILES = 1203  # more than one batch of the migration (1,000)


def test_existing_files_get_their_folded_title(tmp_path):
    url = "sqlite:///" + str(tmp_path / "old.sqlite3")
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": url},
        instance_path=str(tmp_path / "instance"),
    )
    titles = {
        1: ("01.VP", "Hồ sơ Đại hội CÔNG ĐOÀN năm 2026"),
        2: ("02.TCCB", "  Kế hoạch   tuyển sinh\tlớp Một  "),
    }
    for n in range(3, FILES + 1):
        titles[n] = (f"{n:02d}.GDĐT", f"Hồ sơ số {n} về công tác chuyên môn")
    with app.app_context():
        upgrade(revision="0021")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO organisations (id, name, name_folded, kind, is_member, is_active,"
                    " created_at) VALUES (1, 'Trường A', 'truong a', 'primary', 1, 1, :t)"
                ),
                {"t": NOW},
            )
            conn.execute(
                text(
                    "INSERT INTO case_files (id, org_id, year, position, number, code, title,"
                    " retention_code, rights, language, state, in_list, created_at, updated_at)"
                    " VALUES (:id, 1, 2026, 1, :id, :code, :title, '10', 'Sử dụng rộng rãi',"
                    " 'Tiếng Việt', 'open', 0, :t, :t)"
                ),
                [
                    {"id": n, "code": code, "title": title, "t": NOW}
                    for n, (code, title) in titles.items()
                ],
            )
        upgrade(revision="0022")
        with db.engine.connect() as conn:
            folded = dict(conn.execute(text("SELECT id, title_folded FROM case_files")).all())
        assert folded[1] == "01.vp ho so dai hoi cong doan nam 2026"
        assert folded[2] == "02.tccb ke hoach tuyen sinh lop mot"
        assert folded == {n: fold_title(code, title) for n, (code, title) in titles.items()}

        downgrade(revision="0021")
        columns = {c["name"] for c in inspect(db.engine).get_columns("case_files")}
        assert "title_folded" not in columns
        db.engine.dispose()
