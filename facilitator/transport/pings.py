"""Engine.IO heartbeats for every connection of a process, from one background task.

Engine.IO starts a task per connection that sleeps through the ping interval and then
sends one ping; under gevent that is a sleeping greenlet, about 9 KB, for every phone
connected. Every connection waits the same interval, so the due pings form a queue in
time order, and one task can send them all.

This replaces engineio.socket.Socket.schedule_ping, which has no supported hook, and
uses the fields its own ping task uses (`last_ping`, `closing`, `closed`): written for
python-engineio 4.15 (pinned in pyproject.toml). `check` refuses to start when the
library no longer schedules its pings through that method: with a release that
schedules them elsewhere, no ping would ever be sent.
"""

from __future__ import annotations

import collections
import logging
import time
import weakref
from importlib.metadata import version
from typing import Any

import engineio.server
import engineio.socket
from engineio import packet

log = logging.getLogger(__name__)

WRITTEN_FOR = "4.15."
# After a failure of the task itself, wait this long before it starts again, so that a
# fault that recurs at once costs a log line a second, not a busy loop.
RESTART_DELAY = 1.0

_engineio_schedule_ping = engineio.socket.Socket.schedule_ping
_schedulers: weakref.WeakKeyDictionary[Any, PingScheduler] = weakref.WeakKeyDictionary()


class PingScheduler:
    """Send each connection of one Engine.IO server its next ping when it falls due."""

    def __init__(self, server: Any) -> None:
        self._server = server
        self._due: collections.deque[tuple[float, Any]] = collections.deque()
        self._wake = server.create_event()
        self._running = False
        self.restarts = 0  # how many times the task failed and started again; read by tests

    def schedule(self, socket: Any) -> None:
        """Queue `socket`'s next ping, as Engine.IO's own schedule_ping would start it."""
        if not socket.last_ping:
            return  # a ping is already on its way and not yet answered
        socket.last_ping = None
        self._due.append((time.monotonic() + self._server.ping_interval, socket))
        if not self._running:
            self._running = True
            self._server.start_background_task(self._supervise)
        self._wake.set()

    def _supervise(self) -> None:
        # Every connection's heartbeat hangs on this one task: if it stopped, no
        # connection would be pinged again, and none would ever time out.
        try:
            while True:
                try:
                    self._run()
                except Exception:
                    self.restarts += 1
                    log.exception("the ping task failed; it starts again in %.0f s", RESTART_DELAY)
                    self._server.sleep(RESTART_DELAY)
        finally:
            # Killed from outside (the server shutting down): the next schedule starts anew.
            self._running = False

    def _run(self) -> None:
        while True:
            if not self._due:
                self._wake.wait()
                self._wake.clear()
                continue
            deadline, socket = self._due[0]
            wait = deadline - time.monotonic()
            if wait > 0:
                self._server.sleep(wait)
                continue
            self._due.popleft()
            try:
                self._ping(socket)
            except Exception:
                # One broken connection must not stop the heartbeat of all the others.
                log.exception("a ping could not be sent")

    @staticmethod
    def _ping(socket: Any) -> None:
        if not socket.closing and not socket.closed:
            socket.last_ping = time.time()
            socket.send(packet.Packet(packet.PING))


def _schedule_ping(socket: Any) -> None:
    scheduler = _schedulers.get(socket.server)
    if scheduler is None:
        _engineio_schedule_ping(socket)
    else:
        scheduler.schedule(socket)


def share_pings(engineio_server: Any) -> PingScheduler:
    """Make one task send `engineio_server`'s pings; other servers keep their own."""
    engineio.socket.Socket.schedule_ping = _schedule_ping
    scheduler = _schedulers.get(engineio_server)
    if scheduler is None:
        scheduler = _schedulers[engineio_server] = PingScheduler(engineio_server)
    return scheduler


def check(engineio_server: Any) -> None:
    """Refuse to start unless one task sends `engineio_server`'s pings as written for."""
    if engineio.socket.Socket.schedule_ping is not _schedule_ping:
        raise RuntimeError("Engine.IO schedules its own pings: share_pings was undone")
    if engineio_server not in _schedulers:
        raise RuntimeError("no ping task serves this Engine.IO server: call share_pings")
    installed = version("python-engineio")
    # The first ping is scheduled on connect, every later one when the pong arrives.
    on_connect = engineio.server.Server._handle_connect.__code__.co_names
    on_pong = engineio.socket.Socket.receive.__code__.co_names
    if "schedule_ping" not in on_connect or "schedule_ping" not in on_pong:
        raise RuntimeError(
            f"python-engineio {installed} no longer schedules pings through"
            " Socket.schedule_ping, so none would be sent; facilitator/transport/pings.py"
            f" was written for {WRITTEN_FOR}x"
        )
    if not installed.startswith(WRITTEN_FOR):
        log.warning(
            "python-engineio %s is installed; the shared ping task was written for %sx:"
            " check facilitator/transport/pings.py against it",
            installed,
            WRITTEN_FOR,
        )
