"""Two facilitators in two browsers: the owner invites from the console's panel, both
consoles run the session and stay in step, and a removed co-facilitator's console stops."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.screens import LAPTOP, PHONE, Screen, join_on_phone, open_screen
from tests.live import Facilitator, Server, add_account, signed_in

OWNER, CO = "asha", "ben"


@pytest.fixture
def team_server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "data").start()
    for name in (OWNER, CO):
        add_account(running, name)
    yield running
    running.stop()


def _console(browser: Browser, server: Server, who: Facilitator, path: str) -> Screen:
    cookies = [{"name": c.name, "value": c.value or ""} for c in who.http.cookies]
    return open_screen(browser, server.url, path, viewport=LAPTOP, cookies=cookies)


def test_the_owner_invites_from_the_console_and_both_consoles_run_the_session(
    browser: Browser, team_server: Server, screens: list[Screen]
) -> None:
    owner, co = signed_in(team_server, OWNER), signed_in(team_server, CO)
    links = owner.create_session("group-ipt-8", 2)
    sid = links["session_id"]
    desk = _console(browser, team_server, owner, f"/console/{sid}#token={links['console_token']}")
    screens.append(desk)
    page = desk.page

    # A name with no account is refused in words beside the form, and nothing changes.
    page.get_by_role("tab", name="Facilitators").click()
    page.get_by_label("User name of a facilitator account").fill("nobody")
    page.get_by_role("button", name="Invite").click()
    expect(page.locator("#facilitators-error")).to_contain_text("nobody")
    assert co.get("/api/sessions").json()["sessions"] == []
    # The browser reports the refused request itself; nothing else may have gone wrong.
    assert [e for e in desk.errors if "404" not in e] == []
    desk.errors.clear()

    page.get_by_label("User name of a facilitator account").fill(CO)
    page.get_by_role("button", name="Invite").click()
    expect(page.locator(f'#facilitator-list li[data-user="{CO}"]')).to_be_visible()
    expect(page.locator("#facilitators-done")).not_to_be_empty()

    # The co-facilitator finds the session in their list and opens its console.
    (listed,) = co.get("/api/sessions").json()["sessions"]
    assert (listed["id"], listed["role"], listed["may_export"]) == (sid, "co_facilitator", False)
    mine = co.get(f"/api/sessions/{sid}/links").json()
    other = _console(browser, team_server, co, f"/console/{sid}#token={mine['console_token']}")
    screens.append(other)
    expect(other.page.locator("#invite-form")).to_be_hidden()
    expect(other.page.locator("#export-log")).to_be_hidden()

    phone = open_screen(
        browser, team_server.url, f"/j/{links['join_code']}", viewport=PHONE, phone=True
    )
    screens.append(phone)
    join_on_phone(phone, "Dana")

    # Each console commands; the other follows.
    lobby = page.locator("#step-title").inner_text()
    page.get_by_role("button", name="Start session").click()
    # Both on the first step before the other moves on (the lobby has a title too).
    expect(page.locator("#step-title")).not_to_have_text(lobby)
    first = page.locator("#step-title").inner_text()
    expect(other.page.locator("#step-title")).to_have_text(first)
    other.page.get_by_role("button", name="Next").click()
    expect(page.locator("#step-title")).not_to_have_text(first)
    second = page.locator("#step-title").inner_text()
    expect(other.page.locator("#step-title")).to_have_text(second)
    expect(phone.page.get_by_text(second).first).to_be_visible()

    # The log says who sent each command.
    log = owner.get(f"/api/sessions/{sid}/export/log.jsonl").text
    assert f'"by": "{OWNER}"' in log and f'"by": "{CO}"' in log

    # The picture shows the Facilitators tab from its top, where the list is.
    page.locator("#region-more").evaluate("(region) => { region.scrollTop = 0; }")
    desk.screenshot("console-facilitators.png")

    # The owner removes the co-facilitator: their console stops and says why.
    # (The screen says yes to the "are you sure?" itself: see Screen._dialog.)
    page.get_by_role("button", name=f"Remove {CO} as a facilitator").click()
    expect(other.page.locator("#ended")).to_be_visible()
    expect(other.page.locator("#ended-text")).to_contain_text("no longer run")
    assert any("Remove" in d or CO in d for d in desk.dialogs), desk.dialogs
    expect(page.locator(f'#facilitator-list li[data-user="{CO}"]')).to_have_count(0)
    assert co.get("/api/sessions").json()["sessions"] == []
