"""The search form, and the query string it reads: the one definition of a search's
parameters, shared by the page, saved searches (which store exactly this query string)
and, for its rules (kinds, states, the levels a user may filter by), the API.

Keys: q, kind (in / out), type_id, sender, date_from, date_to, state (a state of the
kind chosen), urgency, confidentiality. Dates are typed dd/mm/yyyy on the page and
stored ISO (yyyy-mm-dd), which the page reads too.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from datetime import date
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from eoffice.catalog.models import ConfidentialityLevel, DocumentType, UrgencyLevel
from eoffice.core.errors import ValidationFailed
from eoffice.core.text import clean
from eoffice.extensions import db
from eoffice.incoming.access import can_see_register
from eoffice.orgs.models import User
from eoffice.search.engine import SearchQuery
from eoffice.search.models import KIND_LABELS, DocumentKind
from eoffice.search.tokens import MAX_QUERY_CHARS, parse_query
from eoffice.web.fields import VnDateField
from eoffice.web.forms import Form, optional_int
from workflows import incoming as incoming_flow
from workflows import outgoing as outgoing_flow

PARAM_KEYS = (
    "q",
    "kind",
    "type_id",
    "sender",
    "date_from",
    "date_to",
    "state",
    "urgency",
    "confidentiality",
)
DATE_KEYS = ("date_from", "date_to")
MAX_SENDER = 200  # IncomingDocument.sender_name
ALL = "Tất cả"

STATE_LABELS: dict[DocumentKind, Mapping[str, str]] = {
    DocumentKind.INCOMING: incoming_flow.STATE_LABELS,
    DocumentKind.OUTGOING: outgoing_flow.STATE_LABELS,
}

MSG_STATE_NEEDS_KIND = "Chọn “Văn bản đến” hoặc “Văn bản đi” trước khi lọc theo trạng thái."
MSG_STATE = "Trạng thái không hợp lệ với loại văn bản đã chọn."
MSG_SENDER_OUTGOING = "Cơ quan gửi chỉ dùng khi tìm văn bản đến."
MSG_DATE_ORDER = "“Đến ngày” không được trước “Từ ngày”."
MSG_NO_WORDS = "Từ khóa cần có ít nhất một chữ hoặc một số."
MSG_PARAMS = "Điều kiện tìm kiếm chưa hợp lệ, vui lòng kiểm tra lại."
MSG_PARAM_UNKNOWN = "Không phải điều kiện tìm kiếm."
MSG_PARAM_STRING = "Phải là chuỗi ký tự."
MSG_NOTHING = "Chưa có gì để lưu: hãy nhập từ khóa hoặc chọn ít nhất một bộ lọc."


def levels_for(user: User) -> list[ConfidentialityLevel]:
    """The confidentiality levels `user` may filter by: every level for those who see
    the whole register (clerks, leaders, deputies, admins), the non-secret ones for
    everybody else (a staff member never learns which secret levels exist through the
    search)."""
    stmt = select(ConfidentialityLevel).order_by(ConfidentialityLevel.rank)
    if not can_see_register(user):
        stmt = stmt.where(ConfidentialityLevel.rank < 1)
    return list(db.session.scalars(stmt))


def _types() -> list[tuple[int, str]]:
    rows = db.session.scalars(
        select(DocumentType).order_by(DocumentType.sort_order, DocumentType.name)
    )
    return [(t.id, t.name) for t in rows]


def _urgencies() -> list[tuple[str, str]]:
    rows = db.session.scalars(select(UrgencyLevel).order_by(UrgencyLevel.rank))
    return [(level.code, level.name) for level in rows]


def _kind_of(value: Any) -> DocumentKind | None:
    try:
        return DocumentKind(value) if value else None
    except ValueError:
        return None


class SearchForm(Form):
    """GET filters of the search page; no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(
        "Từ khóa",
        validators=[Optional(), Length(max=MAX_QUERY_CHARS)],
        render_kw={"autocomplete": "off"},
    )
    kind = SelectField(
        "Tìm trong",
        choices=[("", ALL), *((k.value, label) for k, label in KIND_LABELS.items())],
        validators=[Optional()],
    )
    type_id = SelectField("Tên loại văn bản", coerce=optional_int, validators=[Optional()])
    sender = StringField("Cơ quan gửi", validators=[Optional(), Length(max=MAX_SENDER)])
    date_from = VnDateField("Từ ngày")
    date_to = VnDateField("Đến ngày")
    state = SelectField("Trạng thái", validate_choice=False, validators=[Optional()])
    urgency = SelectField("Độ khẩn", validators=[Optional()])
    confidentiality = SelectField("Độ mật", validators=[Optional()])

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type_id.choices = [(0, ALL), *_types()]
        self.urgency.choices = [("", ALL), *_urgencies()]
        self.confidentiality.choices = [("", ALL)] + [(lv.code, lv.name) for lv in levels_for(user)]
        kind = self.chosen_kind
        states = STATE_LABELS[kind].items() if kind else ()
        self.state.choices = [("", ALL), *states]

    @property
    def chosen_kind(self) -> DocumentKind | None:
        return _kind_of(self.kind.data)

    def validate_q(self, field) -> None:
        # Only punctuation would match nothing to search for, and list every document.
        if not field.errors and clean(field.data) and not parse_query(field.data):
            raise ValidationError(MSG_NO_WORDS)

    def validate_state(self, field) -> None:
        if not field.data:
            return
        kind = self.chosen_kind
        if kind is None:
            raise ValidationError(MSG_STATE_NEEDS_KIND)
        if field.data not in STATE_LABELS[kind]:
            raise ValidationError(MSG_STATE)

    def validate_sender(self, field) -> None:
        if clean(field.data) and self.chosen_kind is DocumentKind.OUTGOING:
            raise ValidationError(MSG_SENDER_OUTGOING)

    def validate_date_to(self, field) -> None:
        start = self.date_from.data if not self.date_from.errors else None
        if start and field.data and field.data < start:
            raise ValidationError(MSG_DATE_ORDER)

    def query(self) -> SearchQuery:
        """The search asked for (call after a successful `validate`)."""
        return SearchQuery(
            text=clean(self.q.data),
            kind=self.chosen_kind.value if self.chosen_kind else None,
            document_type_id=self.type_id.data or None,
            sender=clean(self.sender.data) or None,
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            state=self.state.data or None,
            urgency_code=self.urgency.data or None,
            confidentiality_code=self.confidentiality.data or None,
        )

    def params(self) -> dict[str, str]:
        """The search as its canonical query string: only what is set, dates ISO."""
        query = self.query()
        values = {
            "q": query.text,
            "kind": query.kind,
            "type_id": str(query.document_type_id) if query.document_type_id else None,
            "sender": query.sender,
            "date_from": query.date_from.isoformat() if query.date_from else None,
            "date_to": query.date_to.isoformat() if query.date_to else None,
            "state": query.state,
            "urgency": query.urgency_code,
            "confidentiality": query.confidentiality_code,
        }
        return {key: value for key, value in values.items() if value}


def validate_params(user: User, params: Mapping[str, Any]) -> dict[str, str]:
    """`params` checked as the search page would read them, returned in canonical form.

    ValidationFailed names each problem under `params.<key>` (or `params` when nothing
    is asked at all): an unknown key, a value that is not a string, a bad filter.
    """
    errors: dict[str, str] = {}
    for key, value in params.items():
        if key not in PARAM_KEYS:
            errors[f"params.{key}"] = MSG_PARAM_UNKNOWN
        elif not isinstance(value, str):
            errors[f"params.{key}"] = MSG_PARAM_STRING
    if errors:
        raise ValidationFailed(MSG_PARAMS, field_errors=errors)
    form = SearchForm(user, formdata=MultiDict(dict(params)))
    if not form.validate():
        raise ValidationFailed(
            MSG_PARAMS,
            field_errors={f"params.{key}": messages[0] for key, messages in form.errors.items()},
        )
    canonical = form.params()
    if not canonical:
        raise ValidationFailed(MSG_NOTHING, field_errors={"params": MSG_NOTHING})
    return canonical


def page_args(params: Mapping[str, str]) -> dict[str, str]:
    """Query-string arguments of the page for stored params: dates as people type them."""
    args = dict(params)
    for key in DATE_KEYS:
        if args.get(key):
            # A bad one stays as it is: the page shows it with the field's error.
            with suppress(ValueError):
                args[key] = date.fromisoformat(args[key]).strftime("%d/%m/%Y")
    return args


class SaveSearchForm(Form):
    """The name of the search to save (the service checks it); CSRF on."""

    name = StringField("Tên tìm kiếm", render_kw={"maxlength": 100, "autocomplete": "off"})
