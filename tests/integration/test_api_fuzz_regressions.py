"""Faults the API fuzzing found (decision 0025), each kept from coming back."""

from __future__ import annotations

import pytest

from eoffice.auth.services import create_api_token
from eoffice.casefiles.models import CaseFile
from eoffice.extensions import db
from tests.casefile_support import file_outside_list


@pytest.fixture
def close(app, world):
    """POST /casefiles/{id}/close of an open case file with `retention`: (status, body)."""
    office = world.district
    case_file = file_outside_list(office)
    _, token = create_api_token(office.staff, "fuzz")
    db.session.commit()

    def post(retention: str):
        response = app.test_client().post(
            f"/api/v1/casefiles/{case_file.id}/close",
            json={"retention": retention},
            headers={"Authorization": f"Bearer {token}"},
        )
        db.session.expire_all()
        assert db.session.get(CaseFile, case_file.id).closed_at is None
        return response.status_code, response.json

    return post


@pytest.mark.parametrize("retention", ["10\x00", "1\x000", "\x0010"])
def test_a_nul_in_a_case_file_text_field_is_dropped_not_a_500(close, retention):
    """JSON can carry "\\u0000"; the retention code went straight into a query and
    PostgreSQL refused it with a 500. Control characters are dropped, as everywhere."""
    assert close(retention) == close("10")


def test_a_lone_surrogate_in_a_case_file_text_field_is_a_422(close):
    """A lone surrogate ("\\ud800") is valid JSON but not UTF-8: the encoder failed
    with a 500."""
    status, body = close("\ud800")
    assert status == 422 and "retention" in body["error"]["fields"]
