"""A role-play composed on the console from a member's own situation reaches exactly its
cast: each cast phone its own card, everyone else the observers' card, the room only
the situation; role reversal swaps the two cards in one click."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import OpenScreen
from tests.browser.screens import Screen, join_on_phone
from tests.live import Facilitator

MEMBER_CARD = "Ask for one evening a week alone with your partner."
OTHER_CARD = "You help a lot and feel hurt to be asked to step back."
SITUATION = "Asha wants an evening alone with her partner; her mother-in-law lives with them."


def test_a_composed_role_play_reaches_exactly_the_cast_and_reverses_in_one_click(
    open_console: OpenScreen,
    open_display: OpenScreen,
    open_phone: OpenScreen,
    screens: list[Screen],
    facilitator: Facilitator,
) -> None:
    links = facilitator.create_session("browser-check", 1)
    desk = open_console(f"/console/{links['session_id']}").page
    expect(desk.locator("#join-code")).not_to_be_empty()
    code = desk.locator("#join-code").inner_text()
    room = open_display(desk.locator("#display-link").get_attribute("href") or "").page
    phones = {}
    for name in ("Asha", "Ben", "Chidi", "Dev"):
        phone = open_phone(f"/j/{code}")
        join_on_phone(phone, name)
        phones[name] = phone.page
    expect(desk.locator("#roster li")).to_have_count(4)
    desk.get_by_role("button", name="Start session").click()
    expect(desk.locator("#step-title")).to_have_text("Mood number")

    desk.get_by_role("button", name="Compose one from a member's own situation").click()
    desk.get_by_label("The member's situation, in a sentence").fill(SITUATION)
    desk.get_by_label("The other person's role").fill("Mother-in-law")
    desk.get_by_label("How they stand to the member").fill("lives with us")
    desk.get_by_label("The member's card").fill(MEMBER_CARD)
    desk.get_by_label("The other person's card").fill(OTHER_CARD)
    desk.get_by_label("Problem area").select_option("disputes")
    desk.get_by_label("Who plays the member").select_option(label="Asha")
    desk.get_by_label("Who plays the other person").select_option(label="Ben")
    desk.get_by_role("button", name="Push composed role-play").click()

    asha, ben, chidi, dev = (phones[n] for n in ("Asha", "Ben", "Chidi", "Dev"))
    expect(asha.locator(".private-card")).to_contain_text("Your role: The member")
    expect(asha.locator(".private-card")).to_contain_text(MEMBER_CARD)
    expect(ben.locator(".private-card")).to_contain_text("Your role: Mother-in-law (lives with us)")
    expect(ben.locator(".private-card")).to_contain_text(OTHER_CARD)
    for observer in (chidi, dev):
        expect(observer.locator(".private-card")).to_contain_text("Your role: Observers")
    expect(room.locator("#rp-scenario")).to_have_text(SITUATION)
    expect(desk.locator("#rp-active")).to_contain_text("The member: Asha")

    # Nobody but its player ever sees a card: not the other player, observers or room.
    asha_text = asha.locator("body").inner_text()
    ben_text = ben.locator("body").inner_text()
    assert OTHER_CARD not in asha_text and MEMBER_CARD not in ben_text
    for page in (chidi, dev, room):
        text = page.locator("body").inner_text()
        assert MEMBER_CARD not in text and OTHER_CARD not in text

    # Role reversal: one click, the two players swap cards, the observers keep theirs.
    desk.get_by_role("button", name="Reverse roles").click()
    expect(asha.locator(".private-card")).to_contain_text(OTHER_CARD)
    expect(ben.locator(".private-card")).to_contain_text(MEMBER_CARD)
    expect(desk.locator("#rp-active")).to_contain_text("The member: Ben")
    for observer in (chidi, dev):
        expect(observer.locator(".private-card")).to_contain_text("Your role: Observers")
        text = observer.locator("body").inner_text()
        assert MEMBER_CARD not in text and OTHER_CARD not in text
    assert MEMBER_CARD not in asha.locator("body").inner_text()
    for screen in screens:
        assert screen.errors == []
