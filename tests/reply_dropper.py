"""A TCP proxy between server processes and redis-server that can lose one reply.

Told to, it lets the next request holding a given marker (say, the SHA of the append
script, which every EVALSHA of an append names) reach Redis, then throws Redis's reply
away and closes that connection: Redis has applied the write, the server never hears.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from tests.live import free_port


class ReplyDropper:
    """Forward 127.0.0.1:`port` to Redis on `upstream_port`; lose replies on request."""

    def __init__(self, upstream_port: int, marker: bytes) -> None:
        self.port = free_port()
        self.upstream_port = upstream_port
        self.marker = marker
        self.dropped = 0
        self._armed = False
        self._guard = threading.Lock()
        self._open: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", self.port))

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> ReplyDropper:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def drop_next_reply(self) -> None:
        """Lose the reply to the next request that holds the marker."""
        with self._guard:
            self._armed = True

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._guard:
            for sock in self._open:
                _close(sock)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # stopped
            try:
                redis = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=2)
            except OSError:
                _close(client)
                continue
            redis.settimeout(None)
            doomed = threading.Event()
            with self._guard:
                self._open += [client, redis]
            threading.Thread(
                target=self._requests, args=(client, redis, doomed), daemon=True
            ).start()
            threading.Thread(
                target=self._replies, args=(client, redis, doomed), daemon=True
            ).start()

    def _requests(
        self, client: socket.socket, redis: socket.socket, doomed: threading.Event
    ) -> None:
        try:
            while data := client.recv(65536):
                with self._guard:
                    if self._armed and self.marker in data:
                        # Marked before the request goes on, so its reply is the next data.
                        self._armed = False
                        doomed.set()
                redis.sendall(data)
        except OSError:
            pass
        _close(client)
        _close(redis)

    def _replies(
        self, client: socket.socket, redis: socket.socket, doomed: threading.Event
    ) -> None:
        try:
            while data := redis.recv(65536):
                if doomed.is_set():
                    with self._guard:
                        self.dropped += 1
                    break
                client.sendall(data)
        except OSError:
            pass
        _close(client)
        _close(redis)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
