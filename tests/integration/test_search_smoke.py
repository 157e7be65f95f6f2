"""Smoke test of the search core (to be replaced by the full suite)."""

from eoffice.extensions import db
from eoffice.search.engine import SearchQuery, search
from tests import factories


def test_folded_and_exact(app):
    world = factories.build_world()
    clerk = world.school_a.clerk
    a = factories.register(clerk, subject="Quyết định về việc điều động giáo viên")
    b = factories.register(clerk, subject="Quyet dinh khong dau ve dieu dong")
    c = factories.register(clerk, subject="Kế hoạch tuyển sinh", symbol="12/KH-UBND")
    db.session.commit()
    page = search(clerk, SearchQuery(text="quyet dinh"))
    assert {h.document.id for h in page.hits} == {a.id, b.id}
    page = search(clerk, SearchQuery(text="quyết định"))
    assert [h.document.id for h in page.hits] == [a.id, b.id]
    assert [h.exact for h in page.hits] == [True, False]
    page = search(clerk, SearchQuery(text="12/KH-UBND"))
    assert [h.document.id for h in page.hits] == [c.id]
    page = search(clerk, SearchQuery(text='"dong dieu"'))
    assert page.hits == []
    page = search(clerk, SearchQuery(text='"dieu dong"'))
    assert {h.document.id for h in page.hits} == {a.id, b.id}
    page = search(world.school_b.clerk, SearchQuery(text="quyet dinh"))
    assert page.hits == []
    first = search(clerk, SearchQuery(text=""), limit=2)
    assert len(first.hits) == 2 and first.next_cursor
    second = search(clerk, SearchQuery(text=""), cursor=first.next_cursor, limit=2)
    assert len(second.hits) == 1 and second.next_cursor is None
