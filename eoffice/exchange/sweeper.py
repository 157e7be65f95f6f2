"""Putting back on the queue the exchange sends whose job is gone.

A delivery (`exchange_state` queued) or an outbound packet (state queued) is only ever
sent by its RQ job. Three things can leave it queued with no job to send it:
- the worker was killed mid-send (a crash, an OOM kill, a deploy with SIGKILL). RQ 2.12
  leaves the job in the StartedJobRegistry until its heartbeat expires (the job timeout
  or 30 s, whichever is shorter, plus 60 s) and only looks at it in a worker's
  maintenance, every 10 minutes; then it retries the job if it has retries left, but on
  the last try it moves it to the FailedJobRegistry and nothing tells our row. The dead
  worker's scheduler lock also holds for 61 s, and the next worker only tries to take
  it at its maintenance, so retries already scheduled wait as long;
- Redis lost its data (restarted without persistence, flushed);
- the enqueue after the commit failed (Redis down at that moment).

`requeue_stuck`, called from the scheduler tick, enqueues a fresh job (with the full
Retry) for each such row queued longer than `threshold`, after dropping what is left of
a dead job. A job is alive while it waits in a queue, is scheduled for a retry, or runs
with an unexpired heartbeat. Sending twice is safe: the hub keeps one copy per
DocumentId, sender, recipient, status and business type, and a job whose row is no
longer queued does nothing; so a sweep that races a live job costs one harmless send.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from rq.job import Job
from rq.utils import parse_composite_key
from sqlalchemy import select

from eoffice.exchange import forwarding, outbox
from eoffice.exchange.models import ExchangePacket, PacketDirection, PacketState
from eoffice.extensions import db
from eoffice.jobs.connection import runner
from eoffice.outgoing.models import Delivery

log = logging.getLogger(__name__)

THRESHOLD = timedelta(minutes=5)  # well past the commit → enqueue gap, short for a person
TASKS = (forwarding.TASK, outbox.TASK)


def requeue_stuck(now: datetime, threshold: timedelta = THRESHOLD) -> int:
    """Enqueue again every queued send with no live job; how many were enqueued.

    `now` is the current time: rows older than `now - threshold` are candidates, and a
    running job whose heartbeat expired before `now` counts as dead (a test passes a
    later `now` to stand for a tick some minutes after a crash).
    """
    live = _live_jobs(now)
    cutoff = now - threshold
    deliveries = [
        d
        for d in db.session.scalars(
            select(Delivery.id).where(
                Delivery.channel == "exchange",
                Delivery.exchange_state == forwarding.QUEUED,
                Delivery.created_at <= cutoff,
            )
        )
        if d not in live[forwarding.TASK]
    ]
    packets = [
        p
        for p in db.session.scalars(
            select(ExchangePacket.id).where(
                ExchangePacket.direction == PacketDirection.OUT,
                ExchangePacket.state == PacketState.QUEUED,
                ExchangePacket.created_at <= cutoff,
            )
        )
        if p not in live[outbox.TASK]
    ]
    if deliveries:
        forwarding.enqueue(deliveries)
    if packets:
        outbox.enqueue(packets)
    if deliveries or packets:
        log.warning(
            "requeued stuck exchange sends: deliveries %s, outbound packets %s",
            deliveries,
            packets,
        )
    return len(deliveries) + len(packets)


def _live_jobs(now: datetime) -> dict[str, set[int]]:
    """The record ids each exchange task has a live job for; dead started jobs dropped."""
    jobs = runner()
    connection = jobs.connection
    live: dict[str, set[int]] = {task: set() for task in TASKS}
    waiting: list[str] = []
    dead: list[tuple[object, str]] = []  # (registry, entry) of expired started jobs
    for queue in jobs.queues.values():
        waiting += [_text(i) for i in connection.lrange(queue.key, 0, -1)]
        waiting += [_text(i) for i in connection.lrange(queue.intermediate_queue_key, 0, -1)]
        waiting += [_text(i) for i in connection.zrange(queue.scheduled_job_registry.key, 0, -1)]
        started = queue.started_job_registry
        for entry, expires in connection.zrange(started.key, 0, -1, withscores=True):
            entry = _text(entry)
            if expires > now.timestamp():
                waiting.append(parse_composite_key(entry)[0])
            else:
                dead.append((started, entry))
    for job in Job.fetch_many(waiting, connection=connection):
        if job is not None and job.func_name in live and job.args:
            live[job.func_name].add(int(job.args[0]))
    for registry, entry in dead:
        job_id = parse_composite_key(entry)[0]
        job = Job.fetch_many([job_id], connection=connection)[0]
        if job is None or job.func_name not in live:
            continue  # not ours: RQ's own maintenance deals with it
        connection.zrem(registry.key, entry)  # type: ignore[attr-defined]
        job.delete()
        log.warning("dropped job %s of a dead worker (%s %s)", job.id, job.func_name, job.args)
    return live


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
