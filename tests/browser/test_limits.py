"""The phone and display meet the limits: long join codes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OpenScreen
from tests.browser.screens import PHONE, PROJECTOR
from tests.live import Facilitator, Server

FITS = "(el) => el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().right <= innerWidth"


@pytest.mark.parametrize("viewport", [PROJECTOR, PHONE], ids=["projector", "360px"])
def test_the_room_display_shows_the_whole_code_on_one_line(
    open_display: OpenScreen, facilitator: Facilitator, viewport: dict[str, int]
) -> None:
    links = facilitator.create_session("browser-check", 1)
    display = open_display(f"/display/{links['session_id']}?token={links['display_token']}")
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
    phone.page.get_by_role("button", name="Join").click()
    phone.page.locator("#live-screen").wait_for(state="visible")
