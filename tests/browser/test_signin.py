"""Signing in and out in Chromium: links whose tokens reach no log, sign out everywhere."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import HERE
from tests.browser.screens import LAPTOP, PROJECTOR
from tests.live import Facilitator, Server
from tests.test_scale_failover import Proxy

PASSWORD = "a long password 1"


def _cli(server: Server, public_url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "facilitator", *args],
        env={"FACILITATOR_DATA_DIR": str(server.data_dir), "FACILITATOR_PUBLIC_URL": public_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _context(browser: Browser, size: dict[str, int]) -> BrowserContext:
    return browser.new_context(viewport={"width": size["width"], "height": size["height"]})


@pytest.fixture
def unset(tmp_path: Path) -> Iterator[Server]:
    """A server with no account yet, as on its first start: one-time links work only then
    (the browser tests' shared server has accounts that other tests added)."""
    started = Server(
        tmp_path / "data", env={"FACILITATOR_PROTOCOLS_DIR": str(HERE / "protocols")}
    ).start()
    yield started
    started.stop()


@pytest.fixture
def proxy(unset: Server, tmp_path: Path) -> Iterator[Proxy]:
    """The shipped nginx config in front of a server of its own, logging requests."""
    started = Proxy(tmp_path / "nginx", [unset], access_log=tmp_path / "access.log").start()
    yield started
    started.stop()


def _open_session(page: Page) -> None:
    page.get_by_label("Protocol").select_option("browser-check")
    page.get_by_label("Session number").select_option("1")
    page.get_by_role("button", name="Open session").click()
    page.wait_for_url("**/console/*")


def test_sign_in_and_display_links_keep_their_tokens_out_of_every_log(
    browser: Browser, unset: Server, proxy: Proxy
) -> None:
    link = _cli(unset, proxy.url, "login-link").strip().rsplit(" ", 1)[1]
    login_token = link.split("#token=", 1)[1]
    context = _context(browser, LAPTOP)
    display_context = _context(browser, PROJECTOR)
    try:
        page = context.new_page()
        page.goto(link)
        page.wait_for_url(proxy.url + "/")
        expect(page.get_by_role("heading", name="Sessions", exact=True)).to_be_visible()
        _open_session(page)
        code = page.locator("#join-code")
        expect(code).not_to_be_empty()
        display_link = page.locator("#display-link").get_attribute("href")
        assert display_link
        display_token = display_link.split("#token=", 1)[1]
        room = display_context.new_page()
        room.goto(proxy.url + display_link)
        expect(room.locator("#join-code")).to_have_text(code.inner_text())
        expect(room.locator("#qr path")).to_have_count(1)
        # The link's token is spent: opening it again signs nobody in.
        again = _context(browser, LAPTOP)
        try:
            reused = again.new_page()
            reused.goto(link)
            expect(reused.locator("#login-error")).to_contain_text("was used already")
        finally:
            again.close()
    finally:
        context.close()
        display_context.close()
    proxy.stop()  # nginx writes out its log
    access_log = proxy.access_log.read_text() if proxy.access_log else ""
    assert "GET /display/" in access_log
    assert "POST /login/link" in access_log
    server_log = "".join(unset.output)
    for token in (login_token, display_token):
        assert token not in access_log
        assert token not in server_log


def test_sign_out_everywhere_ends_the_other_browsers_and_their_console(
    browser: Browser, server: Server, facilitator: Facilitator
) -> None:
    _cli(server, server.url, "users", "add", "everywhere", "--password", PASSWORD)
    laptop = _context(browser, LAPTOP)
    tablet = _context(browser, LAPTOP)
    try:
        desk, other = laptop.new_page(), tablet.new_page()
        for page in (desk, other):
            page.goto(server.url + "/login")
            page.get_by_label("User name").fill("everywhere")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(server.url + "/")
        _open_session(desk)
        expect(desk.locator("#status")).to_have_class("status online")
        other.get_by_role("button", name="Sign out everywhere").click()
        other.wait_for_url(server.url + "/login")
        # The laptop's console is closed by the server and may not connect again.
        expect(desk.locator("#message")).to_contain_text("ended with the sign-in", timeout=10_000)
        desk.goto(server.url + "/")
        desk.wait_for_url(server.url + "/login")
    finally:
        laptop.close()
        tablet.close()
