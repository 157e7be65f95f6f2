"""Certificates (chứng thư số): a throwaway CA for demo and tests, and loading PKCS#12 files.

Pure: bytes in, objects out. `load_identity` is the one gate every uploaded .p12/.pfx
passes: it answers each way a file can be unusable with its own Vietnamese message,
because "không hợp lệ" alone sends the admin back to the CA for nothing when the
problem is a mistyped password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from eoffice.core.errors import ValidationFailed
from eoffice.core.timeutil import format_date, now_utc

WRONG_PASSWORD = "Mật khẩu của tệp chứng thư số không đúng."
NOT_PKCS12 = "Tệp không phải là chứng thư số dạng PKCS#12 (.p12, .pfx)."
NO_PRIVATE_KEY = "Tệp chứng thư số không chứa khóa bí mật nên không dùng để ký được."
NO_CERTIFICATE = "Tệp không chứa chứng thư số của người ký."
KEY_MISMATCH = "Khóa bí mật trong tệp không khớp với chứng thư số."
UNSUPPORTED_KEY = "Loại khóa của chứng thư số chưa được hỗ trợ (chỉ RSA hoặc ECDSA)."
NO_SIGNING_USAGE = "Chứng thư số không được cấp cho mục đích ký số (thiếu digitalSignature)."

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class CertificateRefused(ValidationFailed):
    """An uploaded certificate cannot be used to sign; `field` is 'password' or 'file'."""

    def __init__(self, message: str, *, field: str = "file"):
        super().__init__(message, field_errors={field: message})
        self.field = field


@dataclass(frozen=True)
class TestCA:
    """A self-signed root for the demo and the tests; never for production documents."""

    __test__ = False  # not a pytest test class, whatever its name says

    name: str
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


@dataclass(eq=False)
class SigningIdentity:
    """A private key with its certificate and the chain up to (and maybe including) the root.

    Compared by identity: pdfsign caches the prepared pyHanko signer per instance.
    """

    key: SigningKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def subject_cn(self) -> str:
        return _name_attr(self.certificate.subject, NameOID.COMMON_NAME) or ""

    def to_pkcs12(self, passphrase: bytes, *, kdf_rounds: int = 2_000) -> bytes:
        """Serialise again (PBES2, AES-256, SHA-256 MAC) under `passphrase`.

        Few PBKDF2 rounds by default: the server passphrase is a 256-bit key derived from
        SECRET_KEY, which no amount of stretching makes stronger, and jobs open it often.
        """
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(kdf_rounds)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA256())
            .build(passphrase)
        )
        return pkcs12.serialize_key_and_certificates(
            self.subject_cn.encode() or None,
            self.key,
            self.certificate,
            list(self.chain) or None,
            encryption,
        )


@dataclass(frozen=True)
class IdentitySummary:
    """What an admin needs to recognise a certificate; instants are aware UTC."""

    subject_cn: str
    organisation: str | None
    issuer_cn: str
    serial: str  # upper-case hex, as CAs print it
    valid_from: datetime
    valid_to: datetime
    sha256_fingerprint: str


# --- The throwaway CA -----------------------------------------------------------------


def make_test_ca(name: str, *, valid_days: int = 3650) -> TestCA:
    """A self-signed root CA with the extensions validators look for (STACK.md §4.1)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    start = now_utc() - timedelta(days=1)
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return TestCA(name=name, key=key, certificate=certificate)


def issue_identity(
    ca: TestCA,
    common_name: str,
    *,
    organisation: str | None = None,
    password: bytes,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    digital_signature: bool = True,
) -> bytes:
    """A signer's PKCS#12 (key, certificate, CA certificate) issued by the test CA.

    The validity and the key usage can be bent so tests can build refused certificates.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    start = not_before or now_utc() - timedelta(days=1)
    end = not_after or start + timedelta(days=3 * 365)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attrs))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=digital_signature,
                content_commitment=True,
                key_encipherment=not digital_signature,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        common_name.encode(),
        key,
        certificate,
        [ca.certificate],
        serialization.BestAvailableEncryption(password),
    )


# --- Loading an uploaded file ---------------------------------------------------------


def load_identity(p12: bytes, password: str, *, at: datetime | None = None) -> SigningIdentity:
    """Open a PKCS#12 file and check it can sign at `at` (now by default).

    Raises CertificateRefused with the reason: not a PKCS#12 file, wrong password,
    no private key, key and certificate that do not match, expired or not yet valid,
    not issued for signing.
    """
    identity = open_identity(p12, password)
    check_can_sign(identity.certificate, at or now_utc())
    return identity


def open_identity(p12: bytes, password: str) -> SigningIdentity:
    """Open a PKCS#12 file without judging the certificate's dates or usage."""
    if not _looks_like_pkcs12(p12):
        raise CertificateRefused(NOT_PKCS12)
    key, certificate, chain = _open_pkcs12(p12, password)
    if key is None:
        raise CertificateRefused(NO_PRIVATE_KEY)
    if certificate is None:
        raise CertificateRefused(NO_CERTIFICATE)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise CertificateRefused(UNSUPPORTED_KEY)
    if key.public_key() != certificate.public_key():
        raise CertificateRefused(KEY_MISMATCH)
    return SigningIdentity(key=key, certificate=certificate, chain=tuple(chain))


def check_can_sign(certificate: x509.Certificate, at: datetime) -> None:
    """Valid at `at` and issued for digital signatures; CertificateRefused otherwise."""
    _check_validity(certificate, at)
    _check_key_usage(certificate)


def _looks_like_pkcs12(data: bytes) -> bool:
    """A PFX structure (version 3, data content) before any password is tried.

    cryptography answers both a wrong password and a stray file with the same ValueError;
    reading the unencrypted outer structure first tells the two apart.
    """
    from asn1crypto import pkcs12 as asn1_pkcs12

    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native in {
            "data",
            "signed_data",
        }
    except (ValueError, TypeError, KeyError, OverflowError):
        return False


def _open_pkcs12(data: bytes, password: str):
    secret = password.encode()
    attempts = [secret] if secret else [b"", None]  # an empty password is stored either way
    for attempt in attempts:
        try:
            return pkcs12.load_key_and_certificates(data, attempt)
        except ValueError:
            continue
    raise CertificateRefused(WRONG_PASSWORD, field="password")


def _check_validity(certificate: x509.Certificate, at: datetime) -> None:
    start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    if at > end:
        raise CertificateRefused(f"Chứng thư số đã hết hạn từ ngày {format_date(end)}.")
    if at < start:
        raise CertificateRefused(f"Chứng thư số chưa có hiệu lực (từ ngày {format_date(start)}).")


def _check_key_usage(certificate: x509.Certificate) -> None:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise CertificateRefused(NO_SIGNING_USAGE) from None
    if not usage.digital_signature:
        raise CertificateRefused(NO_SIGNING_USAGE)


# --- Display --------------------------------------------------------------------------


def identity_summary(identity: SigningIdentity) -> IdentitySummary:
    return certificate_summary(identity.certificate)


def certificate_summary(certificate: x509.Certificate) -> IdentitySummary:
    return IdentitySummary(
        subject_cn=_name_attr(certificate.subject, NameOID.COMMON_NAME) or "",
        organisation=_name_attr(certificate.subject, NameOID.ORGANIZATION_NAME),
        issuer_cn=_name_attr(certificate.issuer, NameOID.COMMON_NAME)
        or certificate.issuer.rfc4514_string(),
        serial=format(certificate.serial_number, "X"),
        valid_from=certificate.not_valid_before_utc.astimezone(UTC),
        valid_to=certificate.not_valid_after_utc.astimezone(UTC),
        sha256_fingerprint=certificate.fingerprint(hashes.SHA256()).hex().upper(),
    )


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle, or the one certificate of a DER file."""
    if b"-----BEGIN CERTIFICATE-----" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def is_ca_certificate(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _name_attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    value = values[0].value
    return value.decode() if isinstance(value, bytes) else value
