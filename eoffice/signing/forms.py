"""Forms of the certificate pages: uploading a PKCS#12 file, trusting a root CA.

The password field never shows what was typed (WTForms' PasswordField renders no value),
so a refused upload does not send it back to the browser in the page.
"""

from __future__ import annotations

from wtforms import FileField, PasswordField, SelectField, StringField
from wtforms.validators import Length, Optional

from eoffice.orgs.models import Organisation, User
from eoffice.signing.administration import ORGANISATION_OWNER
from eoffice.web.forms import Form


class CertificateForm(Form):
    owner = SelectField("Chủ chứng thư số", validate_choice=False)
    file = FileField("Tệp chứng thư số (.p12, .pfx)", render_kw={"accept": ".p12,.pfx"})
    password = PasswordField("Mật khẩu của tệp", render_kw={"autocomplete": "new-password"})
    image = FileField(
        "Ảnh chữ ký hoặc con dấu (PNG nền trong suốt, không bắt buộc)",
        render_kw={"accept": "image/png"},
    )
    label = StringField(
        "Tên gợi nhớ",
        validators=[Optional(), Length(max=150, message="Tối đa 150 ký tự.")],
    )

    def set_owners(self, org: Organisation, signers: list[User]) -> None:
        self.owner.choices = [(ORGANISATION_OWNER, f"Cơ quan: {org.name} (con dấu)")] + [
            (str(u.id), f"{u.full_name}{' – ' + u.title if u.title else ''}") for u in signers
        ]


class TrustAnchorForm(Form):
    name = StringField(
        "Tên gợi nhớ",
        validators=[Optional(), Length(max=200, message="Tối đa 200 ký tự.")],
    )
    file = FileField(
        "Tệp chứng thư số gốc (.pem, .crt, .cer, .der)",
        render_kw={"accept": ".pem,.crt,.cer,.der"},
    )
