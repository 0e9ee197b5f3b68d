"""Who is connected, across processes on one Redis: a process killed, Redis killed.

Real server processes and a redis-server of our own, killed with SIGKILL and restarted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from facilitator.service.presence import GATHER, HEARTBEAT, KEEP_FOR
from tests.live import Client, Facilitator, Server, join, wait_until
from tests.redis_server import RedisServer, servers_on_redis
from tests.test_live_presence import connected

# The bounds docs/deploy.md states: a dead process's members turn away within its
# records' lifetime and one heartbeat; a change made during a Redis outage shows within
# two heartbeats of Redis answering again (the writer's, then the console's process's).
DEAD_PROCESS_BOUND = KEEP_FOR + HEARTBEAT
OUTAGE_BOUND = 2 * HEARTBEAT
# A connect shows on a console of another process after the burst's gathering and that
# process's next heartbeat.
CONNECT_BOUND = GATHER + HEARTBEAT
# What a busy test machine adds to a bound: scheduling and the render itself.
SLACK = 0.5


@dataclass
class Pair:
    redis: RedisServer
    servers: list[Server]
    facilitator: Facilitator
    links: dict[str, str]


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    """Two processes on a redis-server of our own, and a session created on them."""
    redis = RedisServer(tmp_path / "redis").start()
    servers: list[Server] = []
    try:
        servers = servers_on_redis(redis.url(), tmp_path)
        link = wait_until(lambda: servers[0].login_link, 5, "the one-time sign-in link")
        facilitator = Facilitator(servers[1]).sign_in_with_link(link)
        yield Pair(redis, servers, facilitator, facilitator.create_session("group-ipt-8", 2))
    finally:
        for server in servers:
            server.stop()
        redis.stop()


def _phone(server: Server, pair: Pair, clients: list[Client]) -> tuple[str, Client]:
    member = join(server, pair.links["join_code"])
    phone = Client(server.url, member["token"], member["name"]).connect()
    clients.append(phone)
    return member["participant_id"], phone


@pytest.mark.slow
def test_a_killed_process_phones_turn_away_on_a_console_of_another_process(
    pair: Pair, clients: list[Client]
) -> None:
    a, b = pair.servers
    console = Client(b.url, pair.links["console_token"], "console on b").connect()
    clients.append(console)
    on_b, _ = _phone(b, pair, clients)
    console.wait_for(lambda v: connected(v) == {on_b})
    on_a, phone_a = _phone(a, pair, clients)
    connected_at = time.monotonic()
    console.wait_for(lambda v: connected(v) == {on_a, on_b})
    took = time.monotonic() - connected_at
    assert took <= CONNECT_BOUND + SLACK, f"shown connected after {took:.1f} s"

    a.kill()
    killed_at = time.monotonic()
    console.wait_for(lambda v: connected(v) == {on_b}, timeout=DEAD_PROCESS_BOUND + 10)
    took = time.monotonic() - killed_at
    assert took <= DEAD_PROCESS_BOUND + SLACK, f"shown away after {took:.1f} s"
    # The phone cannot reach its process, and stays away.
    time.sleep(2 * HEARTBEAT)
    assert connected(console.latest()) == {on_b}
    assert not phone_a.sio.connected


@pytest.mark.slow
def test_a_phone_that_closed_while_redis_was_down_turns_away_once_it_returns(
    pair: Pair, clients: list[Client]
) -> None:
    a, b = pair.servers
    console = Client(b.url, pair.links["console_token"], "console on b").connect()
    clients.append(console)
    leaving, phone = _phone(a, pair, clients)
    staying, _ = _phone(a, pair, clients)
    console.wait_for(lambda v: connected(v) == {leaving, staying})

    pair.redis.kill()
    try:
        phone.close()
        time.sleep(1.0)  # the disconnect is handled while nothing can be written
    finally:
        pair.redis.start()
    back_at = time.monotonic()
    console.wait_for(lambda v: connected(v) == {staying}, timeout=OUTAGE_BOUND + 10)
    took = time.monotonic() - back_at
    assert took <= OUTAGE_BOUND + SLACK, f"shown away {took:.1f} s after Redis returned"
    time.sleep(2 * HEARTBEAT)
    assert connected(console.latest()) == {staying}
