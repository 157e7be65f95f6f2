"""A page of search hits as the page and the API show them: one row per document.

Each row says what the document is (kind, type, symbol, subject, who sent it or whom it
goes to, its date in office time, its state, its urgency) with the query's words marked,
and one excerpt of where else the words were found: the notes of an incoming document,
the body of an outgoing one, or the text inside one of its files.

A page costs the same number of statements whatever its size: the recipients of the
outgoing documents and the texts of the files are each read for the whole page in one
query, and only for the rows that need them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from markupsafe import Markup
from sqlalchemy import func, literal, or_, select, union_all

from eoffice.catalog.models import ConfidentialityLevel, UrgencyLevel
from eoffice.core.timeutil import to_local
from eoffice.extensions import db
from eoffice.incoming.models import IncomingAttachment
from eoffice.outgoing.models import OutgoingAttachment, OutgoingRecipient, RecipientKind
from eoffice.search.engine import Hit, SearchPage
from eoffice.search.highlight import mark, snippet
from eoffice.search.indexing import html_text
from eoffice.search.models import KIND_LABELS, DocumentKind, FileText, TextState
from eoffice.search.tokens import MAX_INDEXED_CHARS, ParsedQuery

# Recipients named on a row before "và N nơi nhận khác".
RECIPIENTS_SHOWN = 3

LABEL_NOTES = "Ghi chú"
LABEL_BODY = "Nội dung"
LABEL_FILE = "Tệp"
LABEL_RECIPIENT = "Nơi nhận"
LABEL_SIGNER = "Người ký"
LABEL_REPLY = "Văn bản trả lời"
LABEL_ADDRESSEES = "Kính gửi"


@dataclass
class ResultRow:
    kind: DocumentKind
    id: int
    kind_label: str
    subject: str  # plain, for the API and titles
    title: Markup  # the subject, marked
    symbol: str
    symbol_marked: Markup
    party_label: str  # "Nơi gửi" or "Nơi nhận"
    party: str
    date_label: str
    moment: datetime  # office time
    state: str
    state_label: str
    type_name: str
    urgency: UrgencyLevel | None
    confidentiality: ConfidentialityLevel | None
    link: str
    exact: bool
    snippet: Markup | None = None
    snippet_source: str | None = None  # where the excerpt comes from: "Ghi chú", "Tệp: …"


@dataclass
class _FileText:
    name: str
    text: str


def _recipients(doc_ids: list[int]) -> dict[int, list[str]]:
    """The lines of "Nơi nhận" of these outgoing documents, in order (one query)."""
    if not doc_ids:
        return {}
    rows = db.session.execute(
        select(OutgoingRecipient.document_id, OutgoingRecipient.name)
        .where(
            OutgoingRecipient.document_id.in_(doc_ids),
            or_(
                OutgoingRecipient.group_key.is_(None),
                OutgoingRecipient.kind != RecipientKind.MEMBER,
            ),
        )
        .order_by(
            OutgoingRecipient.document_id,
            OutgoingRecipient.position,
            OutgoingRecipient.id,
        )
    )
    found: dict[int, list[str]] = defaultdict(list)
    for doc_id, name in rows:
        found[doc_id].append(name)
    return found


def _file_texts(wanted: dict[DocumentKind, list[int]]) -> dict[tuple[str, int], list[_FileText]]:
    """The extracted texts of the files of these documents, in the files' order (one
    query for both kinds; texts cut where the index stops reading them)."""
    parts = []
    for kind, model in (
        (DocumentKind.INCOMING, IncomingAttachment),
        (DocumentKind.OUTGOING, OutgoingAttachment),
    ):
        ids = wanted.get(kind)
        if not ids:
            continue
        parts.append(
            select(
                literal(kind.value).label("kind"),
                model.document_id.label("document_id"),
                model.position.label("position"),
                model.id.label("attachment_id"),
                model.original_name.label("name"),
                func.substr(FileText.text, 1, MAX_INDEXED_CHARS).label("text"),
            )
            .join(FileText, FileText.stored_file_id == model.stored_file_id)
            .where(model.document_id.in_(ids), FileText.state == TextState.DONE)
        )
    if not parts:
        return {}
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    rows = sorted(db.session.execute(stmt).all(), key=lambda r: (r.position, r.attachment_id))
    found: dict[tuple[str, int], list[_FileText]] = defaultdict(list)
    for row in rows:
        found[(row.kind, row.document_id)].append(_FileText(row.name, row.text or ""))
    return found


def _own_snippet(hit: Hit, parsed: ParsedQuery) -> tuple[Markup | None, str | None]:
    """The excerpt from the document's own text: notes (incoming) or body (outgoing)."""
    doc = hit.document
    if hit.kind is DocumentKind.INCOMING:
        return snippet(doc.notes, parsed), LABEL_NOTES
    return snippet(html_text(doc.body_html), parsed), LABEL_BODY


def _field_snippet(hit: Hit, parsed: ParsedQuery) -> tuple[Markup | None, str | None]:
    """Last resort, after the files: the indexed fields the row does not show (whom it
    is addressed to, the signer…), so a hit found through one of them says why."""
    doc = hit.document
    if hit.kind is DocumentKind.INCOMING:
        signer = " ".join(filter(None, (doc.signer_name, doc.signer_position)))
        fields = (
            (LABEL_RECIPIENT, doc.recipient_label),
            (LABEL_SIGNER, signer),
            (LABEL_REPLY, doc.reply_reference),
        )
    else:
        fields = ((LABEL_ADDRESSEES, doc.addressees), (LABEL_SIGNER, doc.signer_title))
    for label, text in fields:
        excerpt = snippet(text, parsed)
        if excerpt is not None:
            return excerpt, label
    return None, None


def _party(hit: Hit, recipients: dict[int, list[str]]) -> tuple[str, str]:
    if hit.kind is DocumentKind.INCOMING:
        return "Nơi gửi", hit.document.sender_name
    names = recipients.get(hit.document.id, [])
    shown = ", ".join(names[:RECIPIENTS_SHOWN])
    if len(names) > RECIPIENTS_SHOWN:
        shown += f" và {len(names) - RECIPIENTS_SHOWN} nơi nhận khác"
    return "Nơi nhận", shown


def _date_label(hit: Hit) -> str:
    if hit.kind is DocumentKind.INCOMING:
        return "Ngày đến"
    return "Ngày ban hành" if hit.document.issued_at else "Ngày tạo"


def _link(hit: Hit) -> str:
    endpoint = "incoming.detail" if hit.kind is DocumentKind.INCOMING else "outgoing.detail"
    return url_for(endpoint, doc_id=hit.document.id)


def rows(page: SearchPage) -> list[ResultRow]:
    """The display rows of `page`, in its order."""
    parsed = page.parsed
    outgoing_ids = [h.document.id for h in page.hits if h.kind is DocumentKind.OUTGOING]
    recipients = _recipients(outgoing_ids)
    found: list[ResultRow] = []
    needs_files: dict[DocumentKind, list[int]] = defaultdict(list)
    for hit in page.hits:
        doc = hit.document
        party_label, party = _party(hit, recipients)
        symbol = doc.symbol or ""
        row = ResultRow(
            kind=hit.kind,
            id=doc.id,
            kind_label=KIND_LABELS[hit.kind],
            subject=doc.subject,
            title=mark(doc.subject, parsed),
            symbol=symbol,
            symbol_marked=mark(symbol, parsed),
            party_label=party_label,
            party=party,
            date_label=_date_label(hit),
            moment=to_local(hit.sorted_at),
            state=doc.state,
            state_label=doc.state_label,
            type_name=doc.document_type.name,
            urgency=doc.urgency,
            confidentiality=doc.confidentiality,
            link=_link(hit),
            exact=hit.exact,
        )
        if parsed:
            row.snippet, row.snippet_source = _own_snippet(hit, parsed)
            if row.snippet is None:
                row.snippet_source = None
                needs_files[hit.kind].append(doc.id)
        found.append(row)
    if needs_files:
        texts = _file_texts(needs_files)
        for row in found:
            if row.snippet is not None:
                continue
            for file in texts.get((row.kind.value, row.id), []):
                excerpt = snippet(file.text, parsed)
                if excerpt is not None:
                    row.snippet, row.snippet_source = excerpt, f"{LABEL_FILE}: {file.name}"
                    break
    if parsed:
        for row, hit in zip(found, page.hits, strict=True):
            if row.snippet is None:
                row.snippet, row.snippet_source = _field_snippet(hit, parsed)
    return found
