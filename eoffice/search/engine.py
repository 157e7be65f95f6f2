"""The search: one query over incoming and outgoing documents, newest first.

Each kind is searched with its own visibility rule (`incoming.access.visible_filter`,
`outgoing.involvement.visible_filter`) and the filters that apply to it; the two
streams are merged by date. When the query carries diacritics, documents holding the
very words typed ("quyết định") come first, then those that matched only once folded
("quyet dinh", "Quyết đinh"): each tier is its own index walk in date order, so a page
never sorts every match.

Pages are keyset pages: the cursor holds (tier, date, kind, id) of the last hit shown.
"""

from __future__ import annotations

import hashlib
from dataclasses import astuple, dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, literal_column, select
from sqlalchemy.orm import aliased, selectinload

from eoffice.core import keyset
from eoffice.core.text import LIKE_ESCAPE, like_contains
from eoffice.extensions import db
from eoffice.incoming import access as incoming_access
from eoffice.incoming.models import IncomingDocument
from eoffice.incoming.queries import local_day_start
from eoffice.incoming.readers import IncomingReader
from eoffice.orgs.models import User
from eoffice.outgoing import involvement as outgoing_access
from eoffice.outgoing.models import OutgoingDocument
from eoffice.search.backends import Tier, index_columns, match
from eoffice.search.models import DocumentKind, SearchEntry
from eoffice.search.tokens import ParsedQuery, parse_query

CURSOR_NAME = "search"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# How many of the newest index rows a search examines first (see `_fetch`).
PROBE_ROWS = 3000
# From how many matches in the organisation words count as common (see `_fetch`).
COMMON_MATCHES = 1000

# Merged order within a tier: date, then kind (incoming first on a tie), then id.
_KIND_RANK = {DocumentKind.INCOMING: 1, DocumentKind.OUTGOING: 0}
_MODELS = {DocumentKind.INCOMING: IncomingDocument, DocumentKind.OUTGOING: OutgoingDocument}


@dataclass
class SearchQuery:
    """What the user asked: words, and filters that narrow the documents searched.

    `state` is a state code of `kind`'s workflow (the search page offers the states of
    the kind chosen). `sender` applies to incoming documents only: choosing it leaves
    outgoing documents out.
    """

    text: str = ""
    kind: str | None = None  # DocumentKind value, None for both
    document_type_id: int | None = None
    sender: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    state: str | None = None
    urgency_code: str | None = None
    confidentiality_code: str | None = None

    @property
    def kinds(self) -> tuple[DocumentKind, ...]:
        if self.kind:
            return (DocumentKind(self.kind),)
        if self.sender:
            return (DocumentKind.INCOMING,)
        return (DocumentKind.INCOMING, DocumentKind.OUTGOING)

    @property
    def has_filters(self) -> bool:
        return any(
            (
                self.kind,
                self.document_type_id,
                self.sender,
                self.date_from,
                self.date_to,
                self.state,
                self.urgency_code,
                self.confidentiality_code,
            )
        )

    def fingerprint(self) -> str:
        """A short digest of the words and filters: a cursor carries it, so a cursor
        replayed with another query is refused instead of giving an odd page."""
        text = repr(astuple(replace(self, text=" ".join(self.text.split()))))
        return hashlib.blake2s(text.encode(), digest_size=6).hexdigest()


def _cursor_name(query: SearchQuery) -> str:
    return f"{CURSOR_NAME}:{query.fingerprint()}"


@dataclass(frozen=True)
class Key:
    tier: int
    sorted_at: datetime
    kind_rank: int
    document_id: int

    def encode(self, query: SearchQuery) -> str:
        values = (self.tier, self.sorted_at, self.kind_rank, self.document_id)
        return keyset.encode(_cursor_name(query), values)

    @classmethod
    def decode(cls, text: str, query: SearchQuery) -> Key:
        """The key of a cursor handed out for this very query; ValueError otherwise."""
        tier, sorted_at, kind_rank, document_id = keyset.decode(_cursor_name(query), text, 4)
        if not isinstance(sorted_at, datetime) or tier not in (0, 1) or kind_rank not in (0, 1):
            raise ValueError("cursor")
        if not isinstance(document_id, int) or document_id <= 0:
            raise ValueError("cursor")
        return cls(tier, sorted_at, kind_rank, document_id)


@dataclass
class Hit:
    kind: DocumentKind
    document: Any  # IncomingDocument | OutgoingDocument
    sorted_at: datetime
    exact: bool  # matched the very diacritics typed (always True when none were typed)

    @property
    def key_tier(self) -> int:
        return 0 if self.exact else 1


@dataclass
class SearchPage:
    hits: list[Hit]
    parsed: ParsedQuery
    next_cursor: str | None = None
    tiered: bool = False  # the query had diacritics: exact matches are listed first
    first_page: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _tiers(parsed: ParsedQuery) -> list[tuple[int, Tier]]:
    if parsed and parsed.exact:
        return [(0, Tier.EXACT), (1, Tier.FOLDED_ONLY)]
    return [(0, Tier.ANY)]


def _base(user: User, kind: DocumentKind, query: SearchQuery, entry: Any = SearchEntry) -> Select:
    """The documents of `kind` the user may see, narrowed by the filters, joined to
    their index row (`entry`: the table, or an alias of a subquery of it)."""
    model = _MODELS[kind]
    visible = (
        incoming_access.visible_filter(user)
        if kind is DocumentKind.INCOMING
        else outgoing_access.visible_filter(user)
    )
    stmt = (
        select(model, entry.sorted_at)
        .join(entry, and_(entry.kind == kind.value, entry.document_id == model.id))
        .where(entry.org_id == user.org_id, visible)
    )
    if kind is DocumentKind.INCOMING:  # shown with a hit found through them
        stmt = stmt.options(
            selectinload(IncomingDocument.recipient_unit),
            selectinload(IncomingDocument.recipient_user),
        )
    if query.document_type_id:
        stmt = stmt.where(model.document_type_id == query.document_type_id)
    if query.urgency_code:
        stmt = stmt.where(model.urgency_code == query.urgency_code)
    if query.confidentiality_code:
        stmt = stmt.where(model.confidentiality_code == query.confidentiality_code)
    if query.state:
        stmt = stmt.where(model.state == query.state)
    stmt = stmt.where(*_date_conditions(query, entry))
    if query.sender and kind is DocumentKind.INCOMING:
        stmt = stmt.where(
            IncomingDocument.sender_name_folded.like(
                like_contains(query.sender), escape=LIKE_ESCAPE
            )
        )
    return stmt


def _date_conditions(query: SearchQuery, entry: Any = SearchEntry) -> list[Any]:
    conditions = []
    if query.date_from:
        conditions.append(entry.sorted_at >= local_day_start(query.date_from))
    if query.date_to:
        conditions.append(entry.sorted_at < local_day_start(query.date_to + timedelta(days=1)))
    return conditions


def _after(kind: DocumentKind, key: Key, entry: Any = SearchEntry) -> Any:
    """Rows of `kind` after `key` in (date, kind rank, id) descending order."""
    rank = _KIND_RANK[kind]
    if rank < key.kind_rank:
        return entry.sorted_at <= key.sorted_at
    if rank > key.kind_rank:
        return entry.sorted_at < key.sorted_at
    return keyset.after((entry.sorted_at, entry.document_id), (key.sorted_at, key.document_id))


@dataclass(frozen=True)
class _Ask:
    """One kind and one tier of a search: what `_fetch` and its helpers share."""

    user: User
    kind: DocumentKind
    query: SearchQuery
    parsed: ParsedQuery
    tier: tuple[int, Tier]
    after: Key | None
    limit: int

    @property
    def number(self) -> int:
        return self.tier[0]

    @property
    def which(self) -> Tier:
        return self.tier[1]

    @property
    def keyed(self) -> bool:
        """The cursor points inside this tier (its rows continue after its key)."""
        return self.after is not None and self.after.tier == self.number


def _fetch(ask: _Ask) -> list[Hit]:
    """The first `ask.limit` hits of one kind and tier, newest first.

    A common word matches tens of thousands of documents; fetching them all to keep
    the newest twenty is what made searches slow (STACK.md §9). So the search first
    looks only at the PROBE_ROWS newest index rows (an index walk in date order): when
    they hold enough hits, those are the newest ones and the page is done. Otherwise,
    when the words are rare (fewer than COMMON_MATCHES matches in the organisation),
    the word index lists them all and they are sorted; when they are common but the
    filters keep few of them, a probe ten times wider comes first.
    """
    entry = SearchEntry
    if not ask.parsed:
        stmt = _base(ask.user, ask.kind, ask.query)
        if ask.keyed:
            stmt = stmt.where(_after(ask.kind, ask.after))
        newest_first = (entry.sorted_at.desc(), entry.document_id.desc())
        return _hits(ask.kind, ask.number, stmt.order_by(*newest_first).limit(ask.limit))
    own = ask.kind is DocumentKind.INCOMING and not incoming_access.can_see_register(ask.user)
    probe = _probe_own if own else _probe
    probed = probe(ask, PROBE_ROWS)
    if len(probed) < ask.limit and _common(ask):
        probed = probe(ask, PROBE_ROWS * 10)
    if len(probed) >= ask.limit:
        return probed
    return _fetch_all(ask)


def _common(ask: _Ask) -> bool:
    """Whether the words match at least COMMON_MATCHES of the organisation's index rows
    (counted from the word index, stopping there)."""
    entry = SearchEntry
    stmt = select(literal_column("1")).where(
        entry.org_id == ask.user.org_id,
        entry.kind == ask.kind.value,
        match(db.session, ask.parsed, ask.which),
        *_date_conditions(ask.query),
    )
    if ask.keyed:
        stmt = stmt.where(_after(ask.kind, ask.after))
    found = select(func.count()).select_from(stmt.limit(COMMON_MATCHES).subquery())
    return db.session.scalar(found) >= COMMON_MATCHES


def _probe(ask: _Ask, rows: int) -> list[Hit]:
    """The hits among the organisation's `rows` newest index rows of the kind: a
    subquery with its own LIMIT, which the planner must run first (it cannot push the
    word condition into it): always the short date walk."""
    entry = SearchEntry
    window = (
        select(entry, *index_columns(db.session))
        .where(
            entry.org_id == ask.user.org_id,
            entry.kind == ask.kind.value,
            *_date_conditions(ask.query),
        )
        .order_by(entry.sorted_at.desc(), entry.document_id.desc())
        .limit(rows)
    )
    if ask.keyed:
        window = window.where(_after(ask.kind, ask.after))
    recent = window.subquery("recent_entries")
    recent_entry = aliased(SearchEntry, recent)
    stmt = (
        _base(ask.user, ask.kind, ask.query, recent_entry)
        .where(match(db.session, ask.parsed, ask.which, recent))
        .order_by(recent_entry.sorted_at.desc(), recent_entry.document_id.desc())
        .limit(ask.limit)
    )
    return _hits(ask.kind, ask.number, stmt)


def _fetch_all(ask: _Ask) -> list[Hit]:
    """Every match, from the word index, sorted: for words too rare for a probe."""
    stmt = _base(ask.user, ask.kind, ask.query).where(match(db.session, ask.parsed, ask.which))
    if ask.keyed:
        stmt = stmt.where(_after(ask.kind, ask.after))
    return _hits(ask.kind, ask.number, stmt.order_by(*_sorted_by_matches()).limit(ask.limit))


def _probe_own(ask: _Ask, rows: int) -> list[Hit]:
    """The probe of a staff member's search: the `rows` newest of the incoming
    documents they may read (their `incoming_readers` rows, one index range in arrival
    order), each tested against its index row, newest first until the page is full.

    The organisation's newest rows would hold only a tenth of theirs.
    """
    reader = IncomingReader
    # The readers' columns under the names the date and cursor conditions use.
    own = _Ordered(sorted_at=reader.arrived_at, document_id=reader.document_id)
    window = select(reader.document_id, reader.arrived_at).where(
        reader.user_id == ask.user.id, *_date_conditions(ask.query, own)
    )
    if ask.keyed:
        window = window.where(_after(ask.kind, ask.after, own))
    newest = (
        window.order_by(reader.arrived_at.desc(), reader.document_id.desc())
        .limit(rows)
        .subquery("my_newest")
    )
    stmt = (
        _base(ask.user, ask.kind, ask.query)
        .join(newest, newest.c.document_id == IncomingDocument.id)
        .where(match(db.session, ask.parsed, ask.which))
        .order_by(newest.c.arrived_at.desc(), newest.c.document_id.desc())
        .limit(ask.limit)
    )
    return _hits(ask.kind, ask.number, stmt)


@dataclass(frozen=True)
class _Ordered:
    sorted_at: Any
    document_id: Any


def _sorted_by_matches() -> tuple[Any, ...]:
    """Newest first, in a form no index provides on PostgreSQL (the date plus zero), so
    the planner lists the matches from the word index and sorts them, instead of
    walking every row of the organisation in date order looking for a few matches."""
    entry = SearchEntry
    if db.session.get_bind().dialect.name == "postgresql":
        moment = entry.sorted_at + literal_column("interval '0 seconds'")
        return (moment.desc(), entry.document_id.desc())
    return (entry.sorted_at.desc(), entry.document_id.desc())


def _hits(kind: DocumentKind, tier_number: int, stmt: Select) -> list[Hit]:
    rows = db.session.execute(stmt).all()
    return [Hit(kind, doc, sorted_at, exact=tier_number == 0) for doc, sorted_at in rows]


def _order(hit: Hit) -> tuple:
    return (hit.sorted_at, _KIND_RANK[hit.kind], hit.document.id)


def search(
    user: User,
    query: SearchQuery,
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> SearchPage:
    """One page of hits. ValueError for a cursor this search did not hand out."""
    limit = max(1, min(limit, MAX_LIMIT))
    parsed = parse_query(query.text)
    after = Key.decode(cursor, query) if cursor else None
    tiers = _tiers(parsed)
    hits: list[Hit] = []
    for tier in tiers:
        if after is not None and tier[0] < after.tier:
            continue
        wanted = limit + 1 - len(hits)
        found: list[Hit] = []
        for kind in query.kinds:
            found.extend(_fetch(_Ask(user, kind, query, parsed, tier, after, wanted)))
        found.sort(key=_order, reverse=True)
        hits.extend(found[:wanted])
        if len(hits) > limit:
            break
    page = SearchPage(hits[:limit], parsed, tiered=len(tiers) > 1, first_page=after is None)
    if len(hits) > limit:
        last = page.hits[-1]
        page.next_cursor = Key(
            last.key_tier, last.sorted_at, _KIND_RANK[last.kind], last.document.id
        ).encode(query)
    return page


def with_text(query: SearchQuery, text: str) -> SearchQuery:
    return replace(query, text=text)
