"""The application factory."""

from __future__ import annotations

import logging

from flask import Flask
from flask_socketio import SocketIO
from werkzeug.middleware.proxy_fix import ProxyFix

from facilitator import logs
from facilitator.catalogs import Catalogs
from facilitator.config import Settings
from facilitator.library.catalog import Catalog
from facilitator.service import accounts
from facilitator.service.api import Service
from facilitator.service.course_actions import CourseExtras
from facilitator.service.courses import CourseService
from facilitator.service.crisis import CrisisResources
from facilitator.service.presence import Presence
from facilitator.service.retention import RetentionSweeper
from facilitator.service.safety import SafetyExtras
from facilitator.service.sessions import SessionService
from facilitator.service.signins import Limits, SignIns
from facilitator.service.tokens import MembershipSigner, TokenSigner
from facilitator.service.upgrades import upgrade
from facilitator.storage.base import Store
from facilitator.storage.sqlite import Offload, SQLiteStore
from facilitator.transport import (
    api_routes,
    course_routes,
    json_packet,
    pages,
    pings,
    signin,
    socket_events,
    web,
)
from facilitator.transport.gateway import SocketGateway
from facilitator.transport.headers import SecureHeaders
from facilitator.transport.json_packet import JsonPacket
from facilitator.transport.message_queue import QuickRedisManager, resync_on_return


def create_app(settings: Settings | None = None) -> Flask:
    """Create and configure an instance of the Flask application."""
    settings = settings or Settings.from_env()
    logs.configure(settings.log_level)
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
        # Our own manager for the queue: it resubscribes at once when Redis returns.
        client_manager=QuickRedisManager(settings.redis_url) if settings.redis_url else None,
        # None: only the app's own origin may open a connection.
        cors_allowed_origins=list(settings.allowed_origins) or None,
        max_http_buffer_size=settings.max_payload,
        # Loggers of our own: the libraries' defaults add a second handler that prints
        # every error twice, the second copy unescaped.
        logger=_library_logger("facilitator.socketio"),
        engineio_logger=_engineio_logger(),
        ping_interval=10,
        ping_timeout=20,
        serializer=JsonPacket,
        # Each client's events run one after another on its own connection's greenlet,
        # instead of a new greenlet per event; no handler waits for the same client.
        async_handlers=False,
    )

    pings.share_pings(socketio.server.eio)
    pings.check(socketio.server.eio)
    json_packet.check(socketio.server)
    if settings.trusted_proxies:
        # Wrapped around Socket.IO's middleware too, so that every request, handshakes
        # included, sees the client's address. X-Forwarded-Host is never trusted: the
        # proxy passes Host on, and a client could set the other.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    gateway = SocketGateway(socketio)
    presence = Presence(store, lambda session_id: sessions.refresh_consoles_here(session_id))
    courses = CourseService(store, catalog, app.config["SECRET_KEY"])
    sessions = SessionService(
        store,
        catalog,
        gateway.send,
        snapshot_every=settings.snapshot_every,
        join_attempts=settings.join_attempts,
        join_code_attempts=settings.join_code_attempts,
        defer=gateway.defer,
        online=presence.online,
        send_here=gateway.send_here,
        extras=SafetyExtras(CourseExtras(courses), catalog, settings.supervisor_contact),
    )
    signer = TokenSigner(app.config["SECRET_KEY"])
    limits = Limits(
        failures_per_account=settings.login_failures_per_account,
        failures_per_address=settings.login_failures_per_address,
        idle=settings.signin_idle_minutes * 60.0,
        lifetime=settings.signin_hours * 3600.0,
    )
    offload = hash_offload(settings.async_mode)
    signins = SignIns(store, app.config["SECRET_KEY"], limits, offload or accounts.inline)
    service = Service(
        sessions,
        courses,
        signer,
        MembershipSigner(app.config["SECRET_KEY"]),
        signins,
        presence,
        gateway,
        admins=settings.admins,
        crisis=CrisisResources(settings.crisis_dir, settings.crisis_file),
        consent_file=settings.consent_file,
        time_zone=settings.zone(),
    )
    app.extensions["facilitator.api"] = service
    app.extensions["facilitator.catalogs"] = Catalogs(pseudo=settings.pseudo_languages)
    app.extensions["facilitator.service"] = sessions
    app.extensions["facilitator.socketio"] = socketio
    for blueprint in (web.errors, signin.bp, api_routes.bp, course_routes.bp, pages.bp):
        app.register_blueprint(blueprint)
    socket_events.bind(socketio, service, settings.event_burst, settings.event_rate)
    app.extensions["facilitator.presence"] = (
        presence,
        socketio.start_background_task(presence.run),
    )
    if settings.redis_url:
        resync_on_return(socketio, service)
    if settings.retention_days > 0:
        sweeper = RetentionSweeper(
            store, settings.retention_days, sessions.clock, erased=sessions.forget
        )
        app.extensions["facilitator.retention"] = (
            sweeper,
            socketio.start_background_task(sweeper.run),
        )
    # Outside Socket.IO's own middleware, so that its answers get the headers too.
    app.wsgi_app = SecureHeaders(app.wsgi_app)  # type: ignore[method-assign]
    return app


def close_app(app: Flask) -> None:
    """Stop the app's background tasks and release its store."""
    presence, beating = app.extensions["facilitator.presence"]
    presence.stop()
    beating.join(10)
    retention = app.extensions.get("facilitator.retention")
    if retention is not None:
        sweeper, task = retention
        sweeper.stop()
        task.join(10)  # a sweep under way ends before the store closes
    app.extensions["facilitator.service"].store.close()


def _library_logger(name: str) -> logging.Logger:
    """Return a logger for a library's errors, written through our handler."""
    logger = logging.getLogger(name)
    logger.setLevel(logging.ERROR)
    return logger


def _engineio_logger() -> logging.Logger:
    logger = _library_logger("facilitator.engineio")
    if not any(isinstance(f, logs.OneLineForBadInput) for f in logger.filters):
        logger.addFilter(logs.OneLineForBadInput())
    return logger


def open_store(settings: Settings) -> Store:
    """Return the store the settings ask for: SQLite unless a Redis URL is set."""
    if settings.redis_url:
        from facilitator.storage.redis import RedisStore

        return RedisStore.from_url(settings.redis_url)
    return SQLiteStore(settings.database, offload=write_offload(settings.async_mode))


# At most this many passwords are hashed at once: each argon2 hash takes 64 MiB and a
# core for about a tenth of a second.
HASHING_THREADS = 2


def hash_offload(async_mode: str) -> Offload | None:
    """Return how password hashing leaves the event loop in `async_mode`, if it must.

    argon2-cffi lets go of the GIL while it hashes, so a thread hashes while the loop
    serves every connection. Threads of their own: in the hub's pool, a burst of
    sign-ins would make the commits of answers wait.
    """
    if async_mode == "gevent":
        from gevent.threadpool import ThreadPool

        apply: Offload = ThreadPool(HASHING_THREADS).apply
        return apply
    if async_mode == "eventlet":
        from eventlet import tpool

        execute: Offload = tpool.execute
        return execute
    return None


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
