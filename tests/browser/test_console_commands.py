"""The real console in Chromium: every command carries a command id and the version on
screen; a command whose ack was lost is sent again with the same id and applies once;
a command from a screen another command made out of date is refused and resynced.

The console's WebSocket passes through a relay in the page (Playwright's WebSocket
routing) that can lose one ack, or hold back the views the server sends.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from playwright.sync_api import WebSocketRoute, expect

from tests.browser.conftest import OpenScreen
from tests.live import Client, Facilitator, Server, wait_until


class Relay:
    """Pass the console's Socket.IO frames through, losing or holding some on request."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.lose_ack_of: str | None = None
        self.lost: list[str] = []
        self.hold_views = False
        self.held: list[str] = []
        # Lose the next view_patch the server sends, as a dropped frame would.
        self.lose_patch = False
        self.acks = 0
        # Socket.IO starts on HTTP long-polling and moves to the WebSocket only then:
        # frames sent before that pass no relay, so a test waits for it (`wait_upgraded`).
        self.upgraded = False
        self._doomed: set[str] = set()
        self._guard = threading.Lock()

    def route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            if message == "5":
                self.upgraded = True
            if isinstance(message, str):
                found = re.match(r"^42(\d+)\[\"(\w+)\",(.*)\]$", message, re.DOTALL)
                if found:
                    ack_id, event, payload = found.groups()
                    with self._guard:
                        self.sent.append((event, json.loads(payload)))
                        if event == self.lose_ack_of:
                            self.lose_ack_of = None
                            self._doomed.add(ack_id)
            server.send(message)

        def from_server(message: str | bytes) -> None:
            if isinstance(message, str):
                found = re.match(r"^43(\d+)\[", message)
                with self._guard:
                    self.acks += 1 if found else 0
                    if found and found.group(1) in self._doomed:
                        self._doomed.discard(found.group(1))
                        self.lost.append(message)
                        return
                    if self.lose_patch and message.startswith('42["view_patch"'):
                        self.lose_patch = False
                        self.lost.append(message)
                        return
                    # Whole views and patches alike.
                    if self.hold_views and message.startswith(('42["view"', '42["view_patch"')):
                        self.held.append(message)
                        return
            ws.send(message)

        ws.on_message(from_page)
        server.on_message(from_server)

    def wait_upgraded(self, page: Any) -> None:
        """Wait until the page's connection runs over the relayed WebSocket."""
        for _ in range(200):  # the relay runs only while Playwright is called
            if self.upgraded:
                return
            page.wait_for_timeout(25)
        raise AssertionError("the console never moved its connection to the WebSocket")

    def commands(self, event: str) -> list[dict[str, Any]]:
        with self._guard:
            return [payload for name, payload in self.sent if name == event]


def _console(
    open_console: OpenScreen, facilitator: Facilitator
) -> tuple[Any, Relay, dict[str, Any]]:
    links = facilitator.create_session("browser-check", 1)
    screen = open_console("/")
    relay = Relay()
    screen.page.route_web_socket(re.compile(r"/socket\.io/"), relay.route)
    screen.page.goto(f"{screen.origin}/console/{links['session_id']}")
    desk = screen.page
    relay.wait_upgraded(desk)
    desk.get_by_role("button", name="Start session").click()
    expect(desk.locator("#step-title")).to_have_text("Mood number")
    return desk, relay, links


def _steps(facilitator: Facilitator, session_id: str) -> list[int]:
    response = facilitator.get(f"/api/sessions/{session_id}/export/log.jsonl")
    events = [json.loads(line) for line in response.text.splitlines()]
    return [e["index"] for e in events if e["type"] == "step_entered"]


def test_a_command_whose_ack_was_lost_is_sent_again_with_its_id_and_applies_once(
    open_console: OpenScreen, facilitator: Facilitator
) -> None:
    desk, relay, links = _console(open_console, facilitator)
    relay.lose_ack_of = "next_step"
    desk.get_by_role("button", name="Next").click()
    # Applied at once (the view comes), but the ack is lost: after its 10 s time-out the
    # console says so beside the button, and sends the command again.
    expect(desk.locator("#step-title")).to_have_text("One word each")
    expect(desk.locator("#error-step")).to_have_text("Not saved yet; trying again…", timeout=15000)
    expect(desk.locator("#error-step")).to_have_text("", timeout=5000)
    assert len(relay.lost) == 1
    first, again = relay.commands("next_step")
    assert first == again
    assert first["command_id"] and isinstance(first["version"], int)
    assert _steps(facilitator, links["session_id"]) == [0, 1]
    expect(desk.locator("#step-title")).to_have_text("One word each")


def test_a_command_from_a_screen_another_command_changed_is_refused_and_resynced(
    open_console: OpenScreen, facilitator: Facilitator, server: Server
) -> None:
    desk, relay, links = _console(open_console, facilitator)
    # A second console (another tab) moves on while this one's screen is held back.
    relay.hold_views = True
    other = Client(server.url, links["console_token"], "other console").connect()
    try:
        assert other.call("next_step")["ok"]
    finally:
        other.close()
    # The server's view of that change reaches this console's socket after the other
    # console's ack: release the hold only once it was held back. (The relay runs only
    # while Playwright is called, hence waiting in the page, not in a sleep.)
    for _ in range(100):
        if relay.held:
            break
        desk.wait_for_timeout(50)
    assert relay.held, "the other console's change was never sent to this one"
    expect(desk.locator("#step-title")).to_have_text("Mood number")
    relay.hold_views = False

    desk.get_by_role("button", name="Next").click()
    expect(desk.locator("#error-step")).to_have_text("The session changed; check and try again.")
    # Resynced: the screen shows where the session is, and the click moved nothing.
    expect(desk.locator("#step-title")).to_have_text("One word each")
    wait_until(lambda: relay.commands("next_step"), 5, "the console's next_step")
    assert _steps(facilitator, links["session_id"]) == [0, 1]


def test_a_click_before_the_last_command_came_back_carries_the_version_it_reached(
    open_console: OpenScreen, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("browser-check", 1)
    screen = open_console("/")
    relay = Relay()
    screen.page.route_web_socket(re.compile(r"/socket\.io/"), relay.route)
    screen.page.goto(f"{screen.origin}/console/{links['session_id']}")
    desk = screen.page
    relay.wait_upgraded(desk)
    expect(desk.locator("#step-title")).to_have_text("Ready to start")
    # The facilitator clicks twice before the first command's view is back (held here, a
    # slow network elsewhere): the second click must not be refused as out of date.
    relay.hold_views = True
    acks_before = relay.acks
    desk.get_by_role("button", name="Start session").click()
    desk.get_by_role("button", name="Open poll").click()
    for _ in range(100):  # both commands answered (a stale refusal then also resyncs)
        if relay.acks >= acks_before + 2:
            break
        desk.wait_for_timeout(50)
    relay.hold_views = False
    response = facilitator.get(f"/api/sessions/{links['session_id']}/export/log.jsonl")
    kinds = [json.loads(line)["type"] for line in response.text.splitlines()]
    assert "session_started" in kinds and "poll_opened" in kinds, kinds
    for said in ("#message", "#error-step", "#error-open-poll"):
        expect(desk.locator(said)).to_have_text("")
    start, poll = relay.commands("start_session")[0], relay.commands("open_poll")[0]
    assert poll["version"] > start["version"]


def test_a_console_that_missed_a_patch_asks_for_the_whole_view_and_shows_the_session(
    open_console: OpenScreen, facilitator: Facilitator, server: Server
) -> None:
    desk, relay, links = _console(open_console, facilitator)
    syncs_before = len(relay.commands("sync"))
    relay.lose_patch = True
    other = Client(server.url, links["console_token"], "other console").connect()
    try:
        assert other.call("push_prompt", {"text": "A prompt this console never saw"})["ok"]
        for _ in range(100):  # the relay runs only while Playwright is called
            if relay.lost:
                break
            desk.wait_for_timeout(50)
        assert relay.lost, "the prompt's patch never reached the console's socket"
        expect(desk.locator("#prompt-now")).to_have_text("No prompt is showing.")
        assert other.call("lock_joining")["ok"]
    finally:
        other.close()
    # The lock's patch does not fit the view on screen: the whole view is fetched, and
    # with it the prompt whose patch was lost.
    expect(desk.locator("#lock")).to_have_text("Unlock joining")
    expect(desk.locator("#prompt-now")).to_have_text("Showing now: A prompt this console never saw")
    wait_until(lambda: len(relay.commands("sync")) > syncs_before, 5, "a sync")
    assert relay.commands("sync")[-1] == {}
