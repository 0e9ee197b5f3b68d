"""The phone shows the consent text before joining, and joins only once it is agreed to."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import OpenScreen
from tests.browser.screens import agree, join_on_phone
from tests.live import Facilitator


def test_the_join_form_shows_the_consent_text_and_joins_only_once_it_is_agreed(
    open_phone: OpenScreen, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("browser-check", 1)
    phone = open_phone(f"/j/{links['join_code']}")
    page = phone.page
    consent = page.locator("#consent")
    expect(consent).to_be_visible()
    # The server's text, with the risk exception to confidentiality in it.
    served = phone.page.request.get(f"{page.url.split('/join')[0]}/api/consent").json()
    expect(page.locator("#consent-title")).to_have_text(served["title"])
    expect(page.locator("#consent-points li")).to_have_count(len(served["points"]))
    expect(consent).to_contain_text("Anonymous check-ins are anonymous")
    expect(consent).to_contain_text("at risk of harming yourself")

    page.get_by_label("Your name (optional)").fill("Dana")
    joins: list[str] = []
    page.on("request", lambda r: joins.append(r.url) if "/api/join" in r.url else None)
    page.get_by_role("button", name="Join").click()
    expect(page.locator("#join-error")).to_contain_text("agree")
    expect(page.get_by_label("I have read this and agree")).to_be_focused()
    assert joins == []  # nothing was sent: no consent, no join
    expect(page.locator("#join-screen")).to_be_visible()

    agree(phone)
    page.get_by_role("button", name="Join").click()
    page.locator("#live-screen").wait_for(state="visible")
    expect(page.locator("#my-name")).to_have_text("Dana")
    assert joins, "the join was sent once agreed"


def test_a_member_leaves_their_group_from_the_phone_and_is_erased(
    open_phone: OpenScreen, facilitator: Facilitator
) -> None:
    made = facilitator.post("/api/courses", {"protocol_id": "group-ipt-8", "title": "Group"})
    course_id = made.json()["course_id"]
    opened = facilitator.post(f"/api/courses/{course_id}/meetings/0/open", {})
    assert opened.status_code == 201, opened.text
    phone = open_phone(f"/j/{opened.json()['join_code']}")
    join_on_phone(phone, "Hazel Leaving")
    page = phone.page
    page.get_by_text("Leave this group").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Leave and erase my data").click()
    expect(page.locator("#gone-title")).to_have_text("You have left the group")
    expect(page.locator("#gone-text")).to_contain_text("is erased")
    expect(page.locator("#leave-group")).to_be_hidden()
    course = facilitator.get(f"/api/courses/{course_id}").json()["course"]
    (member,) = course["members"]
    assert (member["name"], member["erased"], member["withdrawn"]) == ("Erased member", True, True)
