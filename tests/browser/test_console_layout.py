"""The console on a 1366x768 laptop: the current step, the poll in hand, the members and
the signals in view together with no page to scroll; refusals said beside the control
that caused them; the join QR code one click away."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import OpenScreen
from tests.browser.screens import LAPTOP, Screen
from tests.live import Client, Facilitator

REGIONS = ("region-step", "region-activity", "region-members", "region-signals")

# Where each region is, and whether the page itself could scroll.
GEOMETRY = """(ids) => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {top: r.top, left: r.left, bottom: r.bottom, right: r.right}; };
  const page = document.scrollingElement;
  return {
    window: {width: innerWidth, height: innerHeight},
    page: {height: page.scrollHeight, width: page.scrollWidth},
    regions: Object.fromEntries(ids.map((id) => [id, box(document.getElementById(id))])),
  };
}"""


def _inside(box: dict[str, float], window: dict[str, int]) -> bool:
    return (
        box["top"] >= 0
        and box["left"] >= 0
        and box["bottom"] <= window["height"]
        and box["right"] <= window["width"]
        and box["bottom"] > box["top"]
    )


def _within(page: Page, item: str, region: str) -> bool:
    """Whether `item` shows whole inside the visible part of `region` (no scroll needed)."""
    return bool(
        page.evaluate(
            """([item, region]) => {
              const a = document.querySelector(item).getBoundingClientRect();
              const b = document.getElementById(region).getBoundingClientRect();
              return a.top >= b.top && a.bottom <= b.bottom && a.left >= b.left && a.right <= b.right;
            }""",
            [item, region],
        )
    )


def test_step_poll_members_and_signals_are_in_view_together_on_a_laptop(
    open_console: OpenScreen, busy_session: tuple[dict[str, Any], Client, list[Client]]
) -> None:
    links, _, _ = busy_session
    screen = open_console(f"/console/{links['session_id']}")
    page = screen.page
    expect(page.locator("#roster li.member")).to_have_count(8)
    expect(page.locator("#signals li")).to_have_count(3)
    expect(page.locator("#answered")).to_have_text("5 of 8 answered the open poll")
    expect(page.locator("#polls li.in-hand .answered-count")).to_have_text("5 of 8 answered")
    expect(page.locator("#roster li.member .tag.answered")).to_have_count(5)

    assert page.viewport_size == LAPTOP
    seen = page.evaluate(GEOMETRY, list(REGIONS))
    for region, box in seen["regions"].items():
        assert _inside(box, seen["window"]), (region, box, seen["window"])
    assert seen["page"]["height"] <= seen["window"]["height"], seen
    assert seen["page"]["width"] <= seen["window"]["width"], seen
    # Not only the regions: every member, every signal and the open poll's controls show
    # whole without scrolling inside a region either.
    for n in range(8):
        assert _within(page, f"#roster li.member:nth-child({n + 1})", "region-members"), n
    for n in range(3):
        assert _within(page, f"#signals li:nth-child({n + 1})", "region-signals"), n
    assert _within(page, "#polls li.in-hand .poll-controls", "region-activity")
    assert _within(page, "#step-title", "region-step")
    assert _within(page, "#next", "region-step")
    screen.screenshot("console.png")


def test_a_refusal_is_said_beside_the_control_that_caused_it(
    open_console: OpenScreen, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("browser-check", 1)
    page = open_console(f"/console/{links['session_id']}").page
    page.get_by_role("button", name="Start session").click()
    expect(page.locator("#step-title")).to_have_text("Mood number")
    page.get_by_role("button", name="Open poll").click()
    expect(page.locator("#polls li.in-hand")).to_contain_text("Open")
    # A second poll while one is open: refused, and said under the button that asked.
    page.get_by_role("button", name="Open poll").click()
    refusal = page.locator("#error-open-poll")
    expect(refusal).to_have_text("Close the open poll first.")
    expect(page.locator("#message")).to_be_empty()
    button = page.get_by_role("button", name="Open poll").bounding_box()
    said = refusal.bounding_box()
    assert button and said
    assert 0 <= said["y"] - (button["y"] + button["height"]) < 24, (button, said)
    assert (
        page.get_by_role("button", name="Open poll").get_attribute("aria-describedby")
        == "error-open-poll"
    )
    # Done right, the message goes.
    page.get_by_role("button", name="Close poll").click()
    page.get_by_role("button", name="Open poll").click()
    expect(refusal).to_be_empty()


def test_the_join_code_and_its_qr_code_are_one_click_away(
    open_console: OpenScreen, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("browser-check", 1)
    screen: Screen = open_console(f"/console/{links['session_id']}")
    page = screen.page
    expect(page.locator("#join-code")).to_have_text(links["join_code"])
    page.get_by_role("button", name="Show join QR code").click()
    dialog = page.get_by_role("dialog", name="Join on your phone")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#qr path")).to_have_count(1)
    expect(dialog.locator("#qr")).to_have_attribute(
        "aria-label", f"QR code for {links['join_url']}"
    )
    expect(dialog.locator("#qr-code")).to_have_text(links["join_code"])
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
