"""One attempt to hand a packet to the hub, with the rule both senders share.

Forwarding (a first issue, on its `deliveries` row) and the outbox (every other outbound
packet, on its `exchange_packets` row) answer the hub's replies the same way:
- the hub took it: sent; sending again is harmless, as the hub keeps one copy per
  DocumentId, sender, recipient, status and business type, so a job retried after a crash
  between the hub's answer and our commit never makes a second copy;
- the hub is unreachable or failing (HubUnavailable): raise so that RQ tries again after
  its next interval; after the last try, failed;
- the hub refuses the packet (HubRefused), the packet is invalid, or the exchange is not
  configured: failed at once with the reason, since retrying would change nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from rq import Retry, get_current_job

from eoffice.core.timeutil import now_utc
from eoffice.extensions import db
from eoffice.orgs.models import Organisation

NOT_CONFIGURED = "Cơ quan chưa cấu hình trục liên thông (quản trị: Liên thông văn bản)."
SENT, FAILED = "sent", "failed"

log = logging.getLogger(__name__)


class Attempted(Protocol):
    attempts: int
    last_error: str | None


def is_last_try(last_try: bool | None) -> bool:
    """Given explicitly by tests and benchmarks; otherwise RQ's retries left decide."""
    if last_try is not None:
        return last_try
    job = get_current_job()
    return job is None or not job.retries_left


def enqueue_sends(
    task: str, row_ids: Sequence[int], *, queue: str, intervals: list[int], what: str
) -> None:
    """Queue one send job per row, retried by RQ after each of `intervals` (read at call
    time, so a test may shorten them). Redis down: the row stays queued, and "Gửi lại" or
    the sweeper queues it again; `what` names the row in the log."""
    from eoffice.jobs.connection import enqueue as put

    for row_id in row_ids:
        try:
            put(task, row_id, queue=queue, retry=Retry(max=len(intervals), interval=intervals))
        except Exception:
            log.exception("could not enqueue %s %s", what, row_id)


def attempt(
    org: Organisation,
    record: Attempted,
    build: Callable[[], bytes],
    set_state: Callable[[str], None],
    *,
    last_try: bool,
) -> str:
    """Build and send one packet for `record`, record the outcome, commit; the state.

    An unreachable hub before the last try re-raises HubUnavailable (after committing
    the attempt), which is what makes RQ schedule the next one.
    """
    from eoffice.exchange import edxml
    from eoffice.exchange.client import HubRefused, HubUnavailable
    from eoffice.exchange.settings import client_for

    record.attempts += 1
    client = client_for(org)
    try:
        if client is None:
            raise HubRefused(NOT_CONFIGURED, status=None)
        client.send(build())
    except HubUnavailable as exc:
        record.last_error = exc.message[:500]
        if last_try:
            set_state(FAILED)
        db.session.commit()
        if not last_try:
            raise
        return FAILED
    except (HubRefused, edxml.PacketRefused) as exc:
        record.last_error = str(getattr(exc, "message", exc))[:500]
        set_state(FAILED)
        db.session.commit()
        return FAILED
    set_state(SENT)
    record.last_error = None
    _stamp_sent(record)
    db.session.commit()
    return SENT


def _stamp_sent(record: object) -> None:
    for name in ("sent_at", "done_at"):
        if hasattr(record, name):
            setattr(record, name, now_utc())
