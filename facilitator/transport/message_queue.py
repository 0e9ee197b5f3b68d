"""The Redis message queue between processes: quick to resubscribe, and says when it did.

python-socketio's RedisManager retries a lost pub/sub connection after 1, 2, 4 ... 60 s,
and while it is away every broadcast from another process is lost to this process's
clients, who stay connected and so never resync. This manager retries within a
quarter of a second and calls `on_resubscribed` each time the subscription comes back,
so that the process can bring its own clients up to date.

It replaces RedisManager._redis_listen_with_retries, a private method: written for
python-socketio 5.18 (pinned in pyproject.toml), and `check` refuses to start when the
library no longer calls it.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from importlib.metadata import version
from typing import Any

import socketio

from facilitator.service.api import Service
from facilitator.service.resync import Resync

log = logging.getLogger(__name__)

WRITTEN_FOR = "5.18."
# Retries start quick and stay quick: a refused connection costs next to nothing, and
# every moment without the subscription is a moment of lost broadcasts.
FIRST_RETRY = 0.05
LAST_RETRY = 0.25
# A Redis host that does not answer at all must not hold the listener for minutes.
CONNECT_TIMEOUT = 1.0
# Flask-SocketIO's channel when it builds the manager itself: processes of an older
# release share it during a rolling upgrade.
CHANNEL = "flask-socketio"


class QuickRedisManager(socketio.RedisManager):  # type: ignore[misc]
    """A RedisManager that resubscribes within a quarter second and reports it."""

    def __init__(self, url: str, on_resubscribed: Callable[[], None] | None = None) -> None:
        super().__init__(
            url, channel=CHANNEL, redis_options={"socket_connect_timeout": CONNECT_TIMEOUT}
        )
        self.on_resubscribed = on_resubscribed
        self.subscriptions = 0  # how many times the subscription began; read by tests

    def _redis_listen_with_retries(self) -> Iterator[dict[str, Any]]:
        delay = FIRST_RETRY
        lost_at: float | None = None
        while True:
            pubsub = None
            try:
                self._redis_connect()
                pubsub = self.pubsub  # our own: a failed publish replaces self.pubsub
                # Subscription confirmations are how we know Redis took the subscription,
                # including when redis-py reconnects and resubscribes by itself.
                pubsub.ignore_subscribe_messages = False
                pubsub.subscribe(self.channel)
                for message in pubsub.listen():
                    if message.get("type") == "subscribe":
                        delay = FIRST_RETRY
                        if lost_at is not None:
                            log.warning(
                                "message queue back after %.1f s; resyncing this process's clients",
                                time.monotonic() - lost_at,
                            )
                            lost_at = None
                        self._subscribed()
                        continue
                    yield message
            except Exception as error:
                if lost_at is None:
                    lost_at = time.monotonic()
                    log.warning(
                        "message queue lost (%s): broadcasts from other processes wait"
                        " until it returns",
                        type(error).__name__,
                    )
            # Also when listen() ends without an error, so that this never spins.
            self._close(pubsub)
            self.server.sleep(delay)
            delay = min(delay * 2, LAST_RETRY)

    def _subscribed(self) -> None:
        self.subscriptions += 1
        if self.subscriptions > 1 and self.on_resubscribed is not None:
            try:
                self.on_resubscribed()
            except Exception:
                log.exception("could not start a resync after the message queue returned")

    @staticmethod
    def _close(pubsub: Any) -> None:
        if pubsub is None:
            return
        # Already broken, most likely: its socket is all there is left to release.
        with contextlib.suppress(Exception):
            pubsub.close()


def check(server: Any) -> None:
    """Refuse to start unless this manager serves `server` and the library still uses it."""
    manager = server.manager
    if not isinstance(manager, QuickRedisManager):
        raise RuntimeError(
            f"the Socket.IO server uses {type(manager).__name__}, not QuickRedisManager:"
            " broadcasts between processes would stay lost after Redis returns"
        )
    listen = socketio.RedisManager._listen.__code__.co_names
    if "_redis_listen_with_retries" not in listen or not isinstance(manager.rooms, dict):
        raise RuntimeError(
            f"python-socketio {version('python-socketio')} no longer listens through"
            " _redis_listen_with_retries or keeps rooms as before; facilitator/transport/"
            f"message_queue.py was written for {WRITTEN_FOR}x"
        )
    installed = version("python-socketio")
    if not installed.startswith(WRITTEN_FOR):
        log.warning(
            "python-socketio %s is installed; the message queue's resubscription was written"
            " for %sx: check facilitator/transport/message_queue.py against it",
            installed,
            WRITTEN_FOR,
        )


def resync_on_return(socketio: Any, service: Service) -> Resync:
    """Check the manager of `socketio` and have it resync this process's clients on return."""
    server = socketio.server
    check(server)
    manager: QuickRedisManager = server.manager
    # Every process resyncs its own clients (the service sends them "here" only):
    # through the queue, each view would reach every process's clients once per process.
    resync = service.resync(
        lambda: list(manager.rooms.get("/", {})),
        socketio.start_background_task,
        socketio.sleep,
    )
    manager.on_resubscribed = resync.request
    return resync
