"""How the gevent server handles each TCP connection: lean buffers, no Nagle delay."""

from __future__ import annotations

import contextlib
import socket
from typing import Any

from geventwebsocket.handler import WebSocketHandler

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
