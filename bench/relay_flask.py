"""The framework floor: a bare Flask-SocketIO relay in the app's serving mode.

gevent + gevent-websocket, as `facilitator serve` runs; no storage, no views. Every
client joins one room; a "push" from any client is emitted to the room and acked.
Usage: python -m bench.relay_flask PORT [--simple-websocket | --tuned]
With --simple-websocket, gevent-websocket is hidden, so that engineio and Flask-SocketIO
fall back to simple-websocket under gevent (the other handler DESIGN.md weighs).
With --tuned, the relay serves the way `facilitator serve` does (garbage collector
settings, one task for all pings, the lean connection handler), so that what remains
between it and the app is the app's own work.
"""

from __future__ import annotations

import sys

from gevent import monkey

monkey.patch_all()

if "--simple-websocket" in sys.argv:
    sys.modules["geventwebsocket"] = None  # type: ignore[assignment]

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(
    app,
    async_mode="gevent",
    cors_allowed_origins="*",
    ping_interval=10,
    ping_timeout=20,
    logger=False,
    engineio_logger=False,
)


@socketio.on("connect")
def connect(auth: object = None) -> None:
    """Any client connects; it hears every push."""
    join_room("all")


@socketio.on("push")
def push(data: dict) -> dict:
    """The trigger client pushes; everyone in the room receives `step`."""
    socketio.emit("step", data, to="all")
    return {"ok": True}


def serve_tuned(port: int) -> None:
    """Serve as `facilitator serve` does under gevent."""
    from facilitator.serving import serve_gevent, tune_garbage_collector
    from facilitator.transport.pings import share_pings

    share_pings(socketio.server.eio)
    tune_garbage_collector()
    serve_gevent(app, "127.0.0.1", port)


if __name__ == "__main__":
    port = int(sys.argv[1])
    print(f"relay_flask listening on {port}", flush=True)
    if "--tuned" in sys.argv:
        serve_tuned(port)
    else:
        socketio.run(app, host="127.0.0.1", port=port, log_output=False)
