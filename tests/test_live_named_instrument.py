"""An instrument the protocol asks by name (ipt-g-12's half-way WHO-5), on a live server:
the console sees each member's answer with their name; phones and the room never do."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import Client, Facilitator, Server, join


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "data").start()
    yield running
    running.stop()


def test_a_named_who5_reaches_the_console_by_name_and_no_one_else(server: Server) -> None:
    facilitator = Facilitator(server).sign_in_with_link(server.login_link)
    links = facilitator.create_session("ipt-g-12", 7)
    console = Client(server.url, links["console_token"], "console").connect()
    display = Client(server.url, links["display_token"], "display").connect()
    names = ["Dana Quill", "Eli Marsh"]
    phones = [
        Client(server.url, join(server, links["join_code"], name)["token"], name).connect()
        for name in names
    ]
    try:
        assert console.call("start_session")["ok"]
        assert console.call("open_poll", {"poll": "who5_named"})["ok"]
        view = console.wait_for(lambda v: any(p["spec_id"] == "who5_named" for p in v["polls"]))
        poll = next(p for p in view["polls"] if p["spec_id"] == "who5_named")
        for n, phone in enumerate(phones):
            answer = {"action_id": f"w-{n}", "poll_id": poll["poll_id"], "value": [n + 1] * 5}
            assert phone.call("submit_answer", answer)["ok"]
        seen = console.wait_for(
            lambda v: (
                len(next(p for p in v["polls"] if p["spec_id"] == "who5_named")["answers"]) == 2
            )
        )
        answers = next(p for p in seen["polls"] if p["spec_id"] == "who5_named")["answers"]
        assert sorted(a["name"] for a in answers) == sorted(names)
        assert all("total" in a for a in answers)
        assert console.call("close_poll", {"poll_id": poll["poll_id"]})["ok"]
        # Nothing a phone or the room display received names anyone's answer.
        for client in [*phones, display]:
            received = json.dumps(client.received)
            other = [name for name in names if name != client.label]
            assert not any(name in received for name in other), client.label
            assert '"answers"' not in received
        csv = facilitator.get(f"/api/sessions/{links['session_id']}/export/results.csv").text
        assert all(name in csv for name in names)
    finally:
        for client in [console, display, *phones]:
            client.close()
