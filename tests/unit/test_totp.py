"""The TOTP rules of eoffice.auth.two_factor: the window around now, one use per step."""

from __future__ import annotations

from types import SimpleNamespace

import pyotp
import pytest

from eoffice.auth import two_factor

SECRET = pyotp.random_base32()
T0 = 1_790_000_010.0  # 10 s into a window


@pytest.fixture
def clock(monkeypatch):
    now = {"t": T0}
    monkeypatch.setattr(two_factor, "_now", lambda: now["t"])
    return now


def _code(at: float) -> str:
    return pyotp.TOTP(SECRET).at(at)


@pytest.mark.parametrize(
    "offset, accepted", [(-60, False), (-30, True), (0, True), (30, True), (60, False)]
)
def test_a_code_is_accepted_in_its_window_and_the_next_to_it(offset, accepted):
    step = two_factor._matching_step(SECRET, _code(T0 + offset), T0)
    assert (step is not None) == accepted
    if accepted:
        assert step == int((T0 + offset) // 30)


def test_malformed_codes_never_match():
    for code in ("", "12345", "1234567", "abcdef", " 123456"):
        assert two_factor._matching_step(SECRET, code, T0) is None


@pytest.fixture
def claimed(monkeypatch):
    """The steps _accept_totp asks to burn (the burning itself is one SQL UPDATE, tested
    against the database in tests/integration/test_account_security.py)."""
    steps: list[int] = []

    def claim(_user, step: int) -> bool:
        steps.append(step)
        return True

    monkeypatch.setattr(two_factor, "_claim_step", claim)
    return steps


def test_a_right_code_claims_its_own_step(clock, claimed):
    user = SimpleNamespace(id=1)
    assert two_factor._accept_totp(user, SECRET, _code(T0 - 30))
    assert claimed == [int((T0 - 30) // 30)]
    window = {_code(T0 + offset) for offset in (-30, 0, 30)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in window)
    assert not two_factor._accept_totp(user, SECRET, wrong)
    assert claimed == [int((T0 - 30) // 30)]  # a wrong code claims nothing


def test_codes_may_be_typed_with_spaces(clock, claimed):
    code = _code(T0)
    assert two_factor._accept_totp(SimpleNamespace(id=1), SECRET, f"{code[:3]} {code[3:]}")
    assert claimed == [int(T0 // 30)]


def test_recovery_codes_are_read_whatever_the_case_and_dashes():
    assert two_factor._normalise_recovery(" ABCD-efgh-2345-6777 ") == "abcdefgh23456777"
