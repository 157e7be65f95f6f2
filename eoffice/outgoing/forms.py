"""Forms of the outgoing pages: the draft, one per review step, the inbox's refusal.

Field names are the service's (`DraftInput`, the workflow's inputs) wherever one exists,
so a refusal's `field_errors` land on the right field. The recipients are four fields
here (whole groups, members, outside agencies by code, free lines): the groups go to the
service as keys (`DraftInput.groups`, expanded and printed as one line each there), the
rest as one list; its "recipients" errors are shown over them (`apply_refusal`). The report
requests are up to five rows (what, deadline, answer form); blank rows are dropped and
the service's "requests" errors are shown over the rows.
"""

from __future__ import annotations

from flask import flash
from flask_wtf.file import FileAllowed, FileField, FileRequired
from lxml import html as lxml_html
from sqlalchemy import or_, select
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from eoffice.catalog.models import ConfidentialityLevel, DocumentType, UrgencyLevel
from eoffice.core.errors import ServiceError
from eoffice.core.text import clean, clean_multiline, vn_fold
from eoffice.directives import groups as recipient_groups
from eoffice.directives.inputs import RequestInput
from eoffice.directives.models import ANSWER_FORM_LABELS, AnswerForm
from eoffice.extensions import db
from eoffice.orgs.models import Organisation, OrgKind, Role, User, UserRole
from eoffice.outgoing.drafting import DraftInput, RecipientInput, signature_defaults
from eoffice.outgoing.models import CAPACITY_LABELS, Capacity, OutgoingDocument, RecipientKind
from eoffice.outgoing.richtext import plain_to_html
from eoffice.web.fields import CheckboxesField, VnDateField
from eoffice.web.forms import Form, VietnameseTranslations, optional_int, show_refusal

RETIRED = " (đã ngừng sử dụng)"

# The capacity select: empty lets the signer's role decide (drafting.signature_defaults);
# "own" is the explicit choice of signing in one's own name (Capacity.OWN is "" too).
CAPACITY_DEFAULT = ""
CAPACITY_OWN = "own"

# Member organisations offered as recipients, grouped as offices think of them.
MEMBER_GROUPS = (
    (OrgKind.DISTRICT_OFFICE, "Phòng Giáo dục và Đào tạo"),
    (OrgKind.KINDERGARTEN, "Mầm non"),
    (OrgKind.PRIMARY, "Tiểu học"),
    (OrgKind.LOWER_SECONDARY, "Trung học cơ sở"),
)
OTHER_GROUP = "Đơn vị khác"
# Rows of report requests the form offers (the service takes at most this many).
REQUEST_ROWS = 5

# Service field names that have no field of their own on the draft form.
RECIPIENT_FIELDS = ("member_groups", "member_org_ids", "agency_codes", "text_recipients")
FIELD_ALIASES = {"body_html": "body_text"}
HIDDEN_LINKS = ("reply_to_id", "replaces_id")


def capacity_choices() -> list[tuple[str, str]]:
    return [(CAPACITY_DEFAULT, "Theo mặc định của người ký")] + [
        (CAPACITY_OWN if capacity == Capacity.OWN else capacity.value, label)
        for capacity, label in CAPACITY_LABELS.items()
    ]


def capacity_from_choice(choice: str | None) -> str | None:
    if not choice:
        return None
    return Capacity.OWN.value if choice == CAPACITY_OWN else choice


def choice_from_capacity(capacity: str | None) -> str:
    if capacity is None:
        return CAPACITY_DEFAULT
    return CAPACITY_OWN if capacity == Capacity.OWN else capacity


def _lines(text: str | None) -> list[str]:
    return [line for line in (clean(part) for part in clean_multiline(text).split("\n")) if line]


# Body as plain text -----------------------------------------------------------------


def _inline_lines(element) -> list[str] | None:
    """The text of a <p> or <li>, split at <br>; None if it holds anything richer."""
    lines = [element.text or ""]
    for child in element:
        if child.tag != "br":
            return None
        lines.append(child.tail or "")
    return lines


def _list_lines(element, ordered: bool) -> list[str] | None:
    out: list[str] = []
    for number, item in enumerate(element, start=1):
        if item.tag != "li":
            return None
        nested = [child for child in item if child.tag == "ul"]
        if len(nested) != len(item) or len(nested) > 1 or (item.tail and item.tail.strip()):
            return None
        out.append(f"{number}. {item.text or ''}" if ordered else f"- {item.text or ''}")
        for child in nested:
            for sub in child:
                if sub.tag != "li" or len(sub):
                    return None
                out.append(f"+ {sub.text or ''}")
    return out


def editable_text(body_html: str | None) -> str | None:
    """The body as the plain paragraphs it was typed as, or None when it is richer.

    Only what `plain_to_html` turns back into exactly the same HTML counts as plain:
    a body from a DOCX or the API (emphasis, tables…) is shown read-only instead, so
    saving the form never silently flattens it.
    """
    if not body_html:
        return ""
    try:
        elements = lxml_html.fragments_fromstring(body_html)
    except Exception:  # lxml raises several kinds on odd input: not plain, whatever it is
        return None
    blocks: list[str] = []
    for element in elements:
        if isinstance(element, str) or (element.tail and element.tail.strip()):
            return None
        if element.tag == "p":
            lines = _inline_lines(element)
        elif element.tag in ("ul", "ol"):
            lines = _list_lines(element, ordered=element.tag == "ol")
        else:
            return None
        if lines is None:
            return None
        blocks.append("\n".join(lines))
    text = "\n\n".join(blocks)
    return text if plain_to_html(clean_multiline(text)) == body_html else None


# Choices ------------------------------------------------------------------------------


def _type_choices(current: OutgoingDocument | None) -> list[tuple[int, str]]:
    kept = DocumentType.id == current.document_type_id if current else False
    rows = db.session.scalars(
        select(DocumentType)
        .where(or_(DocumentType.is_active.is_(True), kept))
        .order_by(DocumentType.sort_order, DocumentType.name)
    )
    return [(t.id, t.name + ("" if t.is_active else RETIRED)) for t in rows]


def _level_choices(model) -> list[tuple[str, str]]:
    rows = db.session.scalars(select(model).where(model.is_active.is_(True)).order_by(model.rank))
    return [(level.code, level.name) for level in rows]


def signer_choices(org_id: int) -> list[tuple[int, str]]:
    """Leaders and deputies of the organisation: who may be proposed to sign."""
    rows = db.session.scalars(
        select(User)
        .join(UserRole)
        .where(
            User.org_id == org_id,
            User.is_active_account.is_(True),
            UserRole.role.in_((Role.LEADER, Role.DEPUTY)),
        )
        .order_by(User.full_name, User.id)
        .distinct()
    )
    return [(u.id, f"{u.full_name}{f' – {u.title}' if u.title else ''}") for u in rows]


def member_choices(org_id: int) -> dict[str, list[tuple[int, str]]]:
    """Every other active member organisation, grouped by kind (optgroups)."""
    rows = db.session.scalars(
        select(Organisation)
        .where(
            Organisation.is_member.is_(True),
            Organisation.is_active.is_(True),
            Organisation.id != org_id,
        )
        .order_by(Organisation.name_folded, Organisation.id)
    )
    labels = dict(MEMBER_GROUPS)
    groups: dict[str, list[tuple[int, str]]] = {label: [] for _, label in MEMBER_GROUPS}
    for org in rows:
        groups.setdefault(labels.get(org.kind, OTHER_GROUP), []).append((org.id, org.name))
    return {label: items for label, items in groups.items() if items}


class GroupKeysField(CheckboxesField):
    """The recipient groups ticked, by key ("all", "level:primary", "ward:…", "custom:12").

    A bare level ("primary") is what the form sent before groups existed; a page left
    open across the upgrade still posts it, so it is read as that level's group.
    """

    def process_formdata(self, valuelist) -> None:
        levels = {kind.value for kind, _ in recipient_groups.LEVELS}
        super().process_formdata(
            [recipient_groups.level_key(v) if v in levels else v for v in valuelist]
        )


class RequestRowForm(PlainForm):
    """One report request row of the draft form (no CSRF of its own: part of the draft)."""

    class Meta:
        def get_translations(self, form):
            return VietnameseTranslations()

    what = TextAreaField(
        "Nội dung yêu cầu", validators=[Optional(), Length(max=1000)], render_kw={"rows": 2}
    )
    deadline = VnDateField("Hạn trả lời", validators=[Optional()])
    answer_form = SelectField(
        "Hình thức trả lời",
        choices=[(form.value, label) for form, label in ANSWER_FORM_LABELS.items()],
        default=AnswerForm.DOCUMENT.value,
    )

    def to_input(self) -> RequestInput | None:
        """The row as the service's input; None for a row left blank."""
        what = clean_multiline(self.what.data)
        if not what and self.deadline.data is None:
            return None
        return RequestInput(
            what=what,
            deadline=self.deadline.data,
            answer_form=self.answer_form.data or AnswerForm.DOCUMENT.value,
        )


# The draft ----------------------------------------------------------------------------


def _recipient_key(item: RecipientInput) -> tuple[str, object]:
    if item.kind == RecipientKind.MEMBER:
        return ("org", item.org_id)
    if item.kind == RecipientKind.EXTERNAL:
        return ("code", clean(item.agency_code).upper())
    return ("text", vn_fold(item.name))


class DraftForm(Form):
    document_type_id = SelectField(
        "Tên loại văn bản",
        coerce=optional_int,
        validators=[DataRequired("Vui lòng chọn tên loại văn bản.")],
    )
    subject = TextAreaField(
        "Trích yếu nội dung",
        validators=[DataRequired("Vui lòng nhập trích yếu."), Length(max=500)],
    )
    body_text = TextAreaField("Nội dung văn bản", validators=[Length(max=100_000)])
    replace_body = BooleanField("Thay nội dung hiện có bằng nội dung nhập dưới đây")
    addressees = TextAreaField("Kính gửi", validators=[Optional(), Length(max=2000)])
    symbol_unit = StringField(
        "Ký hiệu đơn vị hoặc lĩnh vực (công văn)", validators=[Optional(), Length(max=20)]
    )
    signer_id = SelectField("Người ký", coerce=optional_int, validators=[Optional()])
    capacity = SelectField("Thẩm quyền ký", choices=capacity_choices(), validators=[Optional()])
    capacity_title = StringField(
        "Chức danh sau thẩm quyền ký", validators=[Optional(), Length(max=100)]
    )
    signer_title = StringField("Chức vụ của người ký", validators=[Optional(), Length(max=100)])
    urgency_code = SelectField("Độ khẩn")
    confidentiality_code = SelectField("Độ mật")
    circulation = StringField("Phạm vi lưu hành", validators=[Optional(), Length(max=60)])
    copies = IntegerField(
        "Số lượng bản",
        validators=[Optional(), NumberRange(1, 10_000, "Số lượng bản phải từ 1 đến 10.000.")],
    )
    member_groups = GroupKeysField(
        "Gửi cả nhóm",
        invalid_choice_message="Có nhóm không còn trong danh sách, vui lòng chọn lại.",
        validators=[Optional()],
    )
    member_org_ids = SelectMultipleField(
        "Đơn vị trong hệ thống",
        coerce=int,
        invalid_choice_message="Có đơn vị không còn trong danh sách, vui lòng chọn lại.",
        render_kw={"size": 10},
    )
    agency_codes = TextAreaField(
        "Cơ quan ngoài hệ thống (mã định danh)", validators=[Optional(), Length(max=10_000)]
    )
    text_recipients = TextAreaField(
        "Nơi nhận khác (chỉ ghi vào mục «Nơi nhận»)", validators=[Optional(), Length(max=10_000)]
    )
    files = MultipleFileField("Tệp đính kèm (PDF, DOCX, XLSX, JPG, PNG; có thể chọn nhiều tệp)")
    appendix_files = MultipleFileField("Phụ lục là tệp riêng (nếu có)")
    reply_to_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    replaces_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    completes_reply = BooleanField("Hoàn thành phân công khi ban hành văn bản trả lời")
    requests = FieldList(
        FormField(RequestRowForm), min_entries=REQUEST_ROWS, max_entries=REQUEST_ROWS
    )
    note = TextAreaField("Ghi chú cho phiên bản này", validators=[Optional(), Length(max=500)])

    def __init__(self, user: User, *args, current: OutgoingDocument | None = None, **kwargs):
        """`current` is the draft being edited: its type stays selectable if retired."""
        super().__init__(*args, **kwargs)
        self.recipient_errors: list[str] = []
        self.request_errors: list[str] = []
        self._group_choices = recipient_groups.choices_for(user.organisation)
        self.member_groups.choices = [
            (c.key, f"{c.label} ({c.count})") for c in self._group_choices
        ]
        self.document_type_id.choices = [(0, "— Chọn tên loại —"), *_type_choices(current)]
        self.signer_id.choices = [(0, "— Chưa chọn người ký —"), *signer_choices(user.org_id)]
        self.urgency_code.choices = _level_choices(UrgencyLevel)
        self.confidentiality_code.choices = _level_choices(ConfidentialityLevel)
        self.member_org_ids.choices = member_choices(user.org_id)
        if current is None:
            del self.note  # a new draft's first version needs no note

    def _guard(self, name: str, field) -> None:
        """The request rows are guarded by their own fields: the dates refuse years out
        of range themselves and the service cleans the text; a FieldList's data cannot
        be replaced as a whole."""
        if not isinstance(field, FieldList):
            super()._guard(name, field)

    def group_sections(self) -> list[tuple[str, list]]:
        """The group check boxes by section (all, levels, wards, custom), for the page."""
        sections: dict[str, list] = {}
        by_key = {c.key: c for c in self._group_choices}
        for option in self.member_groups:
            choice = by_key.get(option.data)
            if choice is not None:
                sections.setdefault(choice.section, []).append(option)
        return list(sections.items())

    def validate_body_text(self, field) -> None:
        """Replacing a rich body with nothing would empty the letter: say so instead."""
        if self.replace_body.data and not clean_multiline(field.data):
            raise ValidationError("Vui lòng nhập nội dung mới, hoặc bỏ chọn «Thay nội dung».")

    @classmethod
    def data_from(cls, data: DraftInput, *, plain_body: str | None) -> dict:
        """Form values of a draft input (an existing draft, or a reply's prefill).

        Signature fields equal to what the signer would get anyway are shown empty, so a
        change of signer later brings that signer's own defaults.
        """
        capacity, capacity_title, signer_title = (
            data.capacity,
            data.capacity_title,
            data.signer_title,
        )
        signer = db.session.get(User, data.signer_id) if data.signer_id else None
        if signer is None:  # no signer yet: the service stored nothing but the defaults
            capacity = capacity_title = signer_title = None
        else:
            default = signature_defaults(signer, signer.organisation)
            if capacity is not None and capacity == default[0]:
                capacity = None
                if (capacity_title or None) == default[1]:
                    capacity_title = None
            if signer_title == default[2]:
                signer_title = None
        by_kind: dict[str, list[RecipientInput]] = {kind.value: [] for kind in RecipientKind}
        for item in data.recipients:
            by_kind.setdefault(item.kind, []).append(item)
        return {
            "document_type_id": data.document_type_id,
            "subject": data.subject,
            "body_text": plain_body or "",
            "addressees": data.addressees,
            "symbol_unit": data.symbol_unit,
            "signer_id": data.signer_id,
            "capacity": choice_from_capacity(capacity),
            "capacity_title": capacity_title,
            "signer_title": signer_title,
            "urgency_code": data.urgency_code,
            "confidentiality_code": data.confidentiality_code,
            "circulation": data.circulation,
            "copies": data.copies,
            "member_groups": list(data.groups),
            "member_org_ids": [r.org_id for r in by_kind[RecipientKind.MEMBER]],
            "agency_codes": "\n".join(r.agency_code or "" for r in by_kind[RecipientKind.EXTERNAL]),
            "text_recipients": "\n".join(r.name for r in by_kind[RecipientKind.TEXT]),
            "reply_to_id": data.reply_to_id,
            "replaces_id": data.replaces_id,
            "completes_reply": data.completes_reply,
            "requests": [
                {"what": r.what, "deadline": r.deadline, "answer_form": r.answer_form}
                for r in data.requests
            ],
        }

    def recipients(self, addressed: set[tuple[str, object]]) -> list[RecipientInput]:
        """Members, then outside agencies, then free lines, in the order given. The groups
        ticked go to the service as groups (`DraftInput.groups`): it expands them and
        prints each as one line of "Nơi nhận".

        `addressed` keeps the "Kính gửi" mark of recipients that had it before (a reply
        is addressed to its sender); the form itself edits the "Kính gửi" lines instead.
        """
        chosen = list(self.member_org_ids.data or [])
        items = [
            RecipientInput(RecipientKind.MEMBER, org_id=org_id) for org_id in dict.fromkeys(chosen)
        ]
        items += [
            RecipientInput(RecipientKind.EXTERNAL, agency_code=code.upper())
            for code in _lines(self.agency_codes.data)
        ]
        items += [
            RecipientInput(RecipientKind.TEXT, name=line)
            for line in _lines(self.text_recipients.data)
        ]
        for item in items:
            item.addressed = _recipient_key(item) in addressed
        return items

    def to_input(
        self, *, kept_body_html: str | None = None, addressed: set | None = None
    ) -> DraftInput:
        """The service's input. `kept_body_html` is a rich body shown read-only: it stays
        unless the drafter ticked "replace" and typed a new one."""
        keep = kept_body_html is not None and not self.replace_body.data
        return DraftInput(
            document_type_id=self.document_type_id.data,
            subject=self.subject.data or "",
            body_html=kept_body_html if keep else None,
            body_text=None if keep else (self.body_text.data or ""),
            addressees=self.addressees.data,
            symbol_unit=self.symbol_unit.data,
            signer_id=self.signer_id.data,
            capacity=capacity_from_choice(self.capacity.data),
            capacity_title=self.capacity_title.data,
            signer_title=self.signer_title.data,
            urgency_code=self.urgency_code.data,
            confidentiality_code=self.confidentiality_code.data,
            circulation=self.circulation.data,
            copies=self.copies.data,
            recipients=self.recipients(addressed or set()),
            groups=list(self.member_groups.data or []),
            reply_to_id=self.reply_to_id.data,
            completes_reply=bool(self.completes_reply.data and self.reply_to_id.data),
            replaces_id=self.replaces_id.data,
            requests=self.request_inputs(),
        )

    def request_inputs(self) -> list[RequestInput]:
        """The rows filled in, in order; blank rows are not requests."""
        rows = (entry.form.to_input() for entry in self.requests.entries)
        return [row for row in rows if row is not None]


def addressed_keys(recipients) -> set[tuple[str, object]]:
    """Keys of the recipients marked as addressed (rows or RecipientInput alike)."""
    return {
        _recipient_key(RecipientInput(r.kind, r.org_id, r.agency_code, r.name))
        for r in recipients
        if r.addressed
    }


def apply_refusal(form: DraftForm, exc: ServiceError) -> None:
    """A service refusal on the draft form: "recipients" over the three recipient fields,
    the body's errors on the textarea, links kept in hidden fields (the answered incoming
    document, the replaced one) as a message at the top, the rest on their own fields."""
    errors = dict(exc.field_errors)
    recipients = errors.pop("recipients", None) or errors.pop("groups", None)
    if recipients:
        form.recipient_errors.append(recipients)
    requests = errors.pop("requests", None)
    if requests:
        form.request_errors.append(requests)
    for service_name, form_name in FIELD_ALIASES.items():
        if service_name in errors:
            errors[form_name] = errors.pop(service_name)
    for hidden in HIDDEN_LINKS:
        if hidden in errors:
            flash(errors.pop(hidden), "danger")
    if errors or not (recipients or requests or set(HIDDEN_LINKS) & set(exc.field_errors)):
        show_refusal(form, type(exc)(exc.message, field_errors=errors))


# The review steps ---------------------------------------------------------------------


def _note(label: str) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=1000)])


def _reason(label: str) -> TextAreaField:
    return TextAreaField(
        label, validators=[DataRequired(f"Vui lòng ghi {label.lower()}."), Length(max=1000)]
    )


class SubmitForm(Form):
    note = _note("Ghi chú gửi người kiểm tra")


class ApproveForm(Form):
    note = _note("Ý kiến")


class SendBackForm(Form):
    reason = _reason("Ý kiến trả lại")


class RejectForm(Form):
    reason = _reason("Lý do không ban hành")


class SignForm(Form):
    note = _note("Ý kiến")


class RecallForm(Form):
    reason = _reason("Lý do thu hồi")


class DiscardForm(Form):
    reason = _note("Lý do hủy dự thảo")


# Working in Word ------------------------------------------------------------------------

DOCX_ONLY = (
    "Chỉ nhận tệp Word dạng .docx (Word 2007 trở lên); tệp .doc hãy mở bằng Word "
    "và lưu lại dưới dạng .docx."
)


class WordUploadForm(Form):
    """The drafter's edited DOCX, to become the draft's next version (outgoing.word).

    Only the name is checked here, for a quick answer; the bytes are judged by the
    service (docx_io.check_docx: a real DOCX, its size, no zip bomb, no macros), whose
    refusal lands on `file`.
    """

    file = FileField(
        "Tệp Word đã sửa (.docx)",
        validators=[
            FileRequired("Vui lòng chọn tệp Word (.docx) đã sửa."),
            FileAllowed(["docx"], DOCX_ONLY),
        ],
    )
    note = TextAreaField("Ghi chú phiên bản", validators=[Optional(), Length(max=500)])


# The inbox ----------------------------------------------------------------------------


class RegisterDeliveryForm(Form):
    """Nothing to type: the entry comes from the sender's register (delivery service)."""


class RejectDeliveryForm(Form):
    reason = _reason("Lý do từ chối")


class CompareForm(Form):
    """GET: two version numbers of one draft; no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    old = IntegerField("So sánh phiên bản", validators=[Optional()])
    new = IntegerField("với phiên bản", validators=[Optional()])
