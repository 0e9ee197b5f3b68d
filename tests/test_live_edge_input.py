"""Hostile input at the edge, against a live server: every event gets its ack, nothing
unreadable changes a session, and the log gets one escaped line, never a traceback."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import socketio

from facilitator.transport import json_packet
from facilitator.transport.json_packet import JsonPacket
from facilitator.transport.socket_events import EVENTS
from tests.live import Client, Facilitator, RawSocket, Server, join, wait_until

# 1,000 levels in 6 KB: the nesting that left a client without an ack.
DEEP = '{"a":' * 1000 + "1" + "}" * 1000
SURROGATE = "\ud800"


@pytest.fixture(scope="module")
def links(facilitator: Facilitator) -> dict[str, Any]:
    return facilitator.create_session()


@pytest.fixture
def phone(server: Server, links: dict[str, Any]) -> Iterator[tuple[RawSocket, str]]:
    """A member's raw connection, already through the handshake, and its member id."""
    joined = join(server, links["join_code"])
    raw = RawSocket(server)
    assert raw.connect(json.dumps({"token": joined["token"]})).startswith("40")
    yield raw, joined["participant_id"]
    raw.close()


def _member(console: Client, member_id: str) -> dict[str, Any]:
    console.call("sync")
    view = console.latest()
    found: dict[str, Any] = next(p for p in view["participants"] if p["id"] == member_id)
    return found


def _invalid(ack: Any) -> str:
    assert ack["ok"] is False, ack
    assert ack["error"]["code"] == "invalid", ack
    message: str = ack["error"]["message"]
    return message


def test_every_event_nested_a_thousand_deep_gets_the_error_ack(
    phone: tuple[RawSocket, str],
) -> None:
    raw, _ = phone
    assert len(DEEP) > 6000
    names = [*EVENTS, "no_such_event"]
    for ack_id, name in enumerate(names, start=1):
        raw.send(f'42{ack_id}["{name}",{DEEP}]')
        assert "nested" in _invalid(raw.ack(ack_id)), name
    # The connection is still open and serves the next event.
    raw.send(f'42{len(names) + 1}["sync",{{}}]')
    assert raw.ack(len(names) + 1)["ok"] is True


def test_a_handshake_nested_a_thousand_deep_gets_connect_error(server: Server) -> None:
    raw = RawSocket(server)
    try:
        refused = raw.connect(f'{{"token":{DEEP}}}')
    finally:
        raw.close()
    assert refused.startswith("44"), refused
    error = json.loads(refused[2:])
    assert error["data"]["code"] == "invalid"
    assert "nested" in error["message"]


def test_unreadable_and_unknown_events_get_the_error_ack(phone: tuple[RawSocket, str]) -> None:
    raw, _ = phone
    raw.send('421["sync",{"version":')
    assert "not a valid packet" in _invalid(raw.ack(1))
    raw.send('422["no_such_event",{}]')
    assert _invalid(raw.ack(2)) == "There is no such event."
    raw.send("423[42]")
    assert "starts with its name" in _invalid(raw.ack(3))


def test_a_lone_surrogate_is_refused_at_the_door_and_exports_still_work(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    links = facilitator.create_session()
    refused = requests.post(
        server.url + "/api/join",
        json={"consent": True, "code": links["join_code"], "name": SURROGATE},
        timeout=5,
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid"
    console = Client(server.url, links["console_token"], "console").connect()
    member = Client(server.url, join(server, links["join_code"], "Ana")["token"]).connect()
    clients.extend([console, member])
    assert console.call("start_session")["ok"]
    assert console.call("open_poll", {"poll": "mood10"})["ok"]
    for event, payload in [
        ("add_note", {"text": f"fine {SURROGATE}"}),
        ("push_prompt", {"text": SURROGATE}),
    ]:
        assert "surrogate" in _invalid(console.call(event, payload)), event
    answer = {"action_id": "a1", "poll_id": "poll-1", "value": f"x{SURROGATE}"}
    assert "surrogate" in _invalid(member.call("submit_answer", answer))
    signal = {"action_id": SURROGATE, "kind": "pass"}
    assert "surrogate" in _invalid(member.call("send_signal", signal))
    base = f"/api/sessions/{links['session_id']}/export/"
    for name in ("log.jsonl", "results.csv", "summary.html"):
        response = facilitator.get(base + name)
        assert response.status_code == 200, (name, response.text[:200])
        assert "\\ud800" not in response.text


def test_connect_and_disconnect_sent_as_events_are_refused_and_change_nothing(
    server: Server,
    links: dict[str, Any],
    phone: tuple[RawSocket, str],
    clients: list[Client],
) -> None:
    raw, member_id = phone
    console = Client(server.url, links["console_token"], "console").connect()
    clients.append(console)
    assert _member(console, member_id)["present"] is True
    version = console.call("sync")["version"]
    raw.send('421["disconnect"]')
    assert "disconnect is not an event" in _invalid(raw.ack(1))
    raw.send('422["connect",{},{"token":"x"}]')
    assert "connect is not an event" in _invalid(raw.ack(2))
    # Without an ack id too: refused, and nothing changes.
    raw.send('42["disconnect","client namespace disconnect"]')
    raw.send('423["sync",{}]')
    assert raw.ack(3)["ok"] is True
    assert console.call("sync")["version"] == version
    assert _member(console, member_id)["present"] is True


def _new_output(server: Server, start: int) -> list[str]:
    return [line.rstrip("\n") for line in server.output[start:]]


def _raw_http(server: Server, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
        connection.sendall(request)
        return connection.recv(200)


def test_control_characters_in_urls_reach_the_log_escaped(server: Server) -> None:
    start = len(server.output)
    _raw_http(server, b"GET /j/\x1b[2J\x07bell HTTP/1.1\r\nHost: x\r\n\r\n")
    _raw_http(server, b"GET\x1b[31m / HTTP/1.1\r\n\r\n")
    # engine.io logs the session id it was given, percent-decoded.
    requests.get(server.url + "/socket.io/?EIO=4&transport=polling&sid=%1b[2J%0aforged", timeout=5)
    wait_until(
        lambda: sum("/socket.io/" in line for line in _new_output(server, start)),
        5,
        "the log lines of these requests",
    )
    written = "\n".join(_new_output(server, start))
    assert "\x1b" not in written
    assert "\x07" not in written
    assert "\\x1b[2J\\x07bell" in written
    assert not any(line.startswith("forged") for line in _new_output(server, start))


MALFORMED_FRAMES = {
    "bad JSON": '42["sync",{"version":',
    "unknown Socket.IO packet type": "47hello",
    "CONNECT_ERROR from a client": "44",
    "empty Socket.IO packet": "4",
    "empty engine.io packet": "",
    "deep nesting": f'42["sync",{DEEP}]',
}


@pytest.mark.parametrize("frame", MALFORMED_FRAMES.values(), ids=MALFORMED_FRAMES.keys())
def test_a_malformed_frame_writes_one_short_line(server: Server, frame: str) -> None:
    start = len(server.output)
    raw = RawSocket(server)
    try:
        raw.send(frame)
        wait_until(lambda: _new_output(server, start), 5, "a log line")
        time.sleep(0.3)  # a traceback would follow within this time
    finally:
        raw.close()
    lines = [line for line in _new_output(server, start) if '"GET /healthz' not in line]
    assert len(lines) == 1, lines
    assert "WARNING" in lines[0]
    assert len(lines[0]) < 200, lines[0]


def test_a_binary_frame_writes_one_short_line(server: Server) -> None:
    start = len(server.output)
    raw = RawSocket(server)
    try:
        raw.ws.send_binary(b"\xff\x00 not a packet")
        wait_until(lambda: _new_output(server, start), 5, "a log line")
        time.sleep(0.3)
    finally:
        raw.close()
    lines = _new_output(server, start)
    assert len(lines) == 1, lines
    assert "binary packets are not accepted" in lines[0]


def test_a_websocket_upgrade_without_a_key_gets_400_and_one_line(server: Server) -> None:
    start = len(server.output)
    answer = _raw_http(
        server,
        b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"
        b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 400"), answer
    wait_until(lambda: any('"GET /socket.io' in x for x in _new_output(server, start)), 5)
    assert not any("Traceback" in line for line in _new_output(server, start))


@pytest.mark.parametrize(
    "body", [b"\x1e\x1e", b"\xff\xfe not UTF-8"], ids=["empty packets", "not UTF-8"]
)
def test_a_malformed_long_polling_body_writes_one_short_line(server: Server, body: bytes) -> None:
    polling = server.url + "/socket.io/?EIO=4&transport=polling"
    opened = requests.get(polling, timeout=5)
    sid = json.loads(opened.text[1:])["sid"]
    start = len(server.output)
    requests.post(f"{polling}&sid={sid}", data=body, timeout=5)
    wait_until(lambda: any('"POST /socket.io' in x for x in _new_output(server, start)), 5)
    time.sleep(0.3)
    lines = [line for line in _new_output(server, start) if '" 200 ' not in line]
    assert len(lines) == 1, lines
    assert len(lines[0]) < 250, lines[0]


def test_a_server_that_does_not_read_through_json_packet_does_not_start() -> None:
    json_packet.check(socketio.Server(async_mode="threading", serializer=JsonPacket))
    with pytest.raises(RuntimeError, match="not JsonPacket"):
        json_packet.check(socketio.Server(async_mode="threading"))
