"""Engine.IO heartbeats for every connection of a process, from one background task.

Engine.IO starts a task per connection that sleeps through the ping interval and then
sends one ping; under gevent that is a sleeping greenlet, about 9 KB, for every phone
connected. Every connection waits the same interval, so the due pings form a queue in
time order, and one task can send them all.
"""

from __future__ import annotations

import collections
import logging
import time
import weakref
from typing import Any

import engineio.socket
from engineio import packet

log = logging.getLogger(__name__)

_engineio_schedule_ping = engineio.socket.Socket.schedule_ping
_schedulers: weakref.WeakKeyDictionary[Any, PingScheduler] = weakref.WeakKeyDictionary()


class PingScheduler:
    """Send each connection of one Engine.IO server its next ping when it falls due."""

    def __init__(self, server: Any) -> None:
        self._server = server
        self._due: collections.deque[tuple[float, Any]] = collections.deque()
        self._wake = server.create_event()
        self._running = False

    def schedule(self, socket: Any) -> None:
        """Queue `socket`'s next ping, as Engine.IO's own schedule_ping would start it."""
        if not socket.last_ping:
            return  # a ping is already on its way and not yet answered
        socket.last_ping = None
        self._due.append((time.monotonic() + self._server.ping_interval, socket))
        if not self._running:
            self._running = True
            self._server.start_background_task(self._run)
        self._wake.set()

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
