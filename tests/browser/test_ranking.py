"""A ranking poll on a phone at 360 px: tap the options in order, undo a tap, send;
the room display then shows the points drawn by the shared results module."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import OpenScreen
from tests.browser.screens import PHONE, join_on_phone
from tests.browser.test_accessibility import UNNAMED, axe_problems, tab_through
from tests.live import Client, Facilitator, Server, join

OPTIONS = ["Sleep", "Seeing friends", "Work", "Exercise"]


def test_a_member_ranks_the_options_by_tapping_them_in_order_with_undo(
    open_phone: OpenScreen, open_display: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("browser-check", 1)
    console = Client(server.url, links["console_token"], "console").connect()
    others = [join(server, links["join_code"], name) for name in ("Bo", "Cy")]
    phones = [Client(server.url, j["token"], j["name"]).connect() for j in others]
    try:
        assert console.call("start_session")["ok"]
        assert console.call("open_poll", {"poll": "priorities"})["ok"]
        phone = open_phone(f"/j/{links['join_code']}", PHONE)
        join_on_phone(phone, "Ada")
        page = phone.page
        expect(page.locator("#poll-question")).to_contain_text("Put these in order")
        options = page.locator(".rank-option")
        expect(options).to_have_text(OPTIONS)
        # Big tap targets that fit the narrow screen.
        for index in range(len(OPTIONS)):
            box = options.nth(index).bounding_box()
            assert box is not None
            assert box["height"] >= 48 and box["x"] + box["width"] <= PHONE["width"], box
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]

        # Sending before every option has its place says what is missing.
        page.get_by_role("button", name="Work").click()
        page.get_by_role("button", name="Send answer").click()
        expect(page.locator("#poll-note")).to_have_text("Put every option in order first.")

        page.get_by_role("button", name="Sleep").click()
        expect(page.locator("#ranked li")).to_have_text(["Work", "Sleep"])
        expect(options).to_have_text(["Seeing friends", "Exercise"])
        page.get_by_role("button", name="Undo last").click()
        page.get_by_role("button", name="Undo last").click()
        expect(page.locator("#ranked li")).to_have_count(0)
        expect(page.get_by_role("button", name="Undo last")).to_be_disabled()
        expect(options).to_have_text(OPTIONS)

        for name in ("Sleep", "Exercise", "Seeing friends", "Work"):
            page.get_by_role("button", name=name).click()
        expect(page.locator("#ranked li")).to_have_text(
            ["Sleep", "Exercise", "Seeing friends", "Work"]
        )
        expect(options).to_have_count(0)
        page.get_by_role("button", name="Send answer").click()
        expect(page.locator("#poll-note")).to_have_text("Thank you. Your answer is in.")

        view = console.wait_for(lambda v: v["polls"] and v["polls"][0]["count"] == 1)
        poll_id = view["polls"][0]["poll_id"]
        for phone_client, order in zip(phones, ([0, 1, 2, 3], [1, 0, 3, 2]), strict=True):
            ack = phone_client.call(
                "submit_answer", {"action_id": "r1", "poll_id": poll_id, "value": order}
            )
            assert ack["ok"], ack
        console.wait_for(lambda v: v["polls"][0]["count"] == 3)
        assert console.call("close_poll", {"poll_id": poll_id})["ok"]
        assert console.call("reveal_poll", {"poll_id": poll_id})["ok"]

        # Ada [0, 3, 1, 2], Bo [0, 1, 2, 3], Cy [1, 0, 3, 2]: most points first.
        display = open_display(f"/display/{links['session_id']}#token={links['display_token']}")
        bars = display.page.locator("#results-body .bars li")
        expect(bars).to_have_count(4)
        expect(bars.locator(":scope > span:first-child")).to_have_text(
            [
                "Sleep (mean place 1.33)",
                "Seeing friends (mean place 2)",
                "Exercise (mean place 3)",
                "Work (mean place 3.67)",
            ]
        )
        expect(bars.locator(".n")).to_have_text(["8", "6", "3", "1"])
    finally:
        console.close()
        for phone_client in phones:
            phone_client.close()


def test_the_ranking_passes_axe_the_keyboard_reaches_it_and_the_console_draws_its_points(
    open_phone: OpenScreen, open_console: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("browser-check", 1)
    console = open_console(f"/console/{links['session_id']}", bypass_csp=True)
    desk = console.page
    phone = open_phone(f"/j/{links['join_code']}", PHONE, bypass_csp=True)
    join_on_phone(phone, "Gita")
    others = [join(server, links["join_code"], name) for name in ("Bo", "Cy")]
    clients = [Client(server.url, j["token"], j["name"]).connect() for j in others]
    try:
        expect(desk.locator("#roster li")).to_have_count(3)
        desk.get_by_role("button", name="Start session").click()
        # Choose once the first step is on screen: a new step chooses its own poll.
        expect(desk.locator("#step-title")).to_have_text("Mood number")
        desk.get_by_label("Poll to open").select_option("priorities")
        desk.get_by_role("button", name="Open poll").click()
        page = phone.page
        page.get_by_role("button", name="Exercise").click()
        expect(page.locator("#ranked li")).to_have_text(["Exercise"])
        assert axe_problems(phone) == []
        assert page.evaluate(UNNAMED) == []
        wanted, reached = tab_through(phone)
        assert wanted <= reached, sorted(wanted - reached)

        for name in ("Sleep", "Seeing friends", "Work"):
            page.get_by_role("button", name=name).click()
        page.get_by_role("button", name="Send answer").click()
        expect(page.locator("#poll-note")).to_have_text("Thank you. Your answer is in.")
        for client in clients:
            ack = client.call(
                "submit_answer", {"action_id": "r1", "poll_id": "poll-1", "value": [0, 1, 2, 3]}
            )
            assert ack["ok"], ack
        expect(desk.locator("#polls")).to_contain_text("3 answered")
        desk.get_by_role("button", name="Close poll").click()
        desk.get_by_role("button", name="Reveal to the room").click()
        # Gita [3, 0, 1, 2]; Bo and Cy [0, 1, 2, 3].
        labels = desk.locator("#polls .bars li > span:first-child")
        expect(labels).to_have_text(
            [
                "Sleep (mean place 1.33)",
                "Seeing friends (mean place 2.33)",
                "Exercise (mean place 3)",
                "Work (mean place 3.33)",
            ]
        )
        expect(desk.locator("#polls .bars .n")).to_have_text(["8", "5", "3", "2"])
        assert axe_problems(console) == []
    finally:
        for client in clients:
            client.close()
