"""Who the console shows connected is true after a crash: a real server, killed with -9."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.live import Client, Facilitator, Server, join, wait_until

MEMBERS = 3


def connected(view: dict[str, Any]) -> set[str]:
    """Return the ids the console's roster shows connected."""
    return {m["id"] for m in view["participants"] if m["connected"]}


@pytest.mark.slow
def test_phones_closed_while_the_server_was_down_are_away_after_a_restart(
    tmp_path: Path, clients: list[Client]
) -> None:
    server = Server(tmp_path / "data").start()
    try:
        wait_until(lambda: server.login_link, 5, "sign-in link")
        facilitator = Facilitator(server).sign_in_with_link(server.login_link)
        links = facilitator.create_session("group-ipt-8", 2)
        console = Client(server.url, links["console_token"], "console").connect()
        members = [join(server, links["join_code"]) for _ in range(MEMBERS)]
        phones = [Client(server.url, m["token"], m["name"]).connect() for m in members]
        clients += [console, *phones]
        ids = [m["participant_id"] for m in members]
        console.wait_for(lambda v: connected(v) == set(ids))

        for phone in phones[:2]:
            # These two are closed while the server is down, and must not come back by
            # themselves: a shutdown racing the client's own reconnect could lose.
            phone.sio.reconnection = False
        server.kill()
        for phone in phones[:2]:
            phone.sio.shutdown()  # closed while the server was down: no disconnect arrives
        views_before = len(console.events("view"))
        server.start()

        # The console and the one phone still open reconnect by themselves.
        wait_until(lambda: console.sio.connected and phones[2].sio.connected, 20, "reconnects")
        view = console.wait_for(
            lambda v: len(console.events("view")) > views_before and connected(v) == {ids[2]},
            timeout=10,
        )
        assert {m["id"] for m in view["participants"] if m["present"]} == set(ids)

        # Heartbeats that change nothing send the console nothing.
        quiet = len(console.events("view"))
        time.sleep(3.5)
        assert len(console.events("view")) == quiet
        assert connected(console.latest()) == {ids[2]}

        # The member whose phone opens again is shown here again.
        again = Client(server.url, members[0]["token"], "phone 0 again").connect()
        clients.append(again)
        console.wait_for(lambda v: connected(v) == {ids[0], ids[2]}, timeout=5)
    finally:
        server.stop()
