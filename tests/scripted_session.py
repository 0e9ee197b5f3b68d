"""A scripted session of group-ipt-8: 1 console, 1 display, 8 phones, on one or more servers.

Every assertion is about what each client received, including what some must not. The
clients are spread over the servers given (console on the first, display on the second,
phones in turn), so the same script checks one process and several sharing one Redis.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

import pytest

from tests.live import Client, Facilitator, Server, join, wait_until

NAMES = ["Amina", None, "Bo", None, "Chen", "Dara", None, "Eli"]
MOODS = [3, 7, 5, 5, 8, 2, 6, 4]
TRIED = [0, 1, 2, 0, 3, 0, 1, 2]


def _texts(client: Client) -> str:
    with client.lock:
        return json.dumps(client.received)


def run_scripted_session(
    servers: Sequence[Server], facilitator: Facilitator, clients: list[Client]
) -> None:
    """Run the whole scripted session, asserting what every client received."""
    server = servers[0]
    links = facilitator.create_session("group-ipt-8", 2)
    console = Client(server.url, links["console_token"], "console").connect()
    display_server = servers[1 % len(servers)]
    display = Client(display_server.url, links["display_token"], "display").connect()
    clients += [console, display]
    members = []
    for n, name in enumerate(NAMES):
        phone_server = servers[n % len(servers)]
        joined = join(phone_server, links["join_code"], name)
        phone = Client(phone_server.url, joined["token"], joined["name"]).connect()
        clients.append(phone)
        members.append((joined, phone))
    ids = [joined["participant_id"] for joined, _ in members]
    phones = [phone for _, phone in members]

    # Joining: the roster reaches the console only; chosen names kept, pseudonyms given.
    roster = console.wait_for(lambda v: len(v["participants"]) == 8)["participants"]
    assert [m["name"] for m in roster][:1] == ["Amina"]
    assert all(m["name"] for m in roster)
    assert all(m["connected"] for m in wait_until(lambda: _all_connected(console), 10, "presence"))
    for phone in phones:
        assert "participants" not in _texts(phone)
    assert display.latest()["join_code"] == links["join_code"]

    # Start and step: everyone sees the step; only the console sees the script note.
    assert console.call("start_session") == {"ok": True, "version": pytest.approx(0, abs=1e9)}
    for client in [console, display, *phones]:
        client.wait_for(lambda v: v["phase"] == "running" and v["step"]["index"] == 0)
    note = console.latest()["agenda"][0]["note"]
    assert note
    for client in [display, *phones]:
        assert note not in _texts(client)

    # Anonymous mood poll: nothing before reveal, then exactly the answers given.
    assert console.call("open_poll", {"poll": "mood10"})["ok"]
    poll = phones[0].wait_for(lambda v: v["poll"] is not None)["poll"]
    assert poll["type"] == "scale"
    assert poll["anonymous"]
    seen_version = phones[7].call("sync")["version"]
    for phone, mood in zip(phones, MOODS, strict=True):
        ack = phone.call(
            "submit_answer", {"action_id": "mood-1", "poll_id": poll["poll_id"], "value": mood}
        )
        assert ack["ok"], ack
    counted = console.wait_for(lambda v: v["polls"][0]["count"] == 8)["polls"][0]
    # Not even a version number tells a phone that others have answered.
    assert phones[7].call("sync", {"version": seen_version}) == {
        "ok": True,
        "version": seen_version,
        "unchanged": True,
    }
    assert counted["summary"] is None  # the facilitator sees how many, not what
    assert all(m["answered"] for m in console.latest()["participants"])
    for client in [display, *phones]:
        assert not any(view["results"] for view in client.events("view"))
        assert '"summary"' not in _texts(client)
    for phone in phones:
        assert '"count"' not in _texts(phone)
    # The display alone is told how many answered: a count, never what.
    counts = {"poll_id": poll["poll_id"], "count": 8, "of": 8}
    assert display.wait_for(lambda c: c["count"] == 8, "answer_count") == counts
    assert console.call("close_poll", {"poll_id": poll["poll_id"]})["ok"]
    assert console.call("reveal_poll", {"poll_id": poll["poll_id"]})["ok"]
    for client in [console, display, *phones]:
        shown = client.wait_for(lambda v: v["results"])["results"][0]["summary"]
        assert shown["count"] == 8
        assert {int(k): n for k, n in shown["counts"].items() if n} == _tally(MOODS)

    # A poll with fewer than k answers is never shown.
    assert console.call("open_poll", {"poll": "useful_today"})["ok"]
    useful = phones[0].wait_for(
        lambda v: v["poll"] is not None and v["poll"]["poll_id"] != poll["poll_id"]
    )["poll"]
    for phone in phones[:2]:
        assert phone.call(
            "submit_answer", {"action_id": "u1", "poll_id": useful["poll_id"], "value": 4}
        )["ok"]
    assert console.call("close_poll", {"poll_id": useful["poll_id"]})["ok"]
    refused = console.call("reveal_poll", {"poll_id": useful["poll_id"]})
    assert refused["error"]["code"] == "below_threshold"
    for client in [display, *phones]:
        assert all(len(view["results"]) <= 1 for view in client.events("view"))

    # Named poll: the facilitator sees each member's answer; members see none of it.
    assert console.call("open_poll", {"poll": "tried_step"})["ok"]
    named = phones[0].wait_for(
        lambda v: v["poll"] is not None and v["poll"]["poll_id"] == "poll-3"
    )["poll"]
    assert named["anonymous"] is False
    for phone, tried in zip(phones, TRIED, strict=True):
        assert phone.call(
            "submit_answer", {"action_id": "tried", "poll_id": "poll-3", "value": tried}
        )["ok"]
    answers = console.wait_for(lambda v: len(v["polls"][2].get("answers", [])) == 8)["polls"][2][
        "answers"
    ]
    assert {a["participant_id"]: a["answer"] for a in answers} == dict(zip(ids, TRIED, strict=True))
    assert console.call("close_poll", {"poll_id": "poll-3"})["ok"]
    assert console.call("reveal_poll", {"poll_id": "poll-3"})["error"]["code"] == "forbidden"

    # Role-play: each member gets only their own card; the display gets the scenario.
    assert console.call("jump_to_step", {"index": 5})["ok"]
    ack = console.call(
        "push_role_play",
        {"role_play": "dispute_need", "assignments": {"protagonist": ids[0], "partner": ids[1]}},
    )
    assert ack["ok"], ack
    cards = [
        phone.wait_for(lambda p: p["card"] is not None, "personal")["card"] for phone in phones
    ]
    assert cards[0]["role"] == "The member who asks"
    assert cards[1]["role"] == "Partner"
    assert all(card["observer"] for card in cards[2:])
    setups = {card["setup"] for card in cards}
    for n, phone in enumerate(phones):
        others = [m for m in ids if m != ids[n]]
        personal = phone.events("personal")
        assert {p["id"] for p in personal} == {ids[n]}
        assert not any(other in _texts(phone) for other in others)
        for setup in setups - {cards[n]["setup"]}:
            assert setup not in _texts(phone)
    scenario = display.wait_for(lambda v: v["role_play"] is not None)["role_play"]
    assert scenario["spec_id"] == "dispute_need"
    for setup in setups:
        assert setup not in _texts(display)

    # Signals reach the facilitator only; the sender's own phone lists its own signal, so
    # that it can say when the facilitator has seen it.
    signal = phones[2].call("send_signal", {"action_id": "sig-1", "kind": "support"})
    assert signal["ok"]
    feed = console.wait_for(lambda v: v["signals"])["signals"]
    assert [(s["participant_id"], s["kind"]) for s in feed] == [(ids[2], "support")]
    for client in [display, *phones[:2], *phones[3:]]:
        assert "support" not in _texts(client)
    for personal in phones[2].events("personal"):
        assert [s["kind"] for s in personal.get("signals", [])] in ([], ["support"])

    # Notes are the facilitator's own.
    assert console.call("add_note", {"text": "Bo spoke up for the first time."})["ok"]
    for client in [display, *phones]:
        assert "spoke up" not in _texts(client)

    # End, then export.
    assert console.call("end_role_play", {"role_play_id": scenario["id"]})["ok"]
    assert console.call("end_session")["ok"]
    for client in [console, display, *phones]:
        client.wait_for(lambda v: v["phase"] == "ended")
    session_id = links["session_id"]
    log = facilitator.get(f"/api/sessions/{session_id}/export/log.jsonl")
    assert log.status_code == 200
    events = [json.loads(line) for line in log.text.splitlines()]
    assert [e["version"] for e in events] == list(range(1, len(events) + 1))
    assert not [e for e in events if e["type"] == "ballot_cast"]
    rows = list(
        csv.DictReader(
            io.StringIO(facilitator.get(f"/api/sessions/{session_id}/export/results.csv").text)
        )
    )
    mood_rows = [r for r in rows if r["poll_id"] == "poll-1" and r["item"] not in ("mean",)]
    assert {int(r["answer"]): int(r["count"]) for r in mood_rows if r["count"] != "0"} == _tally(
        MOODS
    )
    assert not any(r["participant"] for r in rows if r["poll_id"] in ("poll-1", "poll-2"))
    assert [r["item"] for r in rows if r["poll_id"] == "poll-2"] == ["withheld"]
    named_rows = {r["participant"]: r["answer"] for r in rows if r["poll_id"] == "poll-3"}
    assert len(named_rows) == 8
    summary = facilitator.get(f"/api/sessions/{session_id}/export/summary.html")
    assert summary.status_code == 200
    assert "Bo spoke up" in summary.text

    # The server's own output never holds what people wrote or chose.
    assert server.output
    assert not any("spoke up" in line or "Amina" in line for line in server.output)


def _tally(values: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _all_connected(console: Client) -> list[dict[str, Any]] | None:
    roster = console.latest()["participants"]
    return roster if len(roster) == 8 and all(m["connected"] for m in roster) else None
