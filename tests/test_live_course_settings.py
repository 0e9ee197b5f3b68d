"""A course's region and time zone, on a live server with real Socket.IO phones.

A course in Spanish for members in Mexico gives its phones the region in their view, and
the crisis resources the phone then asks for are the operator's Mexican entry. A region
or time zone the server does not know is refused in the one error shape and changes
nothing. A course in Pacific/Auckland prints its summary, and its meetings' summaries,
in that zone, where the deployment's is UTC.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.live import Client, Server, add_account, signed_in
from tests.test_crisis import OPERATOR_ES

OWNER = "asha"
AUCKLAND = ZoneInfo("Pacific/Auckland")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    crisis = tmp_path_factory.mktemp("crisis")
    (crisis / "es.yaml").write_text(OPERATOR_ES, encoding="utf-8")
    env = {"FACILITATOR_CRISIS_DIR": str(crisis), "FACILITATOR_TIME_ZONE": "UTC"}
    running = Server(Path(tmp_path_factory.mktemp("course-settings")), env=env).start()
    add_account(running, OWNER)
    yield running
    running.stop()


def _post(server: Server, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(server.url + path, json=body, timeout=10)
    assert response.status_code == 201, response.text
    reply: dict[str, Any] = response.json()
    return reply


def test_a_course_in_mexico_gives_its_phones_the_mexican_crisis_line(
    server: Server, clients: list[Client]
) -> None:
    owner = signed_in(server, OWNER)
    made = owner.post(
        "/api/courses",
        {"protocol_id": "group-ipt-8", "title": "Grupo", "language": "es", "region": "mx"},
    )
    assert made.status_code == 201, made.text
    course_id, code = made.json()["course_id"], made.json()["join_code"]
    course = owner.get(f"/api/courses/{course_id}").json()["course"]
    assert (course["language"], course["region"], course["time_zone"]) == ("es", "MX", "")

    member = _post(server, "/api/courses/join", {"consent": True, "code": code, "name": "Rosa"})
    opened = owner.post(f"/api/courses/{course_id}/meetings/1/open", {})
    assert opened.status_code == 201, opened.text
    clients.append(console := Client(server.url, opened.json()["console_token"], "console"))
    console.connect()
    seat = _post(server, "/api/courses/attend", {"membership": member["membership"]})
    clients.append(phone := Client(server.url, seat["token"], "phone"))
    phone.connect()
    view = phone.wait_for(lambda v: v.get("language"))
    personal = phone.wait_for(lambda p: p.get("region"), "personal")
    assert personal["region"] == "MX"

    # What client/js/participant.js loadCrisis asks with the view's language and region.
    query = {"language": view["language"], "region": personal["region"]}
    crisis = requests.get(server.url + "/api/crisis", params=query, timeout=10).json()
    assert [c["name"] for c in crisis["contacts"]] == ["Línea de la Vida"]
    assert (crisis["language"], crisis["region"]) == ("es", "MX")

    # Without the region the same language gives the file's own contacts.
    moved = owner.put(f"/api/courses/{course_id}/settings", {"region": "", "time_zone": ""})
    assert moved.status_code == 200, moved.text
    assert moved.json()["course"]["region"] == ""


def test_an_unknown_region_or_zone_is_refused_and_changes_nothing(server: Server) -> None:
    owner = signed_in(server, OWNER)
    before = owner.get("/api/courses").json()["courses"]
    for bad in ({"region": "XX"}, {"region": "Mexico"}, {"time_zone": "Mars/Olympus"}):
        body = {"protocol_id": "group-ipt-8", "title": "Nowhere", **bad}
        refused = owner.post("/api/courses", body)
        assert refused.status_code == 400, refused.text
        assert refused.json()["ok"] is False
        assert refused.json()["error"]["code"] == "invalid"
    assert owner.get("/api/courses").json()["courses"] == before

    made = owner.post(
        "/api/courses",
        {
            "protocol_id": "group-ipt-8",
            "title": "Here",
            "region": "FR",
            "time_zone": "Europe/Paris",
        },
    )
    course_id = made.json()["course_id"]
    was = owner.get(f"/api/courses/{course_id}").json()["course"]
    for bad in ({"region": "ZZ", "time_zone": ""}, {"region": "MX", "time_zone": "Nowhere/City"}):
        refused = owner.put(f"/api/courses/{course_id}/settings", bad)
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["code"] == "invalid"
        assert refused.json()["error"]["message"]
    now = owner.get(f"/api/courses/{course_id}").json()["course"]
    assert (now["region"], now["time_zone"], now["version"]) == (
        "FR",
        "Europe/Paris",
        was["version"],
    )


def _clock_now(zone: ZoneInfo, started: float) -> set[str]:
    """The clock a summary may show for a start between `started` and now, in `zone`."""
    return {
        datetime.fromtimestamp(at, zone).strftime("%H:%M")
        for at in range(int(started) - 1, int(time.time()) + 2)
    }


def test_a_course_in_auckland_prints_its_times_there(server: Server, clients: list[Client]) -> None:
    owner = signed_in(server, OWNER)
    made = owner.post(
        "/api/courses", {"protocol_id": "group-ipt-8", "title": "Kiwi group", "language": "en"}
    )
    course_id = made.json()["course_id"]
    auckland_zone = datetime.now(AUCKLAND).strftime("%Z")  # NZDT or NZST
    summary = owner.get(f"/api/courses/{course_id}/export/summary.html").text
    assert "(times in UTC)" in summary

    changed = owner.put(
        f"/api/courses/{course_id}/settings", {"region": "NZ", "time_zone": "Pacific/Auckland"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["course"]["time_zone"] == "Pacific/Auckland"
    summary = owner.get(f"/api/courses/{course_id}/export/summary.html").text
    assert f"(times in {auckland_zone})" in summary
    assert "(times in UTC)" not in summary

    # A meeting's own summary: started now, in Auckland's clock, not UTC's.
    opened = owner.post(f"/api/courses/{course_id}/meetings/1/open", {})
    assert opened.status_code == 201, opened.text
    session_id = opened.json()["session_id"]
    clients.append(console := Client(server.url, opened.json()["console_token"], "console"))
    console.connect()
    started = time.time()
    assert console.call("start_session")["ok"]
    meeting = owner.get(f"/api/sessions/{session_id}/export/summary.html").text
    assert f"(times in {auckland_zone})" in meeting
    shown = _clock_now(AUCKLAND, started)
    assert any(f"started {clock}" in meeting for clock in shown), [
        line for line in meeting.splitlines() if "times in" in line
    ]
    utc = _clock_now(ZoneInfo("UTC"), started)
    assert not any(f"started {clock}" in meeting for clock in utc)
