"""The body of an outgoing document as a small, safe subset of HTML.

A draft's body is typed in a rich-text editor, pasted from Word, or typed as plain text.
Whatever arrives is rendered by WeasyPrint into a signed legal document, so it is cut
down to the few structures a Decree 30 body uses (paragraphs, emphasis, lists, tables,
sub-headings) and nothing that could fetch, run or restyle anything (STACK.md §2.5):
no scripts, styles, event handlers, links, images or classes. Layout belongs to the PDF
stylesheet, not to the draft.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import nh3
from markupsafe import escape

from eoffice.core.text import strip_controls

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "ol",
        "ul",
        "li",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "h3",
        "h4",
        "blockquote",
    }
)
_SPAN_ATTRIBUTES = {"colspan", "rowspan"}
ALLOWED_ATTRIBUTES = {"td": _SPAN_ATTRIBUTES, "th": _SPAN_ATTRIBUTES}

# Tags whose *content* goes too: their text is code, metadata or a widget, never part of
# the letter (a pasted whole web page would otherwise leak its <title> into the body).
DROPPED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "template",
        "noscript",
        "iframe",
        "object",
        "embed",
        "applet",
        "svg",
        "math",
        "head",
        "title",
        "textarea",
        "select",
        "noembed",
        "noframes",
        "xmp",
    }
)

# A span beyond this is a mistake or an attack on the table layout (huge grids are slow).
_SPAN = re.compile(r"[1-9][0-9]?")

MAX_DEPTH = 16
"""Deepest nesting of elements kept. A real body nests a few levels (a list in a list in
a table cell); thousands of nested tables or lists make WeasyPrint's layout recurse
past Python's limit or run for minutes. Elements deeper than this lose their tags and
keep their text, so nothing the drafter wrote disappears."""
# nh3 serialises a well-formed tree with only ALLOWED_TAGS and the span attributes.
_TAG = re.compile(r"<(/?)([a-z0-9]+)((?:\s[^>]*)?)>")
_VOID = frozenset({"br"})


def _keep_span(_tag: str, attribute: str, value: str) -> str | None:
    """colspan/rowspan survive only as small positive integers."""
    if attribute in _SPAN_ATTRIBUTES:
        return value if _SPAN.fullmatch(value.strip()) else None
    return value


def _nfc(text: str) -> str:
    return strip_controls(unicodedata.normalize("NFC", text))


def sanitize_body(html: str | None) -> str:
    """The body reduced to ALLOWED_TAGS, NFC, with no control characters.

    Normalised before *and* after cleaning: the sanitizer decodes character references,
    so "e&#x301;" only becomes one composed letter (and "&#1;" a control) afterwards.
    """
    if not html:
        return ""
    cleaned = nh3.clean(
        _nfc(html),
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_keep_span,
        strip_comments=True,
        link_rel=None,
        url_schemes=set(),
    )
    return _limit_depth(_nfc(cleaned)).strip()


def _limit_depth(html: str, max_depth: int = MAX_DEPTH) -> str:
    """`html` (nh3's balanced output) without the tags nested deeper than `max_depth`."""
    if html.count("<") <= max_depth:
        return html  # too few tags to nest that deep
    out: list[str] = []
    stack: list[bool] = []  # per open element: was its tag kept?
    position = 0
    for match in _TAG.finditer(html):
        out.append(html[position : match.start()])
        position = match.end()
        closing, name = match.group(1), match.group(2)
        if name in _VOID:
            out.append(match.group() if len(stack) < max_depth else " ")
        elif closing:
            if stack and stack.pop():
                out.append(match.group())
        else:
            keep = len(stack) < max_depth
            stack.append(keep)
            if keep:
                out.append(match.group())
            elif name in {"p", "li", "td", "th", "tr", "h3", "h4"}:
                out.append(" ")  # words of flattened blocks stay apart
    out.append(html[position:])
    return "".join(out)


# --- plain text ----------------------------------------------------------------------

_BULLET = re.compile(r"([-+])\s+(\S.*)")
_NUMBERED = re.compile(r"(\d{1,3})\.\s+(\S.*)")
_BLANK_LINES = re.compile(r"\n[ \t]*\n")


@dataclass
class _Item:
    text: str
    children: list[str] = field(default_factory=list)


@dataclass
class _Node:
    kind: str  # "p", "ul" or "ol"
    lines: list[str] = field(default_factory=list)  # for "p"
    items: list[_Item] = field(default_factory=list)  # for "ul" and "ol"
    last_number: int = 0  # for "ol"


def _add_line(nodes: list[_Node], line: str, block_start: bool) -> None:
    """Place one typed line: a list item, the continuation of one, or paragraph text.

    What cannot be shown faithfully as a list keeps the text the drafter typed: a "+ "
    item with no "- " item above it, or a "3." that does not follow a "2.", stays a
    paragraph with its marker, so no number is ever silently changed.
    """
    current = nodes[-1] if nodes else None
    stripped = line.strip()
    bullet, numbered = _BULLET.fullmatch(stripped), _NUMBERED.fullmatch(stripped)
    if bullet and bullet.group(1) == "-":
        if current is None or current.kind != "ul":
            current = _Node("ul")
            nodes.append(current)
        current.items.append(_Item(bullet.group(2)))
        return
    if bullet and current is not None and current.kind == "ul":
        current.items[-1].children.append(bullet.group(2))
        return
    if numbered:
        number = int(numbered.group(1))
        if current is not None and current.kind == "ol" and number == current.last_number + 1:
            current.items.append(_Item(numbered.group(2)))
            current.last_number = number
            return
        if number == 1:
            nodes.append(_Node("ol", items=[_Item(numbered.group(2))], last_number=1))
            return
    if (
        not block_start
        and line[:1].isspace()
        and current is not None
        and current.kind in ("ul", "ol")
        and not (bullet or numbered)
    ):
        item = current.items[-1]
        if item.children:
            item.children[-1] += " " + stripped
        else:
            item.text += " " + stripped
        return
    if current is not None and current.kind == "p" and not block_start:
        current.lines.append(stripped)
    else:
        nodes.append(_Node("p", lines=[stripped]))


def _render(node: _Node) -> str:
    if node.kind == "p":
        return "<p>" + "<br>".join(str(escape(line)) for line in node.lines) + "</p>"
    parts = []
    for item in node.items:
        nested = ""
        if item.children:
            nested = "<ul>" + "".join(f"<li>{escape(c)}</li>" for c in item.children) + "</ul>"
        parts.append(f"<li>{escape(item.text)}{nested}</li>")
    return f"<{node.kind}>" + "".join(parts) + f"</{node.kind}>"


def plain_to_html(text: str | None) -> str:
    """A draft typed as plain text, as body HTML (already within ALLOWED_TAGS).

    Paragraphs are separated by a blank line; a single line break stays a line break.
    Lines starting "- " are bullet items, "+ " items nest under the "- " item above,
    "1. ", "2. " … are numbered items; an indented line continues the item above it.
    Lists interrupted only by blank lines stay one list.
    """
    if not text:
        return ""
    normalised = _nfc(re.sub(r"\r\n?", "\n", unicodedata.normalize("NFC", text)))
    nodes: list[_Node] = []
    for block in _BLANK_LINES.split(normalised.replace("\t", " ")):
        lines = [line for line in block.split("\n") if line.strip()]
        for index, line in enumerate(lines):
            _add_line(nodes, line, block_start=index == 0)
    return "".join(_render(node) for node in nodes)
