"""Every control of the main pages has an accessible name, and every page offers the
landmarks and the skip link a keyboard or screen-reader user moves by.

A field without a label is read out as "edit text, blank": the clerk using a screen
reader cannot tell the arrival date from the document date. A name is a `<label for>`,
a wrapping `<label>`, `aria-label` or `aria-labelledby` (pointing at an element that
exists); a placeholder or a title is not a label.
"""

from __future__ import annotations

import lxml.html
import pytest

from tests import factories

PAGES = {
    "clerk": [
        "/",
        "/incoming",
        "/incoming/new",
        "/outgoing",
        "/outgoing?tab=issued",
        "/outgoing/new",
        "/outgoing/inbox",
        "/notifications",
        "/casefiles/",
        "/casefiles/new",
        "/casefiles/lists/",
        "/archive/",
        "/search",
        "/search?q=k%E1%BA%BF+ho%E1%BA%A1ch",
        "/exchange/inbox/",
        "/profile",
    ],
    "school_clerk": ["/", "/directives/tasks/", "/incoming"],
    "leader": ["/", "/incoming", "/outgoing"],
    "admin": [
        "/admin/users",
        "/admin/users/new",
        "/admin/organisations",
        "/admin/catalog/books",
        "/admin/catalog/types",
        "/admin/catalog/holidays",
        "/admin/catalog/levels",
        "/admin/recipient-groups/new",
        "/admin/outgoing/chain",
        "/admin/outgoing/delegations",
        "/admin/certificates",
        "/admin/exchange/",
        "/exchange/checks/settings",
        "/casefiles/lists/retention",
    ],
}

SKIPPED_TYPES = {"hidden", "submit", "button", "reset", "image"}


def _user(world, who: str):
    return {
        "clerk": world.district.clerk,
        "school_clerk": world.school_a.clerk,
        "leader": world.district.leader,
        "admin": world.district.admin,
    }[who]


def unnamed_controls(doc: lxml.html.HtmlElement) -> list[str]:
    """The inputs, selects and text areas of a page that nothing names."""
    label_for = {label.get("for") for label in doc.xpath("//label[@for]")}
    ids = set(doc.xpath("//@id"))
    missing = []
    for control in doc.xpath("//input|//select|//textarea"):
        if control.tag == "input" and (control.get("type") or "text").lower() in SKIPPED_TYPES:
            continue
        if (control.get("aria-label") or "").strip():
            continue
        labelledby = (control.get("aria-labelledby") or "").split()
        if labelledby and all(ref in ids for ref in labelledby):
            continue
        if control.get("id") and control.get("id") in label_for:
            continue
        if control.xpath("ancestor::label"):
            continue
        missing.append(
            f"<{control.tag} name={control.get('name')!r} id={control.get('id')!r} "
            f"type={control.get('type')!r}>"
        )
    return missing


def test_the_check_finds_a_control_without_a_name():
    page = lxml.html.fromstring(
        '<form><input name="a" placeholder="Tên"><label for="b">B</label><input id="b" name="b">'
        '<label>C <select name="c"></select></label><textarea name="d" aria-label="D"></textarea>'
        '<input name="e" aria-labelledby="nowhere"><input type="hidden" name="f"></form>'
    )
    assert unnamed_controls(page) == [
        "<input name='a' id=None type=None>",
        "<input name='e' id=None type=None>",
    ]


@pytest.mark.parametrize("who", sorted(PAGES))
def test_every_control_of_the_main_pages_has_a_label(app, client, world, who):
    factories.login(client, _user(world, who))
    problems = {}
    checked = 0
    for url in PAGES[who]:
        response = client.get(url)
        assert response.status_code == 200, url
        doc = lxml.html.fromstring(response.get_data(as_text=True))
        checked += len(doc.xpath("//input|//select|//textarea"))
        missing = unnamed_controls(doc)
        if missing:
            problems[url] = missing
        # The landmarks: a skip link to <main id="main">, the top bar's navigation named.
        skip = doc.xpath('//a[@href="#main"]')
        assert skip and skip[0].text_content().strip() == "Bỏ qua đến nội dung chính", url
        assert doc.xpath('//main[@id="main"]'), url
        assert all(nav.get("aria-label") for nav in doc.xpath("//nav")), url
        # Buttons with no text of their own say what they do.
        for button in doc.xpath("//button|//a[contains(@class, 'btn')]"):
            if not button.text_content().strip():
                named = button.get("aria-label") or button.get("title")
                assert named, (url, lxml.html.tostring(button))
    assert problems == {}
    assert checked > 10 * len(PAGES[who]) // 2  # the pages had fields to check
