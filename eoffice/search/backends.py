"""How the words of a query are matched: the one part that differs between databases.

PostgreSQL matches the generated tsvector columns of `search_entries` with a tsquery
built from our tokens; SQLite matches the FTS5 table `search_fts` with an FTS5 query
built from the same tokens. Tokens are letters and digits only (`search.tokens`), so
neither query language ever sees an operator the user typed.
"""

from __future__ import annotations

from enum import Enum

from sqlalchemy import ColumnElement, and_, column, literal_column, not_, select, table
from sqlalchemy.orm import Session

from eoffice.search.models import SearchEntry
from eoffice.search.tokens import ParsedQuery, Term


class Tier(Enum):
    """Which matches: all, only those with the user's diacritics, or only the others."""

    ANY = "any"
    EXACT = "exact"
    FOLDED_ONLY = "folded"


_FTS = table("search_fts", column("rowid"), column("search_fts"))
_TSV = literal_column("search_entries.tsv")
_TSV_EXACT = literal_column("search_entries.tsv_exact")
_SIMPLE = literal_column("'simple'::regconfig")


def _ts_term(term: Term) -> str:
    return " <-> ".join(term.words) if term.is_phrase else term.words[0]


def _fts_term(term: Term) -> str:
    return '"' + " ".join(term.words) + '"'


def _postgres(parsed: ParsedQuery, tier: Tier) -> ColumnElement[bool]:
    from sqlalchemy import func

    folded = " & ".join(_ts_term(t) for t in parsed.terms)
    condition = _TSV.op("@@")(func.to_tsquery(_SIMPLE, folded))
    if tier is Tier.ANY or not parsed.exact:
        return condition
    exact = _TSV_EXACT.op("@@")(func.to_tsquery(_SIMPLE, " & ".join(parsed.exact)))
    return and_(condition, exact if tier is Tier.EXACT else not_(exact))


def fts5_query(parsed: ParsedQuery, tier: Tier) -> str:
    """The FTS5 MATCH text: every term in `folded`, and the accented words in `exact`."""
    folded = "folded : (" + " AND ".join(_fts_term(t) for t in parsed.terms) + ")"
    if tier is Tier.ANY or not parsed.exact:
        return folded
    exact = "exact : (" + " AND ".join(f'"{w}"' for w in parsed.exact) + ")"
    return f"{folded} AND {exact}" if tier is Tier.EXACT else f"{folded} NOT {exact}"


def _sqlite(parsed: ParsedQuery, tier: Tier) -> ColumnElement[bool]:
    matching = select(_FTS.c.rowid).where(_FTS.c.search_fts.op("MATCH")(fts5_query(parsed, tier)))
    return SearchEntry.id.in_(matching)


def match(session: Session, parsed: ParsedQuery, tier: Tier = Tier.ANY) -> ColumnElement[bool]:
    """SQL condition on `search_entries`: the row holds every term of `parsed`.

    `parsed` must not be empty (an empty query matches nothing to search for).
    """
    if not parsed:
        raise ValueError("an empty query has no match condition")
    if session.get_bind().dialect.name == "postgresql":
        return _postgres(parsed, tier)
    return _sqlite(parsed, tier)
