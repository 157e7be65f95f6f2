"""A loopback HTTP proxy in front of a real hub process that injects real faults.

The exchange's guarantees (a packet retried until the hub has it, never stored twice)
are about what happens when the network or the hub misbehaves, so the fault tests and
the exchange benchmark put this proxy between the client and the hub. For each request
`decide(method, path)` picks what happens:

- PASS: forwarded, the hub's answer returned;
- REFUSE: 503 without forwarding (the hub never saw it);
- DROP: the connection closed without an answer, nothing forwarded;
- LOST_ANSWER: forwarded (the hub stored it), then 503: the client sees a failure for a
  packet the hub holds, the case the hub's idempotency exists for;
- DROP_AFTER: forwarded, then the connection closed without an answer;
- HOLD: forwarded, then the answer held for `hold_seconds` (a slow network), so that a
  test can kill the sender while its packet is stored but not yet acknowledged.

When the hub itself is down the proxy answers 502, as a reverse proxy would.
"""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from collections.abc import Callable
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Fault(StrEnum):
    PASS = "pass"
    REFUSE = "refuse"
    DROP = "drop"
    LOST_ANSWER = "lost_answer"
    DROP_AFTER = "drop_after"
    HOLD = "hold"


FORWARDED_FIRST = {Fault.PASS, Fault.LOST_ANSWER, Fault.DROP_AFTER, Fault.HOLD}
PASSED_HEADERS = ("X-Agency-Code", "X-Agency-Secret", "Content-Type")


def always_pass(_method: str, _path: str) -> Fault:
    return Fault.PASS


class FaultyProxy:
    """The proxy on 127.0.0.1:`port` (0: any free port), forwarding to the hub's port."""

    def __init__(
        self,
        upstream_port: int,
        decide: Callable[[str, str], Fault] = always_pass,
        *,
        hold_seconds: float = 0.0,
        port: int = 0,
    ):
        self.upstream_port = upstream_port
        self.decide = decide
        self.hold_seconds = hold_seconds
        self.counts: Counter[Fault] = Counter()
        self.upstream_down = 0  # requests answered 502 because the hub was unreachable
        self.holding = threading.Event()  # set once a HOLD request has reached the hub
        self._release = threading.Event()  # ends every hold early (on stop)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self._server.request_queue_size = 128
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultyProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultyProxy:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _count(self, fault: Fault) -> None:
        with self._lock:
            self.counts[fault] += 1

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, str, bytes] | None:
        """The hub's (status, content type, body), or None when it cannot be reached."""
        connection = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type", ""), response.read()
        except (OSError, http.client.HTTPException):
            with self._lock:
                self.upstream_down += 1
            return None
        finally:
            connection.close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:  # quiet: benchmarks measure, not log
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if self.command == "POST" and body is None:
                    body = b""
                fault = proxy.decide(self.command, self.path)
                proxy._count(fault)
                if fault is Fault.REFUSE:
                    self._answer(503, "application/json", b'{"error": {"message": "503"}}')
                    return
                if fault is Fault.DROP:
                    self.close_connection = True
                    return
                headers = {k: v for k in PASSED_HEADERS if (v := self.headers.get(k))}
                answer = proxy._forward(self.command, self.path, headers, body)
                if answer is None:
                    self._answer(502, "application/json", b'{"error": {"message": "502"}}')
                    return
                if fault is Fault.LOST_ANSWER:
                    self._answer(503, "application/json", b'{"error": {"message": "503"}}')
                    return
                if fault is Fault.DROP_AFTER:
                    self.close_connection = True
                    return
                if fault is Fault.HOLD:
                    proxy.holding.set()
                    proxy._release.wait(proxy.hold_seconds)
                self._answer(*answer)

            def _answer(self, status: int, content_type: str, body: bytes) -> None:
                try:
                    self.send_response(status)
                    if content_type:
                        self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client is gone (killed while we held its answer)
                    self.close_connection = True

            do_GET = do_POST = _handle

        return Handler
