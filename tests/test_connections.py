"""Connections: one task sends every heartbeat, and small messages go without delay."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import websocket

from facilitator.transport.connection_handler import ConnectionHandler
from facilitator.transport.pings import PingScheduler
from tests.live import Server, wait_until


class FakeEngine:
    """What the scheduler uses of an Engine.IO server, in threads, with a short interval."""

    ping_interval = 0.05

    def create_event(self) -> threading.Event:
        return threading.Event()

    def start_background_task(self, target: Any) -> None:
        threading.Thread(target=target, daemon=True).start()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class FakeSocket:
    def __init__(self, *, closed: bool = False, broken: bool = False) -> None:
        self.last_ping: float | None = time.time()
        self.closing = False
        self.closed = closed
        self.broken = broken
        self.sent: list[Any] = []

    def send(self, pkt: Any) -> None:
        if self.broken:
            raise OSError("connection reset")
        self.sent.append(pkt.encode())


def test_each_connection_gets_its_ping_after_the_interval_from_one_task() -> None:
    scheduler = PingScheduler(FakeEngine())
    sockets = [FakeSocket() for _ in range(3)]
    started = time.monotonic()
    for each in sockets:
        scheduler.schedule(each)
    wait_until(lambda: all(s.sent for s in sockets), 5, "three pings")
    assert time.monotonic() - started >= FakeEngine.ping_interval
    assert [s.sent for s in sockets] == [["2"]] * 3  # "2" is Engine.IO's ping
    assert all(s.last_ping is not None for s in sockets)


def test_a_connection_with_a_ping_in_flight_is_not_queued_twice() -> None:
    scheduler = PingScheduler(FakeEngine())
    once = FakeSocket()
    scheduler.schedule(once)
    scheduler.schedule(once)  # no pong yet: last_ping is None until the ping goes
    wait_until(lambda: once.sent, 5, "the ping")
    time.sleep(3 * FakeEngine.ping_interval)
    assert once.sent == ["2"]


def test_closed_and_broken_connections_do_not_stop_the_others() -> None:
    scheduler = PingScheduler(FakeEngine())
    closed, broken, fine = FakeSocket(closed=True), FakeSocket(broken=True), FakeSocket()
    for each in (closed, broken, fine):
        scheduler.schedule(each)
    wait_until(lambda: fine.sent, 5, "the healthy connection's ping")
    assert closed.sent == []
    later = FakeSocket()
    scheduler.schedule(later)
    wait_until(lambda: later.sent, 5, "a ping queued after the failure")


@pytest.mark.slow
def test_the_live_server_pings_a_quiet_phone_on_time(tmp_path: Path) -> None:
    server = Server(tmp_path / "data").start()
    try:
        ws = websocket.create_connection(
            server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
            timeout=20,
        )
        opened = str(ws.recv())
        assert opened.startswith("0")
        interval = json.loads(opened[1:])["pingInterval"] / 1000
        started = time.monotonic()
        assert ws.recv() == "2"  # the first ping, one interval after the handshake
        assert interval - 0.5 <= time.monotonic() - started <= interval + 2
        ws.close()
    finally:
        server.stop()


def test_accepted_connections_send_small_messages_without_delay() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        accepted, address = listener.accept()
        with client, accepted:
            handler = ConnectionHandler(accepted, address, server=None)
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            client.sendall(b"GET / HTTP/1.1\r\n")
            assert handler.rfile.readline() == b"GET / HTTP/1.1\r\n"
