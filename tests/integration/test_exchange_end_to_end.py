"""End to end across two deployments, with real processes only: the reference hub, and for
each deployment gunicorn and an RQ worker on its own PostgreSQL database and Redis db,
plus the scheduler process of the receiving one.

The district office (deployment A) issues a plan to the city's Department of Education,
which A knows only as an outside agency code in its directory. The Department runs its
own eoffice (deployment B). The plan travels through the hub, comes in at B's check
time, is registered, assigned, handled and completed there, and A sees the statuses
01 → 03 → 04 → 05 → 06 on its delivery row. Then A recalls it: B's clerk sees the
request, accepts it, B's entry is withdrawn and A's delivery ends recalled.

Everything after the set-up goes over HTTP (the API, as any client would) or through
the processes themselves; the test process only builds each deployment's people and
settings through the services, and starts `flask scheduler --once` as cron would.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from eoffice.exchange.hubstore import HubStore
from eoffice.orgs.models import OrgKind
from eoffice.orgs.services import OrganisationData, save_organisation
from eoffice.signing.certificates import make_test_ca
from tests import factories
from tests.deployment import Deployment, wait_for
from tests.exchange_support import _free_port, _start

A_CODE = "000.01.31.H29"  # the district office of factories.build_world()
B_CODE = "000.00.00.H29"
B_NAME = "Sở Giáo dục và Đào tạo Thành phố Thử"
SECRETS = {A_CODE: "khoa-bi-mat-phong-gddt-e2e", B_CODE: "khoa-bi-mat-so-gddt-e2e"}
REDIS_DB_A, REDIS_DB_B = 13, 14

pytestmark = pytest.mark.usefixtures("postgres_only")


def _tokens(people: dict) -> dict[str, str]:
    from eoffice.auth.services import create_api_token
    from eoffice.extensions import db

    tokens = {role: create_api_token(user, "e2e")[1] for role, user in people.items()}
    db.session.commit()
    return tokens


def _connect(office, port: int) -> None:
    from eoffice.exchange.settings import SettingsInput, save_settings

    save_settings(
        office.admin,
        SettingsInput(
            hub_url=f"http://127.0.0.1:{port}",
            secret=SECRETS[office.org.agency_code],
            enabled=True,
        ),
    )


def _set_up_district(a: Deployment, hub_port: int) -> dict:
    """A: the district office with its signing keys, the Department in its directory."""
    with a.app_context():
        world = factories.build_world()
        district = world.district
        district.org.place_name = "Quận Thử"
        save_organisation(
            OrganisationData(
                name=B_NAME, kind=OrgKind.EXTERNAL, agency_code=B_CODE, is_member=False
            )
        )
        factories.equip_for_signing(district, make_test_ca("CA thử nghiệm e2e"))
        _connect(district, hub_port)
        people = {"staff": district.staff, "clerk": district.clerk, "leader": district.leader}
        ids = {role: user.id for role, user in people.items()}
        return {"ids": ids, "tokens": _tokens(people)}


def _set_up_department(b: Deployment, hub_port: int) -> dict:
    """B: the Department, checking the exchange once a day at this very minute."""
    from eoffice.exchange import checks

    with b.app_context():
        department = factories.make_school(
            B_NAME, OrgKind.DISTRICT_OFFICE, "SGDĐT", B_CODE, "sgdthu.hcm.edu.vn"
        )
        _connect(department, hub_port)
        now = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
        checks.save_settings(
            department.admin,
            checks.SettingsInput(
                check_times=f"{now:%H:%M}",
                weekdays=range(7),
                window_minutes=30,
                reminder_minutes=5,
            ),
        )
        people = {"clerk": department.clerk, "leader": department.leader, "staff": department.staff}
        ids = {role: user.id for role, user in people.items()}
        return {"ids": ids, "tokens": _tokens(people)}


@pytest.fixture
def deployments(tmp_path, database_url, redis_url):
    hub_db = tmp_path / "hub.db"
    store = HubStore(hub_db)
    store.add_agency(A_CODE, "Phòng Giáo dục và Đào tạo Quận Thử", SECRETS[A_CODE])
    store.add_agency(B_CODE, B_NAME, SECRETS[B_CODE])
    hub_port = _free_port()
    hub = _start(hub_db, hub_port)
    a = Deployment(
        "district", pg_url=database_url, redis_url=redis_url, redis_db=REDIS_DB_A, root=tmp_path
    )
    b = Deployment(
        "department", pg_url=database_url, redis_url=redis_url, redis_db=REDIS_DB_B, root=tmp_path
    )
    try:
        with ThreadPoolExecutor(2) as pool:  # migrations and process starts overlap
            for started in [pool.submit(a.start), pool.submit(b.start)]:
                started.result()
        yield a, _set_up_district(a, hub_port), b, _set_up_department(b, hub_port)
    finally:
        for deployment in (a, b):
            deployment.stop()
        hub.kill()
        hub.wait(timeout=10)


def _issue_plan(a: Deployment, district: dict) -> int:
    """Drafted, reviewed and approved through the services; signed over the API."""
    from eoffice.extensions import db
    from eoffice.orgs.models import User
    from eoffice.outgoing import drafting, review
    from eoffice.outgoing.drafting import RecipientInput

    with a.app_context():
        staff, clerk, leader = (
            db.session.get(User, district["ids"][role]) for role in ("staff", "clerk", "leader")
        )
        signer = SimpleNamespace(district=SimpleNamespace(leader=leader))
        plan = factories.outgoing_plan(
            signer, recipients=[RecipientInput("external", agency_code=B_CODE)]
        )
        doc = drafting.create_draft(staff, plan)
        review.submit(staff, doc.id)
        review.approve(clerk, doc.id)
        doc_id = doc.id
    status, body = a.api(district["tokens"]["leader"], "POST", f"/outgoing/{doc_id}/steps/sign")
    assert status == 200, body
    return doc_id


def _delivery(a: Deployment, district: dict, doc_id: int) -> dict:
    """The one delivery (an empty dict until publishing has created it)."""
    status, body = a.api(district["tokens"]["clerk"], "GET", f"/outgoing/{doc_id}/deliveries")
    assert status == 200, body
    assert len(body["items"]) <= 1, body
    return body["items"][0] if body["items"] else {}


def _check_now(deployment: Deployment, token: str) -> None:
    status, body = deployment.api(token, "POST", "/exchange/check")
    assert status == 200, body


def _step(deployment: Deployment, token: str, doc_id: int, step: str, **body) -> dict:
    status, answer = deployment.api(token, "POST", f"/incoming/{doc_id}/steps/{step}", body)
    assert status == 200, answer
    return answer


def _statuses_seen(a: Deployment, district: dict, doc_id: int, wanted: str) -> dict | None:
    """A's clerk checks the exchange; the delivery once its status is `wanted`."""
    _check_now(a, district["tokens"]["clerk"])
    delivery = _delivery(a, district, doc_id)
    return delivery if delivery["status"] == wanted else None


def test_a_document_travels_to_another_deployment_and_its_statuses_and_recall_come_back(
    deployments,
):
    a, district, b, department = deployments
    doc_id = _issue_plan(a, district)

    # A's worker publishes (renders, signs) and forwards it to the hub.
    sent = wait_for(
        lambda: (d := _delivery(a, district, doc_id)).get("exchange_state") == "sent" and d,
        timeout=90,
        what="the forwarding job",
    )
    assert sent["channel"] == "exchange" and sent["recipient"]["agency_code"] == B_CODE

    # B's scheduler, run as cron would at the check time, has B's worker fetch it.
    b.flask("scheduler", "--once")
    clerk_b = department["tokens"]["clerk"]
    inbox = wait_for(
        lambda: b.api(clerk_b, "GET", "/exchange/inbox")[1]["items"],
        timeout=60,
        what="the check-time fetch",
    )
    [waiting] = inbox
    assert waiting["sender"]["agency_code"] == A_CODE and waiting["kind"] == "document"
    assert "công nghệ thông tin" in waiting["subject"]

    status, registered = b.api(clerk_b, "POST", f"/exchange/inbox/{waiting['id']}/register", {})
    assert status == 201, registered
    incoming_id = registered["id"]
    assert registered["source"] == "exchange"
    assert any(f["name"].endswith(".pdf") for f in registered["attachments"])

    leader_b, staff_b = department["tokens"]["leader"], department["tokens"]["staff"]
    ids = department["ids"]
    _step(b, clerk_b, incoming_id, "present", presented_to=ids["leader"])
    _step(b, leader_b, incoming_id, "assign", lead=f"user:{ids['staff']}")
    _step(b, staff_b, incoming_id, "start")
    _step(b, staff_b, incoming_id, "complete", result="Đã triển khai kế hoạch tại Sở.")

    # Each step sent its status through the hub; A's clerk checks until all are in.
    done = wait_for(
        lambda: _statuses_seen(a, district, doc_id, "06"), timeout=90, what="status 06 at A"
    )
    codes = [event["status"] for event in done["events"]]
    for code in ("01", "03", "04", "05", "06"):
        assert code in codes, codes
    assert codes.index("01") < codes.index("03") < codes.index("04") < codes.index("06")

    # The recall: A asks (13), B's clerk accepts (15), B's entry is withdrawn.
    status, body = a.api(
        district["tokens"]["leader"],
        "POST",
        f"/outgoing/{doc_id}/steps/recall",
        {"reason": "Văn bản có sai sót về thời hạn, sẽ ban hành văn bản thay thế."},
    )
    assert status == 200, body

    def recall_request():
        _check_now(b, clerk_b)
        items = b.api(clerk_b, "GET", "/exchange/inbox")[1]["items"]
        return [item for item in items if item["kind"] == "recall"] or None

    [request] = wait_for(recall_request, timeout=90, what="the recall request at B")
    status, body = b.api(clerk_b, "POST", f"/exchange/inbox/{request['id']}/accept-recall", {})
    assert status == 200, body
    status, withdrawn = b.api(clerk_b, "GET", f"/incoming/{incoming_id}")
    assert status == 200 and withdrawn["state"] == "cancelled", withdrawn

    recalled = wait_for(
        lambda: _statuses_seen(a, district, doc_id, "13"), timeout=90, what="15 at A"
    )
    assert recalled["status_label"]
