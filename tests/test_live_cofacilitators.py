"""Two facilitators run one session: a live server, two consoles, a display, phones.

The owner invites a co-facilitator by account name; both run console commands, each
attributed in the log to the account that sent it. The owner alone deletes the session,
invites, removes and (unless granted) exports; phones and the display never learn that
there is more than one facilitator.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.live import (
    Client,
    Facilitator,
    Server,
    add_account,
    join,
    refused_connect,
    signed_in,
    wait_until,
)

OWNER, CO, EXPORTER = "asha-lead", "ben-cofac", "cleo-cofac"
EXPORTS = ("log.jsonl", "results.csv", "summary.html")
# Both consoles must agree on all of these once the last command's view arrived.
AGREED = ("version", "phase", "step", "polls", "participants", "notes", "owner", "co_facilitators")


@pytest.fixture(scope="module")
def people(server: Server) -> dict[str, Facilitator]:
    """The owner and two other facilitator accounts, each signed in in a browser of theirs."""
    for name in (OWNER, CO, EXPORTER):
        add_account(server, name)
    return {name: signed_in(server, name) for name in (OWNER, CO, EXPORTER)}


@dataclass
class Shared:
    """A session of the owner's that co-facilitators were invited to, with its clients."""

    session_id: str
    links: dict[str, Any]
    consoles: dict[str, Client] = field(default_factory=dict)
    console_tokens: dict[str, str] = field(default_factory=dict)
    display: Client | None = None
    phones: list[Client] = field(default_factory=list)


def _facilitators(session_id: str) -> str:
    return f"/api/sessions/{session_id}/facilitators"


def _invite(owner: Facilitator, session_id: str, user: str, may_export: bool) -> dict[str, Any]:
    response = owner.put(f"{_facilitators(session_id)}/{user}", {"may_export": may_export})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _open_shared(
    server: Server,
    people: dict[str, Facilitator],
    clients: list[Client],
    invited: dict[str, bool],
    phones: int,
) -> Shared:
    """Create a session as the owner, invite `invited` (user -> may_export), and connect
    each facilitator's console with their own token, the display, and `phones` phones."""
    links = people[OWNER].create_session("group-ipt-8", 2)
    shared = Shared(links["session_id"], links)
    for user, may_export in invited.items():
        _invite(people[OWNER], shared.session_id, user, may_export)
    for user in (OWNER, *invited):
        own = people[user].get(f"/api/sessions/{shared.session_id}/links")
        assert own.status_code == 200, own.text
        assert own.json()["session_id"] == shared.session_id
        assert own.json()["join_code"] == links["join_code"]
        shared.console_tokens[user] = own.json()["console_token"]
        console = Client(server.url, shared.console_tokens[user], f"{user}'s console")
        clients.append(console)
        shared.consoles[user] = console.connect()
    shared.display = Client(server.url, links["display_token"], "display")
    clients.append(shared.display)
    shared.display.connect()
    for _ in range(phones):
        joined = join(server, links["join_code"])
        phone = Client(server.url, joined["token"], joined["name"])
        clients.append(phone)
        shared.phones.append(phone.connect())
    for console in shared.consoles.values():
        console.wait_for(lambda v: len(v["participants"]) == phones)
    return shared


def _texts(client: Client) -> str:
    with client.lock:
        return json.dumps(client.received)


class Consoles:
    """Send commands from several consoles as each console does: a fresh command_id, and
    the version of the last view it received, once that view shows the last change."""

    def __init__(self, consoles: dict[str, Client]) -> None:
        self.consoles = consoles
        self.known = 0  # the version the last facilitator command reached
        self.sent: dict[str, str] = {}  # command_id -> the account whose console sent it

    def run(self, user: str, event: str, payload: dict[str, Any] | None = None) -> None:
        console = self.consoles[user]
        view = console.wait_for(lambda v: v["version"] >= self.known)
        command_id = f"{user}-{len(self.sent)}-{event}"
        ack = console.call(
            event, {"command_id": command_id, "version": view["version"], **(payload or {})}
        )
        assert ack["ok"], (user, event, ack)
        self.sent[command_id] = user
        self.known = ack["version"]


def _export_log(browser: Facilitator, session_id: str) -> list[dict[str, Any]]:
    response = browser.get(f"/api/sessions/{session_id}/export/log.jsonl")
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


def _listed(browser: Facilitator) -> dict[str, dict[str, Any]]:
    response = browser.get("/api/sessions")
    assert response.status_code == 200, response.text
    return {entry["id"]: entry for entry in response.json()["sessions"]}


def _refused(response: Any, status: int = 403, code: str = "forbidden") -> None:
    assert response.status_code == status, response.text
    assert response.json()["ok"] is False
    assert response.json()["error"]["code"] == code


def test_two_facilitators_run_one_session_and_the_log_says_whose_each_command_was(
    server: Server, people: dict[str, Facilitator], clients: list[Client]
) -> None:
    owner, co = people[OWNER], people[CO]
    # Each facilitator opens the console with their own token; one display, eight phones.
    shared = _open_shared(server, people, clients, {CO: False}, phones=8)
    session_id, consoles, phones = shared.session_id, shared.consoles, shared.phones
    display = shared.display
    assert display is not None

    # Both see the same list of facilitators, in the console too; each sees their role.
    team = {"ok": True, "owner": OWNER, "co_facilitators": [{"user": CO, "may_export": False}]}
    assert owner.get(_facilitators(session_id)).json() == team
    assert co.get(_facilitators(session_id)).json() == team
    mine, theirs = _listed(owner)[session_id], _listed(co)[session_id]
    assert (mine["owner"], mine["role"], mine["may_export"]) == (OWNER, "owner", True)
    assert (theirs["owner"], theirs["role"], theirs["may_export"]) == (
        OWNER,
        "co_facilitator",
        False,
    )
    for console in consoles.values():
        assert console.latest()["co_facilitators"] == team["co_facilitators"]
        assert console.latest()["owner"] == OWNER

    # Interleaved commands from both consoles; the phones answer the poll one opened.
    run = Consoles(consoles)
    run.run(OWNER, "start_session")
    run.run(CO, "next_step")
    run.run(OWNER, "open_poll", {"poll": "mood10"})
    for n, phone in enumerate(phones):
        poll = phone.wait_for(lambda v: v["poll"] is not None)["poll"]
        assert poll["poll_id"] == "poll-1"
        answer = {"action_id": f"mood-{n}", "poll_id": "poll-1", "value": n % 11}
        assert phone.call("submit_answer", answer)["ok"]
    for console in consoles.values():
        console.wait_for(lambda v: v["polls"] and v["polls"][0]["count"] == 8)
    run.run(CO, "add_note", {"text": "The group settled quickly."})
    run.run(OWNER, "push_prompt", {"text": "Breathe out slowly."})
    before_close = run.known
    run.run(CO, "close_poll", {"poll_id": "poll-1"})
    # The co-facilitator's command moved the version the owner's console must have seen.
    late = consoles[OWNER].call(
        "add_note", {"command_id": "late-note", "text": "late", "version": before_close}
    )
    assert late["ok"] is False
    assert late["error"]["code"] == "stale_version"
    run.run(OWNER, "add_note", {"text": "Two members were quiet today."})
    run.run(CO, "reveal_poll", {"poll_id": "poll-1"})
    run.run(CO, "clear_prompt")
    # Pinned on one console, the results stay through a step change made on the other.
    run.run(CO, "pin_results", {"pinned": True})
    run.run(OWNER, "next_step")

    # Both consoles end with the same view of the session, at the last command's version.
    def agreed() -> dict[str, Any] | None:
        views = [c.latest() for c in consoles.values()]
        if views[0]["version"] < run.known:
            return None
        same = all(views[0][key] == view[key] for view in views for key in AGREED)
        return views[0] if same else None

    final = wait_until(agreed, 10, "both consoles to agree")
    assert all(c.call("sync")["version"] == final["version"] for c in consoles.values())
    assert final["step"]["index"] == 2
    assert final["prompt"] is None
    assert [(p["poll_id"], p["phase"], p["count"]) for p in final["polls"]] == [
        ("poll-1", "revealed", 8)
    ]
    assert [(n["text"], n["by"]) for n in final["notes"]] == [
        ("The group settled quickly.", CO),
        ("Two members were quiet today.", OWNER),
    ]
    assert final["co_facilitators"] == [{"user": CO, "may_export": False}]

    # The display and every phone followed one session, and learnt nothing of who ran it.
    for client in [display, *phones]:
        shown = client.wait_for(lambda v: v["step"]["index"] == 2 and v["prompt"] is None)
        assert shown["session_id"] == session_id
        assert shown["phase"] == "running"
        assert [r["poll_id"] for r in shown["results"]] == ["poll-1"]
        assert shown["results"][0]["summary"]["count"] == 8
        if client is not display:
            asked = [v["poll"]["poll_id"] for v in client.events("view") if v["poll"]]
            assert set(asked) == {"poll-1"}
        assert OWNER not in _texts(client)
        assert CO not in _texts(client)
        assert "quiet" not in _texts(client)

    # The log says whose console each command came from, and who wrote each note.
    events = _export_log(owner, session_id)
    recorded = {e["command_id"]: e["by"] for e in events if e["type"] == "command_recorded"}
    assert recorded == run.sent
    assert "late-note" not in recorded
    assert [(e["text"], e["by"]) for e in events if e["type"] == "note_added"] == [
        ("The group settled quickly.", CO),
        ("Two members were quiet today.", OWNER),
    ]


def test_only_the_owner_deletes_and_exports_until_the_owner_grants_exports(
    server: Server, people: dict[str, Facilitator], clients: list[Client]
) -> None:
    owner, co = people[OWNER], people[CO]
    shared = _open_shared(server, people, clients, {CO: False}, phones=1)
    session_id = shared.session_id
    console = shared.consoles[OWNER]
    assert console.call("start_session")["ok"]
    assert console.call("add_note", {"text": "Kept for the export."})["ok"]
    version = console.call("sync")["version"]
    exports = [f"/api/sessions/{session_id}/export/{name}" for name in EXPORTS]

    _refused(co.delete(f"/api/sessions/{session_id}"))
    for path in exports:
        _refused(co.get(path))
    # Nor may a co-facilitator invite, change a grant, or remove anyone (themself included).
    _refused(co.put(f"{_facilitators(session_id)}/{EXPORTER}", {"may_export": False}))
    _refused(co.put(f"{_facilitators(session_id)}/{CO}", {"may_export": True}))
    _refused(co.delete(f"{_facilitators(session_id)}/{CO}"))
    team = {"ok": True, "owner": OWNER, "co_facilitators": [{"user": CO, "may_export": False}]}
    assert owner.get(_facilitators(session_id)).json() == team
    assert console.call("sync")["version"] == version
    assert owner.get(f"/api/sessions/{session_id}/links").status_code == 200

    granted = _invite(owner, session_id, CO, True)
    assert granted["co_facilitators"] == [{"user": CO, "may_export": True}]
    assert _listed(co)[session_id]["may_export"] is True
    shared.consoles[CO].wait_for(lambda v: v["co_facilitators"] == granted["co_facilitators"])
    for path in exports:
        assert co.get(path).status_code == 200, path
    assert any(e["type"] == "note_added" for e in _export_log(co, session_id))
    # The grant is to export, not to delete or to invite.
    _refused(co.delete(f"/api/sessions/{session_id}"))
    _refused(co.put(f"{_facilitators(session_id)}/{EXPORTER}", {"may_export": True}))
    assert owner.get(_facilitators(session_id)).json()["co_facilitators"] == [
        {"user": CO, "may_export": True}
    ]
    assert console.call("sync")["ok"]


def test_the_owner_invites_only_existing_other_accounts_and_removes_only_the_invited(
    server: Server, people: dict[str, Facilitator], clients: list[Client]
) -> None:
    owner = people[OWNER]
    session_id = owner.create_session("group-ipt-8", 2)["session_id"]
    path = _facilitators(session_id)
    _refused(owner.put(f"{path}/nobody-here", {"may_export": False}), 404, "not_found")
    _refused(owner.put(f"{path}/{OWNER}", {"may_export": False}), 400, "invalid")
    _refused(owner.delete(f"{path}/{CO}"), 404, "not_found")
    # Without a body, the invitation is without the grant to export.
    plain = owner.put(f"{path}/{CO}")
    assert plain.status_code == 200, plain.text
    assert plain.json()["co_facilitators"] == [{"user": CO, "may_export": False}]
    both = _invite(owner, session_id, EXPORTER, True)
    assert both["co_facilitators"] == [
        {"user": CO, "may_export": False},
        {"user": EXPORTER, "may_export": True},
    ]
    # Inviting again with the same grant changes nothing.
    assert _invite(owner, session_id, EXPORTER, True) == both
    removed = owner.delete(f"{path}/{CO}")
    assert removed.status_code == 200, removed.text
    assert removed.json() == {
        "ok": True,
        "owner": OWNER,
        "co_facilitators": [{"user": EXPORTER, "may_export": True}],
    }
    assert session_id not in _listed(people[CO])
    assert session_id in _listed(people[EXPORTER])
    entries = owner.get("/api/audit").json()["entries"]
    mine = [(e["action"], e["detail"]) for e in entries if e["session_id"] == session_id]
    assert ("facilitator_invited", CO) in mine
    assert ("facilitator_invited", EXPORTER) in mine
    assert ("facilitator_removed", CO) in mine


def test_a_removed_co_facilitator_is_disconnected_and_cannot_come_back(
    server: Server, people: dict[str, Facilitator], clients: list[Client]
) -> None:
    owner, co = people[OWNER], people[CO]
    shared = _open_shared(server, people, clients, {CO: True}, phones=1)
    session_id = shared.session_id
    theirs, mine = shared.consoles[CO], shared.consoles[OWNER]
    assert theirs.call("start_session")["ok"]

    removed = owner.delete(f"{_facilitators(session_id)}/{CO}")
    assert removed.status_code == 200, removed.text
    assert removed.json()["co_facilitators"] == []
    ended = theirs.wait_for(lambda data: True, "access_ended")
    assert isinstance(ended["message"], str)
    assert ended["message"]
    wait_until(lambda: not theirs.sio.connected, 5, "the removed console to be disconnected")

    # Their token, their links, the exports once granted: all refused from now on.
    assert refused_connect(server, shared.console_tokens[CO]) == "forbidden"
    _refused(co.get(f"/api/sessions/{session_id}/links"))
    _refused(co.get(_facilitators(session_id)))
    _refused(co.get(f"/api/sessions/{session_id}/export/log.jsonl"))
    assert session_id not in _listed(co)

    # The owner's console carries on, and the removed console hears nothing more.
    heard = len(theirs.received)
    assert mine.call("next_step")["ok"]
    mine.wait_for(lambda v: v["step"]["index"] == 1 and v["co_facilitators"] == [])
    assert mine.sio.connected
    assert len(theirs.received) == heard
    assert "access_ended" not in [name for name, _ in mine.received]


def test_deleting_a_shared_session_ends_every_connection_to_it(
    server: Server, people: dict[str, Facilitator], clients: list[Client]
) -> None:
    owner = people[OWNER]
    shared = _open_shared(server, people, clients, {CO: False, EXPORTER: True}, phones=3)
    session_id = shared.session_id
    assert shared.consoles[CO].call("start_session")["ok"]
    assert shared.display is not None
    everyone = [*shared.consoles.values(), shared.display, *shared.phones]

    deleted = owner.delete(f"/api/sessions/{session_id}")
    assert deleted.status_code == 200, deleted.text
    for client in everyone:
        told = client.wait_for(lambda data: True, "session_deleted")
        assert isinstance(told["message"], str)
        assert told["message"]
    wait_until(
        lambda: not any(client.sio.connected for client in everyone), 5, "all to be disconnected"
    )
    for user in (OWNER, CO, EXPORTER):
        assert session_id not in _listed(people[user])
    for token in shared.console_tokens.values():
        assert refused_connect(server, token)


def test_inviting_and_removing_a_co_facilitator_is_invisible_to_phones_and_the_display(
    server: Server, people: dict[str, Facilitator], clients: list[Client]
) -> None:
    owner = people[OWNER]
    shared = _open_shared(server, people, clients, {}, phones=2)
    session_id = shared.session_id
    console = shared.consoles[OWNER]
    assert console.call("start_session")["ok"]
    assert shared.display is not None
    audience = [shared.display, *shared.phones]
    for client in audience:
        client.wait_for(lambda v: v["phase"] == "running")
    seen = {client.label: client.call("sync")["version"] for client in audience}
    heard = {client.label: len(client.received) for client in audience}
    console_before = console.call("sync")["version"]

    _invite(owner, session_id, CO, False)
    own = people[CO].get(f"/api/sessions/{session_id}/links").json()
    co_console = Client(server.url, own["console_token"], "co-facilitator's console")
    clients.append(co_console)
    co_console.connect().wait_for(
        lambda v: v["co_facilitators"] == [{"user": CO, "may_export": False}]
    )
    _invite(owner, session_id, CO, True)
    co_console.wait_for(lambda v: v["co_facilitators"] == [{"user": CO, "may_export": True}])
    assert owner.delete(f"{_facilitators(session_id)}/{CO}").status_code == 200
    console.wait_for(lambda v: v["co_facilitators"] == [])
    # The facilitators' version counts these private events; the public one does not.
    assert console.call("sync")["version"] > console_before

    for client in audience:
        unchanged = client.call("sync", {"version": seen[client.label]})
        if client is shared.display:
            # The display is always sent its view (its counts move without a version):
            # the same version, and nothing of who runs the session.
            assert (unchanged["version"], unchanged["view"]["version"]) == (seen["display"],) * 2
            assert CO not in json.dumps(unchanged)
        else:
            assert unchanged == {"ok": True, "version": seen[client.label], "unchanged": True}
        with client.lock:
            assert len(client.received) == heard[client.label], client.received[
                heard[client.label] :
            ]
        assert CO not in _texts(client)
        assert OWNER not in _texts(client)
