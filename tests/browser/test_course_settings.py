"""A course's region and time zone set on its page, and a phone in its meeting showing
the crisis resources of its language and that region, through the real pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.pseudo import assert_translated
from tests.browser.screens import LAPTOP, PHONE, Screen, agree, open_screen
from tests.live import Server, add_account, signed_in
from tests.test_crisis import OPERATOR_ES

OWNER = "asha"
# A course's code is not a session's: a phone joining with it hears 404 from /api/join
# first; a bad region is refused with 400. Chromium logs both.
EXPECTED = ("status of 404 (NOT FOUND)", "status of 400 (BAD REQUEST)")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    crisis = tmp_path / "crisis"
    crisis.mkdir()
    (crisis / "es.yaml").write_text(OPERATOR_ES, encoding="utf-8")
    running = Server(
        tmp_path / "data",
        env={"FACILITATOR_CRISIS_DIR": str(crisis), "FACILITATOR_PSEUDO_LANGUAGES": "1"},
    ).start()
    add_account(running, OWNER)
    yield running
    running.stop()


def _course_page(
    browser: Browser, server: Server, screens: list[Screen], body: dict[str, str], **how: Any
) -> tuple[dict[str, Any], Screen]:
    """Open a new course, made with `body`, on its owner's course page; return the course."""
    owner = signed_in(server, OWNER)
    made = owner.post("/api/courses", {"protocol_id": "group-ipt-8", "title": "Grupo", **body})
    cookies = [{"name": c.name, "value": c.value or ""} for c in owner.http.cookies]
    desk = open_screen(
        browser,
        server.url,
        f"/course/{made.json()['course_id']}",
        viewport=LAPTOP,
        cookies=cookies,
        bypass_csp=True,
        **how,
    )
    screens.append(desk)
    return made.json(), desk


def _forgive(screen: Screen) -> None:
    screen.errors[:] = [e for e in screen.errors if not e.endswith(EXPECTED)]


def test_the_course_page_sets_the_region_its_phones_get_crisis_resources_for(
    browser: Browser, server: Server, screens: list[Screen]
) -> None:
    owner = signed_in(server, OWNER)
    course, desk = _course_page(browser, server, screens, {"language": "es"})
    page = desk.page
    course_id, code = course["course_id"], course["join_code"]
    region = page.get_by_label(
        "Region of the members (a code such as MX, FR or 419; empty for none)"
    )
    zone = page.get_by_label("Time zone (such as America/Mexico_City; empty for the server's)")
    expect(region).to_have_value("")

    region.fill("XX")
    page.get_by_role("button", name="Save region and time zone").click()
    expect(page.locator("#settings-error")).to_contain_text("XX")
    expect(page.locator("#settings-done")).to_have_text("")
    assert owner.get(f"/api/courses/{course_id}").json()["course"]["region"] == ""
    _forgive(desk)

    region.fill("mx")
    zone.fill("America/Mexico_City")
    page.get_by_role("button", name="Save region and time zone").click()
    expect(page.locator("#settings-done")).to_have_text("Region and time zone saved.")
    expect(region).to_have_value("MX")
    course = owner.get(f"/api/courses/{course_id}").json()["course"]
    assert (course["region"], course["time_zone"]) == ("MX", "America/Mexico_City")

    opened = owner.post(f"/api/courses/{course_id}/meetings/1/open", {})
    assert opened.status_code == 201, opened.text
    phone = open_screen(browser, server.url, "/join", viewport=PHONE, phone=True, bypass_csp=True)
    screens.append(phone)
    phone.page.get_by_label("Code").fill(code)
    agree(phone)
    phone.page.get_by_role("button", name="Join").click()
    phone.page.wait_for_function(
        "() => (JSON.parse(localStorage.getItem('facilitator.crisis') || '{}').region) === 'MX'"
    )
    kept = json.loads(phone.page.evaluate("localStorage.getItem('facilitator.crisis')"))
    assert [c["name"] for c in kept["contacts"]] == ["Línea de la Vida"]
    expect(phone.page.locator("#crisis-contacts")).to_contain_text("Línea de la Vida")
    _forgive(phone)


@pytest.mark.parametrize("locale", ["en-XA", "es"])
def test_the_settings_form_is_translated(
    browser: Browser, server: Server, screens: list[Screen], locale: str
) -> None:
    page = _course_page(browser, server, screens, {}, locale=locale)[1].page
    page.locator("#settings-region").fill("fr")
    page.locator("#settings-button").click()
    expect(page.locator("#settings-region")).to_have_value("FR")
    if locale == "es":
        expect(page.locator("#settings-title")).to_have_text("Región y zona horaria")
        expect(page.locator("#settings-done")).to_have_text("Región y zona horaria guardadas.")
    else:
        expect(page.locator("#settings-done")).not_to_be_empty()
        assert_translated(page, "the course's region saved")
