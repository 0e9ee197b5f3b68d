"""Results under the facilitator's control, from the real console: reveal is disabled with
its reason until it can be done; results go on and off the room display, stay across a
step change only when pinned, and a closed poll reopens; a short-text poll's words are
read through on the console and a word hidden there never reaches the display."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OpenScreen
from tests.live import Client, Facilitator, Server, join


@pytest.fixture
def session(server: Server, facilitator: Facilitator) -> Iterator[dict[str, Any]]:
    """A started browser-check session with four connected members and a display client."""
    links = facilitator.create_session("browser-check", 1)
    console = Client(server.url, links["console_token"], "console").connect()
    display = Client(server.url, links["display_token"], "display").connect()
    members = [
        Client(server.url, join(server, links["join_code"], name)["token"], name).connect()
        for name in ("Asha", "Ben", "Chidi", "Dana")
    ]
    try:
        assert console.call("start_session")["ok"]
        yield {"links": links, "console": console, "display": display, "members": members}
    finally:
        for client in (console, display, *members):
            client.close()


def _answer(session: dict[str, Any], values: list[Any]) -> str:
    """The members answer the open poll, one value each; return the poll's id."""
    console: Client = session["console"]
    poll = console.wait_for(lambda v: any(p["phase"] == "open" for p in v["polls"]))
    poll_id: str = next(p["poll_id"] for p in poll["polls"] if p["phase"] == "open")
    for n, (member, value) in enumerate(zip(session["members"], values, strict=False)):
        payload = {"action_id": f"{poll_id}-{n}", "poll_id": poll_id, "value": value}
        assert member.call("submit_answer", payload)["ok"]
    console.wait_for(lambda v: any(p["count"] == len(values) for p in v["polls"]))
    return poll_id


def _desk(open_console: OpenScreen, session: dict[str, Any]) -> Page:
    page = open_console(f"/console/{session['links']['session_id']}").page
    expect(page.locator("#step-title")).to_have_text("Mood number")
    return page


def test_reveal_is_disabled_with_its_reason_until_the_poll_can_be_revealed(
    open_console: OpenScreen, session: dict[str, Any]
) -> None:
    page = _desk(open_console, session)
    page.get_by_role("button", name="Open poll").click()
    _answer(session, [4, 6])
    poll = page.locator("#polls li.in-hand")
    reveal = poll.get_by_role("button", name="Reveal to the room")
    expect(poll.locator(".answered-count")).to_have_text("2 of 4 answered")
    expect(reveal).to_be_disabled()
    expect(poll.locator(".reason")).to_have_text("Close the poll first.")

    poll.get_by_role("button", name="Close poll").click()
    reason = poll.locator(".reason")
    expect(reason).to_have_text("Needs 3 answers to show; 2 so far.")
    expect(reveal).to_be_disabled()
    # Right under the button, and named by it for a screen reader.
    button, said = reveal.bounding_box(), reason.bounding_box()
    assert button and said
    assert 0 <= said["y"] - (button["y"] + button["height"]) < 24, (button, said)
    assert abs(said["x"] - button["x"]) < 24, (button, said)
    assert (reveal.get_attribute("aria-describedby") or "").split()[0] == reason.get_attribute("id")
    # Nothing reached the room.
    assert all(v["results"] == [] for v in session["display"].events("view"))


def test_results_show_hide_stay_when_pinned_and_a_closed_poll_reopens(
    open_console: OpenScreen, open_display: OpenScreen, session: dict[str, Any]
) -> None:
    links = session["links"]
    page = _desk(open_console, session)
    room = open_display(f"/display/{links['session_id']}#token={links['display_token']}").page
    expect(room.locator("#step-title")).to_have_text("Mood number")
    page.get_by_role("button", name="Open poll").click()
    _answer(session, [4, 6, 6])
    poll = page.locator("#polls li.in-hand")
    poll.get_by_role("button", name="Close poll").click()
    poll.get_by_role("button", name="Reveal to the room").click()
    expect(room.locator("#results")).to_be_visible()
    expect(poll.locator(".tag.shown")).to_have_text("On the display")

    poll.get_by_role("button", name="Hide from the display").click()
    expect(room.locator("#results")).to_be_hidden()
    poll.get_by_role("button", name="Show on the display").click()
    expect(room.locator("#results")).to_be_visible()

    # Pinned, the results stay through a step change; unpinned, the next one clears them.
    poll.get_by_role("button", name="Keep shown across steps").click()
    expect(poll.locator(".tag.shown")).to_have_text("On the display, pinned")
    page.get_by_role("button", name="Next").click()
    expect(room.locator("#step-title")).to_have_text("One word each")
    expect(room.locator("#results")).to_be_visible()
    poll.get_by_role("button", name="Unpin").click()
    page.get_by_role("button", name="Previous").click()
    expect(room.locator("#step-title")).to_have_text("Mood number")
    expect(room.locator("#results")).to_be_hidden()

    # Reopened: open again, off the display, and those who answered keep their answer.
    poll.get_by_role("button", name="Reopen the poll").click()
    expect(poll.locator(".tag").first).to_have_text("Open")
    expect(poll.locator(".answered-count")).to_have_text("3 of 4 answered")
    expect(room.locator("#results")).to_be_hidden()
    poll.get_by_role("button", name="Close poll").click()
    expect(poll.get_by_role("button", name="Reveal to the room")).to_be_enabled()


def test_a_word_hidden_before_showing_never_reaches_the_display(
    open_console: OpenScreen, open_display: OpenScreen, session: dict[str, Any]
) -> None:
    links = session["links"]
    page = _desk(open_console, session)
    room = open_display(f"/display/{links['session_id']}#token={links['display_token']}").page
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#step-title")).to_have_text("One word each")
    page.get_by_role("button", name="Open poll").click()
    _answer(session, ["Calm", " calm ", "Awful", "hopeful!"])
    poll = page.locator("#polls li.in-hand")
    poll.get_by_role("button", name="Close poll").click()
    poll.get_by_role("button", name="Review the words first").click()
    words = poll.locator(".word-list li")
    expect(words).to_have_count(3)
    expect(words.first).to_contain_text("calm")
    expect(words.first).to_contain_text("2 answers")
    poll.get_by_role("button", name="Hide the word awful").click()
    expect(poll.locator('.word-list li[data-word="awful"]')).to_contain_text("hidden")
    # The console's preview of the cloud leaves it out, as the room will.
    expect(poll.locator(".cloud li")).to_have_count(2)
    expect(poll.locator(".cloud")).not_to_contain_text("awful")
    expect(room.locator("#results")).to_be_hidden()

    poll.get_by_role("button", name="Show on the display").click()
    expect(room.locator("#results")).to_be_visible()
    expect(room.locator("#results")).to_contain_text("calm")
    expect(room.locator("#results")).to_contain_text("hopeful")
    assert "awful" not in room.locator("body").inner_text().casefold()
    # Nor anywhere in what the display or the other phones were ever sent.
    asha, ben, _, dana = session["members"]
    for client in (session["display"], asha, ben, dana):
        sent = json.dumps(client.received).casefold()
        assert "awful" not in sent, client.label
