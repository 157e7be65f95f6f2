"""Destructive or irreversible actions ask first: every POST form whose action or submit
button names such an action carries `data-confirm` (on the form or on that button),
which app.js asks in the confirmation dialog of base.html.

The templates are read as text, so a form added tomorrow cannot forget it. A form that
is itself the content of a modal dialog (it opens only on purpose, with its reason to
type) is already the confirmation and is not asked again.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

TEMPLATES = Path(__file__).parents[2] / "templates"

# Words at the start of a button's text that destroy, end, send back or withdraw.
DESTRUCTIVE_WORDS = re.compile(
    r"(?<![\w])(Xóa|Hủy|Từ chối|Thu hồi|Trả lại|Tiêu hủy|Rút|Bỏ|Không phê duyệt|"
    r"Không ban hành|Đăng xuất mọi|Đặt lại|Tắt|Khóa|Ngừng|Đồng ý thu hồi)(?![\w])"
)
# The same actions as the endpoints name them, in either quote style.
DESTRUCTIVE_ENDPOINTS = re.compile(
    r"url_for\(\s*(?P<q>['\"])[\w.]*?(delete|remove|cancel|reject|revoke|recall|discard|"
    r"refuse|dispos|execute|deactivate|disable|reset|withdraw)[\w]*(?P=q)"
)

# The inside of a tag: Jinja's {% … %} and {{ … }} whole (a `>` there does not end the
# tag, nor does a quote inside them end an attribute), else anything but `>`.
JINJA = r"\{%.*?%\}|\{\{.*?\}\}"
TAG_INSIDE = rf"(?:{JINJA}|[^>{{]|\{{(?![{{%]))*"  # the branches never overlap: no backtracking
FORM = re.compile(rf"<form\b(?P<tag>{TAG_INSIDE})>(?P<body>.*?)</form>", re.S | re.I)
BUTTON = re.compile(rf"<button\b(?P<attrs>{TAG_INSIDE})>(?P<text>.*?)</button>", re.S | re.I)
SUBMIT_INPUT = re.compile(
    rf"<input\b(?P<attrs>{TAG_INSIDE}type=\"submit\"{TAG_INSIDE})>", re.S | re.I
)


def _attribute(name: str, tag: str) -> str:
    """The value of attribute `name` (Jinja inside it kept whole, whatever its quotes)."""
    found = re.search(
        rf"""(?<![\w-]){name}=(?:"((?:{JINJA}|[^"{{]|\{{(?![{{%]))*)"|'((?:{JINJA}|[^'{{]|\{{(?![{{%]))*)')""",
        tag,
        re.S,
    )
    return (found[1] or found[2] or "") if found else ""


@dataclass
class Offence:
    where: str
    action: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason} ({self.action.strip()[:80]})"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _submitters(body: str) -> list[tuple[str, str]]:
    """(attributes, visible text) of each submit control of a form's body."""
    found = [
        (m["attrs"], _text(m["text"]))
        for m in BUTTON.finditer(body)
        if 'type="button"' not in m["attrs"] and 'type="reset"' not in m["attrs"]
    ]
    found += [(m["attrs"], _attribute("value", m["attrs"])) for m in SUBMIT_INPUT.finditer(body)]
    return found


def offences(source: str, where: str = "<template>") -> list[Offence]:
    """The destructive POST forms of one template that do not ask first."""
    source = unicodedata.normalize("NFC", source)
    found = []
    for match in FORM.finditer(source):
        tag, body = match["tag"], match["body"]
        if not re.search(r'method="post"', tag, re.I):
            continue
        if "modal-content" in tag or "modal-body" in body:
            continue
        line = source.count("\n", 0, match.start()) + 1
        form_asks = "data-confirm" in tag
        action = _attribute("action", tag)
        # A form of several buttons may ask on the destructive one only.
        button_asks = any("data-confirm" in attrs for attrs, _ in _submitters(body))
        if DESTRUCTIVE_ENDPOINTS.search(action) and not form_asks and not button_asks:
            found.append(Offence(f"{where}:{line}", action, "destructive action"))
            continue
        for attrs, text in _submitters(body):
            formaction = _attribute("formaction", attrs)
            named = DESTRUCTIVE_WORDS.search(text) or DESTRUCTIVE_ENDPOINTS.search(formaction)
            if named and not form_asks and "data-confirm" not in attrs:
                found.append(Offence(f"{where}:{line}", action or formaction, f"button «{text}»"))
    return found


def test_the_scan_finds_a_destructive_form_that_does_not_ask():
    assert offences(
        """<form method="post" action="{{ url_for('x.delete', id=1) }}">
        <button>OK</button></form>"""
    )
    assert offences("""<form method="post" action="/x"><button type="submit">Xóa</button></form>""")
    assert offences(
        """<form method="post" action="/x"><button type="submit">Lưu</button>
        <button type="submit" formaction="{{ url_for('auth.two_factor_disable') }}">Tắt</button>
        </form>"""
    )
    assert offences(
        """<form method="POST" action="/x"><input type="submit" value="Thu hồi"></form>"""
    )


def test_the_scan_reads_both_quote_styles_and_jinja_inside_a_tag():
    # url_for("…") as well as url_for('…'), the action quoted around it either way.
    assert offences(
        """<form method="post" action="{{ url_for("x.delete", id=1) }}">
        <button>OK</button></form>"""
    )
    assert offences(
        """<form method="post" action='{{ url_for("x.revoke") }}'><button>OK</button></form>"""
    )
    assert offences(
        """<form method="post" action="/x"><button type="submit"
        formaction="{{ url_for( "auth.two_factor_disable" ) }}">Tắt</button></form>"""
    )
    # A `>` inside {% … %} does not end the form's tag: what follows is still read.
    tag_with_test = """<form method="post" {% if n > 1 %}class="many"{% endif %}
        action="{{ url_for('x.delete') }}"{% if ask %} data-confirm="Xóa?"{% endif %}>
        <button>OK</button></form>"""
    assert not offences(tag_with_test)
    assert offences(tag_with_test.replace(' data-confirm="Xóa?"', ""))
    assert offences(
        """<form {% if a > b %}class="x"{% endif %} method="post" action="/x">
        <button {% if a > b %}class="y"{% endif %} type="submit">Xóa</button></form>"""
    )


def test_the_scan_accepts_asking_on_the_form_or_the_button_and_leaves_the_rest():
    assert not offences(
        """<form method="post" action="{{ url_for('x.delete') }}" data-confirm="Xóa?">
        <button>Xóa</button></form>"""
    )
    assert not offences(
        """<form method="post" action="/x"><button>Lưu</button>
        <button data-confirm="Tắt?">Tắt</button></form>"""
    )
    # Not destructive, a GET form, a button that only opens a panel, a modal's own form.
    assert not offences("""<form method="post" action="/x"><button>Lưu thay đổi</button></form>""")
    assert not offences("""<form method="get" action="/x"><button>Xóa bộ lọc</button></form>""")
    assert not offences(
        """<form method="post" action="/x"><button type="button">Hủy</button>
        <button>Gửi</button></form>"""
    )
    assert not offences(
        """<form class="modal-content" method="post" action="/x"><button>Trả lại</button></form>"""
    )
    # "Mở khóa" (unlock) is not "Khóa" (lock).
    assert not offences("""<form method="post" action="/x"><button>Mở khóa</button></form>""")


def test_every_destructive_post_form_of_the_templates_asks_first():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 50
    found = [
        str(offence)
        for path in templates
        for offence in offences(path.read_text(encoding="utf-8"), str(path.relative_to(TEMPLATES)))
    ]
    assert found == []


def test_the_step_forms_ask_before_sending_back_or_ending_a_document():
    """The workflow steps' forms are built in a loop: their questions are looked up by
    the step's name, and the names of sending back and ending must be there."""
    incoming = (TEMPLATES / "incoming" / "detail.html").read_text(encoding="utf-8")
    outgoing = (TEMPLATES / "outgoing" / "detail.html").read_text(encoding="utf-8")
    for name in ("return_to_clerk", "reject"):
        assert re.search(rf'"{name}":\s*"[^"]+\?', incoming), name
    for name in ("send_back", "reject"):
        assert re.search(rf'"{name}":\s*"[^"]+\?', outgoing), name
    assert 'data-confirm="{{ STEP_CONFIRMS[name] }}"' in incoming
    assert 'data-confirm="{{ question }}"' in outgoing
