"""The words of search: folding, Telex spelling of accented words, and query parsing.

Both databases index and search exactly these strings, so every rule here is a rule of
what is found on either: case and diacritics fold, đ is d, anything that is not a
letter or digit separates words, and nothing a user types reaches a query language as
an operator.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eoffice.core.text import vn_fold
from eoffice.search.tokens import (
    MAX_INDEXED_CHARS,
    MAX_QUERY_CHARS,
    MAX_QUERY_TERMS,
    MAX_WORD_CHARS,
    Term,
    exact_word,
    exact_words,
    folded_words,
    has_accents,
    parse_query,
)

# Each Vietnamese vowel (NFD: base letter + shape mark) and how Telex types its shape.
VOWELS = {
    "a": "a",
    "a\u0306": "aw",  # ă
    "a\u0302": "aa",  # â
    "e": "e",
    "e\u0302": "ee",  # ê
    "i": "i",
    "o": "o",
    "o\u0302": "oo",  # ô
    "o\u031b": "ow",  # ơ
    "u": "u",
    "u\u031b": "uw",  # ư
    "y": "y",
}
# The five tone marks and their Telex letter; "" is the level tone (no mark).
TONES = {"": "", "\u0300": "f", "\u0301": "s", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
CASES = [
    (unicodedata.normalize("NFC", base + tone), shape, letter)
    for base, shape in VOWELS.items()
    for tone, letter in TONES.items()
]


def test_the_table_covers_every_vowel_and_tone():
    assert len(CASES) == 72
    assert all(len(char) == 1 for char, _, _ in CASES)  # each a precomposed letter
    assert len({char for char, _, _ in CASES}) == 72


@pytest.mark.parametrize(("char", "shape", "tone"), CASES, ids=[c for c, _, _ in CASES])
def test_telex_of_every_vowel_with_every_tone(char, shape, tone):
    expected = None if char.isascii() else shape + tone
    for typed in (char, char.upper(), unicodedata.normalize("NFD", char)):
        assert exact_word(typed) == expected
        assert exact_word(unicodedata.normalize("NFD", typed.upper())) == expected
    # Inside a word the shape stays with its letter and the tone goes to the end.
    word = f"Ch{char}n"
    assert exact_word(word) == (None if word.isascii() else f"ch{shape}n{tone}")


@pytest.mark.parametrize(
    ("word", "telex"),
    [
        ("quyết", "quyeets"),
        ("định", "ddinhj"),
        ("Định", "ddinhj"),
        ("ĐỊNH", "ddinhj"),
        ("đ", "dd"),
        ("Đ", "dd"),
        ("đa", "dda"),
        ("đá", "ddas"),
        ("đã", "ddax"),
        ("Nguyễn", "nguyeenx"),
        ("Trường", "truwowngf"),
        ("TRƯỜNG", "truwowngf"),
        ("việc", "vieecj"),
        ("người", "nguwowif"),
        ("khuyến", "khuyeens"),
        ("GDĐT", "gdddt"),
        ("lớp6", "lowp6s"),
        ("bàn", "banf"),
        ("bán", "bans"),
        ("bạn", "banj"),
        ("ban", None),
        ("BAN", None),
        ("2026", None),
        ("", None),
    ],
)
def test_telex_of_words(word, telex):
    assert exact_word(word) == telex
    assert exact_word(unicodedata.normalize("NFD", word)) == telex


@pytest.mark.parametrize(
    ("word", "spelt"),
    [
        ("Zürich", "zurich"),  # a mark Vietnamese has not: dropped, the letter kept
        ("naïve", "naive"),
        ("ñandú", "nandus"),  # the acute is the sắc tone wherever it comes from
        ("ß", "ß"),  # no decomposition: kept as it is
        ("中文", "中文"),
        ("Ελλάδα", "ελλαδαs"),
    ],
)
def test_non_vietnamese_letters_are_spelt_by_the_same_rule(word, spelt):
    assert exact_word(word) == spelt


def test_folded_words_fold_case_diacritics_and_d():
    assert folded_words("Quyết Định 3337/GDĐT-TTTT") == ["quyet", "dinh", "3337", "gddt", "tttt"]
    assert folded_words("ĐỒNG PHỤC HỌC SINH") == ["dong", "phuc", "hoc", "sinh"]
    nfd = unicodedata.normalize("NFD", "Nguyễn Trường việc")
    assert folded_words(nfd) == ["nguyen", "truong", "viec"]
    assert folded_words("đa da đá đã Đà") == ["da"] * 5
    assert folded_words("bàn bán bạn BAN") == ["ban"] * 4


def test_folded_words_split_on_everything_but_letters_and_digits():
    text = "Về việc: tổ chức “Ngày hội” (đợt 2) — hạn 30/10/2026!!! a_b a.b a,b\ta\nb"
    assert folded_words(text) == [
        *("ve", "viec", "to", "chuc", "ngay", "hoi", "dot", "2", "han", "30", "10", "2026"),
        *("a", "b", "a", "b", "a", "b", "a", "b"),
    ]
    assert folded_words('quyết AND "định" OR NOT x* -y ^z a:b (c)') == [
        *("quyet", "and", "dinh", "or", "not", "x", "y", "z", "a", "b", "c"),
    ]


def test_folded_words_of_nothing_and_of_controls():
    assert folded_words(None) == []
    assert folded_words("") == []
    assert folded_words(" \t\n -/() ") == []
    assert folded_words("quy\x00ết\x1f định\x7f") == ["quyet", "dinh"]


def test_folded_words_read_only_the_first_indexed_characters():
    words = folded_words("ab " * (MAX_INDEXED_CHARS // 3 + 1000))
    assert len(words) == MAX_INDEXED_CHARS // 3 + (1 if MAX_INDEXED_CHARS % 3 else 0)


def test_exact_words_keep_only_accented_words():
    assert exact_words("Quyết định số 12 về việc ĐIỀU ĐỘNG") == [
        *("quyeets", "ddinhj", "soos", "veef", "vieecj", "ddieeuf", "ddoongj"),
    ]
    assert exact_words("Quyet dinh so 12") == []
    assert exact_words(None) == []
    assert exact_words("") == []
    nfd = unicodedata.normalize("NFD", "Quyết định")
    assert exact_words(nfd) == ["quyeets", "ddinhj"]
    assert exact_words("3337/GDĐT-TTTT") == ["gdddt"]
    assert exact_words("quy\x00ết") == ["quyeets"]


def test_has_accents():
    assert has_accents("quyết")
    assert has_accents("Đ")
    assert not has_accents("quyet dinh 2026")
    assert not has_accents("")
    assert not has_accents(None)


# --- parse_query ---------------------------------------------------------------------


def _terms(text: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    return [(t.words, t.exact) for t in parse_query(text).terms]


@pytest.mark.parametrize("text", [None, "", "   ", '""', '"', '" "', "!!! --- ***", "\x00\x01\x7f"])
def test_nothing_to_search_for(text):
    parsed = parse_query(text)
    assert not parsed
    assert parsed.terms == ()
    assert parsed.exact == ()
    assert parsed.words == ()


def test_words_are_terms_each_with_its_accents():
    assert _terms("quyết định") == [(("quyet",), ("quyeets",)), (("dinh",), ("ddinhj",))]
    assert _terms("quyet dinh") == [(("quyet",), ()), (("dinh",), ())]
    assert _terms("QUYẾT ĐỊNH") == _terms("quyết định")
    assert _terms(unicodedata.normalize("NFD", "quyết định")) == _terms("quyết định")
    parsed = parse_query("quyết dinh")
    assert parsed.exact == ("quyeets",)  # only what was typed with its diacritics
    assert parsed.words == ("quyet", "dinh")


def test_quotes_make_a_phrase():
    assert _terms('"điều động" giáo viên') == [
        (("dieu", "dong"), ("ddieeuf", "ddoongj")),
        (("giao",), ("giaos",)),
        (("vien",), ("vieen",)),
    ]
    assert parse_query('"điều động"').terms[0].is_phrase
    assert not parse_query("điều").terms[0].is_phrase
    # A quote inside a word still opens and closes a phrase.
    assert _terms('x"y z"w') == [(("x",), ()), (("y", "z"), ()), (("w",), ())]


def test_an_unbalanced_quote_runs_to_the_end():
    assert _terms('giáo viên "điều động') == [
        (("giao",), ("giaos",)),
        (("vien",), ("vieen",)),
        (("dieu", "dong"), ("ddieeuf", "ddoongj")),
    ]
    assert _terms('a "b" "c d') == [(("a",), ()), (("b",), ()), (("c", "d"), ())]


def test_symbols_become_phrases():
    assert _terms("3337/GDĐT-TTTT") == [(("3337", "gddt", "tttt"), ("gdddt",))]
    assert _terms("12/KH-UBND") == [(("12", "kh", "ubnd"), ())]
    assert _terms("30/10/2026") == [(("30", "10", "2026"), ())]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a AND b", [("a",), ("and",), ("b",)]),
        ("a OR NOT b", [("a",), ("or",), ("not",), ("b",)]),
        ("quyết*", [("quyet",)]),
        ("-định", [("dinh",)]),
        ("title:abc", [("title", "abc")]),
        ("folded : x", [("folded",), ("x",)]),
        ("a^2", [("a", "2")]),
        ("^x", [("x",)]),
        ("(a|b)&!c", [("a", "b", "c")]),
        ("NEAR(a b)", [("near", "a"), ("b",)]),
        ("a <-> b", [("a",), ("b",)]),
        ("a:* b:A", [("a",), ("b", "a")]),
        ("'a' \\b", [("a",), ("b",)]),
        ("{a} [b] +c ~d", [("a",), ("b",), ("c",), ("d",)]),
    ],
)
def test_operators_are_words_or_separators(text, words):
    assert [t.words for t in parse_query(text).terms] == words


def test_controls_are_dropped_and_whitespace_separates():
    assert _terms("quy\x00ết\x1f định") == [(("quyet",), ("quyeets",)), (("dinh",), ("ddinhj",))]
    assert [t.words for t in parse_query("a\tb\nc\r\nd\u00a0e").terms] == [
        ("a",),
        ("b",),
        ("c",),
        ("d",),
        ("e",),
    ]


def test_repeated_terms_count_once():
    assert _terms("học học HỌC") == [(("hoc",), ("hocj",))]
    assert [t.words for t in parse_query("hoc học").terms] == [("hoc",), ("hoc",)]
    assert parse_query("hoc học").exact == ("hocj",)
    assert parse_query('"a b" a b "a b"').words == ("a", "b")


def test_long_queries_are_cut():
    many = " ".join(f"w{i}" for i in range(30))
    assert [t.words for t in parse_query(many).terms] == [(f"w{i}",) for i in range(12)]
    assert len(parse_query(many).terms) == MAX_QUERY_TERMS
    phrase = '"' + " ".join(f"w{i:03d}" for i in range(100)) + '"'  # 501 characters
    (cut,) = parse_query(phrase).terms
    assert cut.words == tuple(f"w{i:03d}" for i in range(60))  # the first 300 characters
    # A "word" longer than MAX_WORD_CHARS is no word (a blob, a row of dots): left out.
    assert parse_query("x" * 10_000).terms == ()
    assert parse_query("x" * MAX_WORD_CHARS).terms == (Term(("x" * MAX_WORD_CHARS,)),)
    assert parse_query("x" * (MAX_WORD_CHARS + 1) + " ok").words == ("ok",)
    # Counted after NFC: a decomposed query is not cut sooner than a composed one.
    typed = "ệ" * MAX_QUERY_CHARS
    assert parse_query(unicodedata.normalize("NFD", typed)) == parse_query(typed)


# --- any input ----------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_only_letters_and_digits(text):
    parsed = parse_query(text)
    assert len(parsed.terms) <= MAX_QUERY_TERMS
    for term in parsed.terms:
        assert term.words
        for word in (*term.words, *term.exact):
            assert word.isalnum(), word  # no quote, operator, space or underscore
        for word in term.words:
            assert vn_fold(word) == word  # already folded
    assert bool(parsed) == bool(parsed.terms)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_index_words_are_letters_and_digits(text):
    for word in (*folded_words(text), *exact_words(text)):
        assert word.isalnum(), word
