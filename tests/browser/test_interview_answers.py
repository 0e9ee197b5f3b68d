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
