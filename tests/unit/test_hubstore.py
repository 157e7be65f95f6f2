"""The reference hub's storage: secrets as digests, idempotent sends, recipients only,
and nothing lost when the hub is reopened."""

from __future__ import annotations

import threading

from eoffice.exchange.hubstore import HubStore

A, B, C = "000.00.31.H29", "001.01.31.H29", "002.01.31.H29"


def _put(store: HubStore, to: str = B, *, key: str = "k1", payload: bytes = b"<edXML/>"):
    return store.put(
        kind="document",
        document_id="doc-1",
        status_code=None,
        from_code=A,
        to_code=to,
        dedup_key=key,
        payload=payload,
    )


def test_agencies_authenticate_with_their_secret_only(tmp_path):
    store = HubStore(tmp_path / "hub.db")
    store.add_agency(A, "Phòng GDĐT Quận 3", "bi-mat-a")
    assert store.authenticate(A, "bi-mat-a")
    assert not store.authenticate(A, "sai")
    assert not store.authenticate(B, "bi-mat-a") and not store.authenticate(A, None)
    store.add_agency(A, "Phòng GDĐT Quận 3", "bi-mat-moi")  # re-keyed
    assert store.authenticate(A, "bi-mat-moi") and not store.authenticate(A, "bi-mat-a")


def test_a_packet_sent_twice_is_kept_once_and_reaches_its_recipient_only(tmp_path):
    store = HubStore(tmp_path / "hub.db")
    first, stored = _put(store, payload=b"<first/>")
    again, stored_again = _put(store, payload=b"<second/>")
    assert (stored, stored_again, again) == (True, False, first)
    assert [p.id for p in store.pending(B)] == [first] and store.pending(C) == []
    assert store.payload(first, B) == b"<first/>"
    assert store.payload(first, C) is None  # not addressed to C: as if absent
    assert not store.acknowledge(first, C)
    assert store.acknowledge(first, B) and store.acknowledge(first, B)  # twice: harmless
    assert store.pending(B) == []


def test_nothing_is_lost_when_the_hub_is_reopened(tmp_path):
    path = tmp_path / "hub.db"
    packet_id, _ = _put(HubStore(path))
    reopened = HubStore(path)
    assert [p.id for p in reopened.pending(B)] == [packet_id]
    assert reopened.count() == 1


def test_concurrent_sends_of_the_same_packet_store_it_once(tmp_path):
    store = HubStore(tmp_path / "hub.db")
    results: list[tuple[int, bool]] = []
    start = threading.Barrier(8)

    def send() -> None:
        start.wait(timeout=10)
        results.append(_put(store, key="same"))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len({packet_id for packet_id, _ in results}) == 1
    assert sum(1 for _, stored in results if stored) == 1
    assert store.count() == 1
