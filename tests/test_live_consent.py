"""Consent and erasure on a real server: no consent, no join; a facilitator erases a
member who is connected; a member leaves their course from the phone and is erased."""

from __future__ import annotations

import json
from typing import Any

import requests

from tests.live import Client, Facilitator, Server, join


def _post(server: Server, path: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(server.url + path, json=body, timeout=5)


def test_a_join_without_consent_is_refused_and_one_with_it_is_recorded(
    server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("group-ipt-8", 2)
    for body in ({"code": links["join_code"]}, {"code": links["join_code"], "consent": False}):
        refused = _post(server, "/api/join", body)
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["code"] == "consent_required"
    course = facilitator.post("/api/courses", {"protocol_id": "group-ipt-8", "title": "Group"})
    refused = _post(server, "/api/courses/join", {"code": course.json()["join_code"]})
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "consent_required")

    consent = requests.get(server.url + "/api/consent", timeout=5).json()
    assert consent["ok"] and consent["points"] and consent["version"]
    joined = join(server, links["join_code"], "Sam")
    log = facilitator.get(f"/api/sessions/{links['session_id']}/export/log.jsonl").text
    (event,) = [
        json.loads(line)
        for line in log.splitlines()
        if json.loads(line)["type"] == "participant_joined"
    ]
    assert event["participant_id"] == joined["participant_id"]
    assert event["consent_version"] == consent["version"]
    assert isinstance(event["consented_at"], float)


def test_a_facilitator_erases_a_connected_member_and_the_console_shows_no_name(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    links = facilitator.create_session("group-ipt-8", 2)
    console = Client(server.url, links["console_token"], "console").connect()
    clients.append(console)
    joined = join(server, links["join_code"], "Hazel Erased")
    phone = Client(server.url, joined["token"], "phone").connect()
    clients.append(phone)
    console.wait_for(lambda v: any(p["name"] == "Hazel Erased" for p in v["participants"]))

    erased = facilitator.post(
        f"/api/sessions/{links['session_id']}/participants/{joined['participant_id']}/erase", {}
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["erased"] == joined["participant_id"]
    view = console.wait_for(lambda v: any(p["erased"] for p in v["participants"]))
    (member,) = view["participants"]
    assert (member["name"], member["present"], member["removed"]) == ("Erased member", False, True)
    assert "Hazel Erased" not in json.dumps(view)
    # The phone is told it was removed, and its connection ends.
    phone.wait_for(lambda p: p["removed"], "personal")
    again = facilitator.post(
        f"/api/sessions/{links['session_id']}/participants/{joined['participant_id']}/erase", {}
    )
    assert (again.status_code, again.json()["error"]["code"]) == (409, "illegal_state")
    audit = facilitator.get("/api/audit").json()["entries"]
    entry = next(e for e in audit if e["action"] == "member_erased")
    assert entry["detail"] == joined["participant_id"]
    assert "Hazel" not in json.dumps(audit)


def test_a_member_leaves_their_course_from_the_phone_and_is_erased(
    server: Server, facilitator: Facilitator
) -> None:
    made = facilitator.post("/api/courses", {"protocol_id": "group-ipt-8", "title": "Group"})
    course_id = made.json()["course_id"]
    joined = _post(
        server,
        "/api/courses/join",
        {"code": made.json()["join_code"], "name": "Juniper Leaving", "consent": True},
    )
    assert joined.status_code == 201, joined.text
    membership = joined.json()["membership"]
    plan = {"areas": ["grief"], "goal": "a private goal", "key_people": ["my sister"]}
    member_path = f"/api/courses/{course_id}/members/{joined.json()['member_id']}"
    assert facilitator.put(member_path + "/plan", plan).status_code == 200

    left = _post(server, "/api/courses/leave", {"membership": membership, "erase": True})
    assert left.status_code == 200, left.text
    assert left.json() == {"ok": True, "left": True, "erased": True}
    course = facilitator.get(f"/api/courses/{course_id}").json()["course"]
    assert "Juniper" not in json.dumps(course) and "private goal" not in json.dumps(course)
    # The membership works no more: not to attend, not to leave again.
    for path, body in (
        ("/api/courses/attend", {"membership": membership}),
        ("/api/courses/leave", {"membership": membership}),
    ):
        refused = _post(server, path, body)
        assert (refused.status_code, refused.json()["error"]["code"]) == (401, "revoked")


def test_a_course_facilitator_erases_a_member_over_http(
    server: Server, facilitator: Facilitator
) -> None:
    made = facilitator.post("/api/courses", {"protocol_id": "group-ipt-8", "title": "Group"})
    course_id = made.json()["course_id"]
    joined = _post(
        server,
        "/api/courses/join",
        {"code": made.json()["join_code"], "name": "Rowan Asked", "consent": True},
    )
    member_id = joined.json()["member_id"]
    erased = facilitator.post(f"/api/courses/{course_id}/members/{member_id}/erase", {})
    assert erased.status_code == 200, erased.text
    assert "Rowan" not in json.dumps(erased.json()["course"])
    again = facilitator.post(f"/api/courses/{course_id}/members/{member_id}/erase", {})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "illegal_state")


def test_the_default_consent_is_shown_and_recorded_in_the_phones_language(
    server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("group-ipt-8", 2)
    spanish = {"Accept-Language": "es"}
    english = requests.get(server.url + "/api/consent", timeout=5).json()
    shown = requests.get(server.url + "/api/consent", headers=spanish, timeout=5).json()
    assert shown["title"] == "Antes de unirte" and english["title"] == "Before you join"
    assert len(shown["points"]) == len(english["points"])
    assert shown["version"] != english["version"]
    body = {"code": links["join_code"], "name": "Lucía", "consent": True}
    joined = requests.post(server.url + "/api/join", json=body, headers=spanish, timeout=5)
    assert joined.status_code == 201, joined.text
    log = facilitator.get(f"/api/sessions/{links['session_id']}/export/log.jsonl").text
    (event,) = [
        json.loads(line)
        for line in log.splitlines()
        if json.loads(line).get("type") == "participant_joined"
    ]
    # The version of the text the phone showed: its Spanish.
    assert event["consent_version"] == shown["version"]
