"""The phone: offline taps kept and sent once, reload as the same member, crisis at once,
readable at 200% text in portrait and landscape, and a small first load."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import OpenScreen
from tests.browser.screens import PHONE, Screen, choose, join_on_phone
from tests.live import Client, Facilitator, Server, join

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


def test_the_first_load_of_the_phone_page_with_its_service_worker_is_at_most_60_kb_gzipped(
    open_phone: OpenScreen, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("browser-check", 1)
    phone = open_phone(f"/j/{links['join_code']}")
    expect(phone.page.get_by_role("button", name="Join")).to_be_enabled()
    phone.page.wait_for_load_state("networkidle")
    # The service worker is part of the first load: its script and what it keeps.
    wait_for_the_service_worker(phone)
    phone.page.wait_for_load_state("networkidle")
    loaded = [r.url for r in phone.responses]
    assert any(url.endswith("/socket.io.min.js") for url in loaded)
    # Counted: the worker's script, and every file it keeps (fetched again, even those the
    # browser's cache gives it: the count errs high, never low).
    assert any(url.endswith("/join-worker.js") for url in loaded)
    assert phone.origin + "/join" in loaded
    size = phone.gzip_bytes()
    print(f"first load of the phone page: {size} bytes gzipped, {len(loaded)} responses")
    assert size <= PAGE_BUDGET, f"{size} bytes gzipped: {loaded}"


def wait_for_the_service_worker(phone: Screen) -> None:
    """Wait until the phone page's service worker controls the page (it keeps the page)."""
    phone.page.wait_for_function(
        "navigator.serviceWorker && navigator.serviceWorker.controller !== null"
    )


def test_a_reload_without_network_shows_the_last_screen_and_the_taps_kept(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links, console = run_session(server, facilitator, "browser-check", 1)
    try:
        assert console.call("open_poll", {"poll": "mood"})["ok"]
        phone = open_phone(f"/j/{links['join_code']}")
        join_on_phone(phone, "Noor")
        page = phone.page
        expect(page.locator("#poll-question")).to_contain_text("How is your mood")
        wait_for_the_service_worker(phone)

        phone.context.set_offline(True)
        choose(phone, "answer-7")
        page.get_by_role("button", name="Send answer").click()
        page.get_by_role("button", name="I need a break").click()
        expect(page.locator("#status")).to_contain_text("2 taps are saved on this phone")

        failed: list[str] = []
        phone.context.on("requestfailed", lambda r: failed.append(r.url))
        reloaded = page.reload()
        # The network could not answer (the worker tried it first): the phone's copy did.
        assert reloaded is not None and reloaded.from_service_worker
        assert phone.origin + "/join" in failed
        # The page and its files came from the phone, and it shows where the member was.
        expect(page.locator("#live-screen")).to_be_visible()
        expect(page.locator("#my-name")).to_have_text("Noor")
        expect(page.locator("#step-title")).to_have_text("Mood number")
        expect(page.locator("#poll-question")).to_contain_text("How is your mood")
        expect(page.locator("#poll-note")).to_contain_text("saved on this phone")
        expect(page.locator("#status")).to_contain_text("No network")
        expect(page.locator("#status")).to_contain_text("2 taps are saved on this phone")
        page.locator("#crisis-open").click()
        expect(page.locator("#crisis")).to_contain_text("Clinic duty line")
        page.get_by_role("button", name="Close").click()

        phone.context.set_offline(False)
        expect(page.locator("#poll-note")).to_have_text("Thank you. Your answer is in.")
        expect(page.locator("#status")).to_be_hidden()
        view = console.wait_for(lambda v: v["signals"] and v["polls"][0]["count"] == 1)
        assert [(s["name"], s["kind"]) for s in view["signals"]] == [("Noor", "break")]
        phone.errors[:] = [e for e in phone.errors if "net::ERR_INTERNET_DISCONNECTED" not in e]
    finally:
        console.close()


def socket_requests(phone: Screen) -> int:
    return sum(1 for url in phone.requests if "/socket.io/" in url)


def test_no_banner_stays_after_leaving(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links, console = run_session(server, facilitator, "browser-check", 1)
    try:
        phone = open_phone(f"/j/{links['join_code']}")
        join_on_phone(phone, "Ola")
        page = phone.page
        expect(page.locator("#step-title")).to_have_text("Mood number")
        page.get_by_role("button", name="Leave the session").click()
        expect(page.locator("#gone-title")).to_have_text("You have left the session")
        expect(page.locator("#status")).to_be_hidden()
        sent = socket_requests(phone)
        page.wait_for_timeout(3000)
        expect(page.locator("#status")).to_be_hidden()
        assert socket_requests(phone) == sent, "the phone went on connecting after leaving"
    finally:
        console.close()


def test_no_banner_stays_after_removal_while_offline(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links, console = run_session(server, facilitator, "browser-check", 1)
    try:
        phone = open_phone(f"/j/{links['join_code']}")
        join_on_phone(phone, "Pia")
        page = phone.page
        expect(page.locator("#step-title")).to_have_text("Mood number")
        phone.context.set_offline(True)
        expect(page.locator("#status")).to_contain_text("No network")
        (member,) = console.wait_for(lambda v: v["participants"])["participants"]
        assert console.call("remove_participant", {"participant_id": member["id"]})["ok"]

        phone.context.set_offline(False)
        expect(page.locator("#gone-title")).to_have_text("You are no longer in this session")
        expect(page.locator("#gone-text")).to_have_text(re.compile(r"^[A-Z]"))
        expect(page.locator("#status")).to_be_hidden()
        sent = socket_requests(phone)
        page.wait_for_timeout(3000)
        expect(page.locator("#status")).to_be_hidden()
        assert socket_requests(phone) == sent, "the phone went on connecting after its removal"
        # Back online, the socket.io client may first poll with the session id it had
        # before the cut, which the server has dropped since: a 400 for that poll alone is
        # the transport starting afresh, not the page failing.
        refused = [r.url for r in phone.responses if r.status == 400]
        stale_polls = bool(refused) and all(
            "/socket.io/" in url and "sid=" in url for url in refused
        )
        phone.errors[:] = [
            e
            for e in phone.errors
            if "net::ERR_INTERNET_DISCONNECTED" not in e
            and not (stale_polls and "status of 400" in e)
        ]
    finally:
        console.close()


# The lines a text node of an element takes on screen, and the height of one of them.
TEXT_LINES = """(element) => {
  const range = document.createRange();
  range.selectNodeContents(element);
  const lines = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
  return { lines: lines.size, height: range.getBoundingClientRect().height,
           lineHeight: parseFloat(getComputedStyle(element).lineHeight) };
}"""


def test_the_number_10_stays_on_one_line_on_a_360_pixel_phone(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links, console = run_session(server, facilitator, "browser-check", 1)
    try:
        assert console.call("open_poll", {"poll": "mood"})["ok"]
        phone = open_phone(f"/j/{links['join_code']}")
        join_on_phone(phone, None)
        ten = phone.page.locator('label[for="answer-10"]')
        expect(ten).to_have_text("10")
        text = ten.evaluate(TEXT_LINES)
        assert text["lines"] == 1, text
        assert text["height"] <= text["lineHeight"] * 1.2, text
        # Eleven tiles in two rows (0-5, 6-10), every one inside the screen.
        tops = {
            round(box["y"])
            for i in range(11)
            if (box := phone.page.locator(f'label[for="answer-{i}"]').bounding_box())
            and box["x"] + box["width"] <= PHONE["width"]
        }
        assert len(tops) == 2, tops
        assert no_sideways_scroll(phone)
    finally:
        console.close()


# The element drawn at the middle of another one's box: itself, when nothing covers it.
DRAWN_AT_MIDDLE = """(element) => {
  const box = element.getBoundingClientRect();
  const found = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return found === element || element.contains(found);
}"""


def test_the_connection_banner_stays_in_view_under_a_one_line_title(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    # A long title: a session not in a course is named after its meeting, never the
    # protocol's clinical title.
    links, console = run_session(server, facilitator, "group-ipt-8", 2)
    try:
        assert console.call("open_poll", {"poll": "phq-9"})["ok"]  # a long page
        phone = open_phone(f"/j/{links['join_code']}")
        join_on_phone(phone, "Rui")
        page = phone.page
        expect(page.locator("#poll fieldset")).to_have_count(9)
        title = page.locator("#session-title")
        expect(title).to_contain_text("Group meeting: Looking closely at a hard conversation")
        expect(title).not_to_contain_text("IPT")
        lines = title.evaluate(TEXT_LINES)
        assert lines["lines"] == 1, lines
        assert title.evaluate("(e) => e.scrollWidth > e.clientWidth"), "the title was not cut"
        bar = page.locator("header.bar").bounding_box()
        assert bar is not None and bar["height"] <= 80, bar

        phone.context.set_offline(True)
        status = page.locator("#status")
        expect(status).to_contain_text("No network")
        page.get_by_role("button", name="Send answer").scroll_into_view_if_needed()
        assert page.evaluate("window.scrollY") > 1000, "the page did not scroll"
        box = status.bounding_box()
        assert box is not None
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
        assert status.evaluate(DRAWN_AT_MIDDLE), "something covers the banner"
        # Nor does the banner hide the bar: both stay, one under the other.
        assert bar["y"] + bar["height"] <= box["y"] + 1
        phone.errors[:] = [e for e in phone.errors if "net::ERR_INTERNET_DISCONNECTED" not in e]
    finally:
        console.close()


def test_results_on_the_phone_follow_what_the_room_is_shown(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links, console = run_session(server, facilitator, "browser-check", 1)
    others = [join(server, links["join_code"], name) for name in ("Bo", "Cy")]
    clients = [Client(server.url, j["token"], j["name"]).connect() for j in others]
    try:
        phone = open_phone(f"/j/{links['join_code']}")
        join_on_phone(phone, "Sam")
        page = phone.page
        assert console.call("open_poll", {"poll": "mood"})["ok"]
        choose(phone, "answer-3")
        page.get_by_role("button", name="Send answer").click()
        expect(page.locator("#poll-note")).to_have_text("Thank you. Your answer is in.")
        poll_id = console.wait_for(lambda v: v["polls"])["polls"][0]["poll_id"]
        for client, value in zip(clients, (3, 8), strict=True):
            ack = client.call(
                "submit_answer", {"action_id": "a1", "poll_id": poll_id, "value": value}
            )
            assert ack["ok"], ack
        console.wait_for(lambda v: v["polls"][0]["count"] == 3)
        assert console.call("close_poll", {"poll_id": poll_id})["ok"]
        # Revealed to the console only: nothing on the phone yet.
        assert console.call("reveal_poll", {"poll_id": poll_id, "show": False})["ok"]
        results = page.locator("#results")
        page.wait_for_timeout(500)
        expect(results).to_be_hidden()

        assert console.call("show_results", {"poll_id": poll_id})["ok"]
        expect(results).to_be_visible()
        expect(results.locator("#results-title")).to_contain_text("How is your mood")
        expect(results.locator(".bars li")).to_have_count(11)
        expect(results).to_contain_text("3 answers")

        assert console.call("hide_results")["ok"]
        expect(results).to_be_hidden()
        assert console.call("show_results", {"poll_id": poll_id})["ok"]
        expect(results).to_be_visible()
        # A step change clears results that are not pinned.
        assert console.call("next_step")["ok"]
        expect(page.locator("#step-title")).to_have_text("One word each")
        expect(results).to_be_hidden()

        # A short-text poll's words, without the one the facilitator hid.
        assert console.call("open_poll", {"poll": "word"})["ok"]
        word_id = console.wait_for(lambda v: len(v["polls"]) == 2)["polls"][1]["poll_id"]
        page.get_by_label("Your answer").fill("Calm")
        page.get_by_role("button", name="Send answer").click()
        expect(page.locator("#poll-note")).to_have_text("Thank you. Your answer is in.")
        for client, word in zip(clients, ("calm ", "Sleepy"), strict=True):
            ack = client.call(
                "submit_answer", {"action_id": "w1", "poll_id": word_id, "value": word}
            )
            assert ack["ok"], ack
        assert console.call("close_poll", {"poll_id": word_id})["ok"]
        assert console.call("reveal_poll", {"poll_id": word_id, "show": False})["ok"]
        assert console.call("hide_word", {"poll_id": word_id, "word": "sleepy", "hidden": True})[
            "ok"
        ]
        assert console.call("show_results", {"poll_id": word_id})["ok"]
        expect(results.locator(".cloud li")).to_have_count(1)
        expect(results.locator(".cloud li")).to_contain_text("calm")
        expect(results).not_to_contain_text("leepy")
    finally:
        console.close()
        for client in clients:
            client.close()


def test_a_phone_answers_again_once_a_poll_closed_below_its_threshold_is_reopened(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links, console = run_session(server, facilitator, "browser-check", 1)
    try:
        phone = open_phone(f"/j/{links['join_code']}")
        join_on_phone(phone, "Sam")
        page = phone.page
        assert console.call("open_poll", {"poll": "mood"})["ok"]
        choose(phone, "answer-3")
        page.get_by_role("button", name="Send answer").click()
        expect(page.locator("#poll-note")).to_have_text("Thank you. Your answer is in.")
        poll_id = console.wait_for(lambda v: v["polls"])["polls"][0]["poll_id"]
        # One answer, fewer than three: closing drops it, and reopening asks everyone again.
        assert console.call("close_poll", {"poll_id": poll_id})["ok"]
        expect(page.locator("#poll-question")).to_be_hidden()
        assert console.call("reopen_poll", {"poll_id": poll_id})["ok"]
        expect(page.locator("#poll-question")).to_contain_text("How is your mood")
        expect(page.get_by_role("button", name="Send answer")).to_be_visible()
        choose(phone, "answer-5")
        page.get_by_role("button", name="Send answer").click()
        expect(page.locator("#poll-note")).to_have_text("Thank you. Your answer is in.")
        console.wait_for(lambda v: v["polls"][0]["count"] == 1 and v["polls"][0]["phase"] == "open")
    finally:
        console.close()
