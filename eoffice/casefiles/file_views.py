"""Hồ sơ pages: the list of files, opening a file outside the list, a file's page with
its contents list and steps, the printed contents list, and filing an outgoing
document from its page.

Thin, like the other pages: parse, call a service (eoffice.casefiles.files, creating,
filing), render. The step buttons are `workflows.engine.available()` for the signed-in
user with their relation to the file (KEEPER), so a page offers no step the service
would refuse; the services still check every POST.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import (
    Blueprint,
    flash,
    g,
    has_app_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from eoffice.casefiles import (
    contents_pdf,
    creating,
    export,
    file_queries,
    files,
    filing,
    suggest,
)
from eoffice.casefiles import file_forms as forms
from eoffice.casefiles.access import file_roles, get_file, may_change
from eoffice.casefiles.history import ARCHIVE_CHANGE_LABELS, file_action_label
from eoffice.casefiles.models import CaseFile
from eoffice.core.audit import history
from eoffice.core.errors import Conflict, ServiceError, ValidationFailed
from eoffice.core.pagination import BAD_CURSOR
from eoffice.extensions import db
from eoffice.incoming import access as incoming_access
from eoffice.incoming.models import IncomingDocument
from eoffice.orgs.models import User
from eoffice.outgoing import involvement as outgoing_access
from eoffice.outgoing.models import OutgoingDocument
from eoffice.web.forms import show_refusal
from eoffice.web.http import attachment_response, int_arg
from workflows import casefiles as flow
from workflows import outgoing as outgoing_flow
from workflows.engine import available

bp = Blueprint("casefiles", __name__, url_prefix="/casefiles")

TABS = ("mine", "all")
STATE_LABELS = files.STATE_LABELS
# What the case file steps record (eoffice.casefiles.files, creating), for the history.
CHANGE_LABELS = {
    "state": "Trạng thái",
    "code": "Số và ký hiệu",
    "title": "Tiêu đề",
    "retention": "Thời hạn bảo quản",
    "keeper": "Người lập hồ sơ",
    "start_date": "Thời gian bắt đầu",
    "note": "Ghi chú",
    "description": "Mô tả",
    "incoming": "Văn bản đến",
    "outgoing": "Văn bản đi",
    "documents": "Số văn bản",
    "pages": "Số trang",
    "position": "Vị trí (STT)",
    # The archive's steps (hand-over, keeping back, disposal), written as words by them.
    **ARCHIVE_CHANGE_LABELS,
}
FILED_OUTGOING_STATES = frozenset({outgoing_flow.ISSUED, outgoing_flow.RECALLED})


# The list -----------------------------------------------------------------------------


@bp.get("/")
def index():
    """ "Hồ sơ của tôi" (the files the user keeps) and "Tất cả hồ sơ" of the office."""
    tab = request.args.get("tab")
    if tab not in TABS:
        tab = "mine"
    state = request.args.get("state") or None
    filters = file_queries.FileFilters(
        mine=tab == "mine",
        year=int_arg("year", 0, min=1900, max=2100) or None,
        state=state if state in file_queries.STATES else None,
        text=(request.args.get("q") or "")[:200],
    )
    page = file_queries.file_page(
        current_user, filters, request.args.get("cursor"), file_queries.PER_PAGE
    )
    if page.refused:
        flash(BAD_CURSOR, "warning")
    filter_args = {
        **({"year": filters.year} if filters.year else {}),
        **({"state": filters.state} if filters.state else {}),
        **({"q": filters.text} if filters.text else {}),
    }
    return render_template(
        "casefiles/files/index.html",
        tab=tab,
        page=page,
        filters=filters,
        filtered=bool(filters.year or filters.state or filters.text.strip()),
        years=file_queries.years(current_user),
        states=STATE_LABELS,
        counts=file_queries.document_counts([f.id for f in page.items]),
        filter_args=filter_args,
        args={"tab": tab, **filter_args},
    )


# Opening a file outside the list, editing a file ---------------------------------------


def _render_form(form: forms.FileForm, case_file: CaseFile | None = None, status: int = 200):
    return render_template("casefiles/files/form.html", form=form, case_file=case_file), status


@bp.route("/new", methods=["GET", "POST"])
def new():
    if request.method == "GET":
        form = forms.FileForm(current_user, formdata=None, data={"keeper_id": current_user.id})
        return _render_form(form)
    form = forms.FileForm(current_user)
    if not form.validate_on_submit():
        return _render_form(form, status=422)
    try:
        case_file = creating.create_file(current_user, form.to_input())
    except ValidationFailed as exc:
        show_refusal(form, exc)
        return _render_form(form, status=422)
    flash(f"Đã lập hồ sơ {case_file.code}.", "success")
    return redirect(url_for("casefiles.detail", file_id=case_file.id))


@bp.route("/<int:file_id>/edit", methods=["GET", "POST"])
def edit(file_id: int):
    case_file = get_file(current_user, file_id)
    if not (case_file.editable and may_change(current_user, case_file)):
        flash(
            "Hồ sơ này không sửa được thông tin (đã kết thúc, hoặc do người khác lập).", "warning"
        )
        return redirect(url_for("casefiles.detail", file_id=file_id))
    if request.method == "GET":
        data = {
            "title": case_file.title,
            "retention": case_file.retention_code,
            "keeper_id": case_file.keeper_id,
            "note": case_file.note,
            "description": case_file.description,
        }
        return _render_form(
            forms.FileForm(current_user, case_file, formdata=None, data=data), case_file
        )
    form = forms.FileForm(current_user, case_file)
    if not form.validate_on_submit():
        return _render_form(form, case_file, 422)
    try:
        creating.update_file(current_user, file_id, form.to_input())
    except ValidationFailed as exc:
        show_refusal(form, exc)
        return _render_form(form, get_file(current_user, file_id), 422)
    flash("Đã lưu thông tin hồ sơ; lịch sử đã ghi lại thay đổi.", "success")
    return redirect(url_for("casefiles.detail", file_id=file_id))


# The file's page ----------------------------------------------------------------------


def _visible_documents(rows: list[files.ContentsRow]) -> tuple[set[int], set[int]]:
    """The documents of the file the user may open (a confidential one stays a line
    without a link for whoever may not read it)."""
    in_ids = [r.document_id for r in rows if r.kind == "incoming"]
    out_ids = [r.document_id for r in rows if r.kind == "outgoing"]
    seen_in: set[int] = set()
    seen_out: set[int] = set()
    if in_ids:
        seen_in = set(
            db.session.scalars(
                select(IncomingDocument.id).where(
                    IncomingDocument.id.in_(in_ids), incoming_access.visible_filter(current_user)
                )
            )
        )
    if out_ids:
        seen_out = set(
            db.session.scalars(
                select(OutgoingDocument.id).where(
                    OutgoingDocument.id.in_(out_ids), outgoing_access.visible_filter(current_user)
                )
            )
        )
    return seen_in, seen_out


def _document_names(events: list[Any], user: User) -> dict[tuple[str, int], str]:
    """How the history names the documents its events list by id (a few queries); a
    secret document the user may not read is named by the words the contents use."""
    org_id = user.org_id
    wanted: dict[str, set[int]] = {"incoming": set(), "outgoing": set()}
    for event in events:
        for kind in wanted:
            value = (event.changes or {}).get(kind)
            values = value if isinstance(value, list) else [value]
            wanted[kind].update(v for v in values if isinstance(v, int))
    names: dict[tuple[str, int], str] = {}
    if wanted["incoming"]:
        for doc in db.session.scalars(
            select(IncomingDocument).where(
                IncomingDocument.id.in_(wanted["incoming"]), IncomingDocument.org_id == org_id
            )
        ):
            symbol = f" ({doc.symbol})" if doc.symbol else ""
            names[("incoming", doc.id)] = f"số đến {doc.arrival_number}{symbol}"
    if wanted["outgoing"]:
        for out in db.session.scalars(
            select(OutgoingDocument).where(
                OutgoingDocument.id.in_(wanted["outgoing"]), OutgoingDocument.org_id == org_id
            )
        ):
            names[("outgoing", out.id)] = out.symbol or f"dự thảo «{out.subject[:60]}»"
    hidden_in, hidden_out = files.hidden_documents(
        user, sorted(wanted["incoming"]), sorted(wanted["outgoing"])
    )
    for kind, hidden in (("incoming", hidden_in), ("outgoing", hidden_out)):
        for doc_id in hidden:
            names[(kind, doc_id)] = files.HIDDEN_TEXT
    return names


@dataclass
class Panels:
    """The forms of the file page, the one that failed kept with what the user typed."""

    close: forms.CloseForm
    reopen: forms.ReopenForm
    add: forms.AddDocumentsForm
    open_panel: str | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _panels(case_file: CaseFile, **given: Any) -> Panels:
    return Panels(
        close=given.pop("close", None) or forms.CloseForm(case_file, prefix="close"),
        reopen=given.pop("reopen", None) or forms.ReopenForm(prefix="reopen"),
        add=given.pop("add", None) or forms.AddDocumentsForm(prefix="add"),
        **given,
    )


def render_file(case_file: CaseFile, panels: Panels | None = None, status: int = 200):
    user: User = current_user
    panels = panels or _panels(case_file)
    rows = files.contents(case_file, user)
    steps = {
        t.name for t in available(flow.CASE_FILE, case_file.state, file_roles(user, case_file))
    }
    editing = case_file.editable and may_change(user, case_file)
    query = (request.args.get("q") or panels.add.q.data or "").strip()[:200]
    events = history("case_file", case_file.id)
    seen_in, seen_out = _visible_documents(rows)
    return render_template(
        "casefiles/files/detail.html",
        case_file=case_file,
        rows=rows,
        seen_in=seen_in,
        seen_out=seen_out,
        editing=editing,
        can_open=flow.OPEN_FILE in steps,
        can_close=flow.CLOSE_FILE in steps,
        can_reopen=flow.REOPEN_FILE in steps,
        problems=files.closing_problems(case_file, user) if flow.CLOSE_FILE in steps else [],
        query=query,
        candidates=file_queries.search_documents(user, case_file, query) if editing else [],
        panels=panels,
        events=events,
        document_names=_document_names(events, user),
        action_label=file_action_label,
        change_labels=CHANGE_LABELS,
        states=STATE_LABELS,
        page_total=sum(r.pages or 0 for r in rows),
    ), status


@bp.get("/<int:file_id>")
def detail(file_id: int):
    return render_file(get_file(current_user, file_id))


def _back(file_id: int, anchor: str = "muc-luc", **args: Any):
    return redirect(url_for("casefiles.detail", file_id=file_id, _anchor=anchor, **args))


def _button(file_id: int) -> CaseFile | None:
    """The file of a button's POST, or None when its CSRF token failed (flashed)."""
    case_file = get_file(current_user, file_id)
    if not forms.ButtonForm().validate_on_submit():
        flash("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng thử lại.", "danger")
        return None
    return case_file


def _run(file_id: int, step, done: str, anchor: str = "muc-luc"):
    """Run a button's step; a refusal (a file closed meanwhile) is said on the page."""
    try:
        step()
    except (Conflict, ValidationFailed) as exc:
        flash(exc.message, "danger")
        return _back(file_id, anchor)
    flash(done, "success")
    return _back(file_id, anchor)


@bp.post("/<int:file_id>/open")
def open_file(file_id: int):
    if _button(file_id) is None:
        return _back(file_id)
    return _run(
        file_id,
        lambda: files.open_file(current_user, file_id),
        "Đã mở hồ sơ; bạn có thể đưa văn bản vào hồ sơ.",
    )


@bp.post("/<int:file_id>/documents")
def add_documents(file_id: int):
    case_file = get_file(current_user, file_id)
    form = forms.AddDocumentsForm(prefix="add")
    query = (form.q.data or "").strip()[:200]
    if not form.validate_on_submit():
        return render_file(case_file, _panels(case_file, add=form, open_panel="add"), 422)
    try:
        added = files.add_documents(
            current_user,
            file_id,
            incoming_ids=form.incoming_ids.data or [],
            outgoing_ids=form.outgoing_ids.data or [],
        )
    except ServiceError as exc:
        if isinstance(exc, ValidationFailed):
            show_refusal(form, exc)
            return render_file(
                get_file(current_user, file_id),
                _panels(case_file, add=form, open_panel="add"),
                422,
            )
        raise
    flash(
        f"Đã đưa {len(added)} văn bản vào hồ sơ." if added else "Các văn bản đã có trong hồ sơ.",
        "success",
    )
    return _back(file_id, "them-van-ban", **({"q": query} if query else {}))


@bp.post("/<int:file_id>/items/<int:item_id>/move")
def move_item(file_id: int, item_id: int):
    get_file(current_user, file_id)
    form = forms.MoveForm()
    if not form.validate_on_submit():
        flash("Vị trí mới không hợp lệ.", "danger")
        return _back(file_id)
    return _run(
        file_id,
        lambda: files.move_item(current_user, file_id, item_id, form.position.data),
        "Đã đổi thứ tự văn bản trong hồ sơ.",
    )


@bp.post("/<int:file_id>/items/<int:item_id>/remove")
def remove_item(file_id: int, item_id: int):
    if _button(file_id) is None:
        return _back(file_id)
    return _run(
        file_id,
        lambda: files.remove_item(current_user, file_id, item_id),
        "Đã rút văn bản khỏi hồ sơ; văn bản vẫn còn nguyên trong sổ.",
    )


@bp.post("/<int:file_id>/order")
def order(file_id: int):
    if _button(file_id) is None:
        return _back(file_id)
    return _run(
        file_id,
        lambda: files.order_chronologically(current_user, file_id),
        "Đã sắp xếp văn bản theo thời gian.",
    )


@bp.post("/<int:file_id>/close")
def close(file_id: int):
    case_file = get_file(current_user, file_id)
    form = forms.CloseForm(case_file, prefix="close")
    if not form.validate_on_submit():
        return render_file(case_file, _panels(case_file, close=form, open_panel="close"), 422)
    try:
        files.close_file(current_user, file_id, form.retention.data, form.note.data)
    except (Conflict, ValidationFailed) as exc:
        show_refusal(form, exc)
        case_file = get_file(current_user, file_id)
        return render_file(case_file, _panels(case_file, close=form, open_panel="close"), 422)
    flash("Đã kết thúc hồ sơ; hạn nộp lưu và thời hạn bảo quản đã được tính.", "success")
    return _back(file_id, "thong-tin")


@bp.post("/<int:file_id>/reopen")
def reopen(file_id: int):
    case_file = get_file(current_user, file_id)
    form = forms.ReopenForm(prefix="reopen")
    if not form.validate_on_submit():
        return render_file(case_file, _panels(case_file, reopen=form, open_panel="reopen"), 422)
    try:
        files.reopen_file(current_user, file_id, form.reason.data)
    except (Conflict, ValidationFailed) as exc:
        show_refusal(form, exc)
        case_file = get_file(current_user, file_id)
        return render_file(case_file, _panels(case_file, reopen=form, open_panel="reopen"), 422)
    flash("Đã mở lại hồ sơ; lý do đã được ghi vào lịch sử.", "success")
    return _back(file_id, "thong-tin")


@bp.get("/<int:file_id>/contents.pdf")
def contents_file(file_id: int):
    """Tải mục lục (PDF): rendered now from what the file holds."""
    case_file = get_file(current_user, file_id)
    pdf = contents_pdf.render_contents_pdf(case_file, viewer=current_user)
    name = contents_pdf.file_name(case_file)
    export.log_contents_download(current_user, case_file, name)
    return attachment_response(io.BytesIO(pdf), name, "application/pdf", inline=False)


# Filing from the document pages -------------------------------------------------------


@dataclass(frozen=True)
class FilingCard:
    """The "Hồ sơ" card of a document page."""

    files: list[CaseFile]  # the files the document is in
    proposals: Sequence[suggest.FileChoice]  # best first (eoffice.casefiles.suggest)
    choices: Sequence[suggest.FileChoice]  # the files offered, not holding it yet
    fileable_ids: frozenset[int]  # of `files`, those the user may still file into
    more: bool = False  # the user may file into more files than those offered
    labels: dict[str, str] = field(default_factory=lambda: dict(STATE_LABELS))


# Where the choices of a document page are kept for the rest of the request.
FILING_CHOICES_KEY = "eoffice_filing_choices"


def filing_choices(
    user: User, *, incoming_id: int | None = None, outgoing_id: int | None = None
) -> suggest.FilingChoices:
    """The files `user` could file the document into (eoffice.casefiles.suggest), once
    per request: the incoming page asks twice, for the FILE step's select and for this
    card. Nothing writes between the two (the page is rendered after any step)."""
    key = (user.id, incoming_id, outgoing_id)
    memo = g.setdefault(FILING_CHOICES_KEY, {}) if has_app_context() else {}
    if key not in memo:
        memo[key] = suggest.document_choices(user, incoming_id=incoming_id, outgoing_id=outgoing_id)
    return memo[key]


@bp.app_template_global()
def filing_card(
    incoming: IncomingDocument | None = None,
    outgoing: OutgoingDocument | None = None,
    offering: bool = True,
):
    """For the incoming and outgoing document pages: the files the document is in and,
    when the page offers filing (`offering`), where it could go. None for a document of
    another office (nothing to file)."""
    doc = incoming or outgoing
    if doc is None or doc.org_id != current_user.org_id:
        return None
    incoming_id = incoming.id if incoming is not None else None
    outgoing_id = outgoing.id if outgoing is not None else None
    holding = files.files_of_document(
        current_user, incoming_id=incoming_id, outgoing_id=outgoing_id
    )
    held = {f.id for f in holding}
    choices = (
        filing_choices(current_user, incoming_id=incoming_id, outgoing_id=outgoing_id)
        if offering
        else suggest.NO_CHOICES
    )
    return FilingCard(
        files=holding,
        proposals=choices.proposals,
        choices=[f for f in choices.files if f.id not in held],
        fileable_ids=frozenset(f.id for f in holding if filing.may_file_into(current_user, f)),
        more=choices.more,
    )


@bp.app_template_global()
def may_file_outgoing(doc: OutgoingDocument) -> bool:
    """Whether the outgoing page offers "Lưu vào hồ sơ": an issued document of the
    user's office (drafts are filed from the file's page, where the closing rule about
    drafts is in sight)."""
    return doc.org_id == current_user.org_id and doc.state in FILED_OUTGOING_STATES


@bp.post("/outgoing/<int:doc_id>")
def file_outgoing(doc_id: int):
    """Lưu vào hồ sơ, from the outgoing document's page."""
    doc = outgoing_access.get_visible(current_user, doc_id)
    back = redirect(url_for("outgoing.detail", doc_id=doc.id, _anchor="ho-so"))
    form = forms.FileIntoForm(prefix="filing")
    if not form.validate_on_submit():
        flash("Vui lòng chọn hồ sơ.", "danger")
        return back
    if not may_file_outgoing(doc):
        flash("Chỉ lưu vào hồ sơ văn bản đi đã ban hành của cơ quan.", "danger")
        return back
    try:
        case_file = filing.file_documents(
            current_user, form.case_file_id.data, outgoing_ids=[doc.id]
        )
    except (Conflict, ValidationFailed) as exc:
        flash(exc.message, "danger")
        return back
    flash(f"Đã lưu văn bản vào hồ sơ {case_file.code}.", "success")
    return back
