"""The server is killed with SIGKILL while answers are in flight, then restarted."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.live import Client, Facilitator, Server, answer_until_acknowledged, join, wait_until

MEMBERS = 16


@pytest.mark.slow
def test_every_acknowledged_answer_survives_a_sigkill_exactly_once(tmp_path: Path) -> None:
    server = Server(tmp_path / "data").start()
    opened: list[Client] = []
    try:
        wait_until(lambda: server.login_link, 5, "sign-in link")
        facilitator = Facilitator(server).sign_in_with_link(server.login_link)
        links = facilitator.create_session("group-ipt-8", 2)
        console = Client(server.url, links["console_token"], "console").connect()
        phones = [
            Client(server.url, join(server, links["join_code"])["token"], f"phone {n}").connect()
            for n in range(MEMBERS)
        ]
        opened += [console, *phones]
        assert console.call("start_session")["ok"]
        assert console.call("open_poll", {"poll": "mood10"})["ok"]
        before_kill = console.call("sync")["version"]

        acked_by_member: dict[int, float] = {}
        workers = [
            threading.Thread(target=answer_until_acknowledged, args=(phones[n], n, acked_by_member))
            for n in range(MEMBERS)
        ]

        def start_staggered() -> None:
            for worker in workers:
                worker.start()
                time.sleep(0.05)  # phones answer over a second, not all at once

        starter = threading.Thread(target=start_staggered)
        starter.start()
        wait_until(lambda: len(acked_by_member) >= 3, 20, "the first answers")
        views_before = {client.label: len(client.events("view")) for client in opened}
        server.kill()
        killed_at = time.monotonic()
        acked_before = {n for n, at in acked_by_member.items() if at < killed_at}
        server.start()
        starter.join()
        for worker in workers:
            worker.join(timeout=70)
        assert len(acked_by_member) == MEMBERS
        assert acked_before, "the kill came before any answer was acknowledged"
        assert len(acked_before) < MEMBERS, (
            "the kill came after every answer: nothing was in flight"
        )

        # Clients reconnected by themselves and were sent a fresh view.
        for client in opened:
            wait_until(_connected(client), 20, f"{client.label} to reconnect")
            wait_until(
                _more_views(client, views_before[client.label]), 20, f"{client.label} to resync"
            )
        assert console.call("sync")["version"] > before_kill

        assert console.call("close_poll", {"poll_id": "poll-1"})["ok"]
        log = facilitator.get(f"/api/sessions/{links['session_id']}/export/log.jsonl")
        events = [json.loads(line) for line in log.text.splitlines()]
        votes = [e["participant_id"] for e in events if e["type"] == "anonymous_vote_counted"]
        assert len(votes) == len(set(votes)) == MEMBERS
        (closed,) = [e for e in events if e["type"] == "poll_closed"]
        assert sorted(closed["ballots"]) == sorted(_value(n) for n in range(MEMBERS))
    finally:
        for client in opened:
            client.close()
        server.stop()


def _value(member: int) -> int:
    return member % 11


def _connected(client: Client) -> Callable[[], bool]:
    return lambda: bool(client.sio.connected)


def _more_views(client: Client, seen: int) -> Callable[[], bool]:
    return lambda: len(client.events("view")) > seen
