"""A ranking poll on a live server: phones order the options, the room sees points."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import Client, Facilitator, Server, join

PROTOCOLS = Path(__file__).parent / "browser" / "protocols"
OPTIONS = ["Sleep", "Seeing friends", "Work", "Exercise"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server offering the test protocol with a ranking poll."""
    running = Server(
        tmp_path_factory.mktemp("server"), env={"FACILITATOR_PROTOCOLS_DIR": str(PROTOCOLS)}
    ).start()
    yield running
    running.stop()


def test_members_rank_the_options_and_the_room_sees_points_after_reveal(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    links = facilitator.create_session("browser-check", 1)
    console = Client(server.url, links["console_token"], "console").connect()
    display = Client(server.url, links["display_token"], "display").connect()
    joined = [join(server, links["join_code"], name) for name in ("Ada", "Bo", "Cy")]
    phones = [Client(server.url, j["token"], j["name"]).connect() for j in joined]
    clients += [console, display, *phones]
    assert console.call("start_session")["ok"]
    assert console.call("open_poll", {"poll": "priorities"})["ok"]

    question = phones[0].wait_for(lambda v: v["poll"])["poll"]
    assert (question["type"], question["options"], question["anonymous"]) == (
        "ranking",
        OPTIONS,
        True,
    )
    poll_id = question["poll_id"]

    # A partial order, a repeat and an option that does not exist are each refused.
    for bad in ([0, 1], [0, 1, 2, 2], [0, 1, 2, 4], "0,1,2,3"):
        ack = phones[0].call("submit_answer", {"action_id": "r0", "poll_id": poll_id, "value": bad})
        assert ack["ok"] is False, ack
        assert ack["error"] == {
            "code": "invalid",
            "message": "Put every option in order: the option numbers 0 to 3, each once.",
        }
    orders = ([0, 1, 2, 3], [0, 3, 1, 2], [1, 0, 3, 2])
    for phone, order in zip(phones, orders, strict=True):
        ack = phone.call("submit_answer", {"action_id": "r1", "poll_id": poll_id, "value": order})
        assert ack["ok"], ack

    # Before the reveal the console sees how many answered, not what.
    open_view = console.wait_for(lambda v: v["polls"] and v["polls"][0]["count"] == 3)
    assert open_view["polls"][0]["summary"] is None
    assert console.call("close_poll", {"poll_id": poll_id})["ok"]
    assert console.call("reveal_poll", {"poll_id": poll_id})["ok"]

    result = display.wait_for(lambda v: v["results"])["results"][-1]
    # Borda points with four options: 3 for first place down to 0 for last.
    assert result["summary"] == {
        "count": 3,
        "points": {"Sleep": 8, "Seeing friends": 6, "Work": 1, "Exercise": 3},
        "mean_ranks": {"Sleep": 1.33, "Seeing friends": 2.0, "Work": 3.67, "Exercise": 3.0},
    }
    assert (result["type"], result["options"]) == ("ranking", OPTIONS)
    revealed = console.wait_for(lambda v: v["polls"][0]["phase"] == "revealed")
    assert revealed["polls"][0]["summary"] == result["summary"]
    # The room never sees who is in the group, let alone who ranked what.
    # A name as a value, or as a word in one: a random id may hold "Bo" by chance.
    texts = re.findall(r'"((?:[^"\\]|\\.)*)"', json.dumps(display.latest()))
    assert not [t for t in texts if {"Ada", "Bo", "Cy"} & set(re.split(r"[\s,.:;()]+", t))]
    export = facilitator.get(f"/api/sessions/{links['session_id']}/export/results.csv")
    assert export.status_code == 200, export.text
    assert "points,Sleep,8" in export.text
    assert "Ada" not in export.text
