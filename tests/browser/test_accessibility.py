"""Each screen passes axe-core with no serious or critical violation, every control has a
name, and the keyboard reaches every control."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OpenScreen
from tests.browser.room import Room
from tests.browser.screens import AXE, Screen, join_on_phone
from tests.live import Client, Facilitator, Server, join

# Controls a keyboard user must reach; radios count once per group (arrows move within),
# and so do the tabs of a tab list (the arrows move from the chosen one to the others).
CONTROLS = """() => {
  // checkVisibility, not boxes alone: the content of a closed <details> keeps its boxes.
  const visible = (el) => el.checkVisibility({ visibilityProperty: true });
  const otherTab = (el) => el.getAttribute('role') === 'tab' && el.getAttribute('aria-selected') !== 'true';
  const controls = Array.from(document.querySelectorAll(
    'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])'
  )).filter((el) => !otherTab(el))
    .filter((el) => visible(el) || (el.type === 'radio' || el.type === 'checkbox') && visible(el.labels[0]));
  return controls.map((el, i) => { el.dataset.kb = el.type === 'radio' ? 'radio:' + el.name : 'c' + i; return el.dataset.kb; });
}"""
UNNAMED = """() => Array.from(document.querySelectorAll('button, input:not([type=hidden]), select, textarea, a[href]'))
  .filter((el) => {
    const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    return !(named || el.textContent.trim());
  }).map((el) => el.outerHTML)"""


def axe_problems(screen: Screen) -> list[str]:
    if not screen.page.evaluate("typeof axe !== 'undefined'"):
        screen.page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = screen.page.evaluate("axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def tab_through(screen: Screen) -> tuple[set[str], set[str]]:
    """Press Tab through the page; return the controls there are and those reached."""
    page = screen.page
    wanted: list[str] = page.evaluate(CONTROLS)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    reached: set[str] = set()
    for _ in range(len(wanted) + 10):
        page.keyboard.press("Tab")
        key = page.evaluate("document.activeElement && document.activeElement.dataset.kb || ''")
        if key:
            reached.add(key)
    return set(wanted), reached


@pytest.fixture
def three_screens(
    open_console: OpenScreen,
    open_display: OpenScreen,
    open_phone: OpenScreen,
    server: Server,
    facilitator: Facilitator,
) -> dict[str, Screen]:
    links = facilitator.create_session("browser-check", 1)
    join_page = open_phone(f"/j/{links['join_code']}", bypass_csp=True)
    expect(join_page.page.get_by_role("button", name="Join")).to_be_enabled()
    phone = open_phone(f"/j/{links['join_code']}", bypass_csp=True)
    join_on_phone(phone, "Gita")
    console = open_console(f"/console/{links['session_id']}", bypass_csp=True)
    expect(console.page.locator("#roster li")).to_have_count(1)
    console.page.get_by_role("button", name="Start session").click()
    console.page.get_by_role("button", name="Open poll").click()
    expect(phone.page.locator("#poll-question")).to_be_visible()
    display = open_display(
        f"/display/{links['session_id']}#token={links['display_token']}", bypass_csp=True
    )
    expect(display.page.locator("#qr path")).to_have_count(1)
    home = open_console("/", bypass_csp=True)
    expect(home.page.get_by_role("button", name="Open session")).to_be_enabled()
    return {"join": join_page, "phone": phone, "console": console, "display": display, "home": home}


def test_no_screen_has_a_serious_or_critical_axe_violation(
    three_screens: dict[str, Screen],
) -> None:
    problems = {name: axe_problems(screen) for name, screen in three_screens.items()}
    assert problems == {name: [] for name in three_screens}


def test_every_control_has_a_name_and_the_keyboard_reaches_it(
    three_screens: dict[str, Screen],
) -> None:
    for name, screen in three_screens.items():
        assert screen.page.evaluate(UNNAMED) == [], name
        if name == "display":
            continue  # read-only: nothing to operate
        wanted, reached = tab_through(screen)
        assert wanted, name
        assert wanted <= reached, f"{name}: not reached by Tab: {sorted(wanted - reached)}"


def test_the_console_moves_by_keyboard_but_not_while_typing(
    open_console: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("browser-check", 1)
    watcher = Client(server.url, links["console_token"], "watcher").connect()
    try:
        console = open_console(f"/console/{links['session_id']}")
        page = console.page
        page.get_by_role("button", name="Start session").click()
        expect(page.locator("#step-title")).to_have_text("Mood number")
        page.get_by_role("tab", name="Notes").click()
        page.get_by_label("Note (only you see it)").press("n")
        page.get_by_label("Prompt text").press("ArrowRight")
        # On the tabs of the side panels the arrows move between the tabs, not the steps.
        page.get_by_role("tab", name="Notes").press("ArrowLeft")
        expect(page.get_by_role("tab", name="Agenda")).to_be_focused()
        expect(page.get_by_role("tab", name="Agenda")).to_have_attribute("aria-selected", "true")
        expect(page.locator("#agenda")).to_be_visible()
        page.wait_for_timeout(300)
        expect(page.locator("#step-title")).to_have_text("Mood number")
        page.locator("#step-title").click()  # out of the field, as a user would
        page.keyboard.press("N")
        expect(page.locator("#step-title")).to_have_text("One word each")
        assert watcher.wait_for(lambda v: v["step"]["index"] == 1)
    finally:
        watcher.close()


def test_the_phone_passes_axe_with_results_shown_offline_and_once_removed(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("browser-check", 1)
    console = Client(server.url, links["console_token"], "console").connect()
    others = [join(server, links["join_code"], name) for name in ("Bo", "Cy")]
    clients = [Client(server.url, j["token"], j["name"]).connect() for j in others]
    try:
        phone = open_phone(f"/j/{links['join_code']}", bypass_csp=True)
        join_on_phone(phone, "Gita")
        page = phone.page
        assert console.call("start_session")["ok"]
        assert console.call("open_poll", {"poll": "word"})["ok"]
        page.get_by_label("Your answer").fill("Calm")
        page.get_by_role("button", name="Send answer").click()
        expect(page.locator("#poll-note")).to_have_text("Thank you. Your answer is in.")
        poll_id = console.wait_for(lambda v: v["polls"])["polls"][0]["poll_id"]
        for client in clients:
            ack = client.call(
                "submit_answer", {"action_id": "a1", "poll_id": poll_id, "value": "ok"}
            )
            assert ack["ok"], ack
        assert console.call("close_poll", {"poll_id": poll_id})["ok"]
        assert console.call("reveal_poll", {"poll_id": poll_id})["ok"]
        expect(page.locator("#results")).to_be_visible()

        phone.context.set_offline(True)
        expect(page.locator("#status")).to_contain_text("No network")
        assert axe_problems(phone) == []
        assert page.evaluate(UNNAMED) == []

        phone.context.set_offline(False)
        expect(page.locator("#status")).to_be_hidden()
        member = next(
            p
            for p in console.wait_for(lambda v: v["participants"])["participants"]
            if p["name"] == "Gita"
        )
        assert console.call("remove_participant", {"participant_id": member["id"]})["ok"]
        expect(page.locator("#gone-screen")).to_be_visible()
        assert axe_problems(phone) == []
        phone.errors[:] = [e for e in phone.errors if "net::ERR_INTERNET_DISCONNECTED" not in e]
    finally:
        console.close()
        for client in clients:
            client.close()


def test_the_session_list_asking_to_delete_and_the_summary_pass_axe(
    open_console: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("browser-check", 1)
    console = Client(server.url, links["console_token"], "console").connect()
    try:
        assert console.call("start_session")["ok"]
        home = open_console("/", bypass_csp=True)
        item = home.page.locator(f'li[data-session="{links["session_id"]}"]')
        expect(item.locator(".tag").first).to_have_text("Running")
        item.get_by_role("button", name="Delete…").click()
        expect(item.get_by_role("group")).to_be_visible()
        assert axe_problems(home) == []
        assert home.page.evaluate(UNNAMED) == []
        wanted, reached = tab_through(home)
        assert wanted <= reached, f"not reached by Tab: {sorted(wanted - reached)}"

        summary = open_console(
            f"/api/sessions/{links['session_id']}/export/summary.html", bypass_csp=True
        )
        expect(summary.page.get_by_role("note")).to_contain_text("Confidential")
        assert axe_problems(summary) == []
    finally:
        console.close()


def test_the_console_passes_axe_and_the_keyboard_in_each_of_its_states(
    open_console: OpenScreen, busy_session: tuple[dict[str, Any], Client, list[Client]]
) -> None:
    links, _, members = busy_session
    console = open_console(f"/console/{links['session_id']}", bypass_csp=True)
    page = console.page
    expect(page.locator("#roster li.member")).to_have_count(8)
    expect(page.locator("#signals li")).to_have_count(3)
    problems: dict[str, list[str]] = {"a poll open, members and signals": axe_problems(console)}
    wanted, reached = tab_through(console)
    assert wanted <= reached, f"not reached by Tab: {sorted(wanted - reached)}"

    for tab in ("Notes", "Checklist", "Facilitators", "Links", "Agenda"):
        page.get_by_role("tab", name=tab).click()
        expect(page.get_by_role("tabpanel", name=tab)).to_be_visible()
        problems[f"the {tab} tab"] = axe_problems(console)

    page.get_by_role("button", name="Remove or erase a member").click()
    expect(page.get_by_role("button", name="Remove Asha")).to_be_visible()
    page.locator("#add-member-box summary").click()
    expect(page.locator("#add-member-form")).to_be_visible()
    problems["managing members"] = axe_problems(console)

    page.get_by_role("button", name="Open poll").click()
    expect(page.locator("#error-open-poll")).not_to_be_empty()
    problems["a refusal beside its control"] = axe_problems(console)

    page.get_by_role("button", name="Show join QR code").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    problems["the join QR code"] = axe_problems(console)
    page.keyboard.press("Escape")

    # Results on the display, pinned; then a short-text poll's words, one of them hidden.
    poll = page.locator("#polls li.in-hand")
    poll.get_by_role("button", name="Close poll").click()
    poll.get_by_role("button", name="Reveal to the room").click()
    poll.get_by_role("button", name="Keep shown across steps").click()
    expect(poll.locator(".tag.shown")).to_have_text("On the display, pinned")
    problems["results shown and pinned"] = axe_problems(console)
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#step-title")).to_have_text("One word each")
    page.get_by_role("button", name="Open poll").click()
    expect(poll.locator(".reason")).to_have_text("Close the poll first.")
    problems["reveal disabled with its reason"] = axe_problems(console)
    poll_id = poll.get_attribute("data-poll")
    for n, (member, word) in enumerate(zip(members, ("calm", "Calm", "tired"), strict=False)):
        payload = {"action_id": f"w-{n}", "poll_id": poll_id, "value": word}
        assert member.call("submit_answer", payload)["ok"]
    expect(poll.locator(".answered-count")).to_have_text("3 of 8 answered")
    poll.get_by_role("button", name="Close poll").click()
    poll.get_by_role("button", name="Review the words first").click()
    poll.get_by_role("button", name="Hide the word tired").click()
    expect(poll.get_by_role("button", name="Show again the word tired")).to_be_visible()
    problems["a short-text poll's words, one hidden"] = axe_problems(console)
    assert problems == {state: [] for state in problems}


def test_the_room_display_passes_axe_in_each_of_its_states(
    open_display: OpenScreen, room: Room
) -> None:
    display = open_display(room.display_path, bypass_csp=True)
    page = display.page
    expect(page.locator("#qr path")).to_have_count(1)
    problems = {"lobby": axe_problems(display)}
    room.command("start_session")
    expect(page.locator("#step-title")).to_have_text("How everyone is arriving today")
    problems["running"] = axe_problems(display)
    poll_id = room.open_poll("mood")
    room.answer(poll_id, [7, 3])
    expect(page.locator("#cue-count")).to_have_text("2 of 6 answered")
    problems["poll open"] = axe_problems(display)
    room.answer(poll_id, [7, 10, 0, 5], first=2)
    room.command("close_poll", {"poll_id": poll_id})
    room.command("reveal_poll", {"poll_id": poll_id})
    expect(page.locator("#results .bars li")).to_have_count(11)
    room.command("pin_results", {"pinned": True})
    room.command("push_prompt", {"text": "Who could you ask for help this week?"})
    expect(page.locator("#prompt")).to_be_visible()
    problems["chart and prompt"] = axe_problems(display)
    room.command("jump_to_step", {"index": 2})
    room.poll_to_room("feeling", ["calm", "Tired", "tired ", "hopeful", "anxious", "calm"])
    expect(page.locator(".cloud li")).to_have_count(4)
    problems["words"] = axe_problems(display)
    room.command("next_step")
    room.role_play_debrief()
    expect(page.locator("#rp-debrief li")).to_have_count(3)
    problems["debrief with pinned words"] = axe_problems(display)
    room.command("lock_joining")
    expect(page.locator("#join")).to_be_hidden()
    problems["locked"] = axe_problems(display)
    room.command("end_session")
    expect(page.locator("#step-title")).to_have_text("Thank you")
    problems["ended"] = axe_problems(display)
    assert problems == {state: [] for state in problems}
