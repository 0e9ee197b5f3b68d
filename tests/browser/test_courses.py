"""A weekly group through the real pages: a course made on the home page, three phones
that join it once, a first meeting with a named mood and weekly steps, the course page's
attendance, charts, plans and re-link, and a middle meeting's member round."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.screens import LAPTOP, PHONE, Screen, agree, choose, open_screen
from tests.browser.test_accessibility import axe_problems
from tests.live import Facilitator, Server, add_account, signed_in

OWNER = "asha"
NAMES = ("Dana", "Eli", "Femi")
STEPS = {
    "Dana": "Call my sister on Sunday",
    "Eli": "Walk to the market with a neighbour",
    "Femi": "Tell my partner how the week felt",
}
# Chromium logs every answer of 4xx to the console. Some are the pages' way of asking: a
# course's code is not a session's, so a phone that joins with it hears 404 from
# /api/join first, then joins the course; a member's phone asking into a meeting while the
# group is not meeting hears 409, and one whose place moved to a new phone hears 401.
EXPECTED = (
    "status of 404 (NOT FOUND)",
    "status of 409 (CONFLICT)",
    "status of 401 (UNAUTHORIZED)",
)


@pytest.fixture
def course_server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "data").start()
    add_account(running, OWNER)
    yield running
    running.stop()


def _desk(browser: Browser, server: Server, who: Facilitator, path: str) -> Screen:
    cookies = [{"name": c.name, "value": c.value or ""} for c in who.http.cookies]
    return open_screen(browser, server.url, path, viewport=LAPTOP, cookies=cookies, bypass_csp=True)


def _phone(browser: Browser, server: Server, path: str = "/join") -> Screen:
    return open_screen(browser, server.url, path, viewport=PHONE, phone=True, bypass_csp=True)


def _forgive_expected_refusals(screen: Screen) -> None:
    screen.errors[:] = [e for e in screen.errors if not e.endswith(EXPECTED)]


def _picture(screen: Screen, name: str) -> None:
    # From the top: the bar stays at the top of the page, not wherever it was scrolled to.
    screen.page.evaluate("window.scrollTo(0, 0)")
    screen.screenshot(name)


def _member_row(page: Page, name: str) -> str:
    member = page.locator("#attendance-body tr", has_text=name).get_attribute("data-member")
    assert member
    return member


def test_a_course_runs_from_the_home_page_to_the_member_round(
    browser: Browser, course_server: Server, screens: list[Screen]
) -> None:
    server = course_server
    owner = signed_in(server, OWNER)
    # Serious or critical axe violations, screen by screen, asserted at the end.
    problems: dict[str, list[str]] = {}

    # 1. Home: a new course from the form; it is listed, and its page opens.
    home = _desk(browser, server, owner, "/")
    screens.append(home)
    page = home.page
    expect(page.get_by_role("button", name="Start course")).to_be_enabled()
    page.get_by_label("Treatment manual").select_option("ipt-g-12")
    page.get_by_label("Public title").fill("Tuesday group")
    page.get_by_role("button", name="Start course").click()
    page.wait_for_url("**/course/*")
    expect(page.locator("#course-title")).to_have_text("Tuesday group")
    course_id = page.url.rsplit("/", 1)[1]
    page.goto(server.url + "/")
    listed = page.locator(f'#courses li[data-course="{course_id}"]')
    expect(listed).to_contain_text("Tuesday group")
    expect(listed).to_contain_text("Next: meeting 0, Meeting before the group")
    expect(listed).to_contain_text("0 of 13 meetings done")
    problems["home"] = axe_problems(home)
    listed.get_by_role("link", name="Tuesday group").click()
    page.wait_for_url(f"**/course/{course_id}")
    expect(page.locator("#course-code")).not_to_be_empty()
    code = page.locator("#course-code").inner_text()

    # 2. Meeting 1: the console opens from the course page.
    page.get_by_role(
        "button", name="Open Meeting 1: Welcome and getting to know each other"
    ).click()
    page.wait_for_url("**/console/*")
    expect(page.locator("#session-title")).to_contain_text("Tuesday group")

    # Three phones join with the course's code: each keeps a membership.
    phones = []
    for name in NAMES:
        phone = _phone(browser, server)
        screens.append(phone)
        phone.page.get_by_label("Code").fill(code)
        phone.page.get_by_label("Your name (optional)").fill(name)
        agree(phone)
        phone.page.get_by_role("button", name="Join").click()
        expect(phone.page.locator("#my-name")).to_have_text(name)
        _forgive_expected_refusals(phone)
        assert phone.page.evaluate("localStorage.getItem('facilitator.membership')")
        phones.append(phone)
    page.get_by_role("tab", name="Course").click()
    expect(page.locator("#course-panel")).to_be_visible()
    expect(page.locator("#course-members li.course-member")).to_have_count(3)
    for name in NAMES:
        expect(page.locator("#course-members li", has_text=name)).to_contain_text("here now")
    page.get_by_role("tab", name="Agenda").click()

    # The named weekly mood: the facilitator opens it, the phones answer.
    page.get_by_role("button", name="Start session").click()
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#step-title")).to_have_text("Your mood, for the facilitators")
    page.get_by_label("Poll to open").select_option("mood_named")
    page.get_by_role("button", name="Open poll").click()
    for value, phone in zip((3, 5, 8), phones, strict=True):
        expect(phone.page.locator("#poll-question")).to_contain_text("for the facilitators")
        choose(phone, f"answer-{value}")
        phone.page.get_by_role("button", name="Send answer").click()
        expect(phone.page.locator("#poll-note")).to_have_text("Thank you. Your answer is in.")
    expect(page.locator("#polls li").first).to_contain_text("3 answered")
    page.get_by_role("button", name="Close poll").click()

    # The closing step: each phone sets its step, confirmed only once the server has it.
    page.locator("#agenda button", has_text="Choose a step for this week").click()
    expect(page.locator("#step-title")).to_have_text("Choose a step for this week")
    for index, (name, phone) in enumerate(zip(NAMES, phones, strict=True)):
        box = phone.page.get_by_label("One thing I will try this week")
        expect(box).to_be_visible()
        box.fill(STEPS[name])
        if index == 0:
            phone.context.set_offline(True)
            phone.page.get_by_role("button", name="Save my step").click()
            expect(phone.page.locator("#step-note")).to_contain_text("Saved on this phone")
            phone.page.wait_for_timeout(300)
            expect(phone.page.locator("#step-note")).not_to_contain_text("Your step is saved")
            phone.context.set_offline(False)
            phone.errors[:] = [e for e in phone.errors if "ERR_INTERNET_DISCONNECTED" not in e]
        else:
            phone.page.get_by_role("button", name="Save my step").click()
        expect(phone.page.locator("#step-note")).to_have_text(
            "Your step is saved. Next time you will be asked how it went."
        )
    problems["phone at the closing step"] = axe_problems(phones[1])
    page.get_by_role("button", name="End session").click()
    expect(page.locator("#phase")).to_have_text("Ended")

    # Back on the course page: attendance, a trend chart with its table, corrections.
    page.goto(server.url + f"/course/{course_id}")
    expect(page.locator("#attendance-body tr")).to_have_count(3)
    for name in NAMES:
        expect(page.get_by_label(f"Attendance of {name} at meeting 1")).to_have_value("present")
    dana = _member_row(page, "Dana")
    details = page.locator(f'#member-details details[data-member="{dana}"]')
    details.locator("summary").click()
    chart = details.locator('figure[data-measure="mood_named"]')
    expect(chart.locator("img")).to_be_visible()
    src = chart.locator("img").get_attribute("src")
    assert src and src.endswith("/trend.svg?measure=mood_named")
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=chart.locator("img").element_handle()
    )
    loaded = [r for r in home.responses if "/trend.svg" in r.url]
    assert [(r.status, r.headers["content-type"].split(";")[0]) for r in loaded] == [
        (200, "image/svg+xml")
    ]
    # Drawn on the poll's whole scale, 0 to 10: a 3 is not the top of the chart.
    svg = owner.get(src).text
    assert re.findall(r'text-anchor="end">(\d+)</text>', svg) == ["10", "0"], svg
    expect(chart.locator("table tbody tr")).to_have_count(1)
    expect(chart.locator("table tbody tr")).to_contain_text("3")
    expect(details).to_contain_text(STEPS["Dana"])

    # Each export link fetches its file, signed in as the page is.
    for link, kind in (
        ("#export-summary", "text/html"),
        ("#export-attendance", "text/csv"),
        ("#export-measures", "text/csv"),
        ("#export-steps", "text/csv"),
        ("#export-xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):
        href = page.locator(link).get_attribute("href")
        assert href and href.startswith(f"/api/courses/{course_id}/export/"), (link, href)
        fetched = owner.get(href)
        assert fetched.status_code == 200, (link, fetched.status_code)
        assert fetched.headers["content-type"].split(";")[0] == kind, link

    # A correction of one attendance, and a plan, each said saved once the server has it.
    eli = _member_row(page, "Eli")
    page.get_by_label("Attendance of Eli at meeting 1").select_option("late")
    expect(page.locator("#attendance-done")).to_have_text("Saved: Eli at meeting 1, late.")
    expect(page.get_by_label("Attendance of Eli at meeting 1")).to_have_value("late")
    details.get_by_label("Disputes").check()
    details.get_by_label("Goal").fill("Talk with my sister without shouting")
    details.get_by_label("Key people").fill("sister, Sam")
    details.get_by_role("button", name="Save plan").click()
    expect(details.locator(".done").first).to_have_text("Dana's plan is saved.")
    saved = {m["id"]: m for m in owner.get(f"/api/courses/{course_id}").json()["course"]["members"]}
    assert saved[eli]["attendance"][1] == {"n": 1, "status": "late", "corrected": True}
    plan = {k: saved[dana][k] for k in ("areas", "goal", "key_people")}
    assert plan == {
        "areas": ["disputes"],
        "goal": "Talk with my sister without shouting",
        "key_people": ["sister", "Sam"],
    }

    # Dana has a new phone: a one-time code links it, and the old phone's place ends.
    old_membership = phones[0].page.evaluate("localStorage.getItem('facilitator.membership')")
    details.get_by_role("button", name="Re-link phone of Dana").click()
    expect(details.locator(".relink-code strong")).to_have_text(re.compile(r"^\w{6}$"))
    relink_code = details.locator(".relink-code strong").inner_text()
    new_phone = _phone(browser, server)
    screens.append(new_phone)
    new_phone.page.get_by_role(
        "link", name="New phone? Enter the code your facilitator gives you"
    ).click()
    new_phone.page.get_by_label("Letters from your facilitator").fill(relink_code)
    new_phone.page.get_by_role("button", name="Link this phone").click()
    expect(new_phone.page.locator("#waiting-title")).to_have_text(
        "Your group is not meeting right now."
    )
    expect(new_phone.page.locator("#waiting-whoami")).to_have_text("You are in the group as Dana.")
    _forgive_expected_refusals(new_phone)
    problems["new phone, between meetings"] = axe_problems(new_phone)
    problems["course page with a member open"] = axe_problems(home)
    stale = json.loads(old_membership)["membership"]
    refused = requests.post(
        server.url + "/api/courses/attend", json={"membership": stale}, timeout=5
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "revoked")
    # The old phone, opened again, says so and forgets the place it held.
    old_phone = phones[0]
    old_phone.page.goto(server.url + "/join")
    expect(old_phone.page.locator("#join-error")).to_contain_text("no longer linked")
    assert old_phone.page.evaluate("localStorage.getItem('facilitator.membership')") is None
    _forgive_expected_refusals(old_phone)
    assert old_phone.errors == []
    old_phone.close()
    screens.remove(old_phone)
    phones[0] = new_phone

    # 3. A middle meeting has a member round. The phones come back by themselves.
    page.get_by_role(
        "button", name="Open Meeting 4: Looking closely at a hard conversation"
    ).click()
    page.wait_for_url("**/console/*")
    for name, phone in zip(NAMES, phones, strict=True):
        phone.page.goto(server.url + "/join")
        expect(phone.page.locator("#my-name")).to_have_text(name)
        expect(phone.page.locator("#review-question")).to_have_text(
            f"Last time you chose: {STEPS[name]}. Did you try it?"
        )
    for tried, phone in zip(("Yes", "Partly", "No"), phones, strict=True):
        phone.page.locator("#review-buttons").get_by_role("button", name=tried).click()
        expect(phone.page.locator("#review-note")).to_have_text("Thank you. Your answer is in.")
    expect(page.locator("#course-members li.course-member")).to_have_count(3)

    other = _desk(browser, server, owner, page.url.split("#", 1)[0].removeprefix(server.url))
    screens.append(other)
    page.get_by_role("button", name="Start session").click()
    page.locator("#agenda button", has_text="Member round").click()
    for desk in (page, other.page):
        expect(desk.locator("#round")).to_be_visible()
        expect(desk.locator("#round-count")).to_have_text("The round has not started.")
    page.get_by_role("button", name="Next member").click()
    for desk in (page, other.page):
        expect(desk.locator("#round-name")).to_have_text("Dana")
        expect(desk.locator("#round-count")).to_have_text("Member 1 of 3")
        expect(desk.locator("#round-about")).to_contain_text("Talk with my sister without shouting")
    other.page.get_by_role("button", name="Next member").click()
    for desk in (page, other.page):
        expect(desk.locator("#round-name")).to_have_text("Eli")
        expect(desk.locator("#round-about")).to_contain_text(STEPS["Eli"])
    page.get_by_role("button", name="Previous member").click()
    for desk in (page, other.page):
        expect(desk.locator("#round-name")).to_have_text("Dana")
    page.get_by_role("tab", name="Course").click()
    _picture(home, "console-round.png")

    # The week's mood again, then the end: the course page has two meetings of scores.
    page.get_by_label("Poll to open").select_option("mood_named")
    page.get_by_role("button", name="Open poll").click()
    for value, phone in zip((5, 6, 7), phones, strict=True):
        choose(phone, f"answer-{value}")
        phone.page.get_by_role("button", name="Send answer").click()
        expect(phone.page.locator("#poll-note")).to_have_text("Thank you. Your answer is in.")
    problems["phone in a meeting"] = axe_problems(phones[1])
    page.get_by_role("button", name="End session").click()
    expect(other.page.locator("#phase")).to_have_text("Ended")

    page.goto(f"{server.url}/course/{course_id}")
    for name in NAMES:
        expect(page.get_by_label(f"Attendance of {name} at meeting 4")).to_have_value("present")
    details = page.locator(f'#member-details details[data-member="{dana}"]')
    details.locator("summary").click()
    chart = details.locator('figure[data-measure="mood_named"]')
    expect(chart.locator("table tbody tr")).to_have_count(2)
    expect(details).to_contain_text("tried it")
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=chart.locator("img").element_handle()
    )
    problems["course page"] = axe_problems(home)
    _picture(home, "course.png")

    assert problems == {name: [] for name in problems}
    for screen in screens:
        assert screen.foreign_requests() == [], screen.page.url
