"""Signals that never lie, and risk alerts the console can act on, in the real pages.

After the session ends the phone stops offering signals and shows the crisis resources
instead; a signal shows "seen" on the phone once a facilitator acknowledged it; the
console shows an open risk alert in words with the safety steps and records what was
done, after which the alert leaves the open list.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import OpenScreen
from tests.browser.screens import join_on_phone
from tests.live import Client, Facilitator, Server, join


def test_a_signal_after_the_end_is_not_offered(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("browser-check", 1)
    console = Client(server.url, links["console_token"], "console").connect()
    try:
        assert console.call("start_session")["ok"]
        phone = open_phone(f"/j/{links['join_code']}")
        join_on_phone(phone, "Dana")
        page = phone.page
        expect(page.get_by_role("button", name="I need support")).to_be_visible()
        expect(page.locator("#signals-closed")).to_be_hidden()

        assert console.call("end_session")["ok"]
        expect(page.locator("#step-title")).to_have_text("The session has ended")
        # No button is left that would send a signal to no one.
        expect(page.locator("[data-signal]")).to_have_count(3)
        for button in page.locator("[data-signal]").all():
            expect(button).to_be_hidden()
        closed = page.locator("#signals-closed")
        expect(closed).to_be_visible()
        expect(closed).to_contain_text("Signals no longer reach the facilitator")
        # The crisis resources in their place (browser-check's deployment file).
        expect(closed).to_contain_text("Clinic duty line")
        expect(closed).not_to_contain_text("I need support")

        # A reload after the end offers no signal either.
        page.reload()
        expect(page.locator("#signals-closed")).to_be_visible()
        expect(page.get_by_role("button", name="I need support")).to_be_hidden()
        assert console.latest()["signals"] == []
    finally:
        console.close()


def test_seen_appears_after_acknowledgement(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("browser-check", 1)
    console = Client(server.url, links["console_token"], "console").connect()
    try:
        assert console.call("start_session")["ok"]
        phone = open_phone(f"/j/{links['join_code']}")
        join_on_phone(phone, "Eli")
        page = phone.page
        page.get_by_role("button", name="I need support").click()
        # Said only once the server accepted it; not yet seen.
        expect(page.locator("#signal-note")).to_have_text(
            "The facilitator knows you need support and will come to you."
        )
        expect(page.locator("#signal-seen")).to_be_hidden()

        signal = console.wait_for(lambda v: v["signals"])["signals"][0]
        assert console.call("acknowledge_signal", {"signal_id": signal["id"]})["ok"]
        seen = page.locator("#signal-seen")
        expect(seen).to_be_visible()
        expect(seen).to_have_text("Seen by the facilitator: they know you need support.")

        # A new signal is not seen until it is acknowledged in its turn.
        page.get_by_role("button", name="I need a break").click()
        expect(seen).to_be_hidden()
    finally:
        console.close()


def test_the_console_shows_a_risk_alert_in_words_and_records_what_was_done(
    open_console: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("group-ipt-8", 0)
    screen = open_console(f"/console/{links['session_id']}")
    page = screen.page
    console = Client(server.url, links["console_token"], "console").connect()
    try:
        assert console.call("start_session")["ok"]
        joined = join(server, links["join_code"], "Farah")
        phone = Client(server.url, joined["token"], "Farah").connect()
        assert console.call("open_poll", {"poll": "phq-9"})["ok"]
        poll = phone.wait_for(lambda v: v["poll"] is not None)["poll"]
        answer = {"action_id": "phq", "poll_id": poll["poll_id"], "value": [0] * 8 + [3]}
        assert phone.call("submit_answer", answer)["ok"]

        risk = page.locator("#risk")
        expect(risk).to_be_visible()
        expect(page.locator("#risk-title")).to_have_text("Risk alert: speak with this member now")
        item = page.locator("#risk-list li")
        expect(item).to_contain_text("Farah")
        expect(item).to_contain_text("Patient Health Questionnaire (PHQ-9), item 9")
        expect(item).to_contain_text('scored 3 of 3 ("Nearly every day")')
        expect(page.locator("#safety-script")).to_contain_text("do not leave them alone")

        risk.get_by_label("What was done", exact=True).select_option("referred")
        risk.get_by_label("Note", exact=True).fill("Referred to the clinic today.")
        risk.get_by_role("button", name="Record").click()
        expect(page.locator("#risk-list li")).to_have_count(0)
        expect(page.locator("#risk-title")).to_have_text(
            "Risk alerts: an action is recorded for each"
        )
        expect(page.locator("#risk-done")).to_contain_text(
            "Referred: Referred to the clinic today."
        )
        (alert,) = console.wait_for(lambda v: not v["risk_alerts"][0]["open"])["risk_alerts"]
        assert (alert["action"], alert["note"]) == ("referred", "Referred to the clinic today.")

        # Across a reload: still recorded, nothing open.
        page.reload()
        expect(page.locator("#risk-title")).to_have_text(
            "Risk alerts: an action is recorded for each"
        )
        phone.close()
    finally:
        console.close()
