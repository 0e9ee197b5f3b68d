"""A short session in Spanish: the console and the room display in Spanish, one phone in
Spanish and one that chose French, each reading the group's texts and its own words in
its language, and their answers counted together."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from facilitator.library.catalog import Catalog
from tests.browser.conftest import OpenScreen
from tests.browser.screens import PHONE, choose
from tests.live import Facilitator, Server

PROTOCOL = Catalog.load().protocol("group-ipt-8")
ES, FR = PROTOCOL.in_language("es"), PROTOCOL.in_language("fr")
MEETING = 2


def test_a_session_in_spanish_with_a_spanish_and_a_french_phone(
    open_console: OpenScreen,
    open_display: OpenScreen,
    open_phone: OpenScreen,
    server: Server,
    facilitator: Facilitator,
) -> None:
    links = facilitator.create_session("group-ipt-8", MEETING, language="es")
    assert links["language"] == "es"
    # Opened without a title: named after its meeting, in the session's language.
    assert links["title"] == f"Reunión del grupo: {ES.session(MEETING).title}", links
    first_step = ES.session(MEETING).steps[0]
    assert first_step.poll == "mood10"

    console = open_console(f"/console/{links['session_id']}", locale="es-ES").page
    expect(console.locator("html")).to_have_attribute("lang", "es")
    expect(console.locator("#start")).to_have_text("Empezar la sesión")

    # The room follows the session, not the browser it is opened in.
    path = f"/display/{links['session_id']}#token={links['display_token']}"
    display = open_display(path, locale="en-GB").page
    expect(display.locator("html")).to_have_attribute("lang", "es")
    expect(display.locator("#join-title")).to_have_text("Únete desde tu teléfono")

    # One phone in Spanish, from its browser; one whose browser is French and that picks
    # French for the group's texts too.
    spanish = open_phone(f"/j/{links['join_code']}", viewport=PHONE, locale="es-MX")
    french = open_phone(f"/j/{links['join_code']}", viewport=PHONE, locale="fr-FR")
    expect(spanish.page.locator("#join-button")).to_have_text("Unirme")
    expect(french.page.locator("#join-button")).to_have_text("Rejoindre")
    french.page.locator("#join-language").select_option(label="Français")
    for phone, name in ((spanish, "Lucía"), (french, "Zoé")):
        phone.page.locator("#name").fill(name)
        phone.page.locator("#consent-agree").check()
        phone.page.locator("#join-button").click()
        phone.page.locator("#live-screen").wait_for(state="visible")
    expect(console.locator("#roster-count")).to_have_text("2 conectados de 2")

    console.locator("#start").click()
    expect(console.locator("#step-title")).to_have_text(first_step.title)
    expect(display.locator("#step-title")).to_have_text(first_step.title)
    expect(spanish.page.locator("#step-title")).to_have_text(first_step.title)
    expect(french.page.locator("#step-title")).to_have_text(FR.session(MEETING).steps[0].title)

    console.locator("#poll-choice").select_option("mood10")
    console.locator("#open-poll-form button[type=submit]").click()
    expect(spanish.page.locator("#poll-question")).to_have_text(ES.polls["mood10"].question)
    expect(french.page.locator("#poll-question")).to_have_text(FR.polls["mood10"].question)
    expect(display.locator("#cue-title")).to_have_text("Responde en tu teléfono")
    spanish.screenshot("participant-es.png")
    french.screenshot("participant-fr.png")

    for phone, value in ((spanish, 7), (french, 4)):
        choose(phone, f"answer-{value}")
        phone.page.locator("#poll button[type=submit]").click()
    expect(spanish.page.locator("#poll-note")).to_have_text("Gracias. Tu respuesta llegó.")
    expect(french.page.locator("#poll-note")).to_contain_text("Merci")
    expect(display.locator("#cue-count")).to_have_text("2 de 2 respondieron")
    expect(console.locator("#answered")).to_have_text(re.compile(r"^2 de 2 respondieron"))
