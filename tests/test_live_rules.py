"""Who may send what, and what bad input gets: checked against a live server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from marshmallow import fields

from facilitator.lengths import TEXT_MAX
from facilitator.service import accounts, audience
from facilitator.service.tokens import Role
from facilitator.transport.schemas import AnswerValue
from facilitator.transport.socket_events import EVENTS
from tests import session_access
from tests.live import Client, Facilitator, Server, add_account, join, refused_connect, signed_in

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
    "reveal_poll": {"poll_id": "poll-1", "show": False},
    "show_results": {"poll_id": "poll-1"},
    "hide_results": {},
    "pin_results": {"pinned": True},
    "reopen_poll": {"poll_id": "poll-1"},
    "hide_word": {"poll_id": "poll-1", "word": "tired", "hidden": True},
    "push_role_play": {
        "role_play": "dispute_need",
        "assignments": {"protagonist": "PARTICIPANT", "partner": None},
    },
    "start_debrief": {"role_play_id": "role-play-1"},
    "end_role_play": {"role_play_id": "role-play-1"},
    "push_prompt": {"text": "Breathe out slowly."},
    "clear_prompt": {},
    "acknowledge_signal": {"signal_id": "signal-1"},
    "record_risk_action": {"alert_id": "alert-1", "action": "spoke_with_them"},
    "enter_answer": {"poll_id": "poll-1", "participant_id": "PARTICIPANT", "value": 5},
    "add_member": {"name": "Rosa"},
    "record_course_risk_action": {"alert_id": "m1-alert-1", "action": "spoke_with_them"},
    "compose_role_play": {
        "situation": "Asking a brother for help with the children.",
        "other_role": "Brother",
        "relation": "brother",
        "member_card": "Ask for one afternoon a week.",
        "other_card": "You are busy but you care.",
        "assignments": {"member": "PARTICIPANT", "other": None},
    },
    "reverse_role_play": {"role_play_id": "role-play-1"},
    "record_fidelity": {"done": [0], "reflection": "Started on time."},
    "record_decision": {"participant_id": "PARTICIPANT", "decision": "join"},
    "set_language": {"language": "es"},
    "add_note": {"text": "A note."},
    "member_round_next": {},
    "member_round_previous": {},
    "submit_answer": {"action_id": "a-1", "poll_id": "poll-1", "value": 5},
    "send_signal": {"action_id": "s-1", "kind": "break"},
    "leave_session": {},
    "set_step": {"action_id": "t-1", "text": "Call my sister."},
    "review_step": {"action_id": "r-1", "tried": "yes"},
    "choose_language": {"language": "fr"},
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
        "error": {"code": "forbidden", "message": f"A {sender} may not send {event}."},
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
    if isinstance(field, fields.Boolean):
        return "yes"
    if isinstance(field, fields.List):
        return {"not": "a list"}
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
    assert ack == {"ok": False, "error": {"code": "invalid", "message": "Send one payload object."}}
    assert _version(room.console) == before


def test_a_stale_version_is_refused_with_a_clear_error(room: Any) -> None:
    current = _version(room.console)
    # Version 1 is older than the command that started the session.
    ack = room.console.call("add_note", {"text": "late", "version": 1})
    assert ack["error"]["code"] == "stale_version"
    assert "A facilitator command changed the session after version 1" in ack["error"]["message"]
    ahead = room.console.call("add_note", {"text": "late", "version": current + 1})
    assert ahead["error"]["code"] == "stale_version"
    assert f"at version {current}, not {current + 1}" in ahead["error"]["message"]
    assert _version(room.console) == current


@pytest.mark.parametrize("code", ["ZZZZZZ", "", "a" * 40, "<script>"])
def test_an_unknown_join_code_is_refused_clearly(server: Server, code: str) -> None:
    response = requests.post(
        server.url + "/api/join", json={"consent": True, "code": code}, timeout=5
    )
    assert response.status_code in (400, 404)
    assert response.json()["ok"] is False
    assert response.json()["error"]["code"] in ("unknown_code", "invalid")


# -- co-facilitators: who may send what, and call which route -------------------------

CO, EXPORTER, STRANGER, TARGET = "rules-ben", "rules-cleo", "rules-dev", "rules-eve"
CO_FACILITATORS = ("owner", "co_facilitator", "co_facilitator_with_export")


@pytest.fixture(scope="module")
def team(server: Server, facilitator: Facilitator) -> Iterator[Any]:
    """A session run by its owner with two co-facilitators (one granted exports), a
    stranger who runs a session of their own, a display, phones, and each one's browser.

    The stranger was invited and removed, so holds a console token of this session that
    no longer admits them; the `room` session is left alone for the tests above.
    """
    for name in (CO, EXPORTER, STRANGER, TARGET):
        add_account(server, name)
    owner = facilitator
    links = owner.create_session("group-ipt-8", 2)
    session_id = links["session_id"]
    browsers = {
        "owner": owner,
        "co_facilitator": signed_in(server, CO),
        "co_facilitator_with_export": signed_in(server, EXPORTER),
        "stranger": signed_in(server, STRANGER),
    }
    grants = {CO: False, EXPORTER: True, STRANGER: False}
    for user, may_export in grants.items():
        invited = owner.put(
            f"/api/sessions/{session_id}/facilitators/{user}", {"may_export": may_export}
        )
        assert invited.status_code == 200, invited.text
    tokens = {}
    for role, browser in browsers.items():
        own = browser.get(f"/api/sessions/{session_id}/links")
        assert own.status_code == 200, own.text
        tokens[role] = own.json()["console_token"]
    assert owner.delete(f"/api/sessions/{session_id}/facilitators/{STRANGER}").status_code == 200
    theirs = browsers["stranger"].create_session("group-ipt-8", 2)
    opened = []
    consoles = {}
    for role in CO_FACILITATORS:
        consoles[role] = Client(server.url, tokens[role], role)
        opened.append(consoles[role])
        consoles[role].connect()
    foreign = Client(server.url, theirs["console_token"], "stranger's own console")
    display = Client(server.url, links["display_token"], "display")
    joined = [join(server, links["join_code"]) for _ in range(3)]
    phones = [Client(server.url, j["token"], j["name"]) for j in joined]
    opened += [foreign, display, *phones]
    for client in [foreign, display, *phones]:
        client.connect()
    # What a phone's browser and the room display's browser hold: no sign-in.
    phone_browser = requests.Session()
    assert (
        phone_browser.post(
            server.url + "/api/join", json={"consent": True, "code": links["join_code"]}, timeout=5
        ).status_code
        == 201
    )
    display_browser = requests.Session()
    assert display_browser.get(f"{server.url}/display/{session_id}", timeout=5).status_code == 200
    assert consoles["co_facilitator"].call("start_session")["ok"]
    assert consoles["co_facilitator_with_export"].call("open_poll", {"poll": "mood10"})["ok"]

    yield SimpleNamespace(
        links=links,
        session_id=session_id,
        browsers=browsers,
        tokens=tokens,
        consoles=consoles,
        foreign=foreign,
        theirs=theirs,
        display=display,
        phones=phones,
        joined=joined,
        http={
            **browsers,
            "participant": phone_browser,
            "display": display_browser,
            "not_signed_in": requests.Session(),
        },
    )
    for client in opened:
        client.close()


@pytest.mark.parametrize("event", FACILITATOR_EVENTS)
@pytest.mark.parametrize("sender", CO_FACILITATORS)
def test_facilitator_events_are_allowed_to_the_owner_and_every_co_facilitator(
    team: Any, event: str, sender: str
) -> None:
    ack = team.consoles[sender].call(event, _payload(event, team.joined[2]["participant_id"]))
    # Allowed: done, or refused by the session's rules (a poll already closed, say), never
    # because of who sent it.
    assert ack["ok"] or ack["error"]["code"] not in ("forbidden", "unauthenticated"), ack
    if ack["ok"]:
        for console in team.consoles.values():
            console.wait_for(lambda v: v["version"] >= ack["version"])


@pytest.mark.parametrize("event", FACILITATOR_EVENTS)
@pytest.mark.parametrize("sender", ["participant", "display"])
def test_facilitator_events_from_others_in_a_shared_session_are_refused_and_change_nothing(
    team: Any, event: str, sender: str
) -> None:
    client = team.phones[0] if sender == "participant" else team.display
    before = _version(team.consoles["co_facilitator"])
    ack = client.call(event, _payload(event, team.joined[1]["participant_id"]))
    assert ack == {
        "ok": False,
        "error": {"code": "forbidden", "message": f"A {sender} may not send {event}."},
    }
    assert _version(team.consoles["owner"]) == before


def test_a_facilitator_not_invited_is_refused_at_connect_and_reaches_nothing(
    server: Server, team: Any
) -> None:
    # A token this account was given while invited no longer admits it.
    assert refused_connect(server, team.tokens["stranger"]) == "forbidden"
    before = _version(team.consoles["owner"])
    for event in FACILITATOR_EVENTS:
        team.foreign.call(event, _payload(event, team.joined[1]["participant_id"]))
    assert _version(team.consoles["owner"]) == before
    assert team.foreign.latest()["session_id"] == team.theirs["session_id"]
    for client in [*team.consoles.values(), team.display, *team.phones]:
        with client.lock:
            assert team.theirs["session_id"] not in str(client.received)


def test_the_session_list_says_each_facilitators_role_and_grant(team: Any) -> None:
    expected = {
        "owner": ("owner", True),
        "co_facilitator": ("co_facilitator", False),
        "co_facilitator_with_export": ("co_facilitator", True),
    }
    for role, browser in team.browsers.items():
        listed = {s["id"]: s for s in browser.get("/api/sessions").json()["sessions"]}
        if role == "stranger":
            assert team.session_id not in listed
            continue
        entry = listed[team.session_id]
        assert (entry["role"], entry["may_export"]) == expected[role]
        assert entry["owner"] == accounts.LOCAL_USER


@pytest.mark.parametrize("role", session_access.ROLES)
@pytest.mark.parametrize("route", sorted(session_access.STATUS))
def test_each_route_of_a_shared_session_answers_each_role_as_agreed(
    server: Server, facilitator: Facilitator, team: Any, route: str, role: str
) -> None:
    owner = team.browsers["owner"]
    session_id = team.session_id
    if route == "DELETE /api/sessions/<session_id>" or "<participant_id>" in route:
        # A session of its own to delete, or to erase a member of (the team's may be
        # locked by now), shared with the same people.
        session_id = owner.create_session("group-ipt-8", 2)["session_id"]
        for user, may_export in ((CO, False), (EXPORTER, True)):
            assert (
                owner.put(
                    f"/api/sessions/{session_id}/facilitators/{user}", {"may_export": may_export}
                ).status_code
                == 200
            )
    facilitators = f"/api/sessions/{session_id}/facilitators"
    if route.startswith("DELETE") and "<user>" in route:
        assert owner.put(f"{facilitators}/{TARGET}", {"may_export": False}).status_code == 200
    participant_id = ""
    if "<participant_id>" in route:
        # A member to erase: the team's phones stay for the other cases.
        code = owner.get(f"/api/sessions/{session_id}/links").json()["join_code"]
        participant_id = join(server, code)["participant_id"]
    listed_before = owner.get(facilitators).json()
    version_before = _version(team.consoles["owner"])
    method, path = route.split(" ", 1)
    path = path.replace("<session_id>", session_id).replace("<user>", TARGET)
    path = path.replace("<participant_id>", participant_id)
    browser = team.http[role]
    csrf = getattr(browser, "csrf", "")
    http = browser.http if isinstance(browser, Facilitator) else browser
    body = {"may_export": False} if method == "PUT" else None
    response = http.request(
        method, server.url + path, json=body, headers={"X-CSRF-Token": csrf}, timeout=10
    )

    expected = session_access.status_of(route, role)
    assert response.status_code == expected, (response.status_code, response.text)
    if expected >= 400:
        assert response.json()["error"]["code"] == session_access.ERROR_CODES[expected]
        # A refused call changes nothing: the list of facilitators, the session itself.
        assert owner.get(facilitators).json() == listed_before
        assert owner.get(f"/api/sessions/{session_id}/links").status_code == 200
        assert _version(team.consoles["owner"]) == version_before
    elif "<participant_id>" in route:
        assert response.json()["erased"] == participant_id
    elif route.startswith("PUT"):
        assert {"user": TARGET, "may_export": False} in response.json()["co_facilitators"]
    elif route.startswith("DELETE") and "<user>" in route:
        assert TARGET not in str(owner.get(facilitators).json())
    # Leave the shared session as it was for the next case.
    if TARGET in str(owner.get(facilitators).json()):
        assert owner.delete(f"{facilitators}/{TARGET}").status_code == 200
