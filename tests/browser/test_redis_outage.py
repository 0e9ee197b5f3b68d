"""Screens through a Redis outage: a phone keeps its place and its taps, and the
console and display connect again by themselves once Redis is back.

A server on a real redis-server, which the tests kill and start again; a network blip
on the screen while Redis is down, so its reconnect is refused with
`storage_unavailable`. Every text each page showed is recorded as it changes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import CRISIS, HERE
from tests.browser.screens import (
    LAPTOP,
    PHONE,
    PROJECTOR,
    Screen,
    choose,
    join_on_phone,
    open_screen,
)
from tests.live import Client, Facilitator, Server, wait_until
from tests.redis_server import RedisServer

# Redis back, the next try is at most 15 s away, and the server needs a moment.
RECOVERY = 40.0
# What a screen must never say while the member is still in the session.
NEVER = (
    "no longer in this session",
    "left the session",
    "Not counted",
    "Not sent",
    "does not work",
    "refused this connection",
)

# Records document.body.innerText each time the page changes: only visible text
# counts, and a hidden screen (the "gone" screen, say) has none.
RECORD_TEXTS = """() => {
  window.seenTexts = [];
  const note = () => {
    const text = document.body.innerText;
    if (window.seenTexts[window.seenTexts.length - 1] !== text) window.seenTexts.push(text);
  };
  new MutationObserver(note).observe(document.body, {
    subtree: true, childList: true, characterData: true, attributes: true,
  });
  note();
}"""


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    started = RedisServer(tmp_path_factory.mktemp("outage-redis")).start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def redis_backed(tmp_path_factory: pytest.TempPathFactory, redis: RedisServer) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("outage-data")
    crisis = data / "crisis.yaml"
    crisis.write_text(json.dumps(CRISIS))
    started = Server(
        data,
        env={
            "FACILITATOR_REDIS_URL": redis.url(0),
            "FACILITATOR_PROTOCOLS_DIR": str(HERE / "protocols"),
            "FACILITATOR_CRISIS_FILE": str(crisis),
        },
    ).start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def signed_in(redis_backed: Server) -> Facilitator:
    return Facilitator(redis_backed).sign_in_with_link(redis_backed.login_link)


@pytest.fixture
def opened(browser: Browser) -> Iterator[list[Screen]]:
    screens: list[Screen] = []
    yield screens
    errors = [f"{s.page.url}: {e}" for s in screens for e in s.errors if not _forgiven(s, e)]
    for screen in screens:
        screen.close()
    assert not errors, "pages reported errors:\n" + "\n".join(errors)


def _forgiven(screen: Screen, error: str) -> bool:
    """Chromium's log of what a blip does to Socket.IO's own requests; nothing else."""
    if "net::ERR_INTERNET_DISCONNECTED" in error:
        return True
    # A long poll still out when the client closed its transport, after the blip or a
    # refused connect: the server has forgotten that transport and answers 400.
    bad = [r.url for r in screen.responses if r.status == 400]
    return "status of 400" in error and bool(bad) and all("/socket.io/" in u for u in bad)


def seen(page: Page) -> list[str]:
    texts: list[str] = page.evaluate("window.seenTexts")
    return texts


def wait_to_see(page: Page, wanted: str, *, after: int = 0, timeout: float = 30) -> int:
    """Wait until a text holding `wanted` shows (at or after index `after`); return its index.

    Fails at once, quoting it, if the page says something it must never say.
    """

    def check() -> int | None:
        texts = seen(page)
        said = [t for t in texts if any(bad in t for bad in NEVER)]
        assert not said, f"the page said: {said[0]!r}"
        return next((i for i in range(after, len(texts)) if wanted in texts[i]), None)

    found: int = wait_until(
        lambda: (lambda i: None if i is None else i + 1)(check()), timeout, wanted
    )
    return found - 1


def stored(page: Page, key: str) -> Any:
    return page.evaluate(f"JSON.parse(localStorage.getItem({json.dumps(key)}) || 'null')")


def blip(screen: Screen) -> None:
    """Lose the network for a moment: the page disconnects, and connects again after."""
    before = len(seen(screen.page))
    screen.context.set_offline(True)
    wait_to_see(screen.page, "No network", after=before)
    screen.context.set_offline(False)


def test_a_phone_keeps_its_membership_and_its_answer_through_a_redis_outage(
    browser: Browser,
    opened: list[Screen],
    redis_backed: Server,
    redis: RedisServer,
    signed_in: Facilitator,
) -> None:
    facilitator = signed_in
    links = facilitator.create_session("browser-check", 1)
    console = Client(redis_backed.url, links["console_token"], "console").connect()
    try:
        assert console.call("start_session")["ok"]
        assert console.call("open_poll", {"poll": "mood"})["ok"]
        phone = open_screen(
            browser, redis_backed.url, f"/j/{links['join_code']}", viewport=PHONE, phone=True
        )
        opened.append(phone)
        page = phone.page
        join_on_phone(phone, "Dana")
        expect(page.locator("#poll-question")).to_contain_text("How is your mood")
        me = stored(page, "facilitator.participant")
        outbox = f"facilitator.outbox.{me['session_id']}.{me['id']}"
        page.evaluate(RECORD_TEXTS)

        redis.kill()
        # Sent on a live connection and refused: the server cannot save it.
        choose(phone, "answer-4")
        page.get_by_role("button", name="Send answer").click()
        refused = wait_to_see(page, "The server cannot save right now")
        expect(page.locator("#poll-note")).to_contain_text("saved on this phone")

        # The network blips: the reconnect is refused too, and the phone keeps trying.
        blip(phone)
        wait_to_see(page, "The server cannot save right now", after=refused + 1)
        # A tap made while the phone cannot connect waits with the answer.
        page.get_by_role("button", name="I need a break").click()
        wait_to_see(page, "2 taps are saved on this phone")
        time.sleep(3)  # a few refused tries, none of which may end the membership
        assert stored(page, "facilitator.participant") == me
        assert len(stored(page, outbox)) == 2

        redis.start()
        expect(page.locator("#poll-note")).to_have_text(
            "Thank you. Your answer is in.", timeout=RECOVERY * 1000
        )
        expect(page.locator("#status")).to_be_hidden(timeout=RECOVERY * 1000)
        expect(page.locator("#signal-note")).to_contain_text("The facilitator knows")

        view = console.call("sync", {})["view"]
        assert [(p["id"], p["name"], p["present"]) for p in view["participants"]] == [
            (me["id"], "Dana", True)
        ]
        wait_until(
            lambda: console.call("sync", {})["view"]["participants"][0]["connected"],
            RECOVERY,
            "the phone shown connected",
        )
        assert [p["count"] for p in view["polls"]] == [1]
        assert [(s["participant_id"], s["kind"]) for s in view["signals"]] == [(me["id"], "break")]
        assert stored(page, "facilitator.participant") == me
        assert stored(page, outbox) == []
        said = [t for t in seen(page) if any(bad in t for bad in NEVER)]
        assert not said, f"the page said: {said[0]!r}"
    finally:
        console.close()
        if redis.process is None or redis.process.poll() is not None:
            redis.start()


def test_the_console_and_display_connect_again_after_a_redis_outage(
    browser: Browser,
    opened: list[Screen],
    redis_backed: Server,
    redis: RedisServer,
    signed_in: Facilitator,
) -> None:
    facilitator = signed_in
    links = facilitator.create_session("browser-check", 1)
    cookies = [{"name": c.name, "value": c.value or ""} for c in facilitator.http.cookies]
    console = open_screen(
        browser,
        redis_backed.url,
        f"/console/{links['session_id']}",
        viewport=LAPTOP,
        cookies=cookies,
    )
    display = open_screen(
        browser,
        redis_backed.url,
        f"/display/{links['session_id']}#token={links['display_token']}",
        viewport=PROJECTOR,
    )
    opened.extend([console, display])
    try:
        expect(console.page.locator("#status")).to_have_text("Connected.")
        expect(display.page.locator("#join-code")).not_to_be_empty()
        for screen in (console, display):
            screen.page.evaluate(RECORD_TEXTS)

        redis.kill()
        for screen in (console, display):
            blip(screen)
            wait_to_see(screen.page, "The server cannot save right now")

        redis.start()
        expect(console.page.locator("#status")).to_have_text("Connected.", timeout=RECOVERY * 1000)
        expect(display.page.locator("#status")).to_be_hidden(timeout=RECOVERY * 1000)
        for screen in (console, display):
            said = [t for t in seen(screen.page) if any(bad in t for bad in NEVER)]
            assert not said, f"{screen.page.url} said: {said[0]!r}"
    finally:
        if redis.process is None or redis.process.poll() is not None:
            redis.start()
