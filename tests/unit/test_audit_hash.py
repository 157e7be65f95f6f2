"""The canonical form of an audit event and its hash (core.audit_chain): the same for
the values a service passes and for what either database gives back."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from eoffice.core.audit_chain import (
    GENESIS,
    canonical_at,
    canonical_changes,
    chain_key,
    content_digest,
    link_hash,
)

AT = datetime(2026, 9, 25, 2, 0, 0, 123456, tzinfo=UTC)
FIELDS = {
    "event_id": 1234,
    "org_id": 3,
    "actor_id": 7,
    "at": AT,
    "subject_type": "incoming",
    "subject_id": 42,
    "action": "registered",
    "changes": {"arrival_number": 15, "book": "Sổ đăng ký văn bản đến", "files": ["a.pdf"]},
    "note": None,
}


def digest(**overrides) -> str:
    return content_digest(**{**FIELDS, **overrides})


def test_a_known_event_has_a_known_hash():
    """The format written down in decision 0020, computed here independently: a change
    to the canonical form is a new FORMAT tag, never a silent change of every hash."""
    text = (
        '["eoffice-audit-1",1234,3,7,"2026-09-25T02:00:00.123456+00:00","incoming",42,'
        '"registered",{"arrival_number":15,"book":"Sổ đăng ký văn bản đến","files":["a.pdf"]},'
        "null]"
    )
    expected_digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert digest() == expected_digest
    expected = hashlib.sha256(f"{GENESIS}:1:{expected_digest}".encode()).hexdigest()
    assert link_hash(GENESIS, 1, digest()) == expected


def test_times_are_one_instant_whatever_their_zone_or_driver():
    vn = timezone(timedelta(hours=7))
    assert canonical_at(AT) == "2026-09-25T02:00:00.123456+00:00"
    assert canonical_at(AT.astimezone(vn)) == canonical_at(AT)
    assert canonical_at(AT.replace(tzinfo=None)) == canonical_at(AT)  # SQLite: naive UTC
    assert canonical_at(AT.replace(microsecond=0)) == "2026-09-25T02:00:00.000000+00:00"
    assert digest(at=AT.astimezone(vn)) == digest()
    assert digest(at=AT + timedelta(microseconds=1)) != digest()


def test_changes_hash_as_the_database_returns_them():
    """Key order, tuples and integer keys are what a JSON round trip makes of them."""
    reordered = dict(reversed(list(FIELDS["changes"].items())))
    assert digest(changes=reordered) == digest()
    assert digest(changes={**FIELDS["changes"], "files": ("a.pdf",)}) == digest()
    stored = json.loads(json.dumps(FIELDS["changes"]))  # ensure_ascii: \\u escapes
    assert digest(changes=stored) == digest()
    assert canonical_changes({1: "x"}) == {"1": "x"}
    assert digest(changes={}) == digest(changes=None)
    nested = {"state": {"from": "Chờ xử lý", "to": "Đang xử lý"}, "n": [1, 2.5]}
    assert digest(changes=nested) == digest(changes=json.loads(json.dumps(nested)))


@pytest.mark.parametrize(
    "change",
    [
        {"event_id": 1235},
        {"org_id": 4},
        {"actor_id": None},
        {"subject_type": "outgoing"},
        {"subject_id": 43},
        {"action": "cancelled"},
        {"changes": {**FIELDS["changes"], "arrival_number": 16}},
        {"note": ""},
        {"note": "Ghi chú"},
    ],
)
def test_every_field_is_covered(change):
    assert digest(**change) != digest()


def test_the_link_covers_the_previous_hash_and_the_place():
    d = digest()
    assert link_hash(GENESIS, 1, d) != link_hash("1" * 64, 1, d)
    assert link_hash(GENESIS, 1, d) != link_hash(GENESIS, 2, d)
    assert len(link_hash(GENESIS, 1, d)) == 64


def test_events_without_organisation_have_their_own_chain():
    assert chain_key(None) == 0
    assert chain_key(12) == 12
