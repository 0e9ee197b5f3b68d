"""The Socket.IO packet the server sends: JSON only, never binary attachments."""

from __future__ import annotations

from socketio.packet import Packet


class JsonPacket(Packet):  # type: ignore[misc]
    """A packet that skips the search for bytes in every outgoing payload.

    The default packet walks the whole payload looking for bytes before it encodes it;
    for a console view of a large group that walk cost as much as encoding it. Every
    view and ack here is built from JSON types, so there is nothing to find.
    """

    uses_binary_events = False
