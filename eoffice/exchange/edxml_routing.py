"""What the reference hub reads of an edXML packet, and the TraceHeader it adds.

Kept apart from the hub's HTTP code so the hub only depends on two functions: how to
route a packet (who sent it, to whom, which document and status) and how to stamp it as
it passes. Both go through eoffice.exchange.edxml, so the hub refuses exactly what the
application would refuse (a PacketRefused is a ValueError: the hub answers 422).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from eoffice.exchange.edxml import (
    DocumentPacket,
    StatusPacket,
    TraceHeader,
    build_document,
    parse_packet,
)
from eoffice.exchange.hub import Routing


def routing_of(data: bytes) -> Routing:
    packet = parse_packet(data)
    if isinstance(packet, DocumentPacket):
        return Routing(
            kind="document",
            document_id=packet.document_id,
            from_code=packet.from_.organ_id,
            to_codes=tuple(dict.fromkeys(org.organ_id for org in packet.to)),
            business_type=str(int(packet.business.doc_type)),
        )
    assert isinstance(packet, StatusPacket)
    return Routing(
        kind="status",
        document_id=packet.document_id,
        from_code=packet.from_.organ_id,
        to_codes=(packet.to.organ_id,),
        status_code=packet.status_code,
    )


def add_trace_header(data: bytes, hub_code: str, when: datetime) -> bytes:
    """A document packet leaves the hub with one more TraceHeader (this hop); a status
    packet, which carries none, passes as it came."""
    packet = parse_packet(data)
    if not isinstance(packet, DocumentPacket):
        return data
    stamped = replace(packet, trace_headers=(*packet.trace_headers, TraceHeader(hub_code, when)))
    return build_document(stamped)
