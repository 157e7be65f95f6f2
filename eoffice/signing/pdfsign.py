"""Signing PDFs (PAdES B-B, visible stamps) and checking the signatures a PDF carries.

Pure: bytes in, bytes out. Every signature is an incremental update, so the bytes an
earlier signature covers are never touched: the signer signs, then the văn thư adds
the organisation's seal on top, and both stay valid.

The speed fixes of STACK.md §8 live here: the private key is loaded once per identity
and reused (pyHanko's SimpleSigner re-reads it from DER, with OpenSSL's full RSA check,
on every raw signature, twice per PDF); the room for the signature is reserved from a
size known in advance (no dry-run signature); the stamp font is prepared once per
process (`fonts.stamp_font_bytes`).
"""

from __future__ import annotations

import io
import logging
import threading
import weakref
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.serialization import Encoding
from PIL import Image
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils import layout, text
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import StaticStampStyle, TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from eoffice.core.timeutil import to_local
from eoffice.signing.certificates import SigningIdentity, certificate_summary
from eoffice.signing.fonts import stamp_font_bytes

log = logging.getLogger(__name__)

STAMP_FONT_SIZE = 10  # DOMAIN.md §1.10: the attachment stamp is TNR 10 pt black

VERDICT_VALID = "valid"
VERDICT_INVALID = "invalid"
VERDICT_UNKNOWN_ISSUER = "unknown_issuer"
VERDICT_LABELS = {
    VERDICT_VALID: "Hợp lệ",
    VERDICT_INVALID: "Không hợp lệ (tệp đã bị sửa sau khi ký)",
    VERDICT_UNKNOWN_ISSUER: "Không rõ tổ chức cấp chứng thư",
}

NOTE_ALTERED = "Nội dung tệp đã bị thay đổi sau khi ký."
NOTE_BAD_SIGNATURE = "Chữ ký không khớp với chứng thư số của người ký."
NOTE_BAD_UPDATE = "Tệp có thay đổi không được phép sau khi ký."
NOTE_REVOKED = "Chứng thư số của người ký đã bị thu hồi."
NOTE_EXPIRED = "Chứng thư số của người ký đã hết hạn hoặc chưa có hiệu lực vào lúc kiểm tra."
NOTE_UNKNOWN_ISSUER = "Chứng thư số do một tổ chức chưa được khai báo tin cậy cấp."
NOTE_CHAIN = "Không xác minh được chuỗi chứng thư số của người ký."
NOTE_UNREADABLE = "Không đọc được chữ ký số trong tệp."

# A signature made with digitalSignature or nonRepudiation counts; Vietnamese CAs set both,
# pyHanko's default asks for nonRepudiation alone.
_KEY_USAGE = KeyUsageConstraints(
    key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
)
_OK_MODIFICATIONS = (
    ModificationLevel.NONE,
    ModificationLevel.LTA_UPDATES,
    ModificationLevel.FORM_FILLING,
)


class PdfUnreadable(ValueError):
    """The bytes are not a PDF pyHanko can read; the message is Vietnamese."""

    def __init__(self) -> None:
        super().__init__("Không đọc được tệp PDF để kiểm tra chữ ký số.")


def format_signing_time(moment: datetime) -> str:
    """ISO 8601 in Vietnam time with its offset, e.g. 2026-03-05T14:03:22+07:00 (§1.10).

    pyHanko would print the server's own zone, which on a UTC server is 7 hours off.
    """
    local = to_local(moment)
    assert local is not None
    return local.isoformat(timespec="seconds")


# --- Signing --------------------------------------------------------------------------


def sign_pdf(
    pdf: bytes,
    identity: SigningIdentity,
    *,
    field_name: str,
    page_index: int,
    box: tuple[float, float, float, float],
    image_png: bytes | None = None,
    text_lines: list[str] | None = None,
    reason: str,
    location: str,
    signing_time: datetime,
) -> bytes:
    """Add one visible PAdES B-B signature in a new field and return the new file.

    `box` is (x1, y1, x2, y2) in PDF points from the bottom-left of page `page_index`
    (0-based, negative counts from the end). The appearance is `image_png` (the
    signature or the seal, scaled to fit, transparent parts left transparent), or
    `text_lines` in the Vietnamese stamp font, or by default the signer's name and the
    signing time. `signing_time` is what the signature claims (/M) and what the stamp shows.
    """
    if image_png is not None and text_lines is not None:
        raise ValueError("give image_png or text_lines, not both")
    x1, y1, x2, y2 = box
    if x2 <= x1 or y2 <= y1:
        raise ValueError(f"empty signature box {box!r}")
    if signing_time.tzinfo is None:
        raise ValueError("signing_time must be timezone-aware")
    if text_lines is None and image_png is None:
        text_lines = [
            f"Ký bởi: {identity.subject_cn}",
            f"Thời gian: {format_signing_time(signing_time)}",
        ]

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    pdf_signer = _TimedPdfSigner(
        meta,
        signer=_signer_for(identity),
        stamp_style=_image_style(image_png) if image_png is not None else _text_style(),
        new_field_spec=fields.SigFieldSpec(field_name, on_page=page_index, box=(x1, y1, x2, y2)),
        signing_time=signing_time,
    )
    out = io.BytesIO()
    pdf_signer.sign_pdf(
        writer,
        existing_fields_only=False,
        bytes_reserved=_reserved_bytes(identity),
        appearance_text_params={"body": "\n".join(text_lines or [])},
        output=out,
    )
    return out.getvalue()


class _TimedPdfSigner(signers.PdfSigner):
    """PdfSigner whose signing time is given, not read from the server's local clock.

    pyHanko takes `datetime.now(tzlocal)` inside its signing session and offers no
    parameter; the application has its own clock (core.timeutil), and tests need theirs.
    """

    def __init__(self, *args: Any, signing_time: datetime, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signing_time
        return session


class _KeptKeySigner(signers.SimpleSigner):
    """SimpleSigner that signs with the already loaded `cryptography` key.

    The stock sign_raw() re-parses the key from DER for every raw signature; with
    OpenSSL 3 that is 60–100 ms of RSA consistency checks for a 1 ms signature.
    """

    def __init__(self, identity: SigningIdentity):
        from pyhanko.keys import internal

        registry = SimpleCertificateStore()
        registry.register_multiple(
            [internal.translate_pyca_cryptography_cert_to_asn1(c) for c in identity.chain]
        )
        super().__init__(
            signing_cert=internal.translate_pyca_cryptography_cert_to_asn1(identity.certificate),
            signing_key=internal.translate_pyca_cryptography_key_to_asn1(identity.key),
            cert_registry=registry,
        )
        self._key = identity.key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, PKCS1v15(), hash_algo)
        if mechanism == "ecdsa" and isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)  # rarer mechanisms: the stock path


_signers: weakref.WeakKeyDictionary[SigningIdentity, _KeptKeySigner] = weakref.WeakKeyDictionary()
_signers_lock = threading.Lock()


def _signer_for(identity: SigningIdentity) -> _KeptKeySigner:
    with _signers_lock:
        signer = _signers.get(identity)
        if signer is None:
            signer = _signers[identity] = _KeptKeySigner(identity)
        return signer


def _reserved_bytes(identity: SigningIdentity) -> int:
    """Room for the CMS blob, written as hex (2 characters a byte), known without signing.

    Certificates + the raw signature + signed attributes and structure (well under 2 KB).
    Too little makes pyHanko fail loudly; too much only pads the file with zeros.
    """
    certs = sum(len(c.public_bytes(Encoding.DER)) for c in (identity.certificate, *identity.chain))
    key = identity.key
    raw = key.key_size // 8 if isinstance(key, rsa.RSAPrivateKey) else 2 * key.key_size // 8 + 16
    return 2 * (certs + raw + 2048)


def _image_style(image_png: bytes) -> StaticStampStyle:
    image = Image.open(io.BytesIO(image_png))
    image.load()
    if image.mode not in {"RGBA", "RGB", "LA", "L"}:
        image = image.convert("RGBA")
    return StaticStampStyle(
        background=PdfImage(image),
        background_opacity=1.0,
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
            inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
        ),
    )


@dataclass(frozen=True)
class _StampFontFactory(FontEngineFactory):
    """Builds pyHanko's glyph accumulator from the prepared in-memory font (no file)."""

    font_size: int = STAMP_FONT_SIZE

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(stamp_font_bytes()),
            font_size=self.font_size,
            obj_stream=obj_stream,
        )


# Text from the top left of the box, 1 pt in; shrunk (never stretched) if it overflows.
_TOP_LEFT = layout.SimpleBoxLayoutRule(
    x_align=layout.AxisAlignment.ALIGN_MIN,
    y_align=layout.AxisAlignment.ALIGN_MAX,
    margins=layout.Margins.uniform(1),
)


def _text_style() -> TextStampStyle:
    # The same size on the font engine and the text box avoids pyHanko's multi-line
    # drift (issue #733). The text comes in as a parameter, so a '%' in it is harmless.
    return TextStampStyle(
        stamp_text="%(body)s",
        border_width=0,
        text_box_style=text.TextBoxStyle(
            font=_StampFontFactory(STAMP_FONT_SIZE),
            font_size=STAMP_FONT_SIZE,
            leading=STAMP_FONT_SIZE + 2,
            text_color=(0, 0, 0),
            box_layout_rule=_TOP_LEFT,  # pyHanko's default pads 10 pt on every side
        ),
        inner_content_layout=_TOP_LEFT,
    )


# --- Validating -----------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureReport:
    """One signature of a PDF as the document card shows it (and as it is stored, as JSON)."""

    field_name: str
    signer_cn: str | None
    signer_organisation: str | None
    issuer_cn: str | None
    signing_time: datetime | None  # what the signer claims; B-B has no trusted time
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the cryptographic signature matches the signer's certificate
    trusted: bool  # the certificate leads to one of the trust roots
    whole_file: bool  # no later revision after this signature
    modification_ok: bool  # later revisions (another signature) are allowed ones
    verdict: str  # VERDICT_*
    note: str | None = None  # why it is not valid, in Vietnamese, for the card's details

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["signing_time"] = self.signing_time.isoformat() if self.signing_time else None
        data["label"] = self.label
        return data


def validate_pdf(pdf: bytes, trust_roots: list[bytes]) -> list[SignatureReport]:
    """Check every signature of `pdf` offline against `trust_roots` (PEM or DER files).

    [] when the PDF carries no signature; PdfUnreadable when it is not a readable PDF.
    """
    roots = [cert for data in trust_roots for cert in load_certs_from_pemder_data(data)]
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        log.info("unreadable PDF given for signature validation: %s", exc)
        raise PdfUnreadable() from None
    return [_report(sig, roots) for sig in signatures]


def _report(sig, roots) -> SignatureReport:
    context = ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
    )
    try:
        status = validate_pdf_signature(sig, context, key_usage_settings=_KEY_USAGE)
    except (PdfError, SigningError, ValueError, KeyError, TypeError) as exc:
        # A malformed signature dictionary or CMS blob from outside: not a crash of the
        # intake, a signature nobody can rely on.
        log.info("signature %s could not be validated: %s", sig.field_name, exc)
        return SignatureReport(
            field_name=str(sig.field_name),
            signer_cn=None,
            signer_organisation=None,
            issuer_cn=None,
            signing_time=None,
            intact=False,
            valid=False,
            trusted=False,
            whole_file=False,
            modification_ok=False,
            verdict=VERDICT_INVALID,
            note=NOTE_UNREADABLE,
        )
    summary = _signer_summary(status.signing_cert)
    modification_ok = status.docmdp_ok is not False and (
        status.modification_level is None or status.modification_level in _OK_MODIFICATIONS
    )
    verdict, note = _verdict(status, modification_ok)
    claimed = status.signer_reported_dt
    return SignatureReport(
        field_name=str(sig.field_name),
        signer_cn=summary.subject_cn if summary else None,
        signer_organisation=summary.organisation if summary else None,
        issuer_cn=summary.issuer_cn if summary else None,
        signing_time=claimed.astimezone(UTC) if claimed else None,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        modification_ok=modification_ok,
        verdict=verdict,
        note=note,
    )


def _verdict(status, modification_ok: bool) -> tuple[str, str | None]:
    if not status.intact:
        return VERDICT_INVALID, NOTE_ALTERED
    if not status.valid:
        return VERDICT_INVALID, NOTE_BAD_SIGNATURE
    if not modification_ok:
        return VERDICT_INVALID, NOTE_BAD_UPDATE
    if status.trusted:
        return VERDICT_VALID, None
    problem = status.trust_problem_indic.name if status.trust_problem_indic else ""
    if problem.startswith("REVOKED"):
        return VERDICT_INVALID, NOTE_REVOKED
    if "EXPIRED" in problem or "OUT_OF_BOUNDS" in problem or "NOT_YET_VALID" in problem:
        # B-B carries no trusted time, so the certificate is judged now; the issuer may
        # well be known. The card says why in the note.
        return VERDICT_UNKNOWN_ISSUER, NOTE_EXPIRED
    if problem in ("", "NO_CERTIFICATE_CHAIN_FOUND"):
        return VERDICT_UNKNOWN_ISSUER, NOTE_UNKNOWN_ISSUER
    return VERDICT_UNKNOWN_ISSUER, NOTE_CHAIN


def _signer_summary(asn1_cert):
    if asn1_cert is None:
        return None
    from cryptography import x509

    return certificate_summary(x509.load_der_x509_certificate(asn1_cert.dump()))
