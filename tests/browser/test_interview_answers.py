"""The console's form to enter a member's answers asked aloud, in the real page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import OpenScreen
from tests.live import Client, Facilitator, Server, join


def test_the_console_enters_a_members_phq9_marked_and_alerting(
    open_console: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("group-ipt-8", 0)
    page = open_console(f"/console/{links['session_id']}").page
    console = Client(server.url, links["console_token"], "console").connect()
    try:
        assert console.call("start_session")["ok"]
        joined = join(server, links["join_code"], "Grace")
        form = page.locator("#enter-answer-form")
        expect(form).to_be_hidden()
        assert console.call("open_poll", {"poll": "phq-9"})["ok"]
        expect(form).to_be_visible()
        expect(form.get_by_label("Member")).to_have_value(joined["participant_id"])
        for n in range(8):
            form.locator(f"#enter-item-{n}").select_option("Not at all")
        # Not every question answered: nothing is sent.
        form.get_by_role("button", name="Enter answer").click()
        expect(page.locator("#enter-error")).to_have_text(
            "Enter an answer to every question first."
        )
        form.locator("#enter-item-8").select_option("More than half the days")
        form.get_by_role("button", name="Enter answer").click()

        expect(page.locator("#polls")).to_contain_text("Grace: total 2")
        expect(page.locator("#polls")).to_contain_text("(entered by")
        # The member has answered: the form has no one left to offer.
        expect(form).to_be_hidden()
        expect(page.locator("#risk-list li")).to_contain_text("Grace")
        expect(page.locator("#risk-list li")).to_contain_text("item 9")
        (poll,) = console.wait_for(lambda v: v["polls"] and v["polls"][0]["answers"])["polls"]
        (answer,) = poll["answers"]
        assert answer["answer"] == [0] * 8 + [2]
        assert answer["entered_by"]
    finally:
        console.close()


def test_the_support_sound_is_off_by_default_and_kept_on_this_device(
    open_console: OpenScreen, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("group-ipt-8", 0)
    page = open_console(f"/console/{links['session_id']}").page
    sound = page.get_by_label("Sound when someone asks for support")
    expect(sound).not_to_be_checked()
    sound.check()
    page.reload()
    expect(page.get_by_label("Sound when someone asks for support")).to_be_checked()
    # Kept for this device's consoles, whichever session they show.
    other = facilitator.create_session("group-ipt-8", 1)
    page.goto(page.url.rsplit("/", 1)[0] + f"/{other['session_id']}")
    sound = page.get_by_label("Sound when someone asks for support")
    expect(sound).to_be_checked()
    sound.uncheck()
    page.reload()
    expect(page.get_by_label("Sound when someone asks for support")).not_to_be_checked()


def test_a_new_support_request_sounds_only_when_the_sound_is_on(
    open_console: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("group-ipt-8", 0)
    # Count the tones the page starts, in place of a speaker.
    spy = """
      window.__tones = 0;
      const Real = window.AudioContext;
      window.AudioContext = class extends Real {
        createOscillator() { const o = super.createOscillator(); const start = o.start.bind(o);
          o.start = (...a) => { window.__tones += 1; return start(...a); }; return o; }
      };
    """
    screen = open_console(f"/console/{links['session_id']}")
    page = screen.page
    page.add_init_script(spy)
    page.reload()
    console = Client(server.url, links["console_token"], "console").connect()
    try:
        assert console.call("start_session")["ok"]
        phones = []
        for name in ("Ike", "Joy"):
            joined = join(server, links["join_code"], name)
            phones.append(Client(server.url, joined["token"], name).connect())
        assert phones[0].call("send_signal", {"action_id": "s-1", "kind": "support"})["ok"]
        expect(page.locator("#signals li.signal-support")).to_have_count(1)
        assert page.evaluate("window.__tones") == 0  # the sound is off
        page.get_by_label("Sound when someone asks for support").check()
        assert phones[1].call("send_signal", {"action_id": "s-2", "kind": "support"})["ok"]
        expect(page.locator("#signals li.signal-support")).to_have_count(2)
        expect(page.locator("#signals li.signal-support").first).to_be_visible()
        page.wait_for_function("window.__tones === 2")  # two short tones for one request
        for phone in phones:
            phone.close()
    finally:
        console.close()


def test_the_console_adds_a_member_without_a_phone_and_enters_their_answers(
    open_console: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("group-ipt-8", 0)
    page = open_console(f"/console/{links['session_id']}").page
    console = Client(server.url, links["console_token"], "console").connect()
    try:
        assert console.call("start_session")["ok"]
        page.locator("#add-member-box summary").click()
        form = page.locator("#add-member-form")
        form.get_by_label("Name").fill("Amara")
        form.get_by_role("button", name="Add member").click()
        roster = page.locator("#roster")
        expect(roster).to_contain_text("Amara")
        expect(roster).to_contain_text("no phone")
        expect(form.get_by_label("Name")).to_have_value("")
        # A second member by the same name is refused in words, beside the form.
        form.get_by_label("Name").fill("amara")
        form.get_by_role("button", name="Add member").click()
        expect(page.locator("#add-member-error")).not_to_be_empty()
        # She is offered in the form that enters answers asked aloud.
        assert console.call("open_poll", {"poll": "phq-9"})["ok"]
        entering = page.locator("#enter-answer-form")
        expect(entering).to_be_visible()
        expect(entering.get_by_label("Member")).to_contain_text("Amara")
    finally:
        console.close()
