"""The home page's list of sessions: where each stands, when, who came, and what the
facilitator can do with it: open its console or room display, export, delete (asked first)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import OpenScreen
from tests.live import Client, Facilitator, Server, join


def test_each_session_says_whether_it_waits_runs_or_has_ended(
    open_console: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    ended = facilitator.create_session("browser-check", 1)
    running = facilitator.create_session("browser-check", 1)
    waiting = facilitator.create_session("browser-check", 1)
    consoles = [
        Client(server.url, links["console_token"], "console").connect()
        for links in (ended, running)
    ]
    try:
        for name in ("Ada", "Bo", "Cy"):
            join(server, running["join_code"], name)
        for console in consoles:
            assert console.call("start_session")["ok"]
        (cy,) = [
            p
            for p in consoles[1].wait_for(lambda v: len(v["participants"]) == 3)["participants"]
            if p["name"] == "Cy"
        ]
        assert consoles[1].call("remove_participant", {"participant_id": cy["id"]})["ok"]
        assert consoles[0].call("end_session")["ok"]

        home = open_console("/")
        page = home.page
        item = {
            key: page.locator(f'li[data-session="{links["session_id"]}"]')
            for key, links in (("ended", ended), ("running", running), ("waiting", waiting))
        }
        expect(item["waiting"].locator(".tag").first).to_have_text("In the lobby")
        expect(item["running"].locator(".tag").first).to_have_text("Running")
        expect(item["ended"].locator(".tag").first).to_have_text("Ended")
        expect(item["waiting"]).to_contain_text("Opened ")
        expect(item["waiting"]).to_contain_text("0 members")
        expect(item["running"]).to_contain_text("Started ")
        expect(item["running"]).to_contain_text("2 of 3 members here")
        expect(item["ended"]).to_contain_text("Ended ")
        # Sessions not ended come first: the ended one is listed after both others.
        order = page.locator("#sessions > li").evaluate_all(
            "(items) => items.map((li) => li.dataset.session)"
        )
        assert order.index(ended["session_id"]) > order.index(running["session_id"])
        assert order.index(ended["session_id"]) > order.index(waiting["session_id"])

        # Every session: its console and exports; a room display only while not ended.
        for key, links in (("ended", ended), ("running", running)):
            console_link = item[key].get_by_role("link", name="Open console")
            expect(console_link).to_have_attribute("href", f"/console/{links['session_id']}")
            summary = item[key].get_by_role("link", name="Printable summary")
            expect(summary).to_have_attribute(
                "href", f"/api/sessions/{links['session_id']}/export/summary.html"
            )
        expect(item["ended"].get_by_role("button", name="Open room display")).to_have_count(0)
        with home.context.expect_page() as opened:
            item["running"].get_by_role("button", name="Open room display").click()
        display = opened.value
        display.wait_for_url(f"**/display/{running['session_id']}#token=*")
        expect(display.locator("#step-title")).to_have_text("Mood number")
        display.close()
    finally:
        for console in consoles:
            console.close()


def test_deleting_a_session_asks_first_beside_it(
    open_console: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("browser-check", 1)
    page = open_console("/").page
    item = page.locator(f'li[data-session="{links["session_id"]}"]')
    confirm = item.get_by_role("group")
    expect(confirm).to_be_hidden()

    item.get_by_role("button", name="Delete…").click()
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("and everything kept about it? This cannot be undone.")
    expect(item.get_by_role("button", name="Keep it")).to_be_focused()
    item.get_by_role("button", name="Keep it").click()
    expect(confirm).to_be_hidden()
    assert facilitator.get(f"/api/sessions/{links['session_id']}/links").status_code == 200

    item.get_by_role("button", name="Delete…").click()
    item.get_by_role("button", name="Delete for good").click()
    expect(item).to_have_count(0)
    expect(page.locator("#sessions-note")).to_have_text("The session was deleted.")
    assert facilitator.get(f"/api/sessions/{links['session_id']}/links").status_code == 404
    listed = facilitator.get("/api/sessions").json()["sessions"]
    assert links["session_id"] not in [s["id"] for s in listed]
