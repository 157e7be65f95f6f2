"""How a parsed query becomes each database's match text, and that FTS5 always takes it.

The SQLite side is run for real: an in-memory database with `search_entries`, the FTS5
table and the triggers made by the very statements of migration 0018. The PostgreSQL
side is checked as the SQL it compiles to (the parity suite runs it on a server).
"""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql

from eoffice.search import backends
from eoffice.search.backends import Tier, fts5_query
from eoffice.search.tokens import exact_words, folded_words, parse_query

MIGRATION = Path(__file__).parents[2] / "migrations" / "versions" / "0018_search.py"


def _migration():
    spec = importlib.util.spec_from_file_location("migration_0018", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SQLITE_UP = _migration().SQLITE_UP


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    """search_entries (its text columns) with the migration's FTS5 table and triggers."""
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE TABLE search_entries (id INTEGER PRIMARY KEY, folded TEXT NOT NULL,"
        " exact TEXT NOT NULL)"
    )
    for statement in SQLITE_UP:
        conn.execute(statement)
    return conn


def _index(conn: sqlite3.Connection, texts: list[str]) -> None:
    conn.execute("DELETE FROM search_entries")
    conn.executemany(
        "INSERT INTO search_entries (id, folded, exact) VALUES (?, ?, ?)",
        [
            (n, " ".join(folded_words(t)), " ".join(dict.fromkeys(exact_words(t))))
            for n, t in enumerate(texts, start=1)
        ],
    )


def _found(conn: sqlite3.Connection, query: str, tier: Tier) -> list[int]:
    match = fts5_query(parse_query(query), tier)
    rows = conn.execute(
        "SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid", (match,)
    )
    return [r[0] for r in rows]


# --- the match texts ---------------------------------------------------------------


def test_fts5_query_of_each_tier():
    parsed = parse_query("quyết định")
    words = 'folded : ("quyet" AND "dinh")'
    exact = 'exact : ("quyeets" AND "ddinhj")'
    assert fts5_query(parsed, Tier.ANY) == words
    assert fts5_query(parsed, Tier.EXACT) == f"{words} AND {exact}"
    assert fts5_query(parsed, Tier.FOLDED_ONLY) == f"{words} NOT {exact}"


def test_fts5_query_without_accents_is_one_tier():
    parsed = parse_query("quyet dinh")
    for tier in Tier:
        assert fts5_query(parsed, tier) == 'folded : ("quyet" AND "dinh")'


def test_fts5_query_of_phrases_and_symbols():
    parsed = parse_query('"điều động" 3337/GDĐT-TTTT and')
    assert fts5_query(parsed, Tier.ANY) == 'folded : ("dieu dong" AND "3337 gddt tttt" AND "and")'
    assert fts5_query(parsed, Tier.EXACT).endswith(
        'AND exact : ("ddieeuf" AND "ddoongj" AND "gdddt")'
    )


def _postgres_sql(text: str, tier: Tier) -> str:
    condition = backends._postgres(parse_query(text), tier, None)
    compiled = condition.compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    return str(compiled)


def test_postgres_tsquery_of_each_tier():
    """Quoted lexemes cast to tsquery (no parser), and a phrase checked on the text. The
    exact tier needs the folded index only for the words typed without diacritics."""
    words = "search_entries.tsv @@ CAST('''dieu'' & ''dong'' & ''giao''' AS TSQUERY)"
    phrase = "(' ' || search_entries.folded || ' ') LIKE '%% dieu dong %%'"
    exact = "search_entries.tsv_exact @@ CAST('''ddieeuf'' & ''ddoongj''' AS TSQUERY)"
    plain = "search_entries.tsv @@ CAST('''giao''' AS TSQUERY)"
    typed = '"điều động" giao'
    assert _postgres_sql(typed, Tier.ANY) == f"({words}) AND {phrase}"
    assert _postgres_sql(typed, Tier.EXACT) == f"({exact}) AND ({plain}) AND {phrase}"
    assert _postgres_sql(typed, Tier.FOLDED_ONLY) == f"({words}) AND {phrase} AND NOT ({exact})"
    for tier in Tier:
        assert _postgres_sql("dieu dong", tier) == (
            "search_entries.tsv @@ CAST('''dieu'' & ''dong''' AS TSQUERY)"
        )


def test_an_empty_query_has_no_match_condition():
    with pytest.raises(ValueError):
        backends.match(None, parse_query(" *** "))  # type: ignore[arg-type]


# --- the real FTS5 table ------------------------------------------------------------


def test_tiers_split_exact_and_folded_matches(fts):
    _index(
        fts,
        [
            "Quyết định về việc điều động",  # 1: the very words
            "Quyet dinh khong dau",  # 2: no diacritics at all
            "Quyết đinh thiếu dấu",  # 3: one tone missing
            "QUYẾT ĐỊNH BỔ NHIỆM",  # 4: capitals
            "Định kỳ quyết toán",  # 5: both words, apart and in another order
            "Kế hoạch",  # 6: neither
        ],
    )
    assert _found(fts, "quyết định", Tier.ANY) == [1, 2, 3, 4, 5]
    assert _found(fts, "quyết định", Tier.EXACT) == [1, 4, 5]
    assert _found(fts, "quyết định", Tier.FOLDED_ONLY) == [2, 3]
    assert _found(fts, '"quyết định"', Tier.ANY) == [1, 2, 3, 4]
    assert _found(fts, '"định quyết"', Tier.ANY) == []
    assert _found(fts, "QUYET", Tier.ANY) == [1, 2, 3, 4, 5]


def test_words_that_fold_alike(fts):
    _index(fts, ["đa dạng", "da liễu", "bóng đá", "đã làm", "bàn giao", "bán trú", "các bạn"])
    assert _found(fts, "da", Tier.ANY) == [1, 2, 3, 4]
    assert _found(fts, "đa", Tier.ANY) == [1, 2, 3, 4]
    assert _found(fts, "đa", Tier.EXACT) == [1]
    assert _found(fts, "đá", Tier.EXACT) == [3]
    assert _found(fts, "đã", Tier.FOLDED_ONLY) == [1, 2, 3]
    assert _found(fts, "ban", Tier.ANY) == [5, 6, 7]
    assert _found(fts, "bạn", Tier.EXACT) == [7]


def test_symbols_and_operator_words(fts):
    _index(fts, ["3337/GDĐT-TTTT", "GDĐT TTTT 3337", "near and or not", "a*b"])
    assert _found(fts, "3337/GDĐT-TTTT", Tier.ANY) == [1]
    assert _found(fts, "3337/GDĐT-TTTT", Tier.EXACT) == [1]
    assert _found(fts, "gddt-tttt", Tier.ANY) == [1, 2]
    assert _found(fts, "AND OR NOT", Tier.ANY) == [3]
    assert _found(fts, "NEAR(and or)", Tier.ANY) == [3]  # the phrase "near and", and "or"
    assert _found(fts, "NEAR(or and)", Tier.ANY) == []
    assert _found(fts, "a*", Tier.ANY) == [4]  # a word "a", not a prefix query
    assert _found(fts, "ab", Tier.ANY) == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_query_is_valid_fts5(fts, text):
    """Whatever is typed, FTS5 accepts the match text of every tier (no syntax error)."""
    parsed = parse_query(text)
    if not parsed:
        return
    for tier in Tier:
        fts.execute(
            "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?",
            (fts5_query(parsed, tier),),
        ).fetchone()


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=120))
def test_a_text_finds_itself(fts, text):
    """A document is found by its own text typed as a query, in the exact tier."""
    _index(fts, [text, "không liên quan"])
    parsed = parse_query(text)
    if not parsed:
        return
    assert 1 in _found(fts, text, Tier.ANY)
    if parsed.exact:
        assert 1 in _found(fts, text, Tier.EXACT)
        assert 1 not in _found(fts, text, Tier.FOLDED_ONLY)
