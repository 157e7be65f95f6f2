"""The exchange benchmark's core, small: 200 packets through a real hub process behind a
proxy that fails 20% of the sends (some after the hub stored them), each retried until
taken. Nothing may be lost or stored twice; the speed is the benchmark's business."""

from __future__ import annotations

from benchmarks.exchange import FAILURES, run
from tests.exchange_proxy import Fault


def test_transient_failures_lose_nothing_and_store_nothing_twice():
    result = run(200, threads=4, failure_rate=0.2, seed=7)

    assert (result.stored, result.lost, result.duplicated, result.refused) == (200, 0, 0, 0)
    assert result.received == 200  # listed, fetched and acknowledged by the recipients
    assert all(result.injected[fault] > 0 for fault in FAILURES)
    assert result.failures_seen == result.injected_failures
    assert result.attempts == 200 + result.failures_seen
    # Retries of packets the hub had stored before the failure were answered as such.
    assert (
        0
        < result.duplicate_answers
        <= (result.injected[Fault.LOST_ANSWER] + result.injected[Fault.DROP_AFTER])
    )
