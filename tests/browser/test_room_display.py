"""The room display fits a projector and a TV without scrolling in every state, with type
sized by the screen, a join panel that gives way once the session runs, and the results
the server shows, the word cloud among them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OpenScreen
from tests.browser.room import Room
from tests.browser.screens import PROJECTOR, Screen

FULL_HD = {"width": 1920, "height": 1080}
SIZES = {"1280x720": PROJECTOR, "1920x1080": FULL_HD}
PROMPT = "Think of one person you could ask for help this week, and what you would ask them for."

# What reaches past the viewport: the page's scroll size, and each selector whose last
# match is not wholly inside the viewport (or not drawn at all).
MEASURE = """(selectors) => {
  const page = document.scrollingElement;
  const outside = selectors.filter((selector) => {
    const all = document.querySelectorAll(selector);
    const el = all[all.length - 1];
    if (!el) return true;
    const box = el.getBoundingClientRect();
    return box.height === 0 || box.top < 0 || box.left < 0 || box.bottom > innerHeight || box.right > innerWidth;
  });
  return { scrollHeight: page.scrollHeight, scrollWidth: page.scrollWidth, innerHeight, innerWidth, outside };
}"""
# Height of an element as a share of the viewport's height.
HEIGHT_SHARE = (
    "(selector) => document.querySelector(selector).getBoundingClientRect().height / innerHeight"
)
# Font size of the last match of a selector, as a share of the viewport's height.
TYPE_SIZE = """(selector) => {
  const all = document.querySelectorAll(selector);
  return parseFloat(getComputedStyle(all[all.length - 1]).fontSize) / innerHeight;
}"""


def assert_fits(pages: dict[str, Page], state: str, *inside: str) -> None:
    """Every page shows `state` without scrolling, with each of `inside` in view."""
    for size, page in pages.items():
        found = page.evaluate(MEASURE, list(inside))
        where = f"{state} at {size}: {found}"
        assert found["scrollHeight"] <= found["innerHeight"], where
        assert found["scrollWidth"] <= found["innerWidth"], where
        assert found["outside"] == [], where


def assert_readable(pages: dict[str, Page], state: str, selector: str, share: float) -> None:
    """The last `selector` is set at least `share` of the screen's height."""
    for size, page in pages.items():
        seen = page.evaluate(TYPE_SIZE, selector)
        assert seen >= share, f"{state} at {size}: {selector} is {seen:.4f} of the height"


def displays(open_display: OpenScreen, room: Room) -> tuple[dict[str, Page], list[Screen]]:
    screens = []
    for size in SIZES.values():
        screen = open_display(room.display_path)
        screen.page.set_viewport_size({"width": size["width"], "height": size["height"]})
        screens.append(screen)
    pages = dict(zip(SIZES, (s.page for s in screens), strict=True))
    for page in pages.values():
        expect(page.locator("#join-code")).to_have_text(room.links["join_code"])
        expect(page.locator("#qr path")).to_have_count(1)
    return pages, screens


def each(pages: dict[str, Page], selector: str) -> Iterator[Any]:
    for page in pages.values():
        yield expect(page.locator(selector))


def test_every_state_fits_1280x720_and_1920x1080_without_scrolling(
    open_display: OpenScreen, room: Room
) -> None:
    pages, screens = displays(open_display, room)

    # The lobby: the join panel big, its QR and code whole on screen.
    assert_fits(pages, "lobby", "#qr", "#join-code", "#step-title")
    for page in pages.values():
        assert page.evaluate(HEIGHT_SHARE, "#qr") >= 0.4

    # Running: the code shrinks to a corner and the QR goes; the step title is large.
    room.command("start_session")
    for found in each(pages, "#step-title"):
        found.to_have_text("How everyone is arriving today")
    for found in each(pages, "#qr"):
        found.to_be_hidden()
    assert_fits(pages, "running", "#join-code", "#step-title", "#timer")
    assert_readable(pages, "running", "#step-title", 0.06)
    for page in pages.values():
        assert page.evaluate(HEIGHT_SHARE, "#join") < 0.2

    # Joining locked: no code on the wall at all; unlocked, the corner code is back.
    room.command("lock_joining")
    for found in each(pages, "#join"):
        found.to_be_hidden()
    assert_fits(pages, "locked", "#step-title")
    room.command("unlock_joining")
    for found in each(pages, "#join-code"):
        found.to_be_visible()

    # A poll is open: a calm cue, and the count alone, moving with each answer.
    poll_id = room.open_poll("mood")
    for found in each(pages, "#cue-count"):
        found.to_have_text("0 of 6 answered")
    assert_fits(pages, "poll open", "#poll-cue", "#cue-count")
    for n, value in enumerate([7, 3, 7, 10, 0, 5], start=1):
        room.answer_one(n - 1, poll_id, value)
        for found in each(pages, "#cue-count"):
            found.to_have_text(f"{n} of 6 answered")
    room.command("close_poll", {"poll_id": poll_id})
    for found in each(pages, "#poll-cue"):
        found.to_be_hidden()

    # An 11-point scale, all its rows and the answer count in view.
    room.command("reveal_poll", {"poll_id": poll_id})
    for found in each(pages, "#results .bars li"):
        found.to_have_count(11)
    for found in each(pages, "#results-count"):
        found.to_have_text("6 answers")
    assert_fits(pages, "scale results", "#results-count", "#results .bars li", "#results-title")
    assert_readable(pages, "scale results", "#results .bars li", 0.02)
    screens[0].screenshot("display.png")

    # A long prompt above the same chart.
    room.command("push_prompt", {"text": PROMPT})
    for found in each(pages, "#prompt"):
        found.to_have_text(PROMPT)
    assert_fits(pages, "prompt", "#prompt", "#results-count", "#results .bars li")
    assert_readable(pages, "prompt", "#results .bars li", 0.02)

    # A choice of ten options with long labels, pinned so that it stays for the next step.
    room.command("next_step")
    for found in each(pages, "#prompt"):
        found.to_be_hidden()
    room.poll_to_room("places", [0, 1, 1, 2, 9, 9])
    for found in each(pages, "#results .bars li"):
        found.to_have_count(10)
    assert_fits(pages, "choice of ten", "#results-count", "#results .bars li")
    assert_readable(pages, "choice of ten", "#results .bars li", 0.02)
    room.command("pin_results", {"pinned": True})

    # The next poll open under the pinned chart: the cue and the chart together.
    room.command("next_step")
    poll_id = room.open_poll("feeling")
    for found in each(pages, "#cue-count"):
        found.to_have_text("0 of 6 answered")
    for found in each(pages, "#results .bars li"):
        found.to_have_count(10)
    assert_fits(pages, "cue and pinned chart", "#cue-count", "#results-count", "#results .bars li")
    assert_readable(pages, "cue and pinned chart", "#results .bars li", 0.02)

    # Short answers drawn as words, still pinned, through a role-play in its debrief.
    room.answer(poll_id, ["calm", "Tired", "tired ", "hopeful", "anxious", "calm"])
    room.command("close_poll", {"poll_id": poll_id})
    room.command("reveal_poll", {"poll_id": poll_id})
    for found in each(pages, ".cloud li"):
        found.to_have_count(4)
    assert_fits(pages, "words", "#results-count", ".cloud li")
    room.command("next_step")
    room.role_play_debrief()
    for found in each(pages, "#rp-debrief li"):
        found.to_have_count(3)
    for found in each(pages, ".cloud li"):
        found.to_have_count(4)
    assert_fits(
        pages, "role-play debrief", "#rp-scenario", "#rp-debrief li", "#results-count", ".cloud li"
    )
    assert_readable(pages, "role-play debrief", "#rp-debrief li", 0.02)

    # Ended: thanks, and no join code left on the wall.
    room.command("end_session")
    for found in each(pages, "#step-title"):
        found.to_have_text("Thank you")
    for found in each(pages, "#join"):
        found.to_be_hidden()
    assert_fits(pages, "ended", "#step-title")


# Draw a cloud on the page with the module the screens use; report each word as drawn.
DRAW_CLOUD = """async (words) => {
  const { wordCloud } = await import('/assets/js/results.js');
  const cloud = wordCloud(words);
  document.body.append(cloud);
  const drawn = Array.from(cloud.children, (li) => ({
    word: li.firstChild.textContent,
    count: Number(li.dataset.count),
    size: parseFloat(getComputedStyle(li).fontSize),
  }));
  cloud.remove();
  return drawn;
}"""


def test_the_word_cloud_sizes_words_by_count_in_a_fixed_order_without_requests(
    open_display: OpenScreen, room: Room
) -> None:
    screen = open_display(room.display_path)
    page = screen.page
    page.wait_for_load_state("networkidle")
    words = [
        {"word": "tired", "count": 1},
        {"word": "calm", "count": 4},
        {"word": "ok", "count": 3, "hidden": True},
        {"word": "hopeful", "count": 2},
        {"word": "anxious", "count": 1},
    ]
    before = len(screen.requests)
    drawn = page.evaluate(DRAW_CLOUD, words)
    # The most frequent in the middle, the rest alternately before and after it; the
    # hidden word nowhere.
    assert [w["word"] for w in drawn] == ["tired", "hopeful", "calm", "anxious"]
    sizes = {w["word"]: w["size"] for w in drawn}
    assert sizes["calm"] > sizes["hopeful"] > sizes["tired"] == sizes["anxious"]
    # By the square root of the count over the top count, from 30% of the largest up.
    assert sizes["hopeful"] / sizes["calm"] == pytest.approx(0.3 + 0.7 * (2 / 4) ** 0.5, rel=0.02)
    assert sizes["tired"] / sizes["calm"] == pytest.approx(0.3 + 0.7 * (1 / 4) ** 0.5, rel=0.02)
    # The same words in another order draw the same cloud, and nothing was fetched.
    assert page.evaluate(DRAW_CLOUD, list(reversed(words))) == drawn
    assert screen.requests[before:] == []


def cloud_words(page: Page) -> dict[str, int]:
    """Return the words of the cloud on the display, with the count each is drawn for."""
    words = page.locator(".cloud li")
    return {
        item.locator("span").first.inner_text(): int(item.get_attribute("data-count") or 0)
        for item in words.all()
    }


def test_results_leave_the_display_on_a_step_change_unless_pinned(
    open_display: OpenScreen, room: Room
) -> None:
    page = open_display(room.display_path).page
    room.command("start_session")
    poll_id = room.poll_to_room("mood", [7, 3, 7])
    expect(page.locator("#results .bars li")).to_have_count(11)
    room.command("next_step")
    expect(page.locator("#step-title")).to_have_text("Moments of calm in the week")
    expect(page.locator("#results")).to_be_hidden()

    # Shown again and pinned: it stays through the next step changes, back and forth.
    room.command("show_results", {"poll_id": poll_id})
    expect(page.locator("#results-title")).to_contain_text("How is your mood today?")
    room.command("pin_results", {"pinned": True})
    room.command("next_step")
    expect(page.locator("#step-title")).to_have_text("One word each")
    room.command("previous_step")
    expect(page.locator("#step-title")).to_have_text("Moments of calm in the week")
    expect(page.locator("#results-title")).to_contain_text("How is your mood today?")
    expect(page.locator("#results .bars li")).to_have_count(11)

    # Unpinned, the next step change clears it; hidden, it goes at once.
    room.command("pin_results", {"pinned": False})
    room.command("jump_to_step", {"index": 3})
    expect(page.locator("#step-title")).to_have_text("Practising asking for time for yourself")
    expect(page.locator("#results")).to_be_hidden()
    room.command("show_results", {"poll_id": poll_id})
    expect(page.locator("#results")).to_be_visible()
    room.command("hide_results")
    expect(page.locator("#results")).to_be_hidden()
    assert page.locator("#results-body").inner_text() == ""


def test_the_word_cloud_shows_only_at_the_threshold_and_only_words_not_hidden(
    open_display: OpenScreen, room: Room
) -> None:
    page = open_display(room.display_path).page
    room.command("start_session")
    room.command("jump_to_step", {"index": 2})
    expect(page.locator("#step-title")).to_have_text("One word each")

    # Two answers of the three needed: refused, and nothing reaches the room.
    poll_id = room.open_poll("feeling")
    room.answer(poll_id, ["calm", "tired"])
    room.command("close_poll", {"poll_id": poll_id})
    refused = room.console.call("reveal_poll", {"poll_id": poll_id})
    assert refused["error"] == {
        "code": "below_threshold",
        "message": "Needs 3 answers to show; 2 so far.",
    }
    expect(page.locator("#poll-cue")).to_be_hidden()
    page.wait_for_timeout(300)
    expect(page.locator("#results")).to_be_hidden()
    assert page.locator(".cloud li").count() == 0
    assert "calm" not in page.locator("body").inner_text()

    # Reopened (the two answers were dropped at the close below the threshold), answered
    # by six, revealed to the console alone: still nothing on the wall.
    room.command("reopen_poll", {"poll_id": poll_id})
    expect(page.locator("#cue-count")).to_have_text("0 of 6 answered")
    room.answer(poll_id, ["calm", "Tired", "tired!", "hopeful", "CALM", "rubbish"], round_="again")
    room.command("close_poll", {"poll_id": poll_id})
    room.command("reveal_poll", {"poll_id": poll_id, "show": False})
    expect(page.locator("#poll-cue")).to_be_hidden()
    page.wait_for_timeout(300)
    expect(page.locator("#results")).to_be_hidden()

    # One word hidden before showing: the room sees the others, normalised and counted.
    room.command("hide_word", {"poll_id": poll_id, "word": "rubbish", "hidden": True})
    room.command("show_results", {"poll_id": poll_id})
    expect(page.locator(".cloud li")).to_have_count(3)
    assert cloud_words(page) == {"calm": 2, "tired": 2, "hopeful": 1}
    assert "rubbish" not in page.locator("body").inner_text()
    sizes = page.locator(".cloud li").evaluate_all(
        "(items) => Object.fromEntries(items.map((li) => [li.firstChild.textContent, parseFloat(getComputedStyle(li).fontSize)]))"
    )
    assert sizes["calm"] == sizes["tired"] > sizes["hopeful"]

    # Hidden while shown: it leaves the wall too.
    room.command("hide_word", {"poll_id": poll_id, "word": "tired", "hidden": True})
    expect(page.locator(".cloud li")).to_have_count(2)
    assert cloud_words(page) == {"calm": 2, "hopeful": 1}


# Put a cloud of these words where the shown one is, as render() does, then let the page
# fit itself again as it does on every resize.
BIG_CLOUD = """async (words) => {
  const { wordCloud } = await import('/assets/js/results.js');
  document.getElementById('results-body').replaceChildren(wordCloud(words));
  dispatchEvent(new Event('resize'));
}"""


def test_a_cloud_of_forty_answers_fits_beside_the_open_poll_cue(
    open_display: OpenScreen, room: Room
) -> None:
    page = open_display(room.display_path).page
    room.command("start_session")
    room.command("jump_to_step", {"index": 2})
    room.poll_to_room("feeling", ["calm", "tired", "hopeful"])
    room.command("pin_results", {"pinned": True})
    room.command("next_step")
    room.open_poll("helped")
    expect(page.locator("#cue-count")).to_have_text("0 of 6 answered")
    expect(page.locator(".cloud li")).to_have_count(3)
    # Forty answers, as a workshop gives: a few words often, most once, some long.
    words = [
        {
            "word": f"{'a long answer of forty characters each ' if n % 7 == 0 else ''}word {n}"[
                :40
            ],
            "count": max(1, 12 - n),
        }
        for n in range(40)
    ]
    pages = {}
    for name, size in SIZES.items():
        page.set_viewport_size({"width": size["width"], "height": size["height"]})
        page.evaluate(BIG_CLOUD, words)
        expect(page.locator(".cloud li")).to_have_count(40)
        pages[name] = page
        assert_fits(pages, "forty words", "#cue-count", "#results-count", ".cloud li")
        assert_readable(pages, "forty words", ".cloud li", 0.02)
        pages.clear()
