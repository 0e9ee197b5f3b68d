"""A whole session through the real pages: one console, one room display, three phones."""

from __future__ import annotations

import requests
from playwright.sync_api import expect

from tests.browser.conftest import OpenScreen
from tests.browser.screens import Screen, choose, join_on_phone
from tests.live import Facilitator, Server

NAMES = ("Asha", "Ben", "Chidi")


def test_a_full_session_runs_on_the_three_screens(
    open_console: OpenScreen,
    open_display: OpenScreen,
    open_phone: OpenScreen,
    screens: list[Screen],
    server: Server,
    facilitator: Facilitator,
) -> None:
    console = open_console("/")
    desk = console.page
    desk.get_by_label("Protocol").select_option("browser-check")
    desk.get_by_label("Session number").select_option("1")
    desk.get_by_role("button", name="Open session").click()
    desk.wait_for_url("**/console/*")
    expect(desk.locator("#join-code")).not_to_be_empty()
    code = desk.locator("#join-code").inner_text()
    display_link = desk.locator("#display-link").get_attribute("href")
    assert display_link and "#token=" in display_link

    display = open_display(display_link)
    room = display.page
    expect(room.locator("#join-code")).to_have_text(code)
    expect(room.locator("#qr path")).to_have_count(1)

    phones = []
    for name in NAMES:
        phone = open_phone(f"/j/{code}")
        expect(phone.page.get_by_label("Code")).to_have_value(code)
        join_on_phone(phone, name)
        expect(phone.page.locator("#my-name")).to_have_text(name)
        phones.append(phone)
    expect(desk.locator("#roster li")).to_have_count(3)
    expect(desk.locator("#roster-count")).to_contain_text("3 connected of 3")

    # Start, then the first step's poll: everyone answers, the room sees only the reveal.
    desk.get_by_role("button", name="Start session").click()
    for page in (desk, room, *(p.page for p in phones)):
        expect(page.locator("#step-title")).to_have_text("Mood number")
    expect(desk.locator("#script")).to_contain_text("nobody sees who gave which number")
    expect(desk.locator("#timer")).to_have_text("0:00", timeout=3000)
    desk.get_by_role("button", name="Open poll").click()
    for value, phone in zip((7, 3, 7), phones, strict=True):
        expect(phone.page.locator("#poll-question")).to_contain_text("How is your mood")
        choose(phone, f"answer-{value}")
        phone.page.get_by_role("button", name="Send answer").click()
        expect(phone.page.locator("#poll-note")).to_have_text("Thank you. Your answer is in.")
    expect(desk.locator("#polls li").first).to_contain_text("3 answered")
    expect(desk.locator("#roster")).to_contain_text("answered")
    expect(room.locator("#results")).to_be_hidden()
    desk.get_by_role("button", name="Close poll").click()
    desk.get_by_role("button", name="Reveal to the room").click()
    expect(room.locator("#results-title")).to_contain_text("How is your mood")
    expect(room.locator("#results .bars li")).to_have_count(11)
    expect(room.locator("#results .bars li").nth(7)).to_contain_text("2")

    # Next and previous from the keyboard, then a jump from the agenda.
    desk.locator("body").press("n")
    expect(desk.locator("#step-title")).to_have_text("One word each")
    desk.locator("body").press("p")
    expect(desk.locator("#step-title")).to_have_text("Mood number")
    desk.locator("body").press("ArrowRight")
    expect(desk.locator("#step-title")).to_have_text("One word each")
    desk.locator("#agenda button", has_text="Practise asking for help").click()
    expect(desk.locator("#step-title")).to_have_text("Practise asking for help")
    expect(room.locator("#step-title")).to_have_text("Practise asking for help")

    # A role-play: cards go privately to each phone; the room sees only the scenario.
    expect(desk.get_by_label("Role-play from the library")).to_have_value("ask_for_help")
    desk.get_by_label("The member who asks").select_option(label="Asha")
    desk.get_by_label("Sister").select_option(label="Ben")
    desk.get_by_role("button", name="Push role-play").click()
    # The console names the cast by the protocol's role names, as the form did.
    expect(desk.locator("#rp-active")).to_contain_text("The member who asks: Asha")
    expect(desk.locator("#rp-active")).not_to_contain_text("protagonist")
    asha, ben, chidi = (p.page for p in phones)
    expect(asha.locator(".private-card")).to_contain_text("Your role: The member who asks")
    expect(asha.locator(".private-card")).to_contain_text("one afternoon a week")
    expect(ben.locator(".private-card")).to_contain_text("Your role: Sister")
    expect(chidi.locator(".private-card")).to_contain_text("Your role: Observers")
    expect(room.locator("#rp-scenario")).to_have_text(
        "A member asks their sister to help with the shopping once a week."
    )
    room_text = room.locator("body").inner_text()
    assert "afternoon a week" not in room_text
    assert "You are busy" not in room_text

    # A private signal reaches the console only; the facilitator acknowledges it.
    ben.get_by_role("button", name="I need a break").click()
    expect(ben.locator("#signal-note")).to_contain_text("The facilitator knows")
    expect(desk.locator("#signals li").first).to_contain_text("Ben needs a break")
    assert "needs a break" not in room.locator("body").inner_text()
    assert "needs a break" not in asha.locator("body").inner_text()
    desk.get_by_role("button", name="Acknowledge: Ben needs a break").click()
    expect(desk.locator("#signals li .tag")).to_have_text("seen")

    # Notes, and the crisis resources one tap away on a phone.
    desk.get_by_role("tab", name="Notes").click()
    desk.get_by_label("Note (only you see it)").fill("Ben seemed tired today")
    desk.get_by_role("button", name="Add note").click()
    expect(desk.locator("#notes")).to_contain_text("Ben seemed tired today")
    chidi.get_by_role("button", name="Help now").click()
    expect(chidi.locator("#crisis")).to_be_visible()
    expect(chidi.locator("#crisis")).to_contain_text("Clinic duty line")

    asha.wait_for_timeout(300)  # let the bars and cards settle for the pictures
    # The phone as a member sees it: one 360x740 screen, the sticky bar at its top.
    phones[0].screenshot("participant.png", full_page=False)
    chidi.get_by_role("button", name="Close").click()
    expect(chidi.locator("#crisis")).to_be_hidden()

    # One-click exports answer for the signed-in facilitator.
    for link in ("#export-log", "#export-csv", "#export-summary"):
        href = desk.locator(link).get_attribute("href")
        assert href
        assert facilitator.get(href).status_code == 200
    assert requests.get(server.url + "/api/crisis", timeout=5).json()["title"] == "Help right now"

    desk.get_by_role("button", name="End session").click()
    for page in (asha, ben, chidi):
        expect(page.locator("#step-title")).to_have_text("The session has ended")
    for screen in screens:
        assert screen.foreign_requests() == [], screen.page.url


def test_every_screen_loads_only_from_its_own_origin(
    open_console: OpenScreen,
    open_display: OpenScreen,
    open_phone: OpenScreen,
    screens: list[Screen],
    facilitator: Facilitator,
) -> None:
    links = facilitator.create_session("browser-check", 1)
    open_console(f"/console/{links['session_id']}")
    open_display(f"/display/{links['session_id']}#token={links['display_token']}")
    join_on_phone(open_phone(f"/j/{links['join_code']}"), None)
    for screen in screens:
        screen.page.wait_for_load_state("networkidle")
        assert len(screen.requests) > 3
        assert screen.foreign_requests() == [], screen.page.url
        page = next(
            r for r in screen.responses if r.request.resource_type == "document" and r.status == 200
        )
        csp = page.headers.get("content-security-policy", "")
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp
