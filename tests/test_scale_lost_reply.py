"""Redis applies a facilitator's command but its reply is lost on the way back.

A real server process talks to a real redis-server through a proxy of our own that
can throw away the reply to one append and close that connection. redis-py then sends
the append again (which Redis refuses as a version conflict, the first having moved
the version) and the service decides the command again: only the command id keeps it
from applying twice, or from being called stale.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from facilitator.storage.redis import APPEND
from tests.live import Client, Facilitator, Server, join, wait_until
from tests.redis_server import RedisServer
from tests.reply_dropper import ReplyDropper

# The name redis-py gives the append script in every EVALSHA (not a security use).
APPEND_SHA = hashlib.sha1(APPEND.encode(), usedforsecurity=False).hexdigest().encode()


@dataclass
class Lossy:
    proxy: ReplyDropper
    server: Server
    facilitator: Facilitator


@pytest.fixture(scope="module")
def lossy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lossy]:
    """A server process whose Redis connections all pass through a ReplyDropper."""
    directory = tmp_path_factory.mktemp("lossy")
    redis = RedisServer(directory / "redis").start()
    proxy = ReplyDropper(redis.port, APPEND_SHA).start()
    server: Server | None = None
    try:
        server = Server(
            directory / "server",
            env={"FACILITATOR_REDIS_URL": proxy.url(), "FACILITATOR_LOG_LEVEL": "WARNING"},
        ).start()
        link = wait_until(lambda: server.login_link, 5, "the one-time sign-in link")
        yield Lossy(proxy, server, Facilitator(server).sign_in_with_link(link))
    finally:
        if server is not None:
            server.stop()
        proxy.stop()
        redis.stop()


def _started(lossy: Lossy, clients: list[Client]) -> tuple[dict[str, Any], Client, Client]:
    links = lossy.facilitator.create_session("group-ipt-8", 2)
    console = Client(lossy.server.url, links["console_token"], "console").connect()
    member = join(lossy.server, links["join_code"])
    phone = Client(lossy.server.url, member["token"], "phone").connect()
    clients += [console, phone]
    # The append script is in Redis's cache from here on: the next EVALSHA of an
    # append is the command itself, not a NOSCRIPT to be followed by a load.
    assert console.call("start_session", {"command_id": "start"})["ok"]
    return links, console, phone


def _sent_once(lossy: Lossy, console: Client, event: str, payload: dict[str, Any]) -> Any:
    """Send one console command whose append's reply is lost; return its ack."""
    dropped = lossy.proxy.dropped
    lossy.proxy.drop_next_reply()
    ack = console.call(event, payload)
    assert lossy.proxy.dropped == dropped + 1, "the proxy lost no reply"
    return ack


def _log(lossy: Lossy, session_id: str) -> list[dict[str, Any]]:
    response = lossy.facilitator.get(f"/api/sessions/{session_id}/export/log.jsonl")
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


@pytest.mark.slow
def test_console_commands_whose_redis_reply_was_lost_are_recorded_once(
    lossy: Lossy, clients: list[Client]
) -> None:
    links, console, _ = _started(lossy, clients)
    note = _sent_once(lossy, console, "add_note", {"command_id": "note-1", "text": "Bo spoke"})
    step = _sent_once(lossy, console, "next_step", {"command_id": "next-1"})
    assert note["ok"] and step["ok"], (note, step)

    events = _log(lossy, links["session_id"])
    assert [e["text"] for e in events if e["type"] == "note_added"] == ["Bo spoke"]
    # The step moved one place, not two.
    assert [e["index"] for e in events if e["type"] == "step_entered"] == [0, 1]
    console.wait_for(lambda v: v["step"]["index"] == 1 and len(v["notes"]) == 1)


@pytest.mark.slow
def test_a_command_with_a_version_whose_reply_was_lost_is_acknowledged_not_stale(
    lossy: Lossy, clients: list[Client]
) -> None:
    links, console, phone = _started(lossy, clients)
    assert console.call("open_poll", {"poll": "mood10"})["ok"]
    shown = console.wait_for(lambda v: any(p["phase"] == "open" for p in v["polls"]))
    # A member answers after the console rendered: a busy room, not a stale screen.
    answer = {"action_id": "a1", "poll_id": "poll-1", "value": 4}
    assert phone.call("submit_answer", answer)["ok"]
    ack = _sent_once(
        lossy, console, "close_poll", {"poll_id": "poll-1", "version": shown["version"]}
    )
    assert ack["ok"], ack
    step = _sent_once(lossy, console, "next_step", {"version": ack["version"]})
    assert step["ok"], step

    events = _log(lossy, links["session_id"])
    assert [e["type"] for e in events].count("poll_closed") == 1
    assert [e["index"] for e in events if e["type"] == "step_entered"] == [0, 1]
