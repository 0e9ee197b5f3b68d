"""The phone's language picker: the languages the protocol offers, named in themselves,
the choice kept across a reload, and the poll shown in the chosen language."""

from __future__ import annotations

from playwright.sync_api import expect

from facilitator.library.catalog import Catalog
from tests.browser.conftest import OpenScreen
from tests.browser.screens import choose
from tests.live import Client, Facilitator, Server, wait_until

PROTOCOL = Catalog.load().protocol("group-ipt-8")
ES, FR = PROTOCOL.in_language("es"), PROTOCOL.in_language("fr")


def test_the_phone_picks_its_language_keeps_it_and_reads_the_poll_in_it(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("group-ipt-8", 2)
    assert links["language"] == "en"
    console = Client(server.url, links["console_token"], "console").connect()
    try:
        assert console.call("start_session")["ok"]
        assert console.call("open_poll", {"poll": "tried_step"})["ok"]
        phone = open_phone(f"/j/{links['join_code']}")
        page = phone.page
        picker = page.locator("#join-language")
        expect(picker.locator("option")).to_have_text(
            ["The group's language", "English", "Español", "Français"]
        )
        picker.select_option(label="Français")
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        # The choice is kept on the phone: a reload of the join screen still has it.
        page.reload()
        expect(picker).to_have_value("fr")
        # The page's own words follow the choice too.
        expect(page.locator("#join-button")).to_have_text("Rejoindre")
        picker.select_option(label="Español")
        expect(page.locator("#join-button")).to_have_text("Unirme")
        page.locator("#consent-agree").check()
        page.locator("#join-button").click()
        page.locator("#live-screen").wait_for(state="visible")

        question = ES.polls["tried_step"]
        expect(page.locator("#poll-question")).to_have_text(question.question)
        expect(page.locator("#poll label")).to_have_text(list(question.options))
        expect(page.locator("#step-title")).to_have_text(ES.session(2).steps[0].title)
        expect(page.locator("html")).to_have_attribute("lang", "es")
        live = page.locator("#live-language")
        expect(live.locator("option")).to_have_text(["English", "Español", "Français"])
        expect(live).to_have_value("es")

        # A reload is in Spanish from the first screen on.
        page.reload()
        expect(page.locator("#poll-question")).to_have_text(question.question)
        expect(page.locator("#live-language")).to_have_value("es")

        # A second page of the same member (another tab), open while the choice changes.
        other = phone.context.new_page()
        other.goto(phone.origin + "/join")
        expect(other.locator("#poll-question")).to_have_text(question.question)

        # The phone's menu changes it: French from now on, kept for later.
        page.locator("#live-language").select_option(label="Français")
        french = FR.polls["tried_step"]
        expect(page.locator("#poll-question")).to_have_text(french.question)
        expect(page.locator("#poll label")).to_have_text(list(french.options))
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        # Kept on the phone (the other tab may write its last word first: wait for it).
        wait_until(
            lambda: page.evaluate("() => localStorage.getItem('facilitator.language')") == "fr",
            5,
            "the choice kept on the phone",
        )
        # The other page follows, and is sent the next step in French too.
        expect(other.locator("#poll-question")).to_have_text(french.question)
        assert console.call("next_step")["ok"]
        expect(other.locator("#step-title")).to_have_text(FR.session(2).steps[1].title)
        expect(page.locator("#step-title")).to_have_text(FR.session(2).steps[1].title)
        assert console.call("previous_step")["ok"]
        expect(page.locator("#poll-question")).to_have_text(french.question)
        other.close()

        # Its answer is an option, counted with everyone's whatever the language.
        choose(phone, "answer-0")
        page.locator("#poll button[type=submit]").click()
        view = console.wait_for(lambda v: v["polls"][0]["count"] == 1)
        assert view["polls"][0]["summary"]["counts"]["Yes"] == 1
        assert view["language"] == "en"
    finally:
        console.close()
