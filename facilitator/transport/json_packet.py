"""The Socket.IO packet of this server: JSON only, and every client packet read safely.

python-socketio takes the packet class as a hook (`serializer=`); this one decides, in
one place, what a client packet may be. A packet it cannot read never raises into the
library (which would log a traceback and send no ack): it becomes an event named
UNREADABLE_EVENT whose one argument says why, so the client still gets an error ack,
and a handshake gets connect_error.

The hook is supported; what this class overrides is not all documented: `decode`
returning how many binary attachments follow, the `uses_binary_events` switch, and the
fields `packet_type`, `data` and `id`. Written for python-socketio 5.18 (pinned in
pyproject.toml); `check` refuses to start when the server does not use this class or
the library no longer reads those as before.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from socketio import packet
from socketio.packet import Packet

from facilitator.logs import escape

log = logging.getLogger(__name__)

WRITTEN_FOR = "5.18."

#: The name an unreadable event is delivered under: no handler has it, so the server's
#: catch-all handler answers it.
UNREADABLE_EVENT = "(unreadable)"
#: Names the library keeps for its own lifecycle: sent by a client, they would reach the
#: connect and disconnect handlers as if the connection had opened or closed.
RESERVED_EVENTS = frozenset({"connect", "disconnect", "message"})
#: No payload of this app is nested more than four levels; a deeper one is refused
#: before it is parsed, well before the parser's recursion limit.
MAX_NESTING = 16
CLIENT_TYPES = frozenset({packet.CONNECT, packet.DISCONNECT, packet.EVENT, packet.ACK})


@dataclass(frozen=True)
class Unreadable:
    """Why a client's packet could not be read; JSON can never produce this value."""

    reason: str


class JsonPacket(Packet):  # type: ignore[misc]
    """A packet that skips the search for bytes and never raises on a client's packet.

    The default packet walks the whole payload looking for bytes before it encodes it;
    for a console view of a large group that walk cost as much as encoding it. Every
    view and ack here is built from JSON types, so there is nothing to find.
    """

    uses_binary_events = False
    packet_type: Any
    data: Any
    id: int | None

    def __init__(self, *args: Any, encoded_packet: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, encoded_packet=encoded_packet, **kwargs)
        if encoded_packet is not None and not encoded_packet:
            # The library reads nothing from an empty packet, then takes it for an event.
            self.decode(encoded_packet)

    def decode(self, encoded_packet: Any) -> int:
        """Read a client's packet; an unreadable one becomes an UNREADABLE_EVENT."""
        reason = _unreadable(encoded_packet)
        if reason is None:
            readable = encoded_packet
            if _nesting(encoded_packet) > MAX_NESTING:
                reason = f"the payload is nested more than {MAX_NESTING} levels deep"
                readable = _header(encoded_packet)  # its type, namespace and id, for the ack
            try:
                super().decode(readable)
            except (ValueError, TypeError, RecursionError) as error:
                reason = reason or _describe(error)
        if reason is None:
            reason = self._check()
        if reason is not None:
            log.warning("refused a Socket.IO packet: %s", reason)
            self._refuse(reason)
        return 0  # never binary attachments to wait for

    def _check(self) -> str | None:
        if self.packet_type not in CLIENT_TYPES:
            return f"packet type {self.packet_type!r} is not one a client may send"
        if self.packet_type == packet.EVENT:
            data = self.data
            if not isinstance(data, list) or not data or not isinstance(data[0], str):
                return "an event must be a list that starts with its name"
            if data[0] in RESERVED_EVENTS:
                return f"{data[0]} is not an event a client may send"
        return None

    def _refuse(self, reason: str) -> None:
        if self.packet_type == packet.CONNECT:
            # The connect handler refuses this with connect_error.
            self.data = Unreadable(reason)
            return
        if self.packet_type != packet.EVENT:
            self.id = None  # an unknown packet asked for nothing that can be answered
        self.packet_type = packet.EVENT
        self.data = [UNREADABLE_EVENT, Unreadable(reason)]


def _unreadable(encoded: Any) -> str | None:
    """Say why `encoded` cannot be a client's packet before parsing it, if it cannot."""
    if not isinstance(encoded, str):
        return "binary packets are not accepted"
    if not encoded:
        return "empty packet"
    return None


def _header(encoded: str) -> str:
    """Return the part of a packet before its JSON payload."""
    starts = [at for at in (encoded.find("["), encoded.find("{")) if at >= 0]
    return encoded[: min(starts)] if starts else encoded


def _nesting(text: str) -> int:
    """Return how deeply the JSON in `text` nests, at least; cheap for ordinary packets."""
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return 0  # the usual case: too few brackets to nest too deep, no need to look
    deepest = depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _describe(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return "the payload is nested too deeply"
    # The library's messages are short and name no payload content; cut just in case.
    return escape(f"not a valid packet ({error})"[:120])


def check(server: Any) -> None:
    """Refuse to start unless `server` reads and writes its packets through JsonPacket."""
    if server.packet_class is not JsonPacket:
        raise RuntimeError(
            f"the Socket.IO server uses {server.packet_class.__name__}, not JsonPacket:"
            " a client's unreadable packet would raise inside the library"
        )
    installed = version("python-socketio")
    if "uses_binary_events" not in Packet.__init__.__code__.co_names:
        raise RuntimeError(
            f"python-socketio {installed} no longer reads Packet.uses_binary_events;"
            f" facilitator/transport/json_packet.py was written for {WRITTEN_FOR}x"
        )
    if not installed.startswith(WRITTEN_FOR):
        log.warning(
            "python-socketio %s is installed; JsonPacket was written for %sx:"
            " check facilitator/transport/json_packet.py against it",
            installed,
            WRITTEN_FOR,
        )
