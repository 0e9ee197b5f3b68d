"""Redis dies under a busy room: commands are refused at once and never recorded later.

A real server process on a real redis-server of our own, which the test kills while
consoles and phones send commands all at once.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import socketio

from tests.live import Client, Facilitator, Server, join, wait_until
from tests.redis_server import RedisServer

# The bound a refusal must arrive within, and how long a test client waits for an ack:
# an ack later than this counts as a failure its sender has already been told of.
REFUSED_WITHIN = 1.0
PHONES = 4
NOTES_PER_CONSOLE = 6


@dataclass
class Room:
    redis: RedisServer
    server: Server
    facilitator: Facilitator


@pytest.fixture
def room(tmp_path: Any) -> Iterator[Room]:
    """One server process on a redis-server of our own, and a signed-in facilitator."""
    redis = RedisServer(tmp_path / "redis").start()
    server: Server | None = None
    try:
        server = Server(
            tmp_path / "server",
            env={"FACILITATOR_REDIS_URL": redis.url(), "FACILITATOR_LOG_LEVEL": "WARNING"},
        ).start()
        link = wait_until(lambda: server.login_link, 5, "the one-time sign-in link")
        yield Room(redis, server, Facilitator(server).sign_in_with_link(link))
    finally:
        if server is not None:
            server.stop()
        redis.stop()


@pytest.mark.slow
def test_with_redis_down_commands_are_refused_at_once_and_never_recorded_later(
    room: Room, clients: list[Client]
) -> None:
    links = room.facilitator.create_session("group-ipt-8", 2)
    url = room.server.url
    consoles = [Client(url, links["console_token"], f"console {n}").connect() for n in range(2)]
    members = [join(room.server, links["join_code"]) for _ in range(PHONES)]
    phones = [Client(url, m["token"], m["name"]).connect() for m in members]
    clients += [*consoles, *phones]
    assert consoles[0].call("start_session")["ok"]
    assert consoles[0].call("open_poll", {"poll": "mood10"})["ok"]

    # Twenty commands from six clients at once: notes from two consoles, an answer and
    # a signal from each phone.
    sends: list[tuple[Client, str, dict[str, Any]]] = [
        (console, "add_note", {"text": f"refused note {n}-{k}"})
        for n, console in enumerate(consoles)
        for k in range(NOTES_PER_CONSOLE)
    ]
    for n, phone in enumerate(phones):
        sends.append(
            (phone, "submit_answer", {"action_id": f"a{n}", "poll_id": "poll-1", "value": n})
        )
        sends.append((phone, "send_signal", {"action_id": f"s{n}", "kind": "pass"}))
    assert len(sends) == 20

    room.redis.kill()
    results: list[tuple[str, float, Any]] = [("", 0.0, None)] * len(sends)
    go = threading.Barrier(len(sends))

    def send(index: int, client: Client, event: str, payload: dict[str, Any]) -> None:
        go.wait()
        started = time.monotonic()
        try:
            ack: Any = client.call(event, payload, timeout=REFUSED_WITHIN)
        except socketio.exceptions.TimeoutError:
            ack = None
        results[index] = (event, time.monotonic() - started, ack)

    workers = [
        threading.Thread(target=send, args=(index, *sent)) for index, sent in enumerate(sends)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    # Redis returns while anything still waiting in the server would be written now.
    room.redis.start()

    times = sorted(seconds for _, seconds, _ in results)
    print(
        f"\nrefusals with Redis down ({len(times)} commands at once): "
        f"fastest {times[0] * 1000:.0f} ms, median {times[len(times) // 2] * 1000:.0f} ms, "
        f"slowest {times[-1] * 1000:.0f} ms"
    )
    late = [(event, round(seconds, 2)) for event, seconds, ack in results if ack is None]
    refused = [ack for _, _, ack in results if ack is not None]

    # Redis is back: nothing that was refused (or not answered in time) shows up.
    wait_until(lambda: consoles[0].call("sync", timeout=5).get("ok"), 10, "the store again")
    time.sleep(6)  # past the server's deadline for anything still waiting
    assert consoles[0].call("add_note", {"text": "after"})["ok"]
    events = _log(room.facilitator, links["session_id"])
    recorded = [e["text"] for e in events if e["type"] == "note_added" and e["text"] != "after"]
    recorded += [
        e["type"] for e in events if e["type"] in ("anonymous_vote_counted", "signal_sent")
    ]

    assert not late and not recorded, (
        f"no refusal within {REFUSED_WITHIN} s: {late}; recorded after Redis returned: {recorded}"
    )
    for ack in refused:
        assert ack["ok"] is False, ack
        assert ack["error"]["code"] == "storage_unavailable", ack
        assert "nothing was saved" in ack["error"]["message"]


def _log(facilitator: Facilitator, session_id: str) -> list[dict[str, Any]]:
    response = facilitator.get(f"/api/sessions/{session_id}/export/log.jsonl")
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]
