"""The phone and display meet the limits: long join codes, and taps sent too fast."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import OpenScreen
from tests.browser.screens import PHONE, PROJECTOR, Screen, agree, join_on_phone, open_screen
from tests.live import Client, Facilitator, Server

FITS = "(el) => el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().right <= innerWidth"


@pytest.mark.parametrize("viewport", [PROJECTOR, PHONE], ids=["projector", "360px"])
def test_the_room_display_shows_the_whole_code_on_one_line(
    open_display: OpenScreen, facilitator: Facilitator, viewport: dict[str, int]
) -> None:
    links = facilitator.create_session("browser-check", 1)
    display = open_display(f"/display/{links['session_id']}#token={links['display_token']}")
    display.page.set_viewport_size({"width": viewport["width"], "height": viewport["height"]})
    shown = display.page.locator("#join-code")
    expect(shown).to_have_text(links["join_code"])
    assert len(links["join_code"]) == 11 and links["join_code"][5] == "-"
    assert shown.evaluate(FITS)
    lines = shown.evaluate(
        "(el) => el.getClientRects().length && Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight))"
    )
    assert lines == 1, lines


def test_a_code_typed_in_lower_case_with_a_space_joins_at_360px(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("browser-check", 1)
    phone = open_phone("/join")
    field = phone.page.get_by_label("Code")
    typed = links["join_code"].lower().replace("-", " ")
    field.fill(typed)
    assert field.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    agree(phone)
    phone.page.get_by_role("button", name="Join").click()
    phone.page.locator("#live-screen").wait_for(state="visible")


@pytest.fixture
def tight(tmp_path: Path) -> Iterator[Server]:
    """A server that lets each connection send 2 events at once, then 1 a second."""
    env = {"FACILITATOR_EVENT_BURST": "2", "FACILITATOR_EVENT_RATE": "1"}
    running = Server(tmp_path / "data", env=env).start()
    yield running
    running.stop()


def test_a_tap_refused_as_too_fast_is_sent_again_and_only_then_confirmed(
    browser: Browser, tight: Server, screens: list[Screen]
) -> None:
    facilitator = Facilitator(tight).sign_in_with_link(tight.login_link)
    links = facilitator.create_session("group-ipt-8", 1)
    phone = open_screen(browser, tight.url, f"/j/{links['join_code']}", viewport=PHONE, phone=True)
    screens.append(phone)
    refusals: list[str] = []
    phone.page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived",
            lambda frame: refusals.append(str(frame)) if "rate_limited" in str(frame) else None,
        ),
    )
    join_on_phone(phone, "Dana")
    expect(phone.page.locator("#status")).to_be_hidden()
    # Four taps in well under a second: the third finds the bucket empty.
    for name in ("Pass this turn", "I need a break", "Pass this turn", "I need support"):
        phone.page.get_by_role("button", name=name).click()
    # Playwright hands over frame events only while it is being called, so wait through it.
    for _ in range(100):
        if refusals:
            break
        phone.page.wait_for_timeout(50)
    assert refusals, "no rate_limited ack reached the phone"
    note = phone.page.locator("#signal-note")
    expect(note).to_have_text("Sending…")
    expect(note).to_contain_text("need support and will come to you", timeout=5000)
    console = Client(tight.url, links["console_token"], "console").connect()
    try:
        kinds = [s["kind"] for s in console.wait_for(lambda v: len(v["signals"]) == 4)["signals"]]
        assert sorted(kinds) == ["break", "pass", "pass", "support"]
    finally:
        console.close()
