"""How the gevent server handles each TCP connection: lean buffers, no Nagle delay, and
one short log line, not a traceback, for a client that breaks the WebSocket protocol."""

from __future__ import annotations

import contextlib
import logging
import socket
from typing import Any

from geventwebsocket.exceptions import WebSocketError
from geventwebsocket.handler import WebSocketHandler

from facilitator.logs import escape

log = logging.getLogger(__name__)

# Enough for a request line and its headers, or a phone's answer, in one read; larger
# reads pass straight through. The default (8 KB) was about 3 KB of memory for every
# connected phone, most of it never used.
READ_BUFFER = 1024


class ConnectionHandler(WebSocketHandler):  # type: ignore[misc]
    """gevent-websocket's handler with a small read buffer and TCP_NODELAY."""

    rfile: Any

    def __init__(self, sock: Any, address: Any, server: Any, rfile: Any = None) -> None:
        super().__init__(sock, address, server, rfile)
        if rfile is None:
            self.rfile.close()  # only the buffer: the socket itself stays open
            self.rfile = sock.makefile("rb", READ_BUFFER)
        # Small messages go at once: with Nagle's algorithm a reply written in two parts
        # (headers, then body) waited for the client's delayed ACK, about 40 ms. A Unix
        # socket behind a proxy has no such option and nothing to tune.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def run_websocket(self) -> None:
        """Serve an upgraded connection; a malformed frame closes it with one log line."""
        try:
            super().run_websocket()
        except (ValueError, WebSocketError) as error:
            # engine.io raises ValueError for a frame it cannot read (an empty one, say);
            # the connection is over either way, and the traceback would say nothing new.
            reason = escape(f"{type(error).__name__}: {error}"[:120])
            address = self.client_address
            peer = address[0] if isinstance(address, tuple) else address or "-"
            log.warning("closed a WebSocket from %s: %s", peer, reason)

    def upgrade_websocket(self) -> Any:
        """Refuse a bad upgrade request with 400, as gevent-websocket means to."""
        result = super().upgrade_websocket()
        # gevent-websocket 0.10.1 returns its refusal as str, which a Python 3 socket
        # cannot send: the client got a broken answer and the log a traceback.
        if isinstance(result, list):
            return [part.encode() if isinstance(part, str) else part for part in result]
        return result
