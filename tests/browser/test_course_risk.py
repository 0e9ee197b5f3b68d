"""Risk alerts carried across a course's meetings, in the real console and course page."""

from __future__ import annotations

from typing import Any

import requests
from playwright.sync_api import expect

from tests.browser.conftest import OpenScreen
from tests.live import Client, Facilitator, Server


def _post(server: Server, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(server.url + path, json=body, timeout=10)
    assert response.status_code == 201, response.text
    reply: dict[str, Any] = response.json()
    return reply


def test_an_alert_from_an_earlier_meeting_is_recorded_on_the_console_and_the_course_page(
    open_console: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    made = facilitator.post("/api/courses", {"protocol_id": "group-ipt-8", "title": "Risk group"})
    assert made.status_code == 201, made.text
    course_id, code = made.json()["course_id"], made.json()["join_code"]
    members = [
        _post(server, "/api/courses/join", {"consent": True, "code": code, "name": name})
        for name in ("Kira", "Omar")
    ]
    first = facilitator.post(f"/api/courses/{course_id}/meetings/1/open", {}).json()
    console = Client(server.url, first["console_token"], "meeting 1").connect()
    try:
        for member in members:
            _post(server, "/api/courses/attend", {"membership": member["membership"]})
        assert console.call("start_session")["ok"]
        assert console.call("open_poll", {"poll": "phq-9"})["ok"]
        poll_id = console.wait_for(lambda v: v["polls"])["polls"][0]["poll_id"]
        for member in members:
            value = {
                "poll_id": poll_id,
                "participant_id": member["member_id"],
                "value": [0] * 8 + [2],
            }
            assert console.call("enter_answer", value)["ok"]
        assert console.call("end_session")["ok"]
    finally:
        console.close()

    second = facilitator.post(f"/api/courses/{course_id}/meetings/2/open", {}).json()
    page = open_console(f"/console/{second['session_id']}").page
    carried = page.locator("#risk-carried li")
    expect(page.locator("#risk")).to_be_visible()
    expect(page.locator("#risk-title")).to_have_text(
        "Risk alert from an earlier meeting: record what was done"
    )
    expect(carried).to_have_count(2)
    kira = carried.filter(has_text="Kira")
    expect(kira).to_contain_text("Meeting 1")
    expect(kira).to_contain_text("item 9")
    expect(kira).to_contain_text('scored 2 of 3 ("More than half the days")')
    expect(page.locator("#safety-script")).to_be_visible()
    kira.get_by_label("What was done", exact=True).select_option("safety_plan")
    kira.get_by_role("button", name="Record").click()
    expect(carried).to_have_count(1)
    expect(carried).to_contain_text("Omar")

    # The course page: Omar's alert still open, Kira's recorded; Omar's recorded there.
    page.goto(server.url + f"/course/{course_id}")
    open_list = page.locator("#course-risk-list li")
    expect(open_list).to_have_count(1)
    expect(open_list).to_contain_text("Omar")
    expect(page.locator("#course-risk-done")).to_contain_text("Safety plan made")
    open_list.get_by_label("What was done", exact=True).select_option("other")
    open_list.get_by_label("Note", exact=True).fill("Called his brother.")
    open_list.get_by_role("button", name="Record").click()
    expect(page.locator("#course-risk-list li")).to_have_count(0)
    expect(page.locator("#course-risk-title")).to_have_text(
        "Risk alerts from earlier meetings: an action is recorded for each"
    )
    expect(page.locator("#course-risk-done")).to_contain_text("Other: Called his brother.")
    alerts = facilitator.get(f"/api/courses/{course_id}").json()["course"]["risk_alerts"]
    assert [a["open"] for a in alerts] == [False, False]
