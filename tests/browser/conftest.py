"""Browser tests: a real server process, Debian's Chromium, one context per screen.

They fail, never skip, when Chromium or the npm packages are missing: run
scripts/setup-browser.sh first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

try:
    from playwright.sync_api import Browser, Playwright, sync_playwright
except ImportError as error:  # pragma: no cover
    raise ImportError(
        "the browser tests need the Python package playwright; "
        "install the dev dependencies and run scripts/setup-browser.sh"
    ) from error

from tests.browser.room import NAMES, Room
from tests.browser.screens import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LAPTOP,
    PHONE,
    PROJECTOR,
    SETUP_HINT,
    Screen,
    missing_prerequisites,
    open_screen,
)
from tests.live import Client, Facilitator, Server, join, wait_until

HERE = Path(__file__).resolve().parent
MEMBERS = ("Asha", "Ben", "Chidi", "Dana", "Eli", "Fatima", "Goran", "Hana")
CRISIS = {
    "title": "Help right now",
    "text": "Test deployment: call the clinic's duty line or local emergency services.",
    "contacts": [{"name": "Clinic duty line", "detail": "Ask at reception for the number."}],
}


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    missing = missing_prerequisites()
    if missing:
        pytest.fail(f"browser tests need {', '.join(missing)}; {SETUP_HINT}", pytrace=False)
    # The phone page's service worker fetches too: seen by the contexts' request events,
    # and cut off by set_offline like the page's own (read when the driver starts).
    os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = "1"
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("browser-data")
    crisis = data / "crisis.yaml"
    crisis.write_text(yaml.safe_dump(CRISIS))
    started = Server(
        data,
        env={
            "FACILITATOR_PROTOCOLS_DIR": str(HERE / "protocols"),
            "FACILITATOR_CRISIS_FILE": str(crisis),
            # Joins from one address, many pages: keep the limit out of the way.
            "FACILITATOR_JOIN_ATTEMPTS": "1000",
            # en-XA and ar-XB, which wrap every translated string (tests/browser/pseudo.py).
            "FACILITATOR_PSEUDO_LANGUAGES": "1",
        },
    ).start()
    # Signed in at once with the one-time link, which works only while no account exists:
    # tests that add accounts may run before the first test that asks for `facilitator`.
    # The server prints the link just after it answers HTTP: wait to read it.
    wait_until(lambda: started.login_link, 5, "the one-time sign-in link")
    signed[started.url] = Facilitator(started).sign_in_with_link(started.login_link)
    yield started
    started.stop()


# The facilitator signed in on each server as it started.
signed: dict[str, Facilitator] = {}


@pytest.fixture(scope="session")
def facilitator(server: Server) -> Facilitator:
    return signed[server.url]


@pytest.fixture
def screens(browser: Browser, server: Server) -> Iterator[list[Screen]]:
    """Every screen a test opened; each is checked for errors and closed afterwards."""
    opened: list[Screen] = []
    yield opened
    errors = [f"{s.page.url}: {e}" for s in opened for e in s.errors]
    for screen in opened:
        screen.close()
    assert not errors, "pages reported errors:\n" + "\n".join(errors)


OpenScreen = Callable[..., Screen]


@pytest.fixture
def open_phone(browser: Browser, server: Server, screens: list[Screen]) -> OpenScreen:
    def opener(path: str = "/join", viewport: dict[str, int] = PHONE, **options: Any) -> Screen:
        screen = open_screen(browser, server.url, path, viewport=viewport, phone=True, **options)
        screens.append(screen)
        return screen

    return opener


@pytest.fixture
def open_console(
    browser: Browser, server: Server, facilitator: Facilitator, screens: list[Screen]
) -> OpenScreen:
    cookies = [{"name": c.name, "value": c.value or ""} for c in facilitator.http.cookies]

    def opener(path: str = "/", **options: Any) -> Screen:
        screen = open_screen(browser, server.url, path, viewport=LAPTOP, cookies=cookies, **options)
        screens.append(screen)
        return screen

    return opener


@pytest.fixture
def open_display(browser: Browser, server: Server, screens: list[Screen]) -> OpenScreen:
    def opener(path: str, **options: Any) -> Screen:
        screen = open_screen(browser, server.url, path, viewport=PROJECTOR, **options)
        screens.append(screen)
        return screen

    return opener


@pytest.fixture
def room(server: Server, facilitator: Facilitator) -> Iterator[Room]:
    """A running-to-be session of the room-check protocol with six members on live sockets."""
    opened = Room(server, facilitator, len(NAMES))
    yield opened
    opened.close()


@pytest.fixture
def busy_session(
    server: Server, facilitator: Facilitator
) -> Iterator[tuple[dict[str, Any], Client, list[Client]]]:
    """A running session of eight connected members with its mood poll open: five have
    answered, and three have sent a signal (a break, a pass, a request for support).
    Yields its links, a console client and the members' clients."""
    links = facilitator.create_session("browser-check", 1)
    console = Client(server.url, links["console_token"], "console").connect()
    members: list[Client] = []
    try:
        for name in MEMBERS:
            joined = join(server, links["join_code"], name)
            members.append(Client(server.url, joined["token"], name).connect())
        assert console.call("start_session")["ok"]
        assert console.call("open_poll", {"poll": "mood"})["ok"]
        poll_id = console.wait_for(lambda v: v["polls"])["polls"][0]["poll_id"]
        for n, member in enumerate(members[:5]):
            payload = {"action_id": f"a-{n}", "poll_id": poll_id, "value": n + 3}
            assert member.call("submit_answer", payload)["ok"]
        kinds = ("break", "pass", "support")
        for n, (member, kind) in enumerate(zip(members[5:], kinds, strict=True)):
            assert member.call("send_signal", {"action_id": f"s-{n}", "kind": kind})["ok"]
        yield links, console, members
    finally:
        for client in (console, *members):
            client.close()
