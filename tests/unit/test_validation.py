"""Agency codes (mã định danh) and official e-mail domains (orgs.validation)."""

from __future__ import annotations

import re

import pytest

from eoffice.orgs.validation import agency_code_problem, domain_allowed, official_email_problem

# The defaults of config.Config, written out so an environment override cannot change them.
AGENCY_CODE_PATTERN = r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$"
OFFICIAL_DOMAINS = ["hcm.edu.vn", "*.hcm.edu.vn", "*.edu.vn", "moet.edu.vn", "tphcm.gov.vn"]


@pytest.mark.parametrize(
    "code",
    ["000.00.00.H29", "000.01.31.H29", "000.00.18.G12", "123.45.67.Z99"],
)
def test_well_formed_agency_codes_pass(code):
    assert agency_code_problem(code, AGENCY_CODE_PATTERN) is None


@pytest.mark.parametrize(
    "code",
    [
        "",
        "00.01.31.H29",  # first group has two digits
        "000.1.31.H29",
        "000.01.31.H2",  # last group too short
        "000.01.31.H299",
        "000.01.31.29H",
        "000.01.31.h29",  # lower case letter (the service upper-cases before checking)
        "000-01-31-H29",
        "000.01.31.H29 ",
        "000.01.31.H29\n",
        "０００.01.31.H29",  # full-width digits typed on a Vietnamese keyboard
    ],
)
def test_malformed_agency_codes_are_refused_in_vietnamese(code):
    problem = agency_code_problem(code, AGENCY_CODE_PATTERN)
    assert problem is not None
    assert "không đúng định dạng NNN.NN.NN.XNN" in problem


def test_agency_code_pattern_is_configurable():
    assert agency_code_problem("H29-0001", r"^H\d{2}-\d{4}$") is None
    assert agency_code_problem("000.01.31.H29", r"^H\d{2}-\d{4}$") is not None


@pytest.mark.parametrize(
    "address",
    [
        "vanthu@hcm.edu.vn",
        "vanthu@thleloi.hcm.edu.vn",
        "hieutruong@c1.leloi.hcm.edu.vn",
        "vanphong@hanoi.edu.vn",
        "giaovien@moet.edu.vn",
        "vanphong.sgddt@tphcm.gov.vn",
        "VanThu@THLeLoi.HCM.EDU.VN",
    ],
)
def test_official_addresses_are_accepted(address):
    assert official_email_problem(address, OFFICIAL_DOMAINS) is None


@pytest.mark.parametrize("domain", ["gmail.com", "yahoo.com", "yahoo.com.vn", "outlook.com"])
def test_public_mailboxes_are_refused_with_the_reason(domain):
    problem = official_email_problem(f"nguyenvana@{domain}", OFFICIAL_DOMAINS)
    assert problem is not None
    assert f"Không dùng hộp thư công cộng ({domain})" in problem


@pytest.mark.parametrize(
    "address",
    [
        "vanthu@example.com",
        "vanthu@hcm.edu.vn.example.com",  # the allowed name as a prefix of another domain
        "vanthu@fakeedu.vn",
        "vanthu@gov.vn",
        "vanthu@hcm.gov.vn",
    ],
)
def test_other_domains_are_refused(address):
    problem = official_email_problem(address, OFFICIAL_DOMAINS)
    assert problem is not None
    domain = address.rsplit("@", 1)[1]
    assert f"Tên miền “{domain}” không thuộc danh sách thư công vụ" in problem


@pytest.mark.parametrize("address", ["", "vanthu", "vanthu@", "@hcm.edu.vn", "van thu@hcm.edu.vn"])
def test_malformed_addresses_are_refused(address):
    problem = official_email_problem(address, OFFICIAL_DOMAINS)
    assert problem is not None
    assert "không hợp lệ" in problem


def test_wildcard_means_a_subdomain_not_the_bare_suffix_nor_a_lookalike():
    assert domain_allowed("thleloi.hcm.edu.vn", ["*.hcm.edu.vn"])
    assert not domain_allowed("hcm.edu.vn", ["*.hcm.edu.vn"])
    assert not domain_allowed("evilhcm.edu.vn", ["*.hcm.edu.vn"])
    assert domain_allowed("MOET.EDU.VN.", ["moet.edu.vn"])


def test_a_refused_agency_code_is_echoed_only_in_part():
    pasted = "Phòng Giáo dục và Đào tạo Quận 3 " * 15  # 500 characters pasted by mistake
    problem = agency_code_problem(pasted, AGENCY_CODE_PATTERN)
    assert problem is not None
    echoed = re.search(r"“(.*?)”", problem).group(1)
    assert len(echoed) <= 20 and echoed.endswith("…")
    assert pasted[:19] in echoed
    short = agency_code_problem("000.01.31", AGENCY_CODE_PATTERN)
    assert "“000.01.31”" in short
