"""Two server processes share one Redis: one session, clients on both, Redis failing.

Real processes and a real redis-server of our own (append-only file, fsync always),
so that Redis can be killed and restarted without touching anyone else's.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
import requests

from tests.live import Client, Facilitator, Server, answer_until_acknowledged, join, wait_until
from tests.redis_server import RedisServer, servers_on_redis
from tests.scripted_session import run_scripted_session


@dataclass
class Pair:
    redis: RedisServer
    servers: list[Server]
    facilitator: Facilitator


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Two server processes on one redis-server of our own, and a signed-in facilitator."""
    directory = tmp_path_factory.mktemp("pair")
    redis = RedisServer(directory / "redis").start()
    servers: list[Server] = []
    try:
        servers = servers_on_redis(redis.url(), directory)
        link = wait_until(lambda: servers[0].login_link, 5, "the one-time sign-in link")
        # Signed in on one process, the cookie is good on the other: one secret key.
        yield Pair(redis, servers, Facilitator(servers[1]).sign_in_with_link(link))
    finally:
        for server in servers:
            server.stop()
        redis.stop()


@pytest.mark.slow
def test_the_scripted_session_passes_with_clients_spread_over_two_processes(
    pair: Pair, clients: list[Client]
) -> None:
    run_scripted_session(pair.servers, pair.facilitator, clients)


@pytest.mark.slow
def test_two_consoles_on_two_processes_at_one_version_one_applies_one_is_stale(
    pair: Pair, clients: list[Client]
) -> None:
    a, b = pair.servers
    links = pair.facilitator.create_session("group-ipt-8", 2)
    consoles = [
        Client(server.url, links["console_token"], f"console {n}").connect()
        for n, server in enumerate((a, b))
    ]
    clients += consoles
    assert consoles[0].call("start_session")["ok"]
    rounds = 4
    for _ in range(rounds):
        version = consoles[0].call("sync")["version"]
        assert consoles[1].call("sync")["version"] == version
        acks = _at_once(consoles, "next_step", {"version": version})
        assert sorted(ack["ok"] for ack in acks) == [False, True], acks
        (refused,) = [ack for ack in acks if not ack["ok"]]
        assert refused["error"]["code"] == "stale_version"
        assert f"after version {version}" in refused["error"]["message"]

    events = _log(pair.facilitator, links["session_id"])
    assert [e["version"] for e in events] == list(range(1, len(events) + 1))
    steps = [e["index"] for e in events if e["type"] == "step_entered"]
    assert steps == list(range(rounds + 1))
    # Both consoles end on the one state the log holds.
    for console in consoles:
        console.wait_for(lambda v: v["step"]["index"] == rounds)


@pytest.mark.slow
def test_a_console_follows_answers_from_both_processes_by_patches_alone(
    pair: Pair, clients: list[Client]
) -> None:
    """Answers that alternate between processes reach the console as patches that fit:
    each process takes the view the other sent as its base, so no answer makes the
    console fetch the whole view again (tests/live.py `Client` asks `sync` as a console
    does when a patch does not fit, and counts it)."""
    a, b = pair.servers
    links = pair.facilitator.create_session("group-ipt-8", 2)
    console = Client(a.url, links["console_token"], "console").connect()
    phones = []
    for n in range(6):
        server = (a, b)[n % 2]
        member = join(server, links["join_code"])
        phones.append(Client(server.url, member["token"], f"phone {n}").connect())
    clients += [console, *phones]
    assert console.call("start_session")["ok"]
    console.wait_for(lambda v: sum(m["connected"] for m in v["participants"]) == len(phones))
    assert console.call("open_poll", {"poll": "mood10"})["ok"]
    console.wait_for(lambda v: bool(v["polls"]))
    resyncs = console.resyncs

    for n, phone in enumerate(phones):
        payload = {"action_id": f"mood-{n}", "poll_id": "poll-1", "value": n}
        assert phone.call("submit_answer", payload)["ok"]
        console.wait_for(partial(_counted, n + 1))

    assert console.resyncs == resyncs
    # What the patches built is the view a console opening now is sent.
    whole = console.call("sync")["view"]
    assert console.held == whole


@pytest.mark.slow
def test_redis_down_refuses_commands_clearly_and_service_resumes_when_it_returns(
    pair: Pair, clients: list[Client]
) -> None:
    a, b = pair.servers
    links = pair.facilitator.create_session("group-ipt-8", 2)
    console = Client(a.url, links["console_token"], "console").connect()
    joined = [join(server, links["join_code"]) for server in (a, b)]
    phones = [
        Client(server.url, member["token"], member["name"]).connect()
        for server, member in zip((a, b), joined, strict=True)
    ]
    clients += [console, *phones]
    assert console.call("start_session")["ok"]
    assert console.call("open_poll", {"poll": "mood10"})["ok"]
    answer = {"action_id": "mood", "poll_id": "poll-1"}

    pair.redis.kill()
    try:
        refused = [
            phones[0].call("submit_answer", {**answer, "value": 3}),
            phones[1].call("submit_answer", {**answer, "value": 9}),
            console.call("next_step"),
        ]
    finally:
        pair.redis.start()
    for ack in refused:
        assert ack["ok"] is False, ack
        assert ack["error"]["code"] == "storage_unavailable"
        assert "nothing was saved" in ack["error"]["message"]
        assert "version" not in ack

    # Redis is back: each process finds it again by itself, within its store's circuit
    # breaker cool-down (half a second), and the next command works.
    wait_until(lambda: all(_healthy(server) for server in pair.servers), 2, "both processes")
    assert phones[0].call("submit_answer", {**answer, "value": 3})["ok"]
    assert console.call("close_poll", {"poll_id": "poll-1"})["ok"]
    events = _log(pair.facilitator, links["session_id"])
    votes = [e["participant_id"] for e in events if e["type"] == "anonymous_vote_counted"]
    assert votes == [joined[0]["participant_id"]]
    (closed,) = [e for e in events if e["type"] == "poll_closed"]
    assert closed["ballots"] == []  # one answer, below the threshold: counted, never kept
    assert [e["index"] for e in events if e["type"] == "step_entered"] == [0]


MEMBERS = 12
PASSWORD = "a long password 1"


@pytest.mark.slow
def test_redis_restarted_mid_session_loses_nothing_acknowledged_and_clients_resync(
    pair: Pair, clients: list[Client]
) -> None:
    a, b = pair.servers
    links = pair.facilitator.create_session("group-ipt-8", 2)
    console = Client(a.url, links["console_token"], "console").connect()
    display = Client(b.url, links["display_token"], "display").connect()
    phones = []
    for n in range(MEMBERS):
        server = (a, b)[n % 2]
        member = join(server, links["join_code"])
        phones.append(Client(server.url, member["token"], f"phone {n}").connect())
    everyone = [console, display, *phones]
    clients += everyone
    assert console.call("start_session")["ok"]
    assert console.call("open_poll", {"poll": "mood10"})["ok"]

    acked: dict[int, float] = {}
    killed_at = float("inf")
    workers = [
        threading.Thread(
            target=answer_until_acknowledged,
            args=(phones[n], n, acked),
            kwargs={"seconds": 30, "retry_codes": ("storage_unavailable",)},
        )
        for n in range(MEMBERS)
    ]
    for worker in workers:
        worker.start()
        time.sleep(0.08)  # phones answer over a second, not all at once
        if len(acked) >= 3 and pair.redis.process and pair.redis.process.poll() is None:
            pair.redis.kill()
            killed_at = time.monotonic()
    assert killed_at < float("inf"), "no answer was acknowledged before the last phone began"
    acked_before = {n for n, at in acked.items() if at < killed_at}
    time.sleep(0.5)
    pair.redis.start()
    for worker in workers:
        worker.join(timeout=40)
    assert len(acked) == MEMBERS
    assert acked_before, "Redis was killed before any answer was acknowledged"
    assert len(acked_before) < MEMBERS, "Redis was killed after every answer"

    # Every client resyncs and hears changes again, on both processes.
    version = console.call("sync")["version"]
    for client in everyone:
        reply = client.call("sync")
        assert reply["ok"] and "view" in reply, reply
    assert console.call("close_poll", {"poll_id": "poll-1"})["ok"]
    # Each process resubscribes to Redis's pub/sub by itself soon after Redis returns,
    # and resyncs its own clients then (tests/test_scale_queue_return.py times it).
    # From then on every change reaches every client again.
    views_before = {client.label: len(client.events("view")) for client in everyone}
    deadline = time.monotonic() + 20
    for n in itertools.count():
        assert console.call("push_prompt", {"text": f"Still with us? ({n})"})["ok"]
        time.sleep(0.5)
        deaf = [c.label for c in everyone if len(c.events("view")) <= views_before[c.label]]
        if not deaf:
            break
        assert time.monotonic() < deadline, f"no broadcast reached {deaf} after Redis returned"
    assert console.call("sync")["version"] > version

    events = _log(pair.facilitator, links["session_id"])
    assert [e["version"] for e in events] == list(range(1, len(events) + 1))
    votes = [e["participant_id"] for e in events if e["type"] == "anonymous_vote_counted"]
    assert len(votes) == len(set(votes)) == MEMBERS
    (closed,) = [e for e in events if e["type"] == "poll_closed"]
    assert sorted(closed["ballots"]) == sorted(_value(n) for n in range(MEMBERS))


@pytest.mark.slow
def test_signing_out_everywhere_on_one_process_closes_a_console_on_the_other(
    pair: Pair, clients: list[Client]
) -> None:
    a, b = pair.servers
    env = {**a.env, "PATH": ""}
    added = subprocess.run(
        [sys.executable, "-m", "facilitator", "users", "add", "crossing", "--password", PASSWORD],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    browser = Facilitator(a)
    assert browser.sign_in("crossing", PASSWORD).status_code == 302
    browser.csrf = browser.get("/api/me").json()["csrf_token"]
    links = browser.create_session("group-ipt-8", 2)
    console = Client(b.url, links["console_token"], "console on b").connect()
    clients.append(console)
    assert console.call("sync")["ok"]
    # A copied cookie works on either process, until the sign-in ends on one of them.
    copy = Facilitator(b)
    copy.http.cookies.update(browser.http.cookies)
    assert copy.get("/api/me").json()["user"] == "crossing"
    ended = browser.http.post(
        a.url + "/logout/everywhere", data={"csrf_token": browser.csrf}, timeout=5
    )
    assert ended.ok
    assert copy.get("/api/me").status_code == 401
    wait_until(lambda: not console.sio.connected, 10, "the console on the other process to close")
    # The facilitator signed in with the one-time link is someone else: still signed in.
    assert pair.facilitator.get("/api/me").status_code == 200


def _value(member: int) -> int:
    return member % 11


def _counted(count: int, view: dict[str, Any]) -> bool:
    return bool(view["polls"][0]["count"] == count)


def _at_once(consoles: list[Client], event: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Send `event` from every console at the same moment; return the acks in order."""
    start = threading.Barrier(len(consoles))
    acks: list[dict[str, Any]] = [{} for _ in consoles]

    def send(n: int) -> None:
        start.wait()
        acks[n] = consoles[n].call(event, payload)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(consoles))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    return acks


def _healthy(server: Server) -> bool:
    return requests.get(server.url + "/healthz", timeout=2).ok


def _log(facilitator: Facilitator, session_id: str) -> list[dict[str, Any]]:
    response = facilitator.get(f"/api/sessions/{session_id}/export/log.jsonl")
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]
