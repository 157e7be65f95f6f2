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


def test_a_code_is_burnt_with_its_step_and_older_steps_too(clock):
    user = SimpleNamespace(totp_last_step=None)
    now_code, earlier_code = _code(T0), _code(T0 - 30)
    assert two_factor._accept_totp(user, SECRET, now_code)
    assert user.totp_last_step == int(T0 // 30)
    assert not two_factor._accept_totp(user, SECRET, now_code)  # replay
    assert not two_factor._accept_totp(user, SECRET, earlier_code)  # older than the last
    clock["t"] = T0 + 30
    assert two_factor._accept_totp(user, SECRET, _code(T0 + 30))


def test_codes_may_be_typed_with_spaces(clock):
    user = SimpleNamespace(totp_last_step=None)
    code = _code(T0)
    assert two_factor._accept_totp(user, SECRET, f"{code[:3]} {code[3:]}")


def test_recovery_codes_are_read_whatever_the_case_and_dashes():
    assert two_factor._normalise_recovery(" ABCD-efgh-2345-6777 ") == "abcdefgh23456777"
