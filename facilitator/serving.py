"""Start the server: gevent (default), eventlet or threading, on the configured address."""

from __future__ import annotations

import dataclasses
import gc
import logging
import os
import socket
import sys
import time
from typing import Any

from facilitator.config import Settings


def patch_for(async_mode: str) -> None:
    """Make the standard library cooperative before the app is imported."""
    if async_mode == "gevent":
        import gevent
        from gevent import monkey

        # Off: with it on, every greenlet (one per Socket.IO event) records the stack
        # that spawned it, which cost a tenth of the server's time under load.
        gevent.config.track_greenlet_tree = False
        monkey.patch_all()
    elif async_mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()


# Python's default (700, 10, 10) ran a full collection every 10-15 s under the load
# of 300 groups, and at 3,000 connections each one stopped the server for 150-280 ms:
# every greenlet's suspended stack is traversed. Steady serving allocates few
# long-lived objects, so rarer collections cost little memory and remove those stalls.
GC_THRESHOLDS = (20_000, 10, 10)


def tune_garbage_collector() -> None:
    """Collect rarely, and never re-examine what the app loaded at start."""
    # What exists now (modules, the protocol library, the app) lives as long as the
    # process: frozen, it is left out of every later collection.
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def lan_address() -> str:
    """Return this machine's address on the local network, or 127.0.0.1 when it has none."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        # No packet is sent: connecting a UDP socket only picks the outgoing interface.
        probe.connect(("10.255.255.255", 1))
        return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def warn_if_redis_can_lose_data(store: object, out: Any) -> None:
    """Print and log a warning when the Redis store could lose acknowledged changes."""
    from facilitator.storage.redis import RedisStore

    if not isinstance(store, RedisStore):
        return
    warning = store.persistence_warning()
    if warning:
        logging.getLogger(__name__).warning("%s", warning)
        print(f"  WARNING: {warning}", file=out)


def serve(settings: Settings, out: Any = sys.stdout) -> None:
    """Run the app until interrupted, printing the addresses people need."""
    from facilitator.app import create_app
    from facilitator.service import accounts

    # Whatever the process writes (the database, its WAL, the key) is its account's only.
    os.umask(0o077)
    if not settings.public_url:
        host = lan_address() if settings.host in ("0.0.0.0", "") else settings.host  # noqa: S104
        settings = dataclasses.replace(settings, public_url=f"http://{host}:{settings.port}")
    app = create_app(settings)
    service = app.extensions["facilitator.service"]
    socketio = app.extensions["facilitator.socketio"]
    base = settings.public_url.rstrip("/")
    print(f"Facilitator is running ({settings.async_mode}).", file=out)
    warn_if_redis_can_lose_data(service.store, out)
    print(f"  Participants join at: {base}/join", file=out)
    if not service.store.has_users():
        token = accounts.new_login_link(service.store, time.time())
        minutes = round(accounts.LINK_LIFETIME / 60)
        print(f"  Facilitator, sign in once with: {login_link(base, token)}", file=out)
        print(
            f"  (it works once, for {minutes} minutes; 'facilitator login-link' prints another)",
            file=out,
        )
    else:
        print(f"  Facilitator sign-in: {base}/login", file=out)
    out.flush()
    tune_garbage_collector()
    if settings.async_mode == "gevent":
        serve_gevent(app, settings.host, settings.port)
        return
    socketio.run(app, host=settings.host, port=settings.port, log_output=False)


def login_link(base: str, token: str) -> str:
    """Return a one-time sign-in address; the token rides in the fragment, never sent."""
    return f"{base.rstrip('/')}/login#token={token}"


def serve_gevent(app: Any, host: str, port: int) -> None:
    """Serve `app` as socketio.run does under gevent, with our handler per connection."""
    from gevent import pywsgi

    from facilitator.transport import connection_handler
    from facilitator.transport.connection_handler import ConnectionHandler

    connection_handler.check()
    pywsgi.WSGIServer(
        (host, port),
        app,
        handler_class=ConnectionHandler,
        log=None,
        # Through the app's log handler, which escapes what a client put in a request;
        # a warning, as a bad request line is the client's error, not the server's.
        error_log=pywsgi.LoggingLogAdapter(logging.getLogger("facilitator.http"), logging.WARNING),
    ).serve_forever()
