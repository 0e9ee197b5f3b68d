"""Connections: one task sends every heartbeat, and small messages go without delay."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

import engineio
import engineio.socket
import pytest
import requests
import websocket
from gevent import pywsgi

from facilitator.transport import connection_handler, pings
from facilitator.transport.connection_handler import READ_BUFFER, ConnectionHandler
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


# The server as `facilitator serve` starts it, except that Engine.IO's own ping task
# per connection sends nothing: every ping the client gets comes from the shared task.
WITHOUT_ENGINEIO_PINGS = """
import sys
sys.argv = ["facilitator", "serve"]
from facilitator.config import Settings
from facilitator.serving import patch_for
patch_for(Settings.from_env().async_mode)
import engineio.socket
engineio.socket.Socket._send_ping = lambda self: None
from facilitator.cli import main
main()
"""


@pytest.mark.slow
def test_the_live_server_pings_a_quiet_phone_on_time_from_the_shared_task(
    tmp_path: Path,
) -> None:
    command = [sys.executable, "-c", WITHOUT_ENGINEIO_PINGS]
    server = Server(tmp_path / "data", command=command).start()
    try:
        ws = websocket.create_connection(
            server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
            timeout=20,
        )
        opened = str(ws.recv())
        assert opened.startswith("0")
        interval = json.loads(opened[1:])["pingInterval"] / 1000
        for _ in range(2):  # the first after the handshake, the next after the pong
            started = time.monotonic()
            assert ws.recv() == "2"
            assert interval - 0.5 <= time.monotonic() - started <= interval + 2
            ws.send("3")
        ws.close()
    finally:
        server.stop()


def test_a_failed_ping_task_starts_again_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(pings, "RESTART_DELAY", 0.01)

    class FailsOnce(FakeEngine):
        failed = False

        def sleep(self, seconds: float) -> None:
            if not self.failed:
                self.failed = True
                raise RuntimeError("the hub is gone")
            time.sleep(seconds)

    scheduler = PingScheduler(FailsOnce())
    phone = FakeSocket()
    scheduler.schedule(phone)
    wait_until(lambda: phone.sent, 5, "the ping after the task failed")
    assert scheduler.restarts == 1
    assert "the ping task failed" in caplog.text


def test_a_server_without_the_shared_task_does_not_start() -> None:
    pings.share_pings(engineio.Server(async_mode="threading"))  # another server's task
    server = engineio.Server(async_mode="threading")
    with pytest.raises(RuntimeError, match="no ping task"):
        pings.check(server)
    pings.share_pings(server)
    pings.check(server)
    saved = engineio.socket.Socket.schedule_ping
    try:
        engineio.socket.Socket.schedule_ping = pings._engineio_schedule_ping
        with pytest.raises(RuntimeError, match="share_pings was undone"):
            pings.check(server)
    finally:
        engineio.socket.Socket.schedule_ping = saved


def test_accepted_connections_send_small_messages_without_delay() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        accepted, address = listener.accept()
        with client, accepted:
            handler = ConnectionHandler(accepted, address, server=None)
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            client.sendall(b"GET / HTTP/1.1\r\n")
            assert handler.rfile.readline() == b"GET / HTTP/1.1\r\n"


def test_a_connection_reads_through_a_small_buffer() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        accepted, address = listener.accept()
        with client, accepted:
            handler = ConnectionHandler(accepted, address, server=None)
            client.sendall(b"GET / HTTP/1.1\r\n" + b"X" * 6000)
            time.sleep(0.1)  # all of it waits in the socket before the first read
            assert handler.rfile.readline() == b"GET / HTTP/1.1\r\n"
            # What one read took in beyond the line: at most the buffer, not all 6000.
            assert len(handler.rfile.peek()) < READ_BUFFER


def test_a_gevent_whose_handler_takes_no_buffer_does_not_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connection_handler.check()

    def without_rfile(self: Any, sock: Any, address: Any, server: Any) -> None:
        raise AssertionError("not called")

    monkeypatch.setattr(pywsgi.WSGIHandler, "__init__", without_rfile)
    with pytest.raises(RuntimeError, match="no longer takes rfile"):
        connection_handler.check()


@pytest.mark.slow
def test_request_lines_reach_the_log_without_their_query_strings(tmp_path: Path) -> None:
    server = Server(tmp_path / "data", env={"FACILITATOR_LOG_LEVEL": "INFO"}).start()
    try:
        handshake = requests.get(
            server.url + "/socket.io/?EIO=4&transport=polling&marker=q7v2secret", timeout=10
        )
        sid = json.loads(handshake.text[1:])["sid"]
        requests.get(server.url + f"/socket.io/?EIO=4&transport=polling&sid={sid}", timeout=20)
        wait_until(
            lambda: sum('"GET /socket.io/ HTTP/1.1" 200' in line for line in server.output) == 2,
            5,
            "both polls' request lines",
        )
        output = "".join(server.output)
        assert "q7v2secret" not in output
        assert sid not in output
    finally:
        server.stop()
