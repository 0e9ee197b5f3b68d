"""The screens in other languages: every word from a catalog, in the pseudo-languages
that wrap each translated string, and in the languages shipped."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import OpenScreen
from tests.browser.pseudo import PSEUDO_LTR, PSEUDO_RTL, assert_translated
from tests.browser.room import NAMES, Room
from tests.live import Facilitator, Server


def test_display_shows_only_catalog_words_in_every_state(
    open_display: OpenScreen, room: Room
) -> None:
    page = open_display(room.display_path, locale=PSEUDO_LTR).page
    expect(page.locator("#qr path")).to_have_count(1)
    expect(page.locator("html")).to_have_attribute("lang", PSEUDO_LTR)
    assert_translated(page, "lobby")

    room.command("start_session")
    poll_id = room.open_poll("mood")
    room.answer_one(0, poll_id, 7)
    expect(page.locator("#cue-count")).to_contain_text("1")
    assert_translated(page, "poll open")

    room.answer(poll_id, [3, 7], first=1)
    room.command("close_poll", {"poll_id": poll_id})
    room.command("reveal_poll", {"poll_id": poll_id})
    expect(page.locator("#results .bars li")).to_have_count(11)
    assert_translated(page, "scale results")

    room.command("next_step")
    room.command("next_step")
    room.command("next_step")
    room.role_play_debrief()
    expect(page.locator("#rp-debrief li")).to_have_count(3)
    assert_translated(page, "role-play debrief")

    room.command("end_session")
    expect(page.locator("#join")).to_be_hidden()
    assert_translated(page, "ended")


def test_display_lays_out_right_to_left_in_a_right_to_left_language(
    open_display: OpenScreen, room: Room
) -> None:
    page = open_display(room.display_path, locale=PSEUDO_RTL).page
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#qr path")).to_have_count(1)
    assert_translated(page, "lobby, right to left")


def test_display_speaks_the_sessions_language_not_the_browsers(
    open_display: OpenScreen, server: Server, facilitator: Facilitator, room: Room
) -> None:
    # An English session on a Spanish browser: the room reads the session's English.
    english = open_display(room.display_path, locale="es-MX").page
    expect(english.locator("html")).to_have_attribute("lang", "en")
    expect(english.locator("#join-title")).to_have_text("Join on your phone")
    room.close()

    room = Room(server, facilitator, len(NAMES), language="es")
    page = open_display(room.display_path, locale="en-US").page
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#join-title")).to_have_text("Únete desde tu teléfono")
    expect(page.locator("#step-title")).to_have_text("Bienvenida")
    room.command("start_session")
    poll_id = room.open_poll("mood")
    expect(page.locator("#cue-title")).to_have_text("Responde en tu teléfono")
    room.answer(poll_id, [1, 2, 3])
    expect(page.locator("#cue-count")).to_have_text("3 de 6 respondieron")
    room.command("close_poll", {"poll_id": poll_id})
    room.command("reveal_poll", {"poll_id": poll_id})
    expect(page.locator("#results-count")).to_have_text("3 respuestas")
    room.close()
