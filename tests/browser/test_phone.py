"""The phone: offline taps kept and sent once, reload as the same member, crisis at once,
readable at 200% text in portrait and landscape, and a small first load."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import OpenScreen
from tests.browser.screens import PHONE, Screen, choose, join_on_phone
from tests.live import Client, Facilitator, Server

PAGE_BUDGET = 60 * 1024


def run_session(
    server: Server, facilitator: Facilitator, protocol: str, n: int
) -> tuple[Any, Client]:
    links = facilitator.create_session(protocol, n)
    console = Client(server.url, links["console_token"], "console").connect()
    assert console.call("start_session")["ok"]
    return links, console


def test_taps_made_offline_are_kept_and_sent_once_back_online(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links, console = run_session(server, facilitator, "browser-check", 1)
    try:
        assert console.call("open_poll", {"poll": "mood"})["ok"]
        phone = open_phone(f"/j/{links['join_code']}")
        join_on_phone(phone, "Dana")
        page = phone.page
        expect(page.locator("#poll-question")).to_contain_text("How is your mood")

        phone.context.set_offline(True)
        expect(page.locator("#status")).to_contain_text("No network")
        choose(phone, "answer-4")
        page.get_by_role("button", name="Send answer").click()
        page.get_by_role("button", name="I need support").click()
        expect(page.locator("#poll-note")).to_contain_text("saved on this phone")
        expect(page.locator("#status")).to_contain_text("2 taps are saved on this phone")

        phone.context.set_offline(False)
        expect(page.locator("#poll-note")).to_have_text("Thank you. Your answer is in.")
        expect(page.locator("#status")).to_be_hidden()
        view = console.wait_for(lambda v: v["signals"] and v["polls"][0]["count"] == 1)
        assert [(s["name"], s["kind"]) for s in view["signals"]] == [("Dana", "support")]

        # A reload is the same member, not a second one.
        page.reload()
        expect(page.locator("#my-name")).to_have_text("Dana")
        expect(page.locator("#poll-note")).to_have_text("Thank you. Your answer is in.")
        view = console.wait_for(lambda v: all(p["connected"] for p in v["participants"]))
        assert [p["name"] for p in view["participants"]] == ["Dana"]
        assert len(view["signals"]) == 1
        assert view["polls"][0]["count"] == 1
        # Chromium logs each request the page tried while offline (Socket.IO's reconnects):
        # expected here, and only this kind of error is forgiven.
        phone.errors[:] = [e for e in phone.errors if "net::ERR_INTERNET_DISCONNECTED" not in e]
    finally:
        console.close()


def test_a_risk_answer_shows_the_crisis_resources_at_once(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links, console = run_session(server, facilitator, "group-ipt-8", 0)
    try:
        assert console.call("open_poll", {"poll": "phq-9"})["ok"]
        phone = open_phone(f"/j/{links['join_code']}")
        join_on_phone(phone, "Eli")
        page = phone.page
        expect(page.locator("#poll fieldset")).to_have_count(9)
        for item in range(8):
            choose(phone, f"item{item}-0")
        choose(phone, "item8-1")
        page.get_by_role("button", name="Send answer").click()
        expect(page.locator("#crisis")).to_be_visible()
        expect(page.locator("#crisis")).to_contain_text("Clinic duty line")
        expect(page.locator("#crisis-banner")).to_be_visible()
        console.wait_for(lambda v: v["risk_alerts"])
    finally:
        console.close()


def no_sideways_scroll(screen: Screen) -> bool:
    width: int = screen.page.evaluate("document.documentElement.scrollWidth")
    return width <= screen.page.viewport_size["width"] if screen.page.viewport_size else False


def test_the_phone_reads_at_200_percent_text_in_portrait_and_landscape(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links, console = run_session(server, facilitator, "browser-check", 1)
    try:
        assert console.call("open_poll", {"poll": "mood"})["ok"]
        for viewport in (PHONE, {"width": PHONE["height"], "height": PHONE["width"]}):
            phone = open_phone(f"/j/{links['join_code']}", viewport)
            phone.page.evaluate("document.documentElement.style.fontSize = '200%'")
            assert no_sideways_scroll(phone), viewport
            join_on_phone(phone, None)
            expect(phone.page.locator("#poll-question")).to_be_visible()
            assert no_sideways_scroll(phone), viewport
            tile = phone.page.locator('label[for="answer-10"]').bounding_box()
            assert tile is not None
            assert tile["height"] >= 48
            assert tile["x"] + tile["width"] <= viewport["width"]
    finally:
        console.close()


def test_the_first_load_of_the_phone_page_is_at_most_60_kb_gzipped(
    open_phone: OpenScreen, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("browser-check", 1)
    phone = open_phone(f"/j/{links['join_code']}")
    expect(phone.page.get_by_role("button", name="Join")).to_be_enabled()
    phone.page.wait_for_load_state("networkidle")
    loaded = [r.url for r in phone.responses]
    assert any(url.endswith("/socket.io.min.js") for url in loaded)
    size = phone.gzip_bytes()
    print(f"first load of the phone page: {size} bytes gzipped, {len(loaded)} responses")
    assert size <= PAGE_BUDGET, f"{size} bytes gzipped: {loaded}"
