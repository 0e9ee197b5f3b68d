"""The records a supervisor reads, against a live server with real Socket.IO clients:
the pre-group decision, each meeting's fidelity checklist, the end-of-course referral
check, in the session and course summaries and the course's fidelity.csv; phones never
see any of it, and cannot record it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.live import Client, Server, add_account, signed_in

OWNER = "amina"
SUPERVISOR = "sam-supervisor"
REFERRAL_NOTE = "Referred to the community mental health team for one-to-one care"
REFLECTION = "Ben spoke for the first time; we ran ten minutes over."
# PHQ-9 answers at meetings 1 and 5: Asha improves by two bands, Ben stays the same.
PHQ9 = {
    "Asha": {1: [3] * 6 + [2, 2, 0], 5: [1] * 3 + [0] * 6},
    "Ben": {1: [1] * 9, 5: [1] * 8 + [0]},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("fidelity")).start()
    add_account(running, OWNER)
    add_account(running, SUPERVISOR)
    yield running
    running.stop()


def _post(server: Server, path: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(server.url + path, json=body, timeout=10)


def _meeting(
    server: Server, owner: Any, course_id: str, n: int, memberships: dict[str, str]
) -> tuple[Client, dict[str, Client]]:
    links = owner.post(f"/api/courses/{course_id}/meetings/{n}/open", {})
    assert links.status_code == 201, links.text
    console = Client(server.url, links.json()["console_token"], f"console {n}").connect()
    phones = {}
    for name, membership in memberships.items():
        seat = _post(server, "/api/courses/attend", {"membership": membership})
        assert seat.status_code == 201, seat.text
        phones[name] = Client(server.url, seat.json()["token"], name).connect()
    return console, phones


def _answer_phq9(console: Client, phones: dict[str, Client], n: int) -> None:
    assert console.call("open_poll", {"poll": "phq-9"})["ok"]
    view = console.wait_for(lambda v: any(p["phase"] == "open" for p in v["polls"]))
    poll_id = next(p["poll_id"] for p in view["polls"] if p["phase"] == "open")
    for name, phone in phones.items():
        payload = {"action_id": f"phq-{n}", "poll_id": poll_id, "value": PHQ9[name][n]}
        assert phone.call("submit_answer", payload)["ok"]
    assert console.call("close_poll", {"poll_id": poll_id})["ok"]


def _close(console: Client, phones: dict[str, Client]) -> None:
    console.close()
    for phone in phones.values():
        phone.close()


def test_decisions_fidelity_and_the_referral_check_reach_the_summaries_and_not_the_phones(
    server: Server,
) -> None:
    owner = signed_in(server, OWNER)
    made = owner.post("/api/courses", {"protocol_id": "group-ipt-8", "title": "Monday group"})
    assert made.status_code == 201, made.text
    course_id, code = made.json()["course_id"], made.json()["join_code"]
    memberships, member_ids = {}, {}
    for name in ("Asha", "Ben", "Chidi"):
        joined = _post(server, "/api/courses/join", {"code": code, "name": name, "consent": True})
        assert joined.status_code == 201, joined.text
        memberships[name], member_ids[name] = (
            joined.json()["membership"],
            joined.json()["member_id"],
        )

    # The meeting before the group: a decision for each, and the checklist.
    console, phones = _meeting(server, owner, course_id, 0, memberships)
    try:
        early = console.call("record_fidelity", {"done": [0], "reflection": ""})
        assert early["error"]["code"] == "illegal_state"  # not before it starts
        assert console.call("start_session")["ok"]
        for name in ("Asha", "Ben"):
            decided = {"participant_id": member_ids[name], "decision": "join", "note": ""}
            assert console.call("record_decision", decided)["ok"]
        unsaid = {"participant_id": member_ids["Chidi"], "decision": "refer", "note": ""}
        assert console.call("record_decision", unsaid)["error"]["code"] == "invalid"
        referred = {**unsaid, "note": REFERRAL_NOTE}
        assert console.call("record_decision", referred)["ok"]
        view = console.wait_for(lambda v: len(v["decisions"]) == 3)
        assert view["pre_group"] is True
        assert view["decisions"][member_ids["Chidi"]]["note"] == REFERRAL_NOTE
        checklist = view["checklist"]
        assert any("refer elsewhere" in item for item in checklist)
        done = list(range(len(checklist) - 1))
        assert console.call("record_fidelity", {"done": done, "reflection": "Short."})["ok"]
        view = console.wait_for(lambda v: v["fidelity"] is not None)
        assert [i["done"] for i in view["fidelity"]["items"]] == [True] * len(done) + [False]
        assert view["fidelity"]["by"] == OWNER
        # A phone may record neither, and sees neither.
        phone = phones["Chidi"]
        refused = phone.call("record_decision", {**referred, "command_id": "x-1"})
        assert refused["error"]["code"] == "forbidden"
        refused = phone.call("record_fidelity", {"done": [], "command_id": "x-2"})
        assert refused["error"]["code"] == "forbidden"
        seen = (
            str(phone.call("sync", {})) + str(phone.events("view")) + str(phone.events("personal"))
        )
        for secret in (REFERRAL_NOTE, "Short.", "refer", checklist[0]):
            assert secret not in seen
        assert console.call("end_session")["ok"]
    finally:
        _close(console, phones)

    # Meeting 1: PHQ-9; the checklist is ticked after the meeting ended.
    group = {name: memberships[name] for name in ("Asha", "Ben")}
    console, phones = _meeting(server, owner, course_id, 1, group)
    try:
        assert console.call("start_session")["ok"]
        _answer_phq9(console, phones, 1)
        not_pre_group = {"participant_id": member_ids["Asha"], "decision": "join", "note": ""}
        assert console.call("record_decision", not_pre_group)["error"]["code"] == "illegal_state"
        assert console.call("end_session")["ok"]
        view = console.wait_for(lambda v: v["phase"] == "ended")
        everything = list(range(len(view["checklist"])))
        recorded = console.call("record_fidelity", {"done": everything, "reflection": REFLECTION})
        assert recorded["ok"], recorded
        session_id = view["session_id"]
    finally:
        _close(console, phones)
    summary = owner.get(f"/api/sessions/{session_id}/export/summary.html")
    assert summary.status_code == 200
    assert "Fidelity checklist" in summary.text and REFLECTION in summary.text

    # Meeting 2 is held without a record; meeting 5 asks the PHQ-9 again.
    for n in (2, 5):
        console, phones = _meeting(server, owner, course_id, n, group)
        try:
            assert console.call("start_session")["ok"]
            if n == 5:
                _answer_phq9(console, phones, 5)
            assert console.call("end_session")["ok"]
        finally:
            _close(console, phones)

    # The supervisor reads it all in the course's summary and fidelity.csv.
    assert owner.put(f"/api/courses/{course_id}/supervisors/{SUPERVISOR}").status_code == 200
    supervisor = signed_in(server, SUPERVISOR)
    table = supervisor.get(f"/api/courses/{course_id}/export/fidelity.csv")
    assert table.status_code == 200, table.text
    assert table.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(table.text)))
    assert rows[0] == ["meeting", "title", "item", "done", "reflection", "by", "recorded"]
    by_meeting: dict[str, list[list[str]]] = {}
    for row in rows[1:]:
        by_meeting.setdefault(row[0], []).append(row)
    assert set(by_meeting) == {"0", "1", "2", "5"}
    zero = by_meeting["0"]
    assert [r[3] for r in zero[:-1]] == ["yes"] * (len(zero) - 2) + ["no"]
    assert zero[-1][2:5] == ["reflection", "", "Short."]
    assert all(r[5] == OWNER for r in zero)
    assert by_meeting["1"][-1][4] == REFLECTION
    assert {r[3] for r in by_meeting["1"][:-1]} == {"yes"}
    assert by_meeting["2"] == [["2", by_meeting["2"][0][1], "", "not recorded", "", "", ""]]

    page = supervisor.get(f"/api/courses/{course_id}/export/summary.html").text
    fidelity = page[page.index('id="fidelity"') :]
    assert REFLECTION in fidelity and "not recorded" in fidelity
    decisions = page[page.index('id="decisions"') : page.index('id="fidelity"')]
    assert "Referred elsewhere" in decisions and REFERRAL_NOTE in decisions
    assert decisions.count("Joins the group") == 2
    check = page[page.index('id="referral-check"') : page.index('id="decisions"')]
    assert "Ben" in check and "Asha" not in check
    assert "The course has not ended" in check
