"""The exchange under transient faults: no packet lost, none stored twice, and how fast.

A script that prints figures, not a test (pytest never collects benchmarks/; a test runs
`run()` with a few hundred packets and checks the counts, never the speed):

    python benchmarks/exchange.py                    # 10,000 packets, 8 sender threads
    python benchmarks/exchange.py --packets 500      # a run of a few seconds
    python benchmarks/exchange.py --failure-rate 0.3 --threads 4

A real hub process (`flask exchange-hub`, its own SQLite store in a temporary folder)
is started on loopback with a few agencies; a loopback proxy in front of it
(tests/exchange_proxy.py) makes a random share of the POSTs fail for real: a 503 or a
dropped connection before the hub sees the packet, and, for half of them, AFTER the hub
stored it (the client sees a failure for a packet the hub holds: the case the hub's
idempotency exists for). Sender threads push edXML document packets (edxml.build_document,
a small attachment, distinct DocumentIds) from a few senders to a few recipients, each
retrying a packet until the hub takes it, as the forwarding job does (RQ's waits between
tries left out: they measure patience, not the exchange).

Then the hub's store is read: a packet the senders were told was taken but that is not
stored is lost, a packet stored more than once is duplicated; both must be 0, or the
script exits with status 1. Last, the recipients list, fetch and acknowledge everything
(straight to the hub, no faults), as the inbox job will.
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eoffice.exchange import edxml  # noqa: E402
from eoffice.exchange.client import HubClient, HubRefused, HubUnavailable  # noqa: E402
from eoffice.exchange.hubstore import HubStore  # noqa: E402
from tests.exchange_proxy import Fault, FaultyProxy  # noqa: E402
from tests.exchange_support import _free_port, _start, a_document  # noqa: E402

SENDERS = [
    edxml.Organisation("000.00.31.H29", "Phòng Giáo dục và Đào tạo Quận 3"),
    edxml.Organisation("000.00.32.H29", "Phòng Giáo dục và Đào tạo Quận 4"),
    edxml.Organisation("000.00.35.H29", "Phòng Giáo dục và Đào tạo Quận 7"),
]
RECIPIENTS = [
    edxml.Organisation("000.00.00.H29", "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"),
    edxml.Organisation("002.01.31.H29", "Trường THCS Bạch Đằng"),
    edxml.Organisation("003.01.31.H29", "Trường Mầm non Hoa Sen"),
    edxml.Organisation("004.01.31.H29", "Trường Tiểu học Lê Lợi"),
]
FAILURES = (Fault.REFUSE, Fault.DROP, Fault.LOST_ANSWER, Fault.DROP_AFTER)
MAX_TRIES = 100  # a packet still refused after this many tries counts as lost
ATTACHMENT = b"%PDF-1.7\n" + b"0" * 2000  # about 2 KB, base64 in the packet


def secret_of(code: str) -> str:
    return f"khoa-bi-mat-{code}"


@dataclass
class Result:
    packets: int
    threads: int
    build_seconds: float = 0.0
    send_seconds: float = 0.0
    attempts: int = 0
    failures_seen: int = 0  # HubUnavailable answers the senders got
    injected: Counter[Fault] = field(default_factory=Counter)
    duplicate_answers: int = 0  # "already had it": a retry after a failure the hub survived
    refused: int = 0
    stored: int = 0
    lost: int = 0
    duplicated: int = 0
    receive_seconds: float = 0.0
    received: int = 0

    @property
    def injected_failures(self) -> int:
        return sum(n for fault, n in self.injected.items() if fault in FAILURES)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.refused == 0


def build_packets(count: int) -> list[tuple[str, str, str, bytes]]:
    """(sender, recipient, DocumentId, edXML bytes) for `count` distinct documents."""
    template = a_document()
    when = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)
    packets = []
    for n in range(1, count + 1):
        sender = SENDERS[n % len(SENDERS)]
        recipient = RECIPIENTS[n % len(RECIPIENTS)]
        document_id = f"{sender.organ_id},2026/09/25,{n}/KH-GDĐT"
        packet = replace(
            template,
            document_id=document_id,
            from_=sender,
            to=(recipient,),
            code_number=str(n),
            subject=f"{template.subject} (văn bản số {n})",
            trace_headers=(edxml.TraceHeader(sender.organ_id, when),),
            attachments=(
                edxml.Attachment(f"kh{n}", f"{n}-KH-GDĐT.pdf", "application/pdf", ATTACHMENT),
            ),
        )
        data = edxml.build_document(packet)
        packets.append((sender.organ_id, recipient.organ_id, document_id, data))
    return packets


def _faults(rate: float, seed: int):
    rng = random.Random(seed)
    lock = threading.Lock()

    def decide(method: str, path: str) -> Fault:
        if method != "POST" or path != "/api/packets":
            return Fault.PASS
        with lock:
            if rng.random() >= rate:
                return Fault.PASS
            return rng.choice(FAILURES)

    return decide


def _send_all(
    packets: list[tuple[str, str, str, bytes]], proxy_url: str, threads: int, result: Result
) -> None:
    work: queue.SimpleQueue[tuple[str, str, str, bytes]] = queue.SimpleQueue()
    for packet in packets:
        work.put(packet)
    lock = threading.Lock()

    def sender() -> None:
        clients = {
            s.organ_id: HubClient(proxy_url, s.organ_id, secret_of(s.organ_id), 30) for s in SENDERS
        }
        attempts = failures = duplicates = refused = 0
        while True:
            try:
                from_code, _to, _doc_id, data = work.get_nowait()
            except queue.Empty:
                break
            for _ in range(MAX_TRIES):
                attempts += 1
                try:
                    copies = clients[from_code].send(data)
                except HubUnavailable:
                    failures += 1
                    continue
                except HubRefused:
                    refused += 1
                    break
                duplicates += sum(1 for c in copies if c.duplicate)
                break
        with lock:
            result.attempts += attempts
            result.failures_seen += failures
            result.duplicate_answers += duplicates
            result.refused += refused

    workers = [threading.Thread(target=sender) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()


def _check_store(db: Path, packets: list[tuple[str, str, str, bytes]], result: Result) -> None:
    """Lost: expected but not stored; duplicated: stored copies beyond the first."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT document_id, to_code, COUNT(*) FROM packets GROUP BY document_id, to_code"
        ).fetchall()
    stored = {(doc_id, to): n for doc_id, to, n in rows}
    expected = {(doc_id, to) for _from, to, doc_id, _data in packets}
    result.stored = sum(stored.values())
    result.lost = len(expected - stored.keys())
    result.duplicated = sum(n - 1 for n in stored.values()) + len(stored.keys() - expected)


def _receive_all(hub_url: str, result: Result) -> None:
    """Each recipient lists, fetches and acknowledges until nothing is waiting."""
    counts: list[int] = []
    lock = threading.Lock()

    def recipient(org: edxml.Organisation) -> None:
        client = HubClient(hub_url, org.organ_id, secret_of(org.organ_id), 30)
        taken = 0
        while waiting := client.pending():
            for item in waiting:
                if client.fetch(item.id):
                    client.acknowledge(item.id)
                    taken += 1
        with lock:
            counts.append(taken)

    workers = [threading.Thread(target=recipient, args=(org,)) for org in RECIPIENTS]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    result.received = sum(counts)


def run(packets: int, *, threads: int = 8, failure_rate: float = 0.2, seed: int = 2026) -> Result:
    """The whole benchmark: build, send through faults, check the store, receive."""
    result = Result(packets=packets, threads=threads)
    started = time.perf_counter()
    built = build_packets(packets)
    result.build_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="eoffice-exchange-bench-") as folder:
        db = Path(folder) / "hub.db"
        store = HubStore(db)
        for org in SENDERS + RECIPIENTS:
            store.add_agency(org.organ_id, org.organ_name, secret_of(org.organ_id))
        port = _free_port()
        hub = _start(db, port)
        try:
            with FaultyProxy(port, _faults(failure_rate, seed)) as proxy:
                started = time.perf_counter()
                _send_all(built, proxy.url, threads, result)
                result.send_seconds = time.perf_counter() - started
                result.injected = Counter(proxy.counts)
            _check_store(db, built, result)
            started = time.perf_counter()
            _receive_all(f"http://127.0.0.1:{port}", result)
            result.receive_seconds = time.perf_counter() - started
        finally:
            hub.terminate()
            hub.wait(timeout=10)
    return result


def report(result: Result) -> str:
    injected = result.injected
    after = injected[Fault.LOST_ANSWER] + injected[Fault.DROP_AFTER]
    rate = result.packets / result.send_seconds if result.send_seconds else 0.0
    received_rate = result.received / result.receive_seconds if result.receive_seconds else 0.0
    lines = [
        f"packets                 {result.packets:>9,}   ({result.threads} sender threads, "
        f"{len(SENDERS)} senders, {len(RECIPIENTS)} recipients)",
        f"build (edXML)           {result.packets / result.build_seconds:>9,.0f} packets/s",
        f"send through faults     {rate:>9,.0f} packets/s   {result.send_seconds:.2f} s",
        f"attempts                {result.attempts:>9,}",
        f"failures injected       {result.injected_failures:>9,}   "
        f"(503 before {injected[Fault.REFUSE]:,}, dropped before {injected[Fault.DROP]:,}, "
        f"503 after storing {injected[Fault.LOST_ANSWER]:,}, "
        f"dropped after storing {injected[Fault.DROP_AFTER]:,})",
        f"failures seen by client {result.failures_seen:>9,}",
        f"answered 'duplicate'    {result.duplicate_answers:>9,}   "
        f"(a retry of a packet the hub had stored; {after:,} failures came after storing)",
        f"refused by the hub      {result.refused:>9,}",
        f"packets stored          {result.stored:>9,}",
        f"lost                    {result.lost:>9,}",
        f"duplicated              {result.duplicated:>9,}",
        f"receive (list+fetch+ack){received_rate:>9,.0f} packets/s   "
        f"{result.receive_seconds:.2f} s, {result.received:,} packets",
        f"load average            {os.getloadavg()[0]:>9.1f}",
        "OK: nothing lost, nothing duplicated" if result.ok else "FAIL",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packets", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--failure-rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    os.chdir(ROOT)  # the hub is started as `flask exchange-hub` with FLASK_APP=wsgi.py
    result = run(args.packets, threads=args.threads, failure_rate=args.failure_rate, seed=args.seed)
    print(report(result))
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
