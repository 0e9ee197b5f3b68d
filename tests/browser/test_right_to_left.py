"""Right-to-left: every screen mirrors when its page says dir="rtl" (as an Arabic or a
Hebrew catalog will), with the English text standing in for a pseudo-RTL locale.

Each screen is opened twice in the same state, once as it ships and once with
`<html dir="rtl" lang="ar">` set before the page's own scripts run; then every element
shown in both must sit at the mirror image of its place (its left edge where the right
one was), with its margins, paddings, borders and rounded corners swapped side for side;
text must hug the right edge of its box (or the left where it is meant to end a line);
and nothing may reach past the window's width. Screenshots go to a temporary folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, expect

from tests.browser.conftest import OpenScreen
from tests.browser.pseudo import PSEUDO_RTL
from tests.browser.room import Room
from tests.browser.screens import LAPTOP, PHONE, Screen, join_on_phone, open_screen
from tests.live import Client, Facilitator, Server, join

# What a right-to-left catalog will do to the page, done before any of the page's scripts
# (the parser has made <html lang="en"> by the time the observer hears of it), and kept:
# a screen that reads its catalog sets both from it, and the English one says ltr. The
# words stay English, so that each element can be compared with its left-to-right self.
RTL = """(() => {
  const mark = (root) => {
    if (root.dir !== "rtl") root.dir = "rtl";
    if (root.lang !== "ar") root.lang = "ar";
  };
  const keep = (root) => {
    mark(root);
    new MutationObserver(() => mark(root)).observe(root, { attributes: true, attributeFilter: ["dir", "lang"] });
  };
  if (document.documentElement) keep(document.documentElement);
  else new MutationObserver((_, watch) => {
    if (!document.documentElement) return;
    keep(document.documentElement);
    watch.disconnect();
  }).observe(document, { childList: true });
})();"""

# Every element shown: where it is, and its sides (margin, padding, border widths, then
# the four corners' radii) as the browser laid them out. Elements are named by their
# path from <body>, the same in both directions as long as the content is the same. The
# insides of an SVG drawing are its own coordinates, not the page's layout.
LAYOUT = """() => {
  const name = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      let n = 1;
      for (let s = e.previousElementSibling; s; s = s.previousElementSibling) n++;
      parts.unshift(`${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}:${n}`);
    }
    return parts.join(">");
  };
  const elements = {};
  for (const el of document.body.querySelectorAll("*")) {
    if (el.parentElement.closest("svg")) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility !== "visible") continue;
    const px = (...names) => names.map((n) => parseFloat(style[n]) || 0);
    elements[name(el)] = {
      left: box.left, right: box.right, what: `${el.tagName.toLowerCase()}.${el.classList}`,
      inline: style.display.startsWith("inline"),
      sides: px("marginLeft", "marginRight", "paddingLeft", "paddingRight",
                "borderLeftWidth", "borderRightWidth"),
      corners: px("borderTopLeftRadius", "borderTopRightRadius",
                  "borderBottomLeftRadius", "borderBottomRightRadius"),
    };
  }
  const root = document.documentElement;
  return {
    elements, width: root.clientWidth, scrollWidth: root.scrollWidth,
    direction: getComputedStyle(document.body).direction, lang: root.lang,
  };
}"""

# Text blocks (blocks holding only inline content) whose text is shorter than their line:
# in a right-to-left page the text must touch the start (right) edge of the box, or the
# end (left) edge where the stylesheet says `end`; `left` and `right` are wrong either way.
MISALIGNED = """() => {
  const wrong = [];
  const blocks = ["block", "list-item", "table-cell", "table-caption"];
  const controls = new Set(["SELECT", "TEXTAREA", "INPUT", "BUTTON", "OPTION", "SCRIPT", "STYLE"]);
  let seen = 0;
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    if (controls.has(el.tagName) || !blocks.includes(style.display)) continue;
    if (style.visibility !== "visible" || style.direction !== "rtl" || !el.textContent.trim()) continue;
    if (![...el.children].every((c) => getComputedStyle(c).display.startsWith("inline"))) continue;
    const box = el.getBoundingClientRect();
    if (!box.width) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    const text = range.getBoundingClientRect();
    const right = box.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight);
    const left = box.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft);
    if (!text.width || right - left - text.width < 4) continue;  // a full line shows nothing
    if (style.textAlign === "center") continue;
    seen++;
    const toEnd = style.textAlign === "end" || style.textAlign === "right";
    const gap = toEnd ? text.left - left : right - text.right;
    if (Math.abs(gap) > 1.5) {
      wrong.push(`${el.tagName.toLowerCase()}.${el.classList} "${el.textContent.trim().slice(0, 30)}": ` +
                 `text-align ${style.textAlign}, ${Math.round(gap)} px from its ${toEnd ? "end" : "start"}`);
    }
  }
  return {wrong, seen};
}"""

CLOSE = 1.5  # px: sub-pixel rounding of fractional widths


def _close(a: list[float], b: list[float]) -> bool:
    return all(abs(x - y) <= CLOSE for x, y in zip(a, b, strict=True))


def _mirror_problems(ltr: dict[str, Any], rtl: dict[str, Any]) -> list[str]:
    """Every element shown in both that is not the mirror image of itself."""
    problems = []
    width = ltr["width"]
    for key, a in ltr["elements"].items():
        b = rtl["elements"].get(key)
        if b is None:
            continue
        ml, mr, pl, pr, bl, br = a["sides"]
        tl, tr, bot_l, bot_r = a["corners"]
        where = f"{a['what']} ({key})"
        if not _close(b["sides"], [mr, ml, pr, pl, br, bl]):
            problems.append(f"{where}: margin/padding/border {a['sides']} in LTR, {b['sides']}")
        elif not _close(b["corners"], [tr, tl, bot_r, bot_l]):
            problems.append(f"{where}: corners {a['corners']} in LTR, {b['corners']}")
        elif a["inline"]:
            # Words and inline boxes in a line are placed by the bidirectional algorithm:
            # English words stay in their left-to-right order in a right-to-left line.
            continue
        elif not _close([b["left"], b["right"]], [width - a["right"], width - a["left"]]):
            problems.append(
                f"{where}: at {a['left']:.1f}-{a['right']:.1f} in LTR, "
                f"{b['left']:.1f}-{b['right']:.1f} in RTL of {width}"
            )
    return problems


def _check_mirrored(ltr: Screen, rtl: Screen, name: str, shots: Path) -> None:
    """The two screens show the same content; the RTL one must be its mirror image."""
    ltr.page.wait_for_timeout(300)  # let a resize observer or a font settle the layout
    rtl.page.wait_for_timeout(300)
    before = ltr.page.evaluate(LAYOUT)
    after = rtl.page.evaluate(LAYOUT)
    ltr.page.screenshot(path=str(shots / f"{name}-ltr.png"), full_page=True)
    rtl.page.screenshot(path=str(shots / f"{name}-rtl.png"), full_page=True)

    assert (before["direction"], after["direction"], after["lang"]) == ("ltr", "rtl", "ar")
    for layout, how in ((before, "LTR"), (after, "RTL")):
        assert layout["scrollWidth"] <= layout["width"], f"{name} overflows sideways in {how}"
    assert after["width"] == before["width"], name
    shared = set(before["elements"]) & set(after["elements"])
    # The same content in both, or the comparison would prove nothing.
    assert len(shared) >= 0.9 * len(before["elements"]) >= 9, (name, len(shared))
    problems = _mirror_problems(before, after)
    assert not problems, f"{name} does not mirror:\n" + "\n".join(problems[:40])
    text = rtl.page.evaluate(MISALIGNED)
    assert text["seen"] >= 1, name
    assert not text["wrong"], f"{name}: text not aligned to its side:\n" + "\n".join(text["wrong"])


def _bars_grow_from_the_right(screen: Screen) -> None:
    """A bar shorter than its track starts at the track's right edge, the inline start."""
    spans = screen.page.evaluate(
        """() => [...document.querySelectorAll("#results .bars li")].map((li) => {
          const track = li.querySelector(".track").getBoundingClientRect();
          const fill = li.querySelector(".fill").getBoundingClientRect();
          return [track.left, track.right, fill.left, fill.right];
        })"""
    )
    partial = [s for s in spans if 1 < s[3] - s[2] < s[1] - s[0] - 1]
    assert partial, spans
    for track_left, track_right, fill_left, fill_right in partial:
        assert abs(fill_right - track_right) <= CLOSE and fill_left > track_left + 1, spans


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return tmp_path


def test_the_console_home_page_and_summary_mirror(
    open_console: OpenScreen,
    busy_session: tuple[dict[str, Any], Client, list[Client]],
    shots: Path,
) -> None:
    links, _, _ = busy_session
    path = f"/console/{links['session_id']}"
    pair = [open_console(path), open_console(path, init_script=RTL)]
    for screen in pair:
        expect(screen.page.locator("#roster li.member")).to_have_count(8)
        expect(screen.page.locator(".polls > li.in-hand")).to_have_count(1)
    _check_mirrored(pair[0], pair[1], "console", shots)

    home = [open_console("/"), open_console("/", init_script=RTL)]
    for screen in home:
        expect(screen.page.locator(".session-list > li").first).to_be_visible()
    _check_mirrored(home[0], home[1], "home", shots)

    # The printed summary, with its tables of members and answers.
    path = f"/api/sessions/{links['session_id']}/export/summary.html"
    summary = [open_console(path), open_console(path, init_script=RTL)]
    for screen in summary:
        expect(screen.page.locator("table").first).to_be_visible()
    _check_mirrored(summary[0], summary[1], "summary", shots)


def test_the_phone_mirrors_with_its_scale_and_its_results(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator, shots: Path
) -> None:
    links = facilitator.create_session("browser-check", 1)
    console = Client(server.url, links["console_token"], "console").connect()
    # A third member, so that the answers reach the poll's threshold to be shown.
    third = join(server, links["join_code"], "Bo")
    bo = Client(server.url, third["token"], "Bo").connect()
    try:
        assert console.call("start_session")["ok"]
        pair = [open_phone(f"/j/{links['join_code']}", PHONE, init_script=s) for s in (None, RTL)]
        # Two members: a name is one member's alone.
        for screen, name in zip(pair, ("Sam", "Sal"), strict=True):
            join_on_phone(screen, name)
        assert console.call("open_poll", {"poll": "mood"})["ok"]
        for screen in pair:
            expect(screen.page.locator('label[for="answer-10"]')).to_be_visible()
        _check_mirrored(pair[0], pair[1], "phone-scale", shots)

        poll_id = console.wait_for(lambda v: v["polls"])["polls"][0]["poll_id"]
        for screen in pair:
            screen.page.locator('label[for="answer-3"]').click()
            screen.page.get_by_role("button", name="Send answer").click()
        answer = {"action_id": "bo-1", "poll_id": poll_id, "value": 9}  # half the bar of 3
        assert bo.call("submit_answer", answer)["ok"]
        console.wait_for(lambda v: v["polls"][0]["count"] == 3)
        assert console.call("close_poll", {"poll_id": poll_id})["ok"]
        assert console.call("reveal_poll", {"poll_id": poll_id, "show": True})["ok"]
        assert console.call("show_results", {"poll_id": poll_id})["ok"]
        for screen in pair:
            expect(screen.page.locator("#results .bars li")).to_have_count(11)
        _check_mirrored(pair[0], pair[1], "phone-results", shots)
        _bars_grow_from_the_right(pair[1])

        # A ranking half made: the numbered tiles so far above the options left.
        assert console.call("open_poll", {"poll": "priorities"})["ok"]
        for screen in pair:
            screen.page.get_by_role("button", name="Work").click()
            expect(screen.page.locator("#ranked li")).to_have_text(["Work"])
        _check_mirrored(pair[0], pair[1], "phone-ranking", shots)

        # The crisis resources, in their dialog.
        for screen in pair:
            screen.page.locator(".crisis-button").click()
            expect(screen.page.locator("#crisis")).to_be_visible()
        _check_mirrored(pair[0], pair[1], "phone-crisis", shots)
    finally:
        console.close()
        bo.close()


def test_the_room_display_mirrors_its_cue_and_its_chart(
    open_display: OpenScreen, room: Room, shots: Path
) -> None:
    room.command("start_session")
    pair = [open_display(room.display_path, init_script=s) for s in (None, RTL)]
    poll_id = room.open_poll("mood")
    room.answer(poll_id, [7, 3, 7, 10])
    for screen in pair:
        expect(screen.page.locator("#cue-count")).to_have_text("4 of 6 answered")
    _check_mirrored(pair[0], pair[1], "display-poll", shots)

    room.command("close_poll", {"poll_id": poll_id})
    room.command("reveal_poll", {"poll_id": poll_id})
    for screen in pair:
        expect(screen.page.locator("#results .bars li")).to_have_count(11)
    _check_mirrored(pair[0], pair[1], "display-results", shots)
    _bars_grow_from_the_right(pair[1])


def test_the_course_page_and_sign_in_mirror(
    open_console: OpenScreen,
    browser: Browser,
    server: Server,
    facilitator: Facilitator,
    screens: list[Screen],
    shots: Path,
) -> None:
    made = facilitator.post("/api/courses", {"protocol_id": "browser-check", "title": "Tuesday"})
    assert made.status_code == 201, made.text
    for name in ("Dana", "Eli"):
        joined = requests.post(
            server.url + "/api/courses/join",
            json={"consent": True, "code": made.json()["join_code"], "name": name},
            timeout=10,
        )
        assert joined.status_code == 201, joined.text
    path = f"/course/{made.json()['course_id']}"
    pair = [open_console(path), open_console(path, init_script=RTL)]
    for screen in pair:
        expect(screen.page.locator("#attendance-body tr")).to_have_count(2)
    _check_mirrored(pair[0], pair[1], "course", shots)

    sign_in = [
        open_screen(browser, server.url, "/login", viewport=size, init_script=s)
        for size in (LAPTOP, PHONE)
        for s in (None, RTL)
    ]
    screens.extend(sign_in)
    for screen in sign_in:
        expect(screen.page.get_by_role("button").first).to_be_visible()
    _check_mirrored(sign_in[0], sign_in[1], "sign-in", shots)
    _check_mirrored(sign_in[2], sign_in[3], "sign-in-phone", shots)


def test_the_room_display_in_the_pseudo_right_to_left_language(
    open_display: OpenScreen, room: Room, shots: Path
) -> None:
    """In ar-XB (every string wrapped, right to left) the display's own catalog turns the
    page around: its text on the right, its bars from the right, nothing past the edge."""
    room.command("start_session")
    screen = open_display(room.display_path, locale=PSEUDO_RTL)
    page = screen.page
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    room.poll_to_room("mood", [7, 3, 7, 10])
    expect(page.locator("#results .bars li")).to_have_count(11)
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "display-ar-XB.png"))
    root = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert root[0] <= root[1], root
    text = page.evaluate(MISALIGNED)
    assert text["seen"] >= 3 and not text["wrong"], text
    _bars_grow_from_the_right(screen)
