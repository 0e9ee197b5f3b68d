"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_socketio import SocketIO
from werkzeug.middleware.proxy_fix import ProxyFix

from facilitator.config import Settings
from facilitator.library.catalog import Catalog
from facilitator.service.retention import RetentionSweeper
from facilitator.service.sessions import SessionService
from facilitator.service.tokens import TokenSigner
from facilitator.service.upgrades import upgrade
from facilitator.storage.base import Store
from facilitator.storage.sqlite import Offload, SQLiteStore
from facilitator.transport import http, pages, socket_events
from facilitator.transport.json_packet import JsonPacket
from facilitator.transport.pings import share_pings


def create_app(settings: Settings | None = None) -> Flask:
    """Create and configure an instance of the Flask application."""
    settings = settings or Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s")
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.resolved_secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_NAME="facilitator_session",
        MAX_CONTENT_LENGTH=64 * 1024,
        FACILITATOR_PUBLIC_URL=settings.public_url,
        FACILITATOR_SETTINGS=settings,
    )
    store = open_store(settings)
    upgrade(store)
    catalog = Catalog.load([settings.protocols_dir] if settings.protocols_dir else [])
    socketio = SocketIO(
        app,
        async_mode=settings.async_mode,
        message_queue=settings.redis_url or None,
        # None: only the app's own origin may open a connection.
        cors_allowed_origins=list(settings.allowed_origins) or None,
        max_http_buffer_size=settings.max_payload,
        logger=False,
        engineio_logger=False,
        ping_interval=10,
        ping_timeout=20,
        serializer=JsonPacket,
        # Each client's events run one after another on its own connection's greenlet,
        # instead of a new greenlet per event; no handler waits for the same client.
        async_handlers=False,
    )

    share_pings(socketio.server.eio)
    if settings.trusted_proxies:
        # Wrapped around Socket.IO's middleware too, so that every request, handshakes
        # included, sees the client's address. X-Forwarded-Host is never trusted: the
        # proxy passes Host on, and a client could set the other.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    def send(event: str, data: dict[str, Any], room: str) -> None:
        socketio.emit(event, data, to=room)

    def defer(delay: float, call: Callable[[], None]) -> None:
        def later() -> None:
            socketio.sleep(delay)
            call()

        socketio.start_background_task(later)

    service = SessionService(
        store,
        catalog,
        send,
        snapshot_every=settings.snapshot_every,
        join_attempts=settings.join_attempts,
        join_code_attempts=settings.join_code_attempts,
        defer=defer,
    )
    signer = TokenSigner(app.config["SECRET_KEY"])
    app.extensions["facilitator.service"] = service
    app.extensions["facilitator.signer"] = signer
    app.extensions["facilitator.socketio"] = socketio
    app.register_blueprint(http.bp)
    app.register_blueprint(pages.bp)
    socket_events.bind(socketio, service, signer, settings.event_burst, settings.event_rate)
    if settings.retention_days > 0:
        sweeper = RetentionSweeper(
            store, settings.retention_days, service.clock, erased=service.forget
        )
        app.extensions["facilitator.retention"] = (
            sweeper,
            socketio.start_background_task(sweeper.run),
        )
    return app


def close_app(app: Flask) -> None:
    """Stop the app's background tasks and release its store."""
    retention = app.extensions.get("facilitator.retention")
    if retention is not None:
        sweeper, task = retention
        sweeper.stop()
        task.join(10)  # a sweep under way ends before the store closes
    app.extensions["facilitator.service"].store.close()


def open_store(settings: Settings) -> Store:
    """Return the store the settings ask for: SQLite unless a Redis URL is set."""
    if settings.redis_url:
        from facilitator.storage.redis import RedisStore

        return RedisStore.from_url(settings.redis_url)
    return SQLiteStore(settings.database, offload=write_offload(settings.async_mode))


def write_offload(async_mode: str) -> Offload | None:
    """Return how SQLite writes leave the event loop in `async_mode`, if they must.

    sqlite3 lets go of the GIL while it waits for the disk, so a thread keeps serving
    every other connection during a commit's fsync instead of stalling them all.
    """
    if async_mode == "gevent":
        import gevent

        apply: Offload = gevent.get_hub().threadpool.apply
        return apply
    if async_mode == "eventlet":
        from eventlet import tpool

        execute: Offload = tpool.execute
        return execute
    return None
