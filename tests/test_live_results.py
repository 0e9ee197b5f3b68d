"""Results under the facilitator's control, through a live server and real clients:
reveal to the console, show, hide, pin, clear on a step change, reopen, the display's
answer count, word clouds and their moderation, and refusals in plain words."""

from __future__ import annotations

import csv
import io
import json
import time
from types import SimpleNamespace
from typing import Any

from tests.live import Client, Facilitator, Server, join

MOOD = "mood10"


def _room(server: Server, facilitator: Facilitator, clients: list[Client], phones: int) -> Any:
    """A started session with a console, a display and `phones` joined phones."""
    links = facilitator.create_session("group-ipt-8", 2)
    console = Client(server.url, links["console_token"], "console").connect()
    display = Client(server.url, links["display_token"], "display").connect()
    joined = [join(server, links["join_code"]) for _ in range(phones)]
    members = [Client(server.url, j["token"], j["name"]).connect() for j in joined]
    clients += [console, display, *members]
    assert console.call("start_session")["ok"]
    return SimpleNamespace(console=console, display=display, phones=members, links=links)


def _answer(phone: Client, poll_id: str, value: object, action: str = "") -> dict[str, Any]:
    payload = {"action_id": action or f"{poll_id}-{time.monotonic_ns()}", "poll_id": poll_id}
    return phone.call("submit_answer", {**payload, "value": value})


def _poll(room: Any, spec: str, values: list[object]) -> str:
    """Open `spec`, have the first phones answer `values`, and close it."""
    assert room.console.call("open_poll", {"poll": spec})["ok"]
    opened = room.console.wait_for(lambda v: v["polls"] and v["polls"][-1]["phase"] == "open")
    poll_id = str(opened["polls"][-1]["poll_id"])
    for phone, value in zip(room.phones, values, strict=False):
        assert _answer(phone, poll_id, value)["ok"]
    assert room.console.call("close_poll", {"poll_id": poll_id})["ok"]
    return poll_id


def _room_screens(room: Any) -> list[Client]:
    return [room.display, *room.phones]


def _settled(room: Any) -> None:
    """Wait until every screen holds the view of the console's last command."""
    version = room.console.call("sync")["version"]
    room.console.wait_for(lambda v: v["version"] == version)
    public = room.phones[0].call("sync")["version"]
    for client in _room_screens(room):
        client.wait_for(lambda v: v["version"] >= public)


def _console_poll(room: Any, poll_id: str) -> dict[str, Any]:
    polls = room.console.latest()["polls"]
    found: dict[str, Any] = next(p for p in polls if p["poll_id"] == poll_id)
    return found


def test_results_revealed_to_the_console_reach_the_room_only_when_shown(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    room = _room(server, facilitator, clients, 3)
    poll_id = _poll(room, MOOD, [4, 6, 8])
    assert room.console.call("reveal_poll", {"poll_id": poll_id, "show": False})["ok"]
    _settled(room)
    poll = _console_poll(room, poll_id)
    assert (poll["phase"], poll["shown"], poll["summary"]["count"]) == ("revealed", False, 3)
    assert room.console.latest()["shown_results"] is None
    for client in _room_screens(room):
        assert not any(view["results"] for view in client.events("view"))

    assert room.console.call("show_results", {"poll_id": poll_id})["ok"]
    for client in _room_screens(room):
        (shown,) = client.wait_for(lambda v: v["results"])["results"]
        assert (shown["poll_id"], shown["summary"]["mean"], shown["pinned"]) == (poll_id, 6, False)
    console = room.console.wait_for(lambda v: v["shown_results"] == poll_id)
    assert next(p for p in console["polls"] if p["poll_id"] == poll_id)["shown"] is True

    assert room.console.call("hide_results")["ok"]
    for client in [room.console, *_room_screens(room)]:
        client.wait_for(lambda v: not v["results"])
    assert room.console.latest()["shown_results"] is None


def test_a_step_change_clears_the_results_and_the_prompt_unless_pinned(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    room = _room(server, facilitator, clients, 3)
    poll_id = _poll(room, MOOD, [1, 2, 3])
    assert room.console.call("reveal_poll", {"poll_id": poll_id})["ok"]
    assert room.console.call("push_prompt", {"text": "Breathe out slowly."})["ok"]
    for client in _room_screens(room):
        client.wait_for(lambda v: v["results"] and v["prompt"])
    assert room.console.call("next_step")["ok"]
    for client in _room_screens(room):
        client.wait_for(lambda v: v["step"]["index"] == 1 and not v["results"] and not v["prompt"])

    # Pinned, the results stay through the next step changes; a prompt still goes.
    assert room.console.call("show_results", {"poll_id": poll_id})["ok"]
    assert room.console.call("pin_results", {"pinned": True})["ok"]
    assert room.console.call("push_prompt", {"text": "Notice your breath."})["ok"]
    for client in _room_screens(room):
        client.wait_for(lambda v: v["results"] and v["results"][0]["pinned"] and v["prompt"])
    assert room.console.call("jump_to_step", {"index": 3})["ok"]
    assert room.console.call("previous_step")["ok"]
    for client in _room_screens(room):
        view = client.wait_for(lambda v: v["step"]["index"] == 2)
        assert (view["results"][0]["poll_id"], view["prompt"]) == (poll_id, None)
    assert room.console.latest()["results_pinned"] is True

    # Unpinned again, the next step change clears them.
    assert room.console.call("pin_results", {"pinned": False})["ok"]
    assert room.console.call("next_step")["ok"]
    for client in _room_screens(room):
        client.wait_for(lambda v: v["step"]["index"] == 3 and not v["results"])


def test_reveal_is_blocked_with_its_reason_and_refused_in_the_same_words(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    room = _room(server, facilitator, clients, 3)
    assert room.console.call("open_poll", {"poll": MOOD})["ok"]
    view = room.console.wait_for(lambda v: v["polls"])
    (poll,) = view["polls"]
    assert (poll["reveal_blocked"], poll["can_reopen"]) == ("Close the poll first.", False)
    assert room.console.call("reveal_poll", {"poll_id": "poll-1"})["error"] == {
        "code": "illegal_state",
        "message": "Close the poll first.",
    }
    for phone, value in zip(room.phones[:2], [5, 7], strict=True):
        assert _answer(phone, "poll-1", value)["ok"]
    assert room.console.call("close_poll", {"poll_id": "poll-1"})["ok"]
    poll = room.console.wait_for(lambda v: v["polls"][0]["phase"] == "closed")["polls"][0]
    reason = "Needs 3 answers to show; 2 so far."
    assert (poll["reveal_blocked"], poll["can_reopen"], poll["count"]) == (reason, True, 2)
    assert room.console.call("reveal_poll", {"poll_id": "poll-1"})["error"] == {
        "code": "below_threshold",
        "message": reason,
    }
    # Other refusals read as sentences too.
    assert (
        room.console.call("hide_results")["error"]["message"] == "No results are shown right now."
    )
    assert room.console.call("show_results", {"poll_id": "poll-1"})["error"]["message"] == (
        "Reveal the results first."
    )
    assert room.console.call("open_poll", {"poll": "mood_named"})["ok"]
    assert room.console.call("close_poll", {"poll_id": "poll-2"})["ok"]
    private = room.console.wait_for(lambda v: v["polls"][1]["phase"] == "closed")["polls"][1]
    assert private["reveal_blocked"] == "Only for facilitators; never shown to the room."


def test_a_reopened_poll_takes_new_answers_only_from_those_who_had_not_answered(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    room = _room(server, facilitator, clients, 4)
    poll_id = _poll(room, MOOD, [2, 4, 6])
    assert room.console.call("reveal_poll", {"poll_id": poll_id})["ok"]
    for client in _room_screens(room):
        client.wait_for(lambda v: v["results"])

    assert room.console.call("reopen_poll", {"poll_id": poll_id})["ok"]
    for client in _room_screens(room):
        client.wait_for(lambda v: not v["results"])
    assert room.phones[3].wait_for(lambda v: v["poll"])["poll"]["poll_id"] == poll_id
    again = _answer(room.phones[0], poll_id, 9)
    assert again["error"] == {"code": "conflict", "message": "You have answered this poll already."}
    assert _answer(room.phones[3], poll_id, 10)["ok"]
    assert room.console.call("close_poll", {"poll_id": poll_id})["ok"]
    poll = room.console.wait_for(lambda v: v["polls"][0]["phase"] == "closed")["polls"][0]
    # The room saw three answers; four now would show it the fourth member's answer.
    blocked = "Needs 3 new answers since it was reopened; 1 so far."
    assert (poll["count"], poll["reveal_blocked"], poll["summary"]) == (4, blocked, None)
    assert room.console.call("reveal_poll", {"poll_id": poll_id})["error"] == {
        "code": "below_threshold",
        "message": blocked,
    }
    for client in _room_screens(room):
        assert client.latest()["results"] == []


def test_the_exports_of_a_reopened_poll_hold_nothing_the_console_could_subtract(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    room = _room(server, facilitator, clients, 4)
    poll_id = _poll(room, MOOD, [2, 4, 6])
    exports = f"/api/sessions/{room.links['session_id']}/export"

    def closes() -> list[list[Any]]:
        log = facilitator.get(f"{exports}/log.jsonl").text.splitlines()
        records = [json.loads(line) for line in log]
        return [r["ballots"] for r in records if r["type"] == "poll_closed"]

    # Closed with its threshold, never revealed: the exports show its three answers.
    assert closes() == [[2, 4, 6]]
    assert room.console.call("reopen_poll", {"poll_id": poll_id})["ok"]
    room.phones[3].wait_for(lambda v: v["poll"])
    assert _answer(room.phones[3], poll_id, 10)["ok"]
    assert room.console.call("close_poll", {"poll_id": poll_id})["ok"]
    room.console.wait_for(lambda v: v["polls"][0]["phase"] == "closed")
    # The console's roster named the fourth member as they answered: four answers in any
    # export now would give their 10 to whoever exported before.
    assert closes() == [[], []]
    rows = csv.DictReader(io.StringIO(facilitator.get(f"{exports}/results.csv").text))
    assert [(row["item"], row["answer"], row["count"]) for row in rows] == [
        ("withheld", "results withheld (fewer than 3 new answers since it was reopened)", "4")
    ]
    assert "Mean" not in facilitator.get(f"{exports}/summary.html").text
    blocked = "Needs 3 new answers since it was reopened; 1 so far."
    assert _console_poll(room, poll_id)["reveal_blocked"] == blocked


def test_a_poll_closed_below_its_threshold_reopens_for_everyone(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    room = _room(server, facilitator, clients, 3)
    poll_id = _poll(room, MOOD, [3, 5])
    assert room.console.call("reopen_poll", {"poll_id": poll_id})["ok"]
    poll = room.console.wait_for(lambda v: v["polls"][0]["phase"] == "open")["polls"][0]
    assert poll["count"] == 0
    for phone, value in zip(room.phones, [3, 5, 7], strict=True):
        phone.wait_for(lambda v: v["poll"])
        assert _answer(phone, poll_id, value)["ok"]
    assert room.console.call("close_poll", {"poll_id": poll_id})["ok"]
    assert room.console.call("reveal_poll", {"poll_id": poll_id})["ok"]
    (shown,) = room.display.wait_for(lambda v: v["results"])["results"]
    assert shown["summary"]["count"] == 3


def test_the_display_counts_answers_and_the_phones_never_do(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    room = _room(server, facilitator, clients, 3)
    assert room.display.wait_for(lambda v: v["members_present"] == 3)
    assert room.console.latest()["members_present"] == 3
    assert room.console.call("open_poll", {"poll": MOOD})["ok"]
    opened = room.display.wait_for(lambda v: v["poll_open"])
    assert opened["poll_open"] == {
        "poll_id": "poll-1",
        "question": opened["poll_open"]["question"],
        "count": 0,
        "of": 3,
    }
    public = opened["version"]
    for n, phone in enumerate(room.phones[:2], start=1):
        assert _answer(phone, "poll-1", n)["ok"]
        room.display.wait_for(lambda c, n=n: c["count"] == n, "answer_count")
    assert room.display.events("answer_count") == [
        {"poll_id": "poll-1", "count": 1, "of": 3},
        {"poll_id": "poll-1", "count": 2, "of": 3},
    ]
    # The console sees N of M; the display's version has not moved; no phone heard a thing.
    poll = room.console.wait_for(lambda v: v["polls"][0]["count"] == 2)["polls"][0]
    assert poll["of"] == 3
    assert room.display.call("sync", {"version": public})["view"]["poll_open"]["count"] == 2
    assert room.display.call("sync")["version"] == public
    for phone in room.phones:
        assert phone.events("answer_count") == []
        assert "poll_open" not in phone.latest()
        assert phone.call("sync", {"version": public}).get("unchanged") is True

    # A member who joins is counted on the display at once, its version still unmoved.
    late = join(server, room.links["join_code"])
    clients.append(Client(server.url, late["token"], "late").connect())
    view = room.display.wait_for(lambda v: v["members_present"] == 4)
    assert (view["version"], view["poll_open"]["of"]) == (public, 4)


def test_a_facilitator_only_poll_is_not_counted_on_the_display(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    room = _room(server, facilitator, clients, 2)
    assert room.console.call("open_poll", {"poll": "mood_named"})["ok"]
    room.phones[0].wait_for(lambda v: v["poll"])
    assert _answer(room.phones[0], "poll-1", 4)["ok"]
    room.console.wait_for(lambda v: v["polls"][0]["count"] == 1)
    assert room.display.latest()["poll_open"] is None
    assert room.display.events("answer_count") == []


def test_a_word_cloud_shows_normalised_words_without_those_hidden(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    room = _room(server, facilitator, clients, 5)
    poll_id = _poll(room, "one_word", ["Tired", "tired!", "Calm", "hopeful", "SNOTTY-word"])
    assert room.console.call("reveal_poll", {"poll_id": poll_id, "show": False})["ok"]
    poll = room.console.wait_for(lambda v: v["polls"][0]["summary"])["polls"][0]
    assert poll["summary"]["words"] == [
        {"word": "tired", "count": 2, "hidden": False},
        {"word": "calm", "count": 1, "hidden": False},
        {"word": "hopeful", "count": 1, "hidden": False},
        {"word": "snotty-word", "count": 1, "hidden": False},
    ]
    hide = {"poll_id": poll_id, "word": "snotty-word", "hidden": True}
    assert room.console.call("hide_word", hide)["ok"]
    poll = room.console.wait_for(lambda v: v["polls"][0]["summary"]["words"][-1]["hidden"])
    assert room.console.call("show_results", {"poll_id": poll_id})["ok"]
    for client in _room_screens(room):
        (shown,) = client.wait_for(lambda v: v["results"])["results"]
        assert shown["summary"]["words"] == [
            {"word": "tired", "count": 2},
            {"word": "calm", "count": 1},
            {"word": "hopeful", "count": 1},
        ]
        assert shown["summary"]["texts"] == ["Calm", "Tired", "hopeful", "tired!"]
        with client.lock:
            assert "SNOTTY" not in json.dumps(client.received).upper()
    # Let back, the word reaches the room.
    assert room.console.call("hide_word", {**hide, "hidden": False})["ok"]
    room.display.wait_for(lambda v: len(v["results"][0]["summary"]["words"]) == 4)
    assert room.console.call("hide_word", {**hide, "word": "angry"})["error"] == {
        "code": "not_found",
        "message": "No one answered with that word.",
    }
