"""The admin page that draws every workflow from its definition."""

from __future__ import annotations

from html import unescape

from tests import factories
from workflows.drawing import WORKFLOWS, mermaid
from workflows.roles import describe_roles

URL = "/admin/catalog/workflows"


def test_the_workflow_page_shows_each_drawing_and_every_state_and_step(world, client):
    factories.login(client, world.school_a.admin)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = unescape(html)

    assert len(WORKFLOWS) == 6
    assert html.count('<pre class="mermaid') == 6
    for workflow in WORKFLOWS:
        drawing = mermaid(workflow)
        assert drawing.strip() in text, workflow.name
        for state in workflow.states:
            assert f"<td>{state.label}" in text, state.code
        for transition in workflow.transitions:
            assert f"<td>{transition.label}</td>" in text, transition.name
            assert describe_roles(transition.roles) in text
    assert "vendor/mermaid/mermaid.min.js" in html
    assert "js/workflow-diagrams.js" in html
    assert "<script>" not in html  # no inline script: the init is a static file
    assert client.get("/static/js/workflow-diagrams.js").status_code == 200
    assert client.get("/static/vendor/mermaid/mermaid.min.js").status_code == 200


def test_the_admin_menu_links_the_workflow_and_holiday_pages(world, client):
    factories.login(client, world.district.admin)
    html = client.get(URL).get_data(as_text=True)
    assert "/admin/catalog/holidays" in html and "Quy trình xử lý" in html


def test_a_person_without_the_admin_role_cannot_open_it(world, client):
    factories.login(client, world.school_a.clerk)
    assert client.get(URL).status_code == 403
