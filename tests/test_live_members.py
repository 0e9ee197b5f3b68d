"""Members' lifecycle on a live server: removal, leaving, risk answers, join limits."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import socketio

from tests.live import Client, Facilitator, Server, join, wait_until


def _session(server: Server, facilitator: Facilitator, number: int, members: int) -> Any:
    links = facilitator.create_session("group-ipt-8", number)
    console = Client(server.url, links["console_token"], "console").connect()
    joined = [join(server, links["join_code"]) for _ in range(members)]
    phones = [Client(server.url, j["token"], j["name"]).connect() for j in joined]
    return links, console, joined, phones


@pytest.mark.slow
def test_a_removed_member_is_disconnected_and_kept_out(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    _, console, joined, phones = _session(server, facilitator, 1, 2)
    clients += [console, *phones]
    removed = joined[0]
    ack = console.call("remove_participant", {"participant_id": removed["participant_id"]})
    assert ack["ok"], ack
    wait_until(lambda: not phones[0].sio.connected, 10, "the removed phone to be disconnected")
    assert phones[1].sio.connected
    assert _refusal(server, removed["token"])["code"] == "removed"
    roster = console.wait_for(lambda v: any(m["removed"] for m in v["participants"]))[
        "participants"
    ]
    assert [m["id"] for m in roster if m["removed"]] == [removed["participant_id"]]


def _refusal(server: Server, token: str) -> Any:
    """Try to connect with `token`; return the error data the server refused it with."""
    refused: list[Any] = []
    client = socketio.Client(reconnection=False)
    client.on("connect_error", lambda data: refused.append(data))
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(server.url, auth={"token": token}, transports=["websocket"], wait_timeout=5)
    (data,) = refused
    assert "data" in data, data
    assert data["message"] == data["data"]["message"]
    return data["data"]


def test_a_refused_connection_says_why_in_the_error_shape(server: Server) -> None:
    expected = {"code": "unauthenticated", "message": "This token is not valid."}
    assert _refusal(server, "forged") == expected


@pytest.mark.slow
def test_a_member_who_leaves_is_shown_as_left_and_cannot_answer(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    _, console, joined, phones = _session(server, facilitator, 1, 2)
    clients += [console, *phones]
    assert phones[1].call("leave_session")["ok"]
    roster = console.wait_for(lambda v: any(not m["present"] for m in v["participants"]))[
        "participants"
    ]
    assert [m["id"] for m in roster if not m["present"]] == [joined[1]["participant_id"]]
    wait_until(lambda: not phones[1].sio.connected, 10, "the phone that left to be disconnected")
    assert _refusal(server, joined[1]["token"])["code"] == "left"
    assert _refusal(server, joined[1]["token"])["code"] == "left"


@pytest.mark.slow
def test_a_positive_risk_answer_alerts_the_facilitator_and_only_that_phone(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    links, console, joined, phones = _session(server, facilitator, 0, 3)
    display = Client(server.url, links["display_token"], "display").connect()
    clients += [console, display, *phones]
    assert console.call("start_session")["ok"]
    ack = console.call("open_poll", {"poll": "phq-9"})
    assert ack["ok"], ack
    question = phones[0].wait_for(lambda v: v["poll"] is not None)["poll"]
    assert question["anonymous"] is False
    assert len(question["items"]) == 9
    no_risk = [1, 1, 0, 0, 2, 0, 1, 0, 0]
    at_risk = [2, 2, 1, 1, 0, 1, 0, 0, 1]
    assert phones[0].call(
        "submit_answer", {"action_id": "phq", "poll_id": question["poll_id"], "value": no_risk}
    )["ok"]
    assert phones[1].call(
        "submit_answer", {"action_id": "phq", "poll_id": question["poll_id"], "value": at_risk}
    )["ok"]
    alerts = console.wait_for(lambda v: v["risk_alerts"])["risk_alerts"]
    assert [(a["participant_id"], a["item_id"]) for a in alerts] == [
        (joined[1]["participant_id"], alerts[0]["item_id"])
    ]
    assert phones[1].wait_for(lambda p: p["crisis"], "personal")["crisis"] is True
    assert not any(p["crisis"] for p in phones[0].events("personal"))
    assert not any(p["crisis"] for p in phones[2].events("personal"))
    for client in (display, phones[0], phones[2]):
        with client.lock:
            assert "risk" not in str(client.received)
            assert joined[1]["participant_id"] not in str(client.received)
    totals = console.latest()["polls"][0]["answers"]
    assert sorted(a["total"] for a in totals) == [5, 8]
    assert console.call("close_poll", {"poll_id": question["poll_id"]})["ok"]
    assert (
        console.call("reveal_poll", {"poll_id": question["poll_id"]})["error"]["code"]
        == "forbidden"
    )


def test_join_attempts_with_wrong_codes_are_limited_per_address(tmp_path: Any) -> None:
    limited = Server(tmp_path / "data", env={"FACILITATOR_JOIN_ATTEMPTS": "3"}).start()
    try:
        codes = [
            requests.post(
                limited.url + "/api/join", json={"consent": True, "code": f"WRONG{n}"}, timeout=5
            )
            for n in range(5)
        ]
        assert [r.status_code for r in codes] == [404, 404, 404, 429, 429]
        assert codes[-1].json()["error"] == {
            "code": "rate_limited",
            "message": "Too many attempts. Wait a minute and try again.",
        }
    finally:
        limited.stop()


def test_a_name_is_optional_and_a_pseudonym_is_given(
    server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("group-ipt-8", 1)
    named = join(server, links["join_code"], "  Farah ")
    unnamed = join(server, links["join_code"].lower())
    assert named["name"] == "Farah"
    assert len(unnamed["name"].split()) == 2
    taken = requests.post(
        server.url + "/api/join",
        json={"consent": True, "code": links["join_code"], "name": "farah"},
        timeout=5,
    )
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "name_taken"


def test_a_locked_session_admits_no_one_new(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    links = facilitator.create_session("group-ipt-8", 1)
    console = Client(server.url, links["console_token"], "console").connect()
    clients.append(console)
    assert console.call("lock_joining")["ok"]
    refused = requests.post(
        server.url + "/api/join", json={"consent": True, "code": links["join_code"]}, timeout=5
    )
    # Answered as a code no session has: a guesser learns nothing from a locked session.
    assert refused.status_code == 404
    assert refused.json()["error"] == {
        "code": "unknown_code",
        "message": "No session you can join has that code. Check it and try again.",
    }
    assert console.latest()["participants"] == []
    assert console.call("unlock_joining")["ok"]
    assert join(server, links["join_code"])["participant_id"]
