"""How the words of a query are matched: the one part that differs between databases.

PostgreSQL matches the generated tsvector columns of `search_entries`, made from our
own words (`array_to_tsvector`, no text-search parser), with a tsquery of those words;
a phrase is then checked on the folded text itself (`LIKE '% w1 w2 %'`), which has none
of the tsvector's limits on positions (16,383) and repeats (256). SQLite matches the FTS5
table `search_fts` with an FTS5 query of the same words. Words are letters and digits
only (`search.tokens`), so neither query language ever sees an operator the user typed.
"""

from __future__ import annotations

from enum import Enum

from sqlalchemy import (
    ColumnElement,
    and_,
    cast,
    column,
    literal,
    literal_column,
    not_,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import TSQUERY
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


def _tsquery(words: tuple[str, ...] | list[str]) -> ColumnElement:
    """All of `words` as a tsquery; each is quoted, so it is taken as one lexeme."""
    return cast(literal(" & ".join(f"'{w}'" for w in words)), TSQUERY)


def _phrase(term: Term) -> ColumnElement[bool]:
    padded = literal(" ") + SearchEntry.folded + literal(" ")
    return padded.like("% " + " ".join(term.words) + " %")


def _fts_term(term: Term) -> str:
    return '"' + " ".join(term.words) + '"'


def _postgres(parsed: ParsedQuery, tier: Tier) -> ColumnElement[bool]:
    condition = and_(
        _TSV.op("@@")(_tsquery(parsed.words)),
        *(_phrase(t) for t in parsed.terms if t.is_phrase),
    )
    if tier is Tier.ANY or not parsed.exact:
        return condition
    exact = _TSV_EXACT.op("@@")(_tsquery(parsed.exact))
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
