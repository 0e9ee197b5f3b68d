"""Risk alerts across the meetings of a course, on a live server with two consoles.

At meeting 1 the owner enters Rosa's PHQ-9 by interview, item 9 "More than half the
days": the answer is marked as entered and raises the alert on both consoles. The
meeting ends with nothing recorded: the alert is carried into the course, shows at the
top of both consoles of meeting 2 and on the course page, and leaves them once the
co-facilitator records what was done there. The course summary names the alert and the
action; the phones never see an alert, a score or who entered what.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.live import Client, Facilitator, Server, add_account, signed_in

OWNER, CO = "asha-lead", "ben-cofac"
PHQ9_TITLE = "Patient Health Questionnaire (PHQ-9)"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("course-risk")).start()
    for name in (OWNER, CO):
        add_account(running, name)
    yield running
    running.stop()


def _post(server: Server, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(server.url + path, json=body, timeout=10)
    assert response.status_code == 201, response.text
    reply: dict[str, Any] = response.json()
    return reply


def _consoles(
    server: Server, people: dict[str, Facilitator], course_id: str, n: int, clients: list[Client]
) -> dict[str, Client]:
    consoles = {}
    for name, browser in people.items():
        links = browser.post(f"/api/courses/{course_id}/meetings/{n}/open", {})
        assert links.status_code == 201, links.text
        console = Client(server.url, links.json()["console_token"], f"{name} {n}")
        clients.append(console)
        consoles[name] = console.connect()
    return consoles


def _phones(server: Server, memberships: list[str], clients: list[Client]) -> list[Client]:
    phones = []
    for n, membership in enumerate(memberships):
        seat = _post(server, "/api/courses/attend", {"membership": membership})
        phone = Client(server.url, seat["token"], f"phone {n}")
        clients.append(phone)
        phones.append(phone.connect())
    return phones


def test_an_alert_left_open_is_carried_to_the_next_meeting_and_recorded_there(
    server: Server, clients: list[Client]
) -> None:
    people = {name: signed_in(server, name) for name in (OWNER, CO)}
    owner = people[OWNER]
    made = owner.post("/api/courses", {"protocol_id": "group-ipt-8", "title": "Friday group"})
    assert made.status_code == 201, made.text
    course_id, code = made.json()["course_id"], made.json()["join_code"]
    invited = owner.put(f"/api/courses/{course_id}/facilitators/{CO}", {"may_export": True})
    assert invited.status_code == 200, invited.text
    members = [
        _post(server, "/api/courses/join", {"consent": True, "code": code, "name": name})
        for name in ("Rosa", "Tomas")
    ]
    rosa_id = members[0]["member_id"]

    # Meeting 1: Rosa's PHQ-9 is asked aloud and entered on the owner's console.
    consoles = _consoles(server, people, course_id, 1, clients)
    phones = _phones(server, [m["membership"] for m in members], clients)
    first = consoles[OWNER]
    assert first.call("start_session")["ok"]
    assert first.call("open_poll", {"poll": "phq-9"})["ok"]
    poll_id = first.wait_for(lambda v: v["polls"])["polls"][0]["poll_id"]
    entered = {"poll_id": poll_id, "participant_id": rosa_id, "value": [1] * 8 + [2]}
    assert first.call("enter_answer", entered)["ok"]
    again = first.call("enter_answer", entered)
    assert again["error"]["code"] == "conflict"
    for console in consoles.values():
        view = console.wait_for(lambda v: v["risk_alerts"])
        (alert,) = view["risk_alerts"]
        assert (alert["name"], alert["item"], alert["score"]) == ("Rosa", "item 9", 2)
        (answer,) = view["polls"][0]["answers"]
        assert (answer["name"], answer["entered_by"], answer["total"]) == ("Rosa", OWNER, 10)
        assert answer["band"] == "moderate"
        assert view["course"]["open_alerts"] == []
    # Rosa's phone counts the poll as answered and shows the crisis resources.
    rosa_phone = phones[0]
    personal = rosa_phone.wait_for(lambda p: p["crisis"], "personal")
    assert poll_id in personal["answered"]
    assert first.call("end_session")["ok"]

    course = owner.get(f"/api/courses/{course_id}").json()["course"]
    (carried,) = course["risk_alerts"]
    assert (carried["name"], carried["n"], carried["open"]) == ("Rosa", 1, True)
    assert carried["instrument"] == PHQ9_TITLE
    assert carried["item"].startswith("item 9: ")
    assert (carried["score"], carried["meaning"]) == (2, "More than half the days")

    # Meeting 2: the alert is at the top of both consoles until recorded there.
    consoles = _consoles(server, people, course_id, 2, clients)
    later = _phones(server, [m["membership"] for m in members], clients)
    for console in consoles.values():
        (shown,) = console.wait_for(lambda v: v["course"]["open_alerts"])["course"]["open_alerts"]
        assert (shown["id"], shown["name"], shown["score"]) == (carried["id"], "Rosa", 2)
        assert shown["meeting"]
    refused = consoles[CO].call(
        "record_course_risk_action", {"alert_id": carried["id"], "action": "other"}
    )
    assert refused["error"]["code"] == "invalid"
    recorded = consoles[CO].call(
        "record_course_risk_action",
        {"alert_id": carried["id"], "action": "referred", "note": "Clinic appointment Monday."},
    )
    assert recorded["ok"], recorded
    for console in consoles.values():
        console.wait_for(lambda v: v["course"]["open_alerts"] == [])
    twice = consoles[OWNER].call(
        "record_course_risk_action", {"alert_id": carried["id"], "action": "spoke_with_them"}
    )
    assert twice["error"]["code"] == "illegal_state"

    course = owner.get(f"/api/courses/{course_id}").json()["course"]
    (acted,) = course["risk_alerts"]
    assert (acted["open"], acted["action"], acted["acted_by"]) == (False, "referred", CO)

    # The course summary names the alert and what was done, by whom.
    summary = owner.get(f"/api/courses/{course_id}/export/summary.html")
    assert summary.status_code == 200
    section = summary.text.split('<section id="risk-alerts">')[1].split("</section>")[0]
    # As read: names and instrument texts sit in elements of their own within a sentence.
    section = re.sub(r"<[^>]+>", "", section)
    assert "Rosa" in section and "item 9" in section
    assert "Referred: Clinic appointment Monday." in section and CO in section
    assert "2 of 3 (More than half the days)" in section

    # Phones never saw an alert, a score, or who entered an answer.
    for phone in (*phones, *later):
        with phone.lock:
            seen = json.dumps(phone.received)
        for secret in ("open_alerts", "risk_alerts", '"score"', "entered_by", OWNER, "Clinic"):
            assert secret not in seen, (phone.label, secret)


def test_the_course_page_records_an_action_on_a_carried_alert(
    server: Server, clients: list[Client]
) -> None:
    owner = signed_in(server, OWNER)
    made = owner.post("/api/courses", {"protocol_id": "group-ipt-8", "title": "Sunday group"})
    course_id, code = made.json()["course_id"], made.json()["join_code"]
    member = _post(server, "/api/courses/join", {"consent": True, "code": code, "name": "Ines"})
    (console,) = _consoles(server, {OWNER: owner}, course_id, 1, clients).values()
    _phones(server, [member["membership"]], clients)
    assert console.call("start_session")["ok"]
    assert console.call("open_poll", {"poll": "phq-9"})["ok"]
    poll_id = console.wait_for(lambda v: v["polls"])["polls"][0]["poll_id"]
    entered = {"poll_id": poll_id, "participant_id": member["member_id"], "value": [0] * 8 + [3]}
    assert console.call("enter_answer", entered)["ok"]
    assert console.call("end_session")["ok"]
    (carried,) = owner.get(f"/api/courses/{course_id}").json()["course"]["risk_alerts"]
    path = f"/api/courses/{course_id}/risk-alerts/{carried['id']}/action"
    bad = owner.post(path, {"action": "other"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid")
    done = owner.post(path, {"action": "spoke_with_them", "note": "Called her."})
    assert done.status_code == 200, done.text
    (acted,) = done.json()["course"]["risk_alerts"]
    assert (acted["open"], acted["action"], acted["note"]) == (
        False,
        "spoke_with_them",
        "Called her.",
    )
    again = owner.post(path, {"action": "referred"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "illegal_state")


def test_an_action_recorded_on_the_ended_meetings_console_closes_the_carried_alert(
    server: Server, clients: list[Client]
) -> None:
    owner = signed_in(server, OWNER)
    made = owner.post("/api/courses", {"protocol_id": "group-ipt-8", "title": "Monday group"})
    course_id, code = made.json()["course_id"], made.json()["join_code"]
    member = _post(server, "/api/courses/join", {"consent": True, "code": code, "name": "Lea"})
    (console,) = _consoles(server, {OWNER: owner}, course_id, 1, clients).values()
    _phones(server, [member["membership"]], clients)
    assert console.call("start_session")["ok"]
    assert console.call("open_poll", {"poll": "phq-9"})["ok"]
    poll_id = console.wait_for(lambda v: v["polls"])["polls"][0]["poll_id"]
    entered = {"poll_id": poll_id, "participant_id": member["member_id"], "value": [0] * 8 + [1]}
    assert console.call("enter_answer", entered)["ok"]
    assert console.call("end_session")["ok"]
    (carried,) = owner.get(f"/api/courses/{course_id}").json()["course"]["risk_alerts"]
    assert carried["open"]
    alert_id = console.latest()["risk_alerts"][0]["id"]
    done = console.call("record_risk_action", {"alert_id": alert_id, "action": "safety_plan"})
    assert done["ok"], done
    (acted,) = owner.get(f"/api/courses/{course_id}").json()["course"]["risk_alerts"]
    assert (acted["open"], acted["action"], acted["acted_by"]) == (False, "safety_plan", OWNER)
