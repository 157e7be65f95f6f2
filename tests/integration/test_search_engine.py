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


def test_a_cursor_belongs_to_its_query(app):
    """A cursor replayed with other words or filters is refused, not read as a position
    in a list it was never part of; spacing of the same words does not matter."""
    import pytest

    world = factories.build_world()
    clerk = world.school_a.clerk
    for i in range(3):
        factories.register(clerk, subject=f"Kế hoạch tuyển sinh đợt {i}")
    db.session.commit()
    first = search(clerk, SearchQuery(text="kế hoạch"), limit=2)
    assert first.next_cursor
    again = search(clerk, SearchQuery(text="  kế   hoạch "), cursor=first.next_cursor, limit=2)
    assert len(again.hits) == 1
    for other in (SearchQuery(text="tuyển sinh"), SearchQuery(text="kế hoạch", kind="in")):
        with pytest.raises(ValueError):
            search(clerk, other, cursor=first.next_cursor, limit=2)


def test_the_probe_of_the_newest_rows_never_changes_the_results(app, monkeypatch):
    """A search first looks at the newest PROBE_ROWS index rows (a staff member's: the
    newest of their own documents), then, for common words, ten times more, and falls
    back to the whole index when they hold too few hits: the hits and pages are the
    same whichever path answers, and a staff member gets exactly the clerk's hits that
    they may see."""
    from eoffice.search import engine

    world = factories.build_world()
    school = world.school_a
    clerk = school.clerk
    theirs = set()
    for i in range(7):
        unit = school.unit.id if i % 2 else None
        doc = factories.register(
            clerk, subject=f"Kế hoạch tuyển sinh đợt {i}", recipient_unit_id=unit
        )
        if unit:
            theirs.add(doc.id)
        doc = factories.register(
            clerk, subject=f"Công văn về việc khác số {i}", recipient_unit_id=unit
        )
        if unit:
            theirs.add(doc.id)
    factories.register(clerk, subject="Ke hoach tuyen sinh go khong dau")
    db.session.commit()

    def every_page(user, text: str) -> list[tuple[int, bool]]:
        seen, cursor = [], None
        while True:
            page = search(user, SearchQuery(text=text), cursor=cursor, limit=3)
            seen += [(h.document.id, h.exact) for h in page.hits]
            if not page.next_cursor:
                return seen
            cursor = page.next_cursor

    queries = ["kế hoạch", "ke hoach", "khác", '"tuyen sinh"', "không dấu", "đợt 3"]
    expected = {q: every_page(clerk, q) for q in queries}
    assert len(expected["kế hoạch"]) == 8 and expected["kế hoạch"][-1][1] is False
    staff_expected = {q: [hit for hit in hits if hit[0] in theirs] for q, hits in expected.items()}
    assert staff_expected["khác"]
    for probe in (1, 5):
        for common in (1, 10**6):
            monkeypatch.setattr(engine, "PROBE_ROWS", probe)
            monkeypatch.setattr(engine, "COMMON_MATCHES", common)
            assert {q: every_page(clerk, q) for q in queries} == expected
            assert {q: every_page(school.staff, q) for q in queries} == staff_expected


def test_a_savepoint_rolled_back_keeps_the_documents_waiting_for_the_index(app):
    """A change flushed before a savepoint that rolls back is still indexed at commit."""
    world = factories.build_world()
    clerk = world.school_a.clerk
    doc = factories.register(clerk, subject="Công văn về lịch công tác")
    doc.subject = "Công văn về lịch tiếp dân"
    db.session.flush()
    savepoint = db.session.begin_nested()
    savepoint.rollback()
    db.session.commit()
    assert [h.document.id for h in search(clerk, SearchQuery(text="tiếp dân")).hits] == [doc.id]
    assert search(clerk, SearchQuery(text="lịch công tác")).hits == []
