"""Validation of agency codes and official e-mail addresses (pure functions)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email

PUBLIC_MAIL_DOMAINS = {
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.com.vn",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "icloud.com",
    "aol.com",
    "zoho.com",
    "proton.me",
    "protonmail.com",
    "mail.com",
    "gmx.com",
    "yandex.com",
    "qq.com",
    "163.com",
}


def shorten(value: str, limit: int) -> str:
    """`value` cut to `limit` characters with an ellipsis: what a message may echo back.

    A message repeats what the user typed so they can see the mistake, but not 500
    pasted characters (nor a whole paragraph in the log).
    """
    return value if len(value) <= limit else value[: limit - 1] + "…"


def agency_code_problem(code: str, pattern: str) -> str | None:
    """Return a Vietnamese message if `code` is not a valid mã định danh, else None."""
    # ASCII: \d would otherwise accept full-width and other Unicode digits.
    if not re.fullmatch(pattern, code, flags=re.ASCII):
        return (
            f"Mã định danh “{shorten(code, 20)}” không đúng định dạng NNN.NN.NN.XNN "
            "(ví dụ 000.00.00.H29)."
        )
    return None


def domain_allowed(domain: str, allowed: Iterable[str]) -> bool:
    """`allowed` entries are exact domains or '*.suffix' (any subdomain of suffix)."""
    domain = domain.lower().rstrip(".")
    for entry in allowed:
        entry = entry.lower().strip()
        if entry.startswith("*."):
            if domain.endswith(entry[1:]):
                return True
        elif domain == entry:
            return True
    return False


def official_email_problem(address: str, allowed: Iterable[str]) -> str | None:
    """Return a Vietnamese message if `address` is not an official e-mail, else None."""
    allowed = list(allowed)
    try:
        normalised = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return f"Địa chỉ thư điện tử “{shorten(address, 80)}” không hợp lệ."
    domain = normalised.rsplit("@", 1)[1].lower()
    if domain in PUBLIC_MAIL_DOMAINS:
        return (
            f"Không dùng hộp thư công cộng ({domain}) cho công việc chính thức; "
            "hãy dùng thư công vụ của ngành (ví dụ …@hcm.edu.vn, …@moet.edu.vn)."
        )
    if not domain_allowed(domain, allowed):
        names = ", ".join(allowed)
        return (
            f"Tên miền “{shorten(domain, 80)}” không thuộc danh sách thư công vụ "
            f"được phép ({names})."
        )
    return None
