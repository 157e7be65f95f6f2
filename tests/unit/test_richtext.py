"""The body of an outgoing document: what survives sanitising, and plain text as HTML."""

from __future__ import annotations

import re
import unicodedata

import pytest

from eoffice.outgoing.richtext import ALLOWED_TAGS, plain_to_html, sanitize_body

# --- sanitize_body --------------------------------------------------------------------


def test_the_allowed_structure_survives_unchanged():
    html = (
        "<h3>I. MỤC ĐÍCH</h3><h4>Tiểu mục</h4>"
        "<p>Đoạn <strong>đậm</strong>, <b>đậm</b>, <em>nghiêng</em>, <i>nghiêng</i>, "
        "<u>gạch chân</u><br>dòng mới</p>"
        "<ol><li>Một</li><li>Hai<ul><li>Con</li></ul></li></ol>"
        "<blockquote>Trích dẫn</blockquote>"
        '<table><thead><tr><th colspan="2">Đầu</th></tr></thead>'
        '<tbody><tr><td rowspan="3">A</td><td>B</td></tr></tbody></table>'
    )
    assert sanitize_body(html) == html


@pytest.mark.parametrize(
    ("hostile", "kept"),
    [
        ("<p>a<script>alert('x')</script>b</p>", "<p>ab</p>"),
        ("<style>p { color: red }</style><p>a</p>", "<p>a</p>"),
        ('<p onclick="steal()">a</p>', "<p>a</p>"),
        ('<p>a<img src="file:///etc/passwd" onerror="alert(1)">b</p>', "<p>ab</p>"),
        ('<p><a href="javascript:alert(1)">liên kết</a></p>', "<p>liên kết</p>"),
        ('<p><a href="https://evil.example/x">liên kết</a></p>', "<p>liên kết</p>"),
        ('<p style="background: url(http://evil.example/)" class="x" id="y">a</p>', "<p>a</p>"),
        ('<iframe src="https://evil.example">bên trong</iframe><p>a</p>', "<p>a</p>"),
        ("<svg><script>alert(1)</script><text>x</text></svg><p>a</p>", "<p>a</p>"),
        ("<title>Trang web</title><p>a</p>", "<p>a</p>"),
        ("<p>a<!-- ghi chú ẩn -->b</p>", "<p>ab</p>"),
        ("<div><span>a</span></div>", "a"),
        ('<link rel="stylesheet" href="http://evil.example/x.css"><p>a</p>', "<p>a</p>"),
        ("<p>a<object data='x'>fallback</object>b</p>", "<p>ab</p>"),
        ("<textarea>nội dung ô nhập</textarea><p>a</p>", "<p>a</p>"),
    ],
)
def test_hostile_markup_is_stripped(hostile, kept):
    assert sanitize_body(hostile) == kept


@pytest.mark.parametrize(
    ("value", "kept"),
    [("2", True), ("12", True), (" 3 ", True), ("0", False), ("abc", False), ("100", False),
     ("2;x", False), ("-1", False), ("２", False)],
)  # fmt: skip
def test_table_spans_survive_only_as_small_numbers(value, kept):
    out = sanitize_body(f'<table><tr><td colspan="{value}" rowspan="{value}">x</td></tr></table>')
    assert ("colspan" in out and "rowspan" in out) is kept


def test_other_cell_attributes_are_dropped():
    out = sanitize_body('<table><tr><td width="900" style="color:red" align="right">x</td></tr>')
    assert "<td>x</td>" in out


def test_text_is_nfc_and_free_of_control_characters():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn Đức")
    assert sanitize_body(f"<p>{decomposed}</p>") == "<p>Nguyễn Văn Đức</p>"
    # A combining mark written as a character reference composes after decoding.
    assert sanitize_body("<p>Ke&#x302;&#x301; hoa&#x323;ch</p>") == "<p>Kế hoạch</p>"
    assert sanitize_body("<p>a\x00b&#1;c\x7f</p>") == "<p>abc</p>"


@pytest.mark.parametrize("empty", [None, "", "   ", "<script>x</script>"])
def test_nothing_in_nothing_out(empty):
    assert sanitize_body(empty) == ""


def test_text_is_escaped_not_interpreted():
    assert sanitize_body("<p>1 &lt; 2 &amp; 3 &gt; 2</p>") == "<p>1 &lt; 2 &amp; 3 &gt; 2</p>"


# --- plain_to_html --------------------------------------------------------------------


def _tags(html: str) -> set[str]:
    return set(re.findall(r"</?([a-z0-9]+)", html))


def test_paragraphs_are_separated_by_blank_lines_and_line_breaks_kept():
    text = "Đoạn một,\ndòng hai.\n\n\n   \nĐoạn hai."
    assert plain_to_html(text) == "<p>Đoạn một,<br>dòng hai.</p><p>Đoạn hai.</p>"


def test_dash_items_make_a_list_and_plus_items_nest_under_them():
    text = "Các hệ thống gồm:\n- Cổng thông tin;\n+ của Sở;\n+ của Bộ.\n- Thư điện tử."
    assert plain_to_html(text) == (
        "<p>Các hệ thống gồm:</p>"
        "<ul><li>Cổng thông tin;<ul><li>của Sở;</li><li>của Bộ.</li></ul></li>"
        "<li>Thư điện tử.</li></ul>"
    )


def test_a_list_interrupted_only_by_blank_lines_stays_one_list():
    assert plain_to_html("- Một;\n\n- Hai.") == "<ul><li>Một;</li><li>Hai.</li></ul>"


def test_numbered_lines_make_an_ordered_list_even_across_blank_lines():
    text = "1. Mục đích.\n2. Yêu cầu.\n\n3. Tiến độ."
    assert plain_to_html(text) == "<ol><li>Mục đích.</li><li>Yêu cầu.</li><li>Tiến độ.</li></ol>"


def test_numbers_that_would_be_changed_stay_as_typed():
    # A "2." after a paragraph, a "3." after "1.", a "+ " with no "- " above it: shown as
    # typed, never renumbered or re-marked.
    text = "1. Ứng dụng CNTT\n\nNội dung.\n\n2. Xây dựng mô hình\n\n4. Bỏ số\n\n+ Lẻ loi"
    assert plain_to_html(text) == (
        "<ol><li>Ứng dụng CNTT</li></ol><p>Nội dung.</p><p>2. Xây dựng mô hình</p>"
        "<p>4. Bỏ số</p><p>+ Lẻ loi</p>"
    )


def test_an_indented_line_continues_the_item_above():
    text = "- Kỹ năng sử dụng CNTT quy định tại Thông tư\n  số 03/2014/TT-BTTTT;\n- Hai."
    assert plain_to_html(text) == (
        "<ul><li>Kỹ năng sử dụng CNTT quy định tại Thông tư số 03/2014/TT-BTTTT;</li>"
        "<li>Hai.</li></ul>"
    )


def test_markers_need_a_space_and_text():
    assert plain_to_html("-5 độ C\n\n1.5 lần\n\n- ") == "<p>-5 độ C</p><p>1.5 lần</p><p>-</p>"


def test_plain_text_is_escaped_nfc_and_windows_line_ends_are_understood():
    text = unicodedata.normalize("NFD", '<script>Học sinh</script> & "phụ huynh"\r\n\r\nHai')
    out = plain_to_html(text)
    assert out == (
        "<p>&lt;script&gt;Học sinh&lt;/script&gt; &amp; &#34;phụ huynh&#34;</p><p>Hai</p>"
    )
    assert unicodedata.is_normalized("NFC", out)


@pytest.mark.parametrize("empty", [None, "", "\n\n  \n"])
def test_empty_plain_text_gives_no_html(empty):
    assert plain_to_html(empty) == ""


def test_plain_text_html_uses_only_allowed_tags_and_survives_sanitising():
    text = "Mở đầu\n\n1. Một\n2. Hai\n\n- A\n+ a1\n\nKết thúc./."
    out = plain_to_html(text)
    assert _tags(out) <= ALLOWED_TAGS
    assert sanitize_body(out) == out
