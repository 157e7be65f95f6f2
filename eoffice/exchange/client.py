"""A client of the exchange hub's HTTP API (eoffice.exchange.hub), on urllib only.

Errors come in two kinds because callers must treat them differently: `HubUnavailable`
(no connection, a timeout, a 5xx) is worth retrying later with the same packet, since
the hub's sends are idempotent; `HubRefused` (a 4xx) will fail again, and carries the
hub's own Vietnamese message to show to an administrator.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

UNAVAILABLE = "Không kết nối được trục liên thông ({reason})."
SERVER_ERROR = "Trục liên thông đang gặp sự cố (mã lỗi {status})."
REFUSED = "Trục liên thông từ chối yêu cầu (mã lỗi {status})."
BAD_ANSWER = "Trục liên thông trả lời không đúng định dạng."
PACKET_TYPE = "application/xml"
# The largest answer read from a hub: a packet (50 MB at most, `hub.MAX_PACKET_BYTES`)
# with room for its JSON wrapping. A hub sending more is not read to the end.
MAX_ANSWER_BYTES = 100 * 1024 * 1024
MAX_ERROR_BYTES = 64 * 1024


class ExchangeError(Exception):
    """Anything that went wrong talking to the hub; `message` is Vietnamese."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class HubUnavailable(ExchangeError):
    """The hub could not be reached or failed on its side: retry later."""


class HubRefused(ExchangeError):
    """The hub understood and said no (wrong secret, bad packet…): do not retry as is."""


@dataclass(frozen=True)
class SentCopy:
    """One recipient's copy of a sent packet; `duplicate` when the hub already had it."""

    id: int
    to: str
    duplicate: bool


@dataclass(frozen=True)
class PendingPacket:
    """A packet waiting for this agency, as the hub lists it (the XML comes from fetch)."""

    id: int
    kind: str
    from_: str
    status_code: str | None = None
    document_id: str | None = None


class HubClient:
    """One agency's view of the hub: its code and secret go with every request."""

    def __init__(self, base_url: str, agency_code: str, secret: str, timeout: float = 10):
        self.base_url = base_url.rstrip("/")
        self.agency_code = agency_code
        self._secret = secret
        self.timeout = timeout

    def __repr__(self) -> str:  # never the secret, even in a log line
        return f"HubClient({self.base_url!r}, {self.agency_code!r})"

    def send(self, packet_bytes: bytes) -> list[SentCopy]:
        """Post an edXML packet; the hub answers one copy per recipient."""
        answer = self._json("POST", "/api/packets", packet_bytes)
        try:
            return [
                SentCopy(int(p["id"]), str(p["to"]), bool(p["duplicate"]))
                for p in answer["packets"]
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise HubUnavailable(BAD_ANSWER) from exc

    def pending(self) -> list[PendingPacket]:
        """Packets addressed to this agency and not yet acknowledged."""
        answer = self._json("GET", "/api/packets")
        try:
            return [
                PendingPacket(
                    id=int(p["id"]),
                    kind=str(p["kind"]),
                    from_=str(p["from"]),
                    status_code=p.get("status_code"),
                    document_id=p.get("document_id"),
                )
                for p in answer["packets"]
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise HubUnavailable(BAD_ANSWER) from exc

    def fetch(self, packet_id: int) -> bytes:
        """The packet's edXML bytes, as the hub stored them (with its TraceHeader)."""
        return self._request("GET", f"/api/packets/{int(packet_id)}")

    def acknowledge(self, packet_id: int) -> None:
        """Tell the hub the packet is safely stored here, so it stops listing it."""
        self._request("POST", f"/api/packets/{int(packet_id)}/ack", b"")

    # --- transport --------------------------------------------------------------------

    def _json(self, method: str, path: str, data: bytes | None = None) -> dict[str, Any]:
        body = self._request(method, path, data)
        try:
            answer = json.loads(body)
        except ValueError as exc:
            raise HubUnavailable(BAD_ANSWER) from exc
        if not isinstance(answer, dict):
            raise HubUnavailable(BAD_ANSWER)
        return answer

    def _request(self, method: str, path: str, data: bytes | None = None) -> bytes:
        headers = {"X-Agency-Code": self.agency_code, "X-Agency-Secret": self._secret}
        if data is not None:
            headers["Content-Type"] = PACKET_TYPE
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise _from_http_error(exc) from exc
        except (
            urllib.error.URLError,
            TimeoutError,
            ConnectionError,
            http.client.HTTPException,
        ) as exc:
            reason = getattr(exc, "reason", exc)
            raise HubUnavailable(UNAVAILABLE.format(reason=_reason(reason))) from exc
        except ValueError as exc:  # a malformed base URL
            raise HubRefused(UNAVAILABLE.format(reason=exc)) from exc
        if len(body) > MAX_ANSWER_BYTES:
            raise HubUnavailable(BAD_ANSWER)
        return body


def _from_http_error(exc: urllib.error.HTTPError) -> ExchangeError:
    status = exc.code
    if status >= 500:
        return HubUnavailable(SERVER_ERROR.format(status=status), status)
    message = _hub_message(exc) or REFUSED.format(status=status)
    if status in (408, 429):  # the hub is busy, not saying no
        return HubUnavailable(message, status)
    return HubRefused(message, status)


def _hub_message(exc: urllib.error.HTTPError) -> str | None:
    """The hub's {"error": {"message": …}}, or None when the body is something else."""
    try:
        answer = json.loads(exc.read(MAX_ERROR_BYTES))
        message = answer["error"]["message"]
    except (ValueError, KeyError, TypeError, OSError):
        return None
    return message if isinstance(message, str) and message else None


def _reason(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "máy chủ từ chối kết nối"
    if isinstance(reason, TimeoutError):
        return "hết thời gian chờ"
    return str(reason)
