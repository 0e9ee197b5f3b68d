"""Who may send what, and what bad input gets: checked against a live server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from marshmallow import fields

from facilitator.lengths import TEXT_MAX
from facilitator.service import audience
from facilitator.service.tokens import Role
from facilitator.transport.schemas import AnswerValue
from facilitator.transport.socket_events import EVENTS
from tests.live import Client, Facilitator, Server, join

# A payload each event would accept, so that a refusal is about who sent it.
VALID: dict[str, dict[str, Any]] = {
    "start_session": {},
    "next_step": {},
    "previous_step": {},
    "jump_to_step": {"index": 1},
    "end_session": {},
    "lock_joining": {},
    "unlock_joining": {},
    "remove_participant": {"participant_id": "PARTICIPANT"},
    "open_poll": {"poll": "mood10"},
    "close_poll": {"poll_id": "poll-1"},
    "reveal_poll": {"poll_id": "poll-1"},
    "push_role_play": {
        "role_play": "dispute_need",
        "assignments": {"protagonist": "PARTICIPANT", "partner": None},
    },
    "start_debrief": {"role_play_id": "role-play-1"},
    "end_role_play": {"role_play_id": "role-play-1"},
    "push_prompt": {"text": "Breathe out slowly."},
    "clear_prompt": {},
    "acknowledge_signal": {"signal_id": "signal-1"},
    "add_note": {"text": "A note."},
    "submit_answer": {"action_id": "a-1", "poll_id": "poll-1", "value": 5},
    "send_signal": {"action_id": "s-1", "kind": "break"},
    "leave_session": {},
    "sync": {"version": 1},
}
FACILITATOR_EVENTS = sorted(audience.FACILITATOR_COMMANDS)
PARTICIPANT_EVENTS = sorted(audience.MEMBER_ACTIONS)


def _payload(event: str, participant_id: str) -> dict[str, Any]:
    def fill(value: Any) -> Any:
        if value == "PARTICIPANT":
            return participant_id
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    return dict(fill(VALID[event]))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server for the permission matrices, which send events at a machine's pace."""
    # One console sends a hundred events in a second here; no person does (the limits
    # themselves are tested in test_live_flood.py).
    env = {"FACILITATOR_EVENT_BURST": "10000", "FACILITATOR_EVENT_RATE": "10000"}
    running = Server(tmp_path_factory.mktemp("server"), env=env).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def room(server: Server, facilitator: Facilitator) -> Any:
    """A running session with a console, a display and two phones, and a second one."""
    links = facilitator.create_session("group-ipt-8", 2)
    opened = []
    console = Client(server.url, links["console_token"], "console").connect()
    display = Client(server.url, links["display_token"], "display").connect()
    joined = [join(server, links["join_code"]) for _ in range(3)]
    phones = [Client(server.url, j["token"], j["name"]).connect() for j in joined]
    opened += [console, display, *phones]
    assert console.call("start_session")["ok"]
    assert console.call("open_poll", {"poll": "mood10"})["ok"]

    class Room:
        pass

    r = Room()
    r.links, r.console, r.display, r.phones, r.joined = links, console, display, phones, joined  # type: ignore[attr-defined]
    yield r
    for client in opened:
        client.close()


def _version(console: Client) -> int:
    ack = console.call("sync")
    assert ack["ok"], ack
    return int(ack["version"])


def test_every_event_has_a_valid_sample() -> None:
    assert set(VALID) == set(EVENTS)


@pytest.mark.parametrize("event", FACILITATOR_EVENTS)
@pytest.mark.parametrize("sender", ["participant", "display"])
def test_facilitator_events_from_other_roles_are_refused_and_change_nothing(
    room: Any, event: str, sender: str
) -> None:
    client = room.phones[0] if sender == "participant" else room.display
    before = _version(room.console)
    ack = client.call(event, _payload(event, room.joined[1]["participant_id"]))
    assert ack == {
        "ok": False,
        "error": {"code": "forbidden", "message": f"a {sender} may not send {event}"},
    }
    assert _version(room.console) == before


@pytest.mark.parametrize("event", PARTICIPANT_EVENTS)
@pytest.mark.parametrize("sender", ["console", "display"])
def test_participant_events_from_other_roles_are_refused(
    room: Any, event: str, sender: str
) -> None:
    client = getattr(room, sender)
    before = _version(room.console)
    ack = client.call(event, _payload(event, ""))
    assert ack["error"]["code"] == "forbidden"
    assert _version(room.console) == before


def test_a_facilitator_of_another_session_cannot_reach_this_one(
    server: Server, room: Any, tmp_path: Any
) -> None:
    env = {"FACILITATOR_DATA_DIR": str(server.data_dir), "PATH": ""}
    added = subprocess.run(
        [
            sys.executable,
            "-m",
            "facilitator",
            "users",
            "add",
            "other",
            "--password",
            "a long password 1",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    other = requests.Session()
    other.get(server.url + "/login", timeout=5)
    csrf = _csrf_of_form(other, server)
    signed = other.post(
        server.url + "/login",
        data={"name": "other", "password": "a long password 1", "csrf_token": csrf},
        timeout=10,
        allow_redirects=False,
    )
    assert signed.status_code == 302
    own_session = room.links["session_id"]
    for path in ("links", "export/log.jsonl", "export/results.csv", "export/summary.html"):
        response = other.get(f"{server.url}/api/sessions/{own_session}/{path}", timeout=5)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    token = other.get(server.url + "/api/me", timeout=5).json()["csrf_token"]
    theirs = other.post(
        server.url + "/api/sessions",
        json={"protocol_id": "group-ipt-8", "session_number": 2},
        headers={"X-CSRF-Token": token},
        timeout=5,
    ).json()
    foreign = Client(server.url, theirs["console_token"], "other console").connect()
    try:
        before = _version(room.console)
        for event in FACILITATOR_EVENTS:
            foreign.call(event, _payload(event, room.joined[1]["participant_id"]))
        assert _version(room.console) == before
        assert foreign.latest()["session_id"] == theirs["session_id"]
        with room.console.lock:
            assert theirs["session_id"] not in str(room.console.received)
    finally:
        foreign.close()


def _csrf_of_form(http: requests.Session, server: Server) -> str:
    import re

    page = http.get(server.url + "/login", timeout=5).text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 2000, None])
def test_a_connection_without_a_valid_token_is_refused(server: Server, token: Any) -> None:
    import socketio

    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            server.url,
            auth={"token": token} if token is not None else None,
            transports=["websocket"],
            wait_timeout=5,
        )
    client.disconnect()


def _bad_payloads(event: str) -> list[tuple[str, Any]]:
    """Return (label, payload) pairs: not an object, unknown, wrong type, oversized, missing."""
    schema = EVENTS[event]()
    base = _payload(event, "m-unknown")
    if "command_id" in schema.fields:
        base["command_id"] = f"{event}-bad"
    cases: list[tuple[str, Any]] = [
        ("a list", [base]),
        ("a string", "hello"),
        ("a number", 7),
        ("an unknown field", {**base, "participant": "m-forged"}),
    ]
    for name, field in schema.fields.items():
        cases.append((f"{name} of the wrong type", {**base, name: _wrong_type(field)}))
        oversized = _oversized(field)
        if oversized is not None:
            cases.append((f"{name} too large", {**base, name: oversized}))
        if field.required:
            cases.append((f"{name} missing", {k: v for k, v in base.items() if k != name}))
    return cases


def _wrong_type(field: fields.Field[Any]) -> Any:
    if isinstance(field, fields.String):
        return 12345
    if isinstance(field, (fields.Integer, fields.Enum)):
        return "seven"
    if isinstance(field, fields.Dict):
        return ["a", "list"]
    if isinstance(field, AnswerValue):
        return {"an": "object"}
    raise AssertionError(f"no wrong value for {field!r}")


def _oversized(field: fields.Field[Any]) -> Any:
    if isinstance(field, AnswerValue):
        return "x" * (TEXT_MAX + 1)
    for rule in field.validators:
        maximum = getattr(rule, "max", None)
        if isinstance(field, fields.String) and maximum is not None:
            return "x" * (maximum + 1)
        if isinstance(field, fields.Dict) and maximum is not None:
            return {f"role{n}": None for n in range(maximum + 1)}
    return None


BAD = [
    (event, label, payload) for event in sorted(EVENTS) for label, payload in _bad_payloads(event)
]


@pytest.mark.parametrize(
    ("event", "label", "payload"), BAD, ids=[f"{e}-{label}" for e, label, _ in BAD]
)
def test_bad_payload_gets_the_error_ack_and_changes_nothing(
    room: Any, event: str, label: str, payload: Any
) -> None:
    client = room.console if event in audience.EVENTS[Role.FACILITATOR] else room.phones[2]
    before = _version(room.console)
    ack = client.call(event, payload, exact=True)
    assert ack["ok"] is False
    assert set(ack["error"]) == {"code", "message"}
    assert ack["error"]["code"] == "invalid", ack
    assert ack["error"]["message"]
    assert _version(room.console) == before


def test_an_event_with_two_payloads_gets_the_error_ack_and_changes_nothing(room: Any) -> None:
    before = _version(room.console)
    note = _payload("add_note", "")
    ack = room.console.call("add_note", (note, note))  # a tuple goes as two arguments
    assert ack == {"ok": False, "error": {"code": "invalid", "message": "send one payload object"}}
    assert _version(room.console) == before


def test_a_stale_version_is_refused_with_a_clear_error(room: Any) -> None:
    current = _version(room.console)
    # Version 1 is older than the command that started the session.
    ack = room.console.call("add_note", {"text": "late", "version": 1})
    assert ack["error"]["code"] == "stale_version"
    assert "a facilitator command changed the session after version 1" in ack["error"]["message"]
    ahead = room.console.call("add_note", {"text": "late", "version": current + 1})
    assert ahead["error"]["code"] == "stale_version"
    assert f"at version {current}, not {current + 1}" in ahead["error"]["message"]
    assert _version(room.console) == current


@pytest.mark.parametrize("code", ["ZZZZZZ", "", "a" * 40, "<script>"])
def test_an_unknown_join_code_is_refused_clearly(server: Server, code: str) -> None:
    response = requests.post(server.url + "/api/join", json={"code": code}, timeout=5)
    assert response.status_code in (400, 404)
    assert response.json()["ok"] is False
    assert response.json()["error"]["code"] in ("unknown_code", "invalid")
