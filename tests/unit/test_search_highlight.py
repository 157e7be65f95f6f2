"""Marking matched words and cutting excerpts: the highlight agrees with the index's
folding (case, diacritics, đ, NFC or NFD), escapes everything else, and cuts between
words."""

from __future__ import annotations

import re
import unicodedata

import pytest
from markupsafe import Markup

from eoffice.search.highlight import ELLIPSIS, SNIPPET_WIDTH, mark, snippet
from eoffice.search.tokens import parse_query


def marked(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("quyet dinh", "Quyết định số 12", ["Quyết", "định"]),
        (
            "QUYẾT ĐỊNH",
            "quyết định, Quyet Dinh, QUYẾT ĐỊNH",
            ["quyết", "định", "Quyet", "Dinh", "QUYẾT", "ĐỊNH"],
        ),
        # đ and Đ have no decomposition: folded by hand to d, both ways.
        ("dao tao", "Phòng Giáo dục và Đào tạo", ["Đào", "tạo"]),
        ("đào", "DAO dao Đao đào ĐÀO", ["DAO", "dao", "Đao", "đào", "ĐÀO"]),
        # Stacked diacritics (a vowel mark and a tone) on one letter.
        ("nguoi", "Người nhận: NGƯỜI KÝ", ["Người", "NGƯỜI"]),
        ("viec", "Về việc tuyển sinh", ["việc"]),
        # Only whole words: "dinh" is not marked inside "dinhdanh" or "Đinh-" parts of others.
        ("dinh", "định danh, dinhdanh, mã-định-danh", ["định", "định"]),
        # A symbol is three words; each is marked where it stands.
        ("3337/GDĐT-TTTT", "Số 3337/GDĐT-TTTT ngày 19/9", ["3337", "GDĐT", "TTTT"]),
        # Phrase words are marked one by one.
        (
            '"dieu dong giao vien"',
            "Điều động giáo viên, giáo dục",
            ["Điều", "động", "giáo", "viên", "giáo"],
        ),
    ],
)
def test_marks_exactly_the_words_the_query_folds_to(query, text, expected):
    assert marked(mark(text, parse_query(query))) == expected


def test_nfd_input_is_marked_and_shown_composed():
    text = unicodedata.normalize("NFD", "Quyết định điều động")
    assert text != unicodedata.normalize("NFC", text)
    html = mark(text, parse_query("dieu dong"))
    assert marked(html) == ["điều", "động"]
    assert str(html) == unicodedata.normalize("NFC", str(html))
    assert str(html).startswith("Quyết định ")


def test_combining_marks_that_do_not_compose_stay_inside_the_word():
    # q + acute has no precomposed form: NFC keeps the mark, the word is still one word.
    text = "tiếng q\u0301 và x\u0323y"
    assert marked(mark(text, parse_query("q"))) == ["q\u0301"]
    assert marked(mark(text, parse_query("xy"))) == ["x\u0323y"]


def test_compatibility_forms_match_their_plain_query():
    # The index reads "m²" as m2 and "①" as 1 (NFKC); the highlight agrees.
    assert marked(mark("Diện tích 120 m² tại điểm ①", parse_query("m2 1"))) == ["m²", "①"]


def test_a_word_too_long_to_be_indexed_is_never_marked():
    blob = "a" * 61
    assert marked(mark(f"{blob} a", parse_query("a"))) == ["a"]
    assert snippet(blob, parse_query(blob)) is None


def test_everything_else_is_escaped():
    text = '<script>alert("quyết định")</script> & <b>định</b>'
    html = mark(text, parse_query("dinh"))
    assert isinstance(html, Markup)
    assert "<script>" not in html and "<b>" not in html
    assert str(html) == (
        "&lt;script&gt;alert(&#34;quyết <mark>định</mark>&#34;)&lt;/script&gt; &amp; "
        "&lt;b&gt;<mark>định</mark>&lt;/b&gt;"
    )


def test_a_query_word_that_looks_like_markup_is_escaped_in_the_mark():
    html = mark("a<b>c", parse_query("b"))
    assert str(html) == "a&lt;<mark>b</mark>&gt;c"


def test_nothing_to_mark():
    assert mark("Quyết định", parse_query("")) == Markup("Quyết định")
    assert mark("<i>x</i>", parse_query("")) == Markup("&lt;i&gt;x&lt;/i&gt;")
    assert mark(None, parse_query("x")) == Markup("")
    assert marked(mark("Kế hoạch", parse_query("quyet"))) == []


def test_snippet_is_none_without_a_match():
    assert snippet("Kế hoạch tuyển sinh năm học 2026", parse_query("quyet dinh")) is None
    assert snippet("", parse_query("quyet")) is None
    assert snippet(None, parse_query("quyet")) is None
    assert snippet("Quyết định", parse_query("")) is None


def test_snippet_of_a_short_text_is_the_whole_text_marked():
    result = snippet("Về việc điều động\ngiáo viên", parse_query("dieu dong"))
    assert str(result) == "Về việc <mark>điều</mark> <mark>động</mark> giáo viên"


def test_snippet_cuts_a_window_around_the_first_match_at_word_boundaries():
    before = " ".join(f"trước{i}" for i in range(200))
    after = " ".join(f"sau{i}" for i in range(200))
    text = f"{before} Quyết định điều động {after} quyết định lần hai"
    result = snippet(text, parse_query("quyet dinh"))
    assert result is not None
    plain = re.sub(r"</?mark>", "", str(result))
    assert plain.startswith(ELLIPSIS + " ") and plain.endswith(" " + ELLIPSIS)
    inner = plain.removeprefix(ELLIPSIS + " ").removesuffix(" " + ELLIPSIS)
    # Whole words only, taken from the text in order.
    words = inner.split()
    assert all(w in text.split() for w in words)
    assert inner in text
    assert len(inner) <= SNIPPET_WIDTH
    assert len(inner) >= SNIPPET_WIDTH - 30
    # The first match, with some context before it; the second one is out of the window.
    assert marked(result) == ["Quyết", "định"]
    assert inner.index("Quyết") > 20


def test_snippet_at_the_start_and_at_the_end_has_one_ellipsis():
    words = " ".join(f"chữ{i}" for i in range(100))
    head = snippet(f"Quyết định {words}", parse_query("quyet"))
    assert not str(head).startswith(ELLIPSIS) and str(head).endswith(ELLIPSIS)
    assert str(head).startswith("<mark>Quyết</mark> định")
    tail = snippet(f"{words} quyết định", parse_query("dinh"))
    assert str(tail).startswith(ELLIPSIS) and not str(tail).endswith(ELLIPSIS)
    assert str(tail).endswith("quyết <mark>định</mark>")


def test_snippet_escapes_html_and_joins_lines():
    text = "Dòng một\n\n<b>Quyết   định</b>\tsố 5 & phụ lục"
    result = snippet(text, parse_query("quyet dinh"))
    assert str(result) == (
        "Dòng một &lt;b&gt;<mark>Quyết</mark> <mark>định</mark>&lt;/b&gt; số 5 &amp; phụ lục"
    )


def test_snippet_of_an_nfd_text_with_a_word_longer_than_the_width():
    long_word = "đ" + "a" * 59  # the longest word the index keeps (tokens.MAX_WORD_CHARS)
    text = unicodedata.normalize("NFD", "Mở đầu ") + long_word + " kết thúc"
    result = snippet(text, parse_query(long_word), width=30)
    assert marked(result) == [long_word]
    # The window grows to hold the whole word; it never cuts a match.
    assert str(result) == f"Mở đầu <mark>{long_word}</mark> {ELLIPSIS}"


def test_snippet_of_a_long_text_is_quick_enough():
    import time

    text = "Các trường thực hiện nghiêm túc kế hoạch giáo dục năm học. " * 3500 + "quyết định"
    started = time.perf_counter()
    result = snippet(text, parse_query("quyet dinh"))
    assert marked(result) == ["quyết", "định"]
    assert time.perf_counter() - started < 1.0
