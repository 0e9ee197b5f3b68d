"""Members without a phone, on a live server: the facilitator adds them on the console
and enters their answers by interview.

In a one-off session, Rosa is added by name and a second member with no name gets a
pseudonym; Rosa's PHQ-9 is asked aloud and entered, item 9 "More than half the days",
which raises the alert with her name. In a meeting of a course, the member added is
enrolled in the course, and when the meeting ends their attendance and their PHQ-9
score are recorded there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.live import Client, Facilitator, Server, add_account, join, signed_in

OWNER = "asha-lead"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("no-phone")).start()
    add_account(running, OWNER)
    yield running
    running.stop()


def _connect(server: Server, token: str, label: str, clients: list[Client]) -> Client:
    client = Client(server.url, token, label)
    clients.append(client)
    return client.connect()


def _member(view: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [m for m in view["participants"] if m["name"] == name]
    (member,) = found
    return member


def test_a_member_without_a_phone_is_added_and_answers_by_interview(
    server: Server, clients: list[Client]
) -> None:
    owner = signed_in(server, OWNER)
    links = owner.create_session("group-ipt-8", 1)
    console = _connect(server, links["console_token"], "console", clients)
    joined = join(server, links["join_code"], "Tomas")
    phone = _connect(server, joined["token"], "Tomas", clients)
    added = console.call("add_member", {"name": "Rosa"})
    assert added["ok"], added
    rosa_id = added["participant_id"]
    blank = console.call("add_member", {"name": ""})
    assert blank["ok"], blank
    view = console.wait_for(lambda v: len(v["participants"]) == 3 and v)
    rosa = _member(view, "Rosa")
    assert (rosa["id"], rosa["no_phone"], rosa["present"], rosa["connected"]) == (
        rosa_id,
        True,
        True,
        False,
    )
    assert _member(view, "Tomas")["no_phone"] is False
    (unnamed,) = [m for m in view["participants"] if m["id"] == blank["participant_id"]]
    assert unnamed["no_phone"] and unnamed["name"] not in ("", "Rosa", "Tomas")
    taken = console.call("add_member", {"name": "rosa"})
    assert taken["error"]["code"] == "name_taken"

    assert console.call("start_session")["ok"]
    assert console.call("open_poll", {"poll": "phq-9"})["ok"]
    poll_id = console.wait_for(lambda v: v["polls"])["polls"][0]["poll_id"]
    entered = {"poll_id": poll_id, "participant_id": rosa_id, "value": [0] * 8 + [2]}
    assert console.call("enter_answer", entered)["ok"]
    view = console.wait_for(lambda v: v["risk_alerts"] and v)
    (alert,) = view["risk_alerts"]
    assert (alert["name"], alert["item"], alert["score"]) == ("Rosa", "item 9", 2)
    (answer,) = view["polls"][0]["answers"]
    assert (answer["name"], answer["entered_by"]) == ("Rosa", OWNER)
    with phone.lock:
        seen = json.dumps(phone.received)
    assert "Rosa" not in seen and "no_phone" not in seen


def test_in_a_course_meeting_the_added_member_is_enrolled_and_their_measure_kept(
    server: Server, clients: list[Client]
) -> None:
    owner: Facilitator = signed_in(server, OWNER)
    made = owner.post("/api/courses", {"protocol_id": "group-ipt-8", "title": "Friday group"})
    assert made.status_code == 201, made.text
    course_id = made.json()["course_id"]
    opened = owner.post(f"/api/courses/{course_id}/meetings/1/open", {})
    assert opened.status_code == 201, opened.text
    console = _connect(server, opened.json()["console_token"], "console", clients)
    assert console.call("start_session")["ok"]
    added = console.call("add_member", {"name": "Wanjiru", "command_id": "add-wanjiru"})
    assert added["ok"], added
    member_id = added["participant_id"]
    # A retry of the same command enrolls no second member.
    again = console.call("add_member", {"name": "Wanjiru", "command_id": "add-wanjiru"})
    assert again["ok"] and again["participant_id"] == member_id
    members = owner.get(f"/api/courses/{course_id}").json()["course"]["members"]
    assert [(m["id"], m["name"]) for m in members] == [(member_id, "Wanjiru")]

    assert console.call("open_poll", {"poll": "phq-9"})["ok"]
    poll_id = console.wait_for(lambda v: v["polls"])["polls"][0]["poll_id"]
    entered = {"poll_id": poll_id, "participant_id": member_id, "value": [1] * 9}
    assert console.call("enter_answer", entered)["ok"]
    assert console.call("close_poll", {"poll_id": poll_id})["ok"]
    assert console.call("end_session")["ok"]
    (member,) = owner.get(f"/api/courses/{course_id}").json()["course"]["members"]
    (attended,) = [a for a in member["attendance"] if a["n"] == 1]
    assert attended == {"n": 1, "status": "present", "corrected": False}
    assert member["measures"]["phq-9"] == [{"n": 1, "score": 9, "band": "mild"}]

    # The next week she comes again without a phone: the facilitator brings her in as
    # herself, and the second meeting's measure joins the first in her record.
    opened = owner.post(f"/api/courses/{course_id}/meetings/2/open", {})
    console = _connect(server, opened.json()["console_token"], "console 2", clients)
    assert console.call("start_session")["ok"]
    unknown = console.call("add_member", {"member_id": "c-nobody"})
    assert unknown["error"]["code"] == "not_found"
    back = console.call("add_member", {"member_id": member_id})
    assert back["ok"] and back["participant_id"] == member_id
    view = console.wait_for(lambda v: v["participants"])
    assert [(p["id"], p["name"], p["no_phone"]) for p in view["participants"]] == [
        (member_id, "Wanjiru", True)
    ]
    assert console.call("end_session")["ok"]
    (member,) = owner.get(f"/api/courses/{course_id}").json()["course"]["members"]
    assert [a["status"] for a in member["attendance"] if a["n"] in (1, 2)] == [
        "present",
        "present",
    ]
