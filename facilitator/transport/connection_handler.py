"""How the gevent server handles each TCP connection: a lean read buffer, no Nagle delay,
request lines logged without their query strings, and one short log line, not a
traceback, for a client that breaks the WebSocket protocol.

The read buffer goes in through the `rfile` argument of gevent's WSGIHandler, which
gevent calls deprecated and unsupported; it still saves about 4 KB a connection
(docs/performance.md). Written for gevent 26 (pinned in pyproject.toml); `check`
refuses to start when the handler no longer takes it.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import re
import socket
from importlib.metadata import version
from typing import Any

from gevent import pywsgi
from geventwebsocket.exceptions import WebSocketError
from geventwebsocket.handler import WebSocketHandler

from facilitator.logs import escape

log = logging.getLogger(__name__)

WRITTEN_FOR = "26."
# Enough for a request line and its headers, or a phone's answer, in one read; larger
# reads pass straight through. The default (8 KB) was about 4 KB of memory for every
# connected phone, most of it never used.
READ_BUFFER = 1024
# A query string cannot hold a space, and the request line's next space starts the version.
QUERY = re.compile(r"\?\S*")


class ConnectionHandler(WebSocketHandler):  # type: ignore[misc]
    """gevent-websocket's handler with a small read buffer, TCP_NODELAY and no query strings."""

    rfile: Any
    requestline: str | None

    def __init__(self, sock: Any, address: Any, server: Any, rfile: Any = None) -> None:
        if rfile is None:
            rfile = sock.makefile("rb", READ_BUFFER)
        super().__init__(sock, address, server, rfile)
        # Small messages go at once: with Nagle's algorithm a reply written in two parts
        # (headers, then body) waited for the client's delayed ACK, about 40 ms. A Unix
        # socket behind a proxy has no such option and nothing to tune.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def format_request(self) -> str:
        """Return the request's access log line, without its query string."""
        # gevent-websocket logs this line at INFO for every request; a Socket.IO long
        # poll's query string carries its connection's `sid`, which would let a reader
        # of the log take the connection over.
        requestline = self.requestline
        if requestline:
            self.requestline = QUERY.sub("", requestline, count=1)
        try:
            return str(super().format_request())
        finally:
            self.requestline = requestline

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


def check() -> None:
    """Refuse to start unless gevent's handler still takes the read buffer it is given."""
    installed = version("gevent")
    if "rfile" not in inspect.signature(pywsgi.WSGIHandler.__init__).parameters:
        raise RuntimeError(
            f"gevent {installed}'s WSGIHandler no longer takes rfile; facilitator/transport/"
            f"connection_handler.py was written for {WRITTEN_FOR}x"
        )
    if not installed.startswith(WRITTEN_FOR):
        log.warning(
            "gevent %s is installed; the connection handler was written for %sx:"
            " check facilitator/transport/connection_handler.py against it",
            installed,
            WRITTEN_FOR,
        )
