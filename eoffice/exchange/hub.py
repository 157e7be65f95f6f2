"""A reference exchange hub: the city's inter-agency exchange, on one machine.

It stands in for the real exchange (trục liên thông) in tests, demos and development:
agencies authenticate with their code and a secret (headers `X-Agency-Code` and
`X-Agency-Secret`), send edXML packets, list and fetch those addressed to them,
acknowledge them, and send status packets back the same way. It is its own WSGI app with
its own SQLite database (eoffice.exchange.hubstore), started by `flask exchange-hub`,
and knows nothing of eoffice's database: the application talks to it over HTTP only,
as it will to the real exchange.

Routing reads the packet (eoffice.exchange.edxml): a document goes to each of its To
agencies, a status packet to its To. The sender must be who they authenticated as. Each
stored copy carries one more TraceHeader (this hub's code and the time), as every hop of
the exchange adds one. Sending the same packet again is answered, not stored twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, Response, jsonify, request

from eoffice.exchange.hubstore import HubStore

log = logging.getLogger(__name__)

MAX_PACKET_BYTES = 50 * 1024 * 1024
HUB_CODE = "000.00.00.H00"  # this hub's own code in the TraceHeaders it adds


@dataclass(frozen=True)
class Routing:
    """What the hub needs to know of a packet to route it."""

    kind: str  # document, status
    document_id: str
    from_code: str
    to_codes: tuple[str, ...]
    status_code: str | None = None
    business_type: str | None = None


Inspector = Callable[[bytes], Routing]
Stamper = Callable[[bytes, str, datetime], bytes]


def dedup_key(routing: Routing, to_code: str) -> str:
    parts = (
        routing.kind,
        routing.document_id,
        routing.from_code,
        to_code,
        routing.status_code or "",
        routing.business_type or "",
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": {"message": message}}), status


def create_hub(
    store: HubStore,
    *,
    inspect: Inspector | None = None,
    stamp: Stamper | None = None,
    hub_code: str = HUB_CODE,
    max_bytes: int = MAX_PACKET_BYTES,
) -> Flask:
    """The hub as a WSGI app over `store`; `inspect`/`stamp` default to the edXML module."""
    if inspect is None or stamp is None:
        from eoffice.exchange import edxml_routing

        inspect = inspect or edxml_routing.routing_of
        stamp = stamp or edxml_routing.add_trace_header
    app = Flask("eoffice-exchange-hub")
    app.config["MAX_CONTENT_LENGTH"] = max_bytes

    def agency() -> str | None:
        code = request.headers.get("X-Agency-Code")
        return code if store.authenticate(code, request.headers.get("X-Agency-Secret")) else None

    @app.get("/health")
    def health():
        return jsonify({"status": "ok", "packets": store.count()})

    @app.post("/api/packets")
    def send():
        sender = agency()
        if sender is None:
            return _error(401, "Mã cơ quan hoặc khóa bí mật không đúng.")
        data = request.get_data()
        if not data:
            return _error(422, "Gói tin rỗng.")
        try:
            routing = inspect(data)
        except ValueError as exc:
            log.info("packet from %s refused: %s", sender, exc)
            return _error(422, f"Gói tin không hợp lệ: {exc}")
        if routing.from_code != sender:
            return _error(403, "Cơ quan gửi trong gói tin khác cơ quan đã xác thực.")
        unknown = [code for code in routing.to_codes if not store.agency_exists(code)]
        if unknown:
            return _error(422, f"Không có cơ quan nhận trên trục: {', '.join(unknown)}.")
        stamped = stamp(data, hub_code, datetime.now(UTC))
        results = []
        for to_code in routing.to_codes:
            packet_id, stored = store.put(
                kind=routing.kind,
                document_id=routing.document_id,
                status_code=routing.status_code,
                from_code=sender,
                to_code=to_code,
                dedup_key=dedup_key(routing, to_code),
                payload=stamped,
            )
            results.append({"id": packet_id, "to": to_code, "duplicate": not stored})
        status = 201 if any(not r["duplicate"] for r in results) else 200
        return jsonify({"packets": results}), status

    @app.get("/api/packets")
    def pending():
        me = agency()
        if me is None:
            return _error(401, "Mã cơ quan hoặc khóa bí mật không đúng.")
        items = [
            {
                "id": p.id,
                "kind": p.kind,
                "document_id": p.document_id,
                "status_code": p.status_code,
                "from": p.from_code,
                "received_at": p.received_at,
            }
            for p in store.pending(me)
        ]
        return jsonify({"packets": items})

    @app.get("/api/packets/<int:packet_id>")
    def fetch(packet_id: int):
        me = agency()
        if me is None:
            return _error(401, "Mã cơ quan hoặc khóa bí mật không đúng.")
        data = store.payload(packet_id, me)
        if data is None:
            return _error(404, "Không có gói tin này cho cơ quan của bạn.")
        return Response(data, mimetype="application/xml")

    @app.post("/api/packets/<int:packet_id>/ack")
    def acknowledge(packet_id: int):
        me = agency()
        if me is None:
            return _error(401, "Mã cơ quan hoặc khóa bí mật không đúng.")
        if not store.acknowledge(packet_id, me):
            return _error(404, "Không có gói tin này cho cơ quan của bạn.")
        return jsonify({"id": packet_id, "acknowledged": True})

    @app.errorhandler(413)
    def too_large(_exc):
        return _error(413, f"Gói tin vượt quá {max_bytes // (1024 * 1024)} MB.")

    return app
