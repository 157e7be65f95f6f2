"""Digital signatures without a database: certificates, stamps, signing and validating.

The certificates come from a throwaway CA built once for the module (RSA-2048 takes a
fraction of a second); no key file is kept in the repository.
"""

from __future__ import annotations

import html
import io
import re
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from fontTools.ttLib import TTFont
from PIL import Image, ImageFont
from pypdf import PdfWriter

from eoffice.core.errors import ValidationFailed
from eoffice.signing import fonts
from eoffice.signing.certificates import (
    WRONG_PASSWORD,
    CertificateRefused,
    identity_summary,
    issue_identity,
    load_identity,
    make_test_ca,
)
from eoffice.signing.pdfsign import (
    PdfUnreadable,
    format_signing_time,
    sign_pdf,
    validate_pdf,
)
from eoffice.signing.stamps import check_stamp_png, seal_png, signature_png

PASSWORD = b"Mat-khau-p12"
PAGE_W, PAGE_H = 595, 842  # A4 in points
# DOMAIN.md §1.10: the signer's image between title and name; the seal over its left third.
SIGNER_BOX = (330.0, 300.0, 510.0, 372.0)
SEAL_BOX = (282.0, 264.0, 402.0, 384.0)  # 120 pt seal centred on the left third's edge
SIGNED_AT = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)


@pytest.fixture(scope="module")
def ca():
    return make_test_ca("CA thử nghiệm eoffice")


@pytest.fixture(scope="module")
def leader(ca):
    p12 = issue_identity(ca, "Nguyễn Văn Đức", organisation="Phòng GDĐT Quận 3", password=PASSWORD)
    return load_identity(p12, PASSWORD.decode())


@pytest.fixture(scope="module")
def office(ca):
    p12 = issue_identity(ca, "Phòng Giáo dục và Đào tạo Quận 3", password=PASSWORD)
    return load_identity(p12, PASSWORD.decode())


@pytest.fixture(scope="module")
def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(PAGE_W, PAGE_H)
    writer.add_metadata({"/Title": "Ke hoach thu nghiem"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def signed_once(blank_pdf, leader) -> bytes:
    return sign_pdf(
        blank_pdf,
        leader,
        field_name="ChuKyLanhDao",
        page_index=0,
        box=SIGNER_BOX,
        image_png=signature_png("Nguyễn Văn Đức"),
        reason="Ký ban hành",
        location="Quận 3, TP. Hồ Chí Minh",
        signing_time=SIGNED_AT,
    )


@pytest.fixture(scope="module")
def signed_twice(signed_once, office) -> bytes:
    return sign_pdf(
        signed_once,
        office,
        field_name="DauCoQuan",
        page_index=0,
        box=SEAL_BOX,
        image_png=seal_png("Phòng Giáo dục và Đào tạo Quận 3"),
        reason="Ký số của cơ quan",
        location="Quận 3, TP. Hồ Chí Minh",
        signing_time=SIGNED_AT + timedelta(minutes=2),
    )


# --- Certificates ---------------------------------------------------------------------


def test_identity_from_the_test_ca_carries_its_chain_and_summary(ca, leader):
    summary = identity_summary(leader)
    assert summary.subject_cn == "Nguyễn Văn Đức"
    assert summary.organisation == "Phòng GDĐT Quận 3"
    assert summary.issuer_cn == "CA thử nghiệm eoffice"
    assert summary.serial == format(leader.certificate.serial_number, "X")
    assert summary.valid_from < datetime.now(UTC) < summary.valid_to
    assert leader.chain == (ca.certificate,)


def test_wrong_password_is_refused_in_vietnamese(ca):
    p12 = issue_identity(ca, "Trần Thị Mai", password=PASSWORD)
    with pytest.raises(CertificateRefused) as refused:
        load_identity(p12, "mat-khau-sai")
    assert isinstance(refused.value, ValidationFailed)
    assert refused.value.message == WRONG_PASSWORD == "Mật khẩu của tệp chứng thư số không đúng."
    assert refused.value.field_errors == {"password": WRONG_PASSWORD}


@pytest.mark.parametrize("data", [b"", b"not a certificate", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj"])
def test_a_file_that_is_not_pkcs12_is_refused_as_such(data):
    with pytest.raises(CertificateRefused) as refused:
        load_identity(data, "whatever")
    assert refused.value.field == "file"
    assert "PKCS#12" in refused.value.message


def test_certificate_whose_validity_has_ended_is_refused(ca):
    now = datetime.now(UTC)
    p12 = issue_identity(
        ca,
        "Lê Văn Cũ",
        password=PASSWORD,
        not_before=now - timedelta(days=400),
        not_after=now - timedelta(days=10),
    )
    with pytest.raises(CertificateRefused) as refused:
        load_identity(p12, PASSWORD.decode())
    assert refused.value.field == "file"
    assert refused.value.message.startswith("Chứng thư số đã hết hạn từ ngày ")


def test_certificate_not_yet_valid_is_refused(ca):
    start = datetime.now(UTC) + timedelta(days=3)
    p12 = issue_identity(ca, "Lê Văn Mới", password=PASSWORD, not_before=start)
    with pytest.raises(CertificateRefused, match="chưa có hiệu lực"):
        load_identity(p12, PASSWORD.decode())


def test_certificate_without_digital_signature_usage_is_refused(ca):
    p12 = issue_identity(ca, "Máy chủ mã hóa", password=PASSWORD, digital_signature=False)
    with pytest.raises(CertificateRefused, match="digitalSignature"):
        load_identity(p12, PASSWORD.decode())


def test_pkcs12_without_private_key_is_refused(ca, leader):
    p12 = pkcs12.serialize_key_and_certificates(
        b"x", None, leader.certificate, [ca.certificate], BestAvailableEncryption(PASSWORD)
    )
    with pytest.raises(CertificateRefused, match="khóa bí mật"):
        load_identity(p12, PASSWORD.decode())


def test_re_encrypted_pkcs12_opens_with_the_new_passphrase_only(leader):
    p12 = leader.to_pkcs12(b"server-passphrase")
    again = load_identity(p12, "server-passphrase")
    assert again.certificate == leader.certificate
    assert again.key.private_numbers() == leader.key.private_numbers()
    with pytest.raises(CertificateRefused):
        load_identity(p12, PASSWORD.decode())


# --- Signing and validating -----------------------------------------------------------


def test_two_signatures_both_validate_against_the_test_ca(ca, signed_once, signed_twice):
    assert signed_twice.startswith(signed_once)  # incremental: the first bytes untouched
    first, second = validate_pdf(signed_twice, [ca.certificate_pem])
    assert (first.field_name, first.signer_cn) == ("ChuKyLanhDao", "Nguyễn Văn Đức")
    assert (second.field_name, second.signer_cn) == (
        "DauCoQuan",
        "Phòng Giáo dục và Đào tạo Quận 3",
    )
    for report in (first, second):
        assert (report.intact, report.valid, report.trusted, report.modification_ok) == (
            True,
            True,
            True,
            True,
        )
        assert report.verdict == "valid"
        assert report.label == "Hợp lệ"
        assert report.issuer_cn == "CA thử nghiệm eoffice"
    assert first.whole_file is False  # the seal came after it
    assert second.whole_file is True
    assert first.signing_time == SIGNED_AT
    assert second.signing_time == SIGNED_AT + timedelta(minutes=2)
    assert second.as_json()["label"] == "Hợp lệ"


def test_trust_roots_may_be_given_as_der(ca, signed_once):
    from cryptography.hazmat.primitives.serialization import Encoding

    (report,) = validate_pdf(signed_once, [ca.certificate.public_bytes(Encoding.DER)])
    assert report.verdict == "valid"


def test_one_byte_changed_inside_the_signed_range_makes_both_invalid(ca, signed_twice):
    position = signed_twice.index(b"Ke hoach thu nghiem")
    contents = signed_twice.index(b"/Contents <")  # the first signature's hole
    assert position < contents  # inside the bytes the first signature covers
    tampered = bytearray(signed_twice)
    tampered[position] = ord("X")
    reports = validate_pdf(bytes(tampered), [ca.certificate_pem])
    assert [r.verdict for r in reports] == ["invalid", "invalid"]
    assert [r.intact for r in reports] == [False, False]
    assert reports[0].label == "Không hợp lệ (tệp đã bị sửa sau khi ký)"


def test_without_the_ca_as_trust_root_the_issuer_is_unknown(signed_twice):
    reports = validate_pdf(signed_twice, [])
    assert [r.verdict for r in reports] == ["unknown_issuer", "unknown_issuer"]
    assert all(r.intact and r.valid and not r.trusted for r in reports)
    assert reports[0].label == "Không rõ tổ chức cấp chứng thư"


def test_another_ca_is_not_a_trust_root_for_ours(signed_once):
    other = make_test_ca("CA khác")
    (report,) = validate_pdf(signed_once, [other.certificate_pem])
    assert report.verdict == "unknown_issuer"


def test_an_unsigned_pdf_has_no_signature(ca, blank_pdf):
    assert validate_pdf(blank_pdf, [ca.certificate_pem]) == []


def test_bytes_that_are_not_a_pdf_are_reported_unreadable(ca):
    with pytest.raises(PdfUnreadable):
        validate_pdf(b"PK\x03\x04 a zip, not a PDF", [ca.certificate_pem])


# --- What the page shows --------------------------------------------------------------


def _render(pdf: bytes) -> Image.Image:
    """Page 1 at 72 dpi: one pixel per point, so PDF boxes map straight onto pixels."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "signed.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "72", "-png", "-singlefile", str(source), str(Path(folder) / "p")],
            check=True,
        )
        return Image.open(Path(folder) / "p.png").convert("RGB")


def _count(image: Image.Image, box: tuple[float, float, float, float], colour) -> int:
    """Pixels of `colour` inside a PDF box (origin bottom-left)."""
    x1, y1, x2, y2 = box
    region = image.crop((int(x1), int(PAGE_H - y2), int(x2), int(PAGE_H - y1)))
    return sum(1 for pixel in _pixels(region) if colour(pixel))


def _pixels(image: Image.Image):
    """Pixel tuples (getdata() is deprecated in Pillow 13, its successor is not in 10)."""
    data = image.tobytes()
    return zip(*[iter(data)] * len(image.getbands()), strict=True)


def _blue(p) -> bool:
    return p[2] > 110 and p[0] < 110 and p[2] - p[0] > 60


def _red(p) -> bool:
    return p[0] > 150 and p[1] < 110 and p[2] < 110


def test_both_stamps_are_drawn_in_their_boxes(signed_twice):
    page = _render(signed_twice)
    x1, y1, x2, y2 = SIGNER_BOX
    right_two_thirds = (x1 + (x2 - x1) / 3, y1, x2, y2)  # not under the seal
    assert _count(page, right_two_thirds, _blue) > 300
    assert _count(page, SEAL_BOX, _red) > 1500
    # The seal is transparent: the signature still shows through where they overlap.
    overlap = (SIGNER_BOX[0], SIGNER_BOX[1], SEAL_BOX[2], SIGNER_BOX[3])
    assert _count(page, overlap, _blue) > 20
    # Nothing coloured anywhere else: the stamps are where they were asked to be.
    around_both = (SEAL_BOX[0], SEAL_BOX[1], SIGNER_BOX[2], SEAL_BOX[3])
    whole = (0, 0, PAGE_W, PAGE_H)
    assert _count(page, whole, _blue) == _count(page, around_both, _blue)
    assert _count(page, whole, _red) == _count(page, around_both, _red)


def _words(pdf: bytes) -> list[tuple[str, float, float, float, float]]:
    """pdftotext -bbox: each word with its box in points from the top left.

    pyHanko marks each stamp line with /ActualText, so a stamp line is one "word"."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "signed.pdf"
        source.write_bytes(pdf)
        out = subprocess.run(
            ["pdftotext", "-bbox", str(source), "-"], check=True, capture_output=True, text=True
        ).stdout
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<'
    return [
        (html.unescape(w), float(a), float(b), float(c), float(d))
        for a, b, c, d, w in re.findall(pattern, out)
    ]


def test_text_stamp_is_vietnamese_at_its_true_width_inside_the_box(blank_pdf, office):
    """The attachment stamp (top right, no image). A 2048-unit font would come out about
    twice too wide and clipped with no error (STACK.md §8.3): measure it."""
    box = (380.0, 770.0, 585.0, 812.0)
    signed = sign_pdf(
        blank_pdf,
        office,
        field_name="PhuLuc1",
        page_index=0,
        box=box,
        text_lines=["Số: 05/KH-GDĐT", "Thời gian: 2026-03-05T14:03:22+07:00"],
        reason="Ký số tệp đính kèm",
        location="Quận 3",
        signing_time=SIGNED_AT,
    )
    words = _words(signed)
    assert [w[0] for w in words] == ["Số: 05/KH-GDĐT", "Thời gian: 2026-03-05T14:03:22+07:00"]
    reference = ImageFont.truetype(fonts.find_font(fonts.SERIF_REGULAR), 1000)
    for word, x_min, y_min, x_max, y_max in words:
        expected = reference.getlength(word) / 100  # at 10 pt
        assert x_max - x_min == pytest.approx(expected, rel=0.03), word
        assert box[0] <= x_min and x_max <= box[2], word
        assert PAGE_H - box[3] <= y_min and y_max <= PAGE_H - box[1], word
    page = _render(signed)
    assert _count(page, box, lambda p: max(p) < 100) > 150  # black text is drawn


def test_default_text_stamp_names_the_signer_in_vietnam_time(blank_pdf, leader):
    moment = datetime(2026, 3, 5, 7, 3, 22, tzinfo=UTC)
    assert format_signing_time(moment) == "2026-03-05T14:03:22+07:00"
    signed = sign_pdf(
        blank_pdf,
        leader,
        field_name="KyNhay",
        page_index=-1,
        box=(40.0, 40.0, 300.0, 80.0),
        reason="Ký",
        location="Quận 3",
        signing_time=moment,
    )
    assert [w[0] for w in _words(signed)] == [
        "Ký bởi: Nguyễn Văn Đức",
        "Thời gian: 2026-03-05T14:03:22+07:00",
    ]


def test_stamp_font_is_a_small_1000_unit_font():
    font = TTFont(io.BytesIO(fonts.stamp_font_bytes()))
    assert font["head"].unitsPerEm == 1000
    cmap = font.getBestCmap()
    assert all(ord(ch) in cmap for ch in "ĐđƠơƯưẠạẶặỆệỸỹ")
    assert len(fonts.stamp_font_bytes()) < 80_000


# --- Stamp images ---------------------------------------------------------------------


def test_generated_images_are_transparent_blue_and_red():
    signature = Image.open(io.BytesIO(signature_png("Nguyễn Văn Đức"))).convert("RGBA")
    seal = Image.open(io.BytesIO(seal_png("Trường Tiểu học Lê Lợi")))
    seal = seal.convert("RGBA")
    for image in (signature, seal):
        assert image.getpixel((0, 0))[3] == 0  # transparent corner
    inked = [p for p in _pixels(signature) if p[3] > 200]
    assert inked and all(_blue(p) for p in inked)
    inked = [p for p in _pixels(seal) if p[3] > 200]
    assert inked and all(_red(p) for p in inked)
    assert seal.getpixel((seal.width // 2, seal.height // 2))[3] == 255  # the star
    check_stamp_png(signature_png("A"))
    check_stamp_png(seal_png("B"))


def test_uploaded_stamp_must_be_a_transparent_png():
    opaque = io.BytesIO()
    Image.new("RGB", (50, 20), "white").save(opaque, format="PNG")
    with pytest.raises(ValidationFailed, match="nền trong suốt"):
        check_stamp_png(opaque.getvalue())
    jpeg = io.BytesIO()
    Image.new("RGB", (50, 20), "white").save(jpeg, format="JPEG")
    with pytest.raises(ValidationFailed, match="PNG"):
        check_stamp_png(jpeg.getvalue())
    with pytest.raises(ValidationFailed, match="PNG"):
        check_stamp_png(b"\x89PNG\r\n\x1a\n truncated")
