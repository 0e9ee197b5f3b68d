"""The course page in other languages: every word from a catalog, in the pseudo-language
that wraps each translated string, through the page's states (meetings held and running,
attendance, plans, notes, steps, scores, a risk alert, the team, a re-link code, a member
withdrawn and one erased), for its owner, a co-facilitator and a supervisor; and the
same page in Spanish."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.pseudo import PSEUDO_LTR, PSEUDO_RTL, assert_translated
from tests.browser.screens import LAPTOP, Screen, open_screen
from tests.live import Client, Facilitator, Server, add_account, signed_in

CO, SUPERVISOR = "lang-course-co", "lang-course-sup"
NAMES = ("Kira", "Omar", "Lena")


@dataclass
class Course:
    id: str
    members: dict[str, str]  # name -> member id
    memberships: dict[str, str]  # name -> the membership its phone keeps


def _post(server: Server, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(server.url + path, json=body, timeout=10)
    assert response.status_code == 201, response.text
    reply: dict[str, Any] = response.json()
    return reply


def _answer(console: Client, poll: str, values: dict[str, Any]) -> None:
    """Open `poll`, enter each member's answer from the console, and close it."""
    assert console.call("open_poll", {"poll": poll})["ok"]
    view = console.wait_for(lambda v: any(p["phase"] == "open" for p in v["polls"]))
    poll_id = next(p["poll_id"] for p in view["polls"] if p["phase"] == "open")
    for member_id, value in values.items():
        payload = {"poll_id": poll_id, "participant_id": member_id, "value": value}
        assert console.call("enter_answer", payload)["ok"]
    assert console.call("close_poll", {"poll_id": poll_id})["ok"]


def _meeting(
    server: Server,
    owner: Facilitator,
    course: Course,
    n: int,
    here: list[str],
    run: Any,
) -> None:
    """Hold meeting `n` with the members `here` on live sockets; `run(console, phones)`."""
    links = owner.post(f"/api/courses/{course.id}/meetings/{n}/open", {}).json()
    console = Client(server.url, links["console_token"], f"meeting {n}").connect()
    phones: dict[str, Client] = {}
    try:
        for name in here:
            seat = _post(server, "/api/courses/attend", {"membership": course.memberships[name]})
            phones[name] = Client(server.url, seat["token"], name).connect()
        assert console.call("start_session")["ok"]
        run(console, phones)
        assert console.call("end_session")["ok"]
    finally:
        console.close()
        for phone in phones.values():
            phone.close()


def _closing(console: Client, phones: dict[str, Client], week: int) -> None:
    view = console.latest()
    closing = next(i for i, step in enumerate(view["agenda"]) if step["kind"] == "closing")
    assert console.call("jump_to_step", {"index": closing})["ok"]
    for name, phone in phones.items():
        text = f"Week {week}: call a friend ({name})"
        ack = phone.call("set_step", {"action_id": f"step-{week}-{name}", "text": text})
        assert ack["ok"], ack


def _course_with_records(server: Server, owner: Facilitator, title: str) -> Course:
    """A course of group-ipt-8 with two meetings held: attendance, moods, a PHQ-9 whose
    last item leaves Kira with an open risk alert, steps chosen and reviewed, a plan and
    a note; Lena misses the second meeting."""
    made = owner.post("/api/courses", {"protocol_id": "group-ipt-8", "title": title})
    assert made.status_code == 201, made.text
    course = Course(made.json()["course_id"], {}, {})
    for name in NAMES:
        joined = _post(
            server,
            "/api/courses/join",
            {"consent": True, "code": made.json()["join_code"], "name": name},
        )
        course.members[name] = joined["member_id"]
        course.memberships[name] = joined["membership"]
    ids = course.members

    def first(console: Client, phones: dict[str, Client]) -> None:
        _answer(console, "mood_named", {ids["Kira"]: 3, ids["Omar"]: 6, ids["Lena"]: 5})
        phq = {ids["Kira"]: [0] * 8 + [2], ids["Omar"]: [1] * 8 + [0], ids["Lena"]: [0] * 9}
        _answer(console, "phq-9", phq)
        _closing(console, phones, 1)

    def second(console: Client, phones: dict[str, Client]) -> None:
        for name, tried in zip(phones, ("yes", "partly"), strict=True):
            ack = phones[name].call("review_step", {"action_id": f"r-{name}", "tried": tried})
            assert ack["ok"], ack
        _answer(console, "mood_named", {ids["Kira"]: 5, ids["Omar"]: 7})
        _closing(console, phones, 2)

    _meeting(server, owner, course, 1, list(NAMES), first)
    _meeting(server, owner, course, 2, ["Kira", "Omar"], second)
    plan = {"areas": ["grief"], "goal": "Sleep better", "key_people": ["sister"]}
    assert owner.put(f"/api/courses/{course.id}/members/{ids['Omar']}/plan", plan).ok
    note = {"n": 2, "text": "Quieter this week."}
    made_note = owner.post(f"/api/courses/{course.id}/members/{ids['Omar']}/notes", note)
    assert made_note.status_code in (200, 201), made_note.text
    return course


@pytest.fixture(scope="module")
def team(server: Server) -> dict[str, Facilitator]:
    for name in (CO, SUPERVISOR):
        add_account(server, name)
    return {name: signed_in(server, name) for name in (CO, SUPERVISOR)}


@pytest.fixture
def desk(browser: Browser, server: Server, screens: list[Screen]) -> Any:
    """Open a path for a signed-in account in a laptop-sized browser of a given language."""

    def opener(who: Facilitator, path: str, locale: str = PSEUDO_LTR) -> Screen:
        cookies = [{"name": c.name, "value": c.value or ""} for c in who.http.cookies]
        screen = open_screen(
            browser, server.url, path, viewport=LAPTOP, cookies=cookies, locale=locale
        )
        screens.append(screen)
        return screen

    return opener


def _details(page: Page, member_id: str) -> Any:
    details = page.locator(f'#member-details details[data-member="{member_id}"]')
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details


def test_course_page_shows_only_catalog_words_in_every_state(
    server: Server,
    facilitator: Facilitator,
    team: dict[str, Facilitator],
    desk: Any,
) -> None:
    course = _course_with_records(server, facilitator, "Thursday group")
    ids = course.members
    screen = desk(facilitator, f"/course/{course.id}")
    page = screen.page
    expect(page.locator("html")).to_have_attribute("lang", PSEUDO_LTR)
    expect(page.locator("#attendance-body tr")).to_have_count(3)
    expect(page.locator("#course-risk-list li")).to_have_count(1)
    expect(page.locator('#meetings li[data-status="ended"]')).to_have_count(2)
    expect(page.locator("#course-join")).to_contain_text("/j/")
    assert page.title().startswith("⟦") and "Thursday group" in page.title()
    # Lena missed the last meeting: the grid says so in words from the catalog.
    expect(page.locator(f'#attendance-body tr[data-member="{ids["Lena"]}"] .block')).to_be_visible()
    assert_translated(page, "a course with two meetings held and an open risk alert")

    # Every member's details: plan form, notes, steps reviewed, scores and their table.
    omar = _details(page, ids["Omar"])
    expect(omar.locator('figure[data-measure="mood_named"] tbody tr')).to_have_count(2)
    expect(omar.locator(".note-text")).to_contain_text(["Quieter this week."])
    for member_id in ids.values():
        _details(page, member_id)
    assert_translated(page, "every member's details open")

    # The risk alert: its action recorded, then listed as done.
    alert = page.locator("#course-risk-list li")
    alert.locator("select").select_option("other")
    alert.locator("input").fill("Called her aunt.")
    alert.locator('button[type="submit"]').click()
    expect(page.locator("#course-risk-list li")).to_have_count(0)
    expect(page.locator("#course-risk-done")).to_contain_text("Called her aunt.")
    assert_translated(page, "the risk alert recorded")

    # Attendance corrected, a plan saved, a note added, each said in catalog words.
    page.locator(f'#attendance-body tr[data-member="{ids["Omar"]}"] select').first.select_option(
        "late"
    )
    expect(page.locator("#attendance-done")).not_to_be_empty()
    kira = _details(page, ids["Kira"])
    kira.locator('input[value="disputes"]').check()
    kira.locator("textarea").first.fill("Talk with my brother")
    kira.locator('button[type="submit"]').first.click()
    expect(kira.locator(".done").first).not_to_be_empty()
    kira = _details(page, ids["Kira"])
    kira.locator("textarea").nth(1).fill("Asked for a call.")
    kira.locator('button[type="submit"]').nth(1).click()
    expect(kira.locator(".done").nth(1)).not_to_be_empty()
    expect(kira.locator(".note-text")).to_contain_text(["Asked for a call."])
    assert_translated(page, "attendance, plan and note saved")

    # A one-time code for a new phone, shown once.
    kira.locator(f'[data-key="m-{ids["Kira"]}-relink"]').click()
    expect(kira.locator(".relink-code strong")).to_have_text(re.compile(r"^\w{6}$"))
    assert_translated(page, "a re-link code shown")

    # The team: a refused invitation, a co-facilitator who may export, a supervisor.
    page.locator("#invite-user").fill("nobody-here")
    page.locator("#invite-button").click()
    expect(page.locator("#team-error")).not_to_be_empty()
    screen.errors[:] = [e for e in screen.errors if "404" not in e]
    assert_translated(page, "an invitation refused")
    page.locator("#invite-user").fill(CO)
    page.locator("#invite-export").check()
    page.locator("#invite-button").click()
    expect(page.locator(f'#facilitator-list li[data-user="{CO}"]')).to_be_visible()
    page.locator("#supervisor-user").fill(SUPERVISOR)
    page.locator("#supervisor-button").click()
    expect(page.locator(f'#facilitator-list li[data-user="{SUPERVISOR}"]')).to_be_visible()
    page.locator(f'[data-key="facilitator-export-{CO}"]').click()
    expect(page.locator("#team-done")).not_to_be_empty()
    assert_translated(page, "a co-facilitator and a supervisor added")

    # A member withdrawn, another erased, each after a confirmation in catalog words.
    omar = _details(page, ids["Omar"])
    omar.locator(f'[data-key="m-{ids["Omar"]}-withdraw"]').click()
    expect(page.locator("#attendance-done")).not_to_be_empty()
    expect(page.locator(f'#attendance-body tr[data-member="{ids["Omar"]}"] .tag')).to_be_visible()
    lena = _details(page, ids["Lena"])
    lena.locator(f'[data-key="m-{ids["Lena"]}-erase"]').click()
    expect(page.locator("#attendance-done")).not_to_be_empty()
    assert_translated(page, "a member withdrawn and one erased")
    assert len(screen.dialogs) == 2
    assert all(d.split(": ", 1)[1].startswith("⟦") for d in screen.dialogs), screen.dialogs

    # A meeting running: the way to its console, said in catalog words.
    facilitator.post(f"/api/courses/{course.id}/meetings/3/open", {})
    page.reload()
    expect(page.locator('#meetings li[data-status="running"] a.button')).to_be_visible()
    assert_translated(page, "a meeting running")

    # What a co-facilitator and a supervisor see.
    co = desk(team[CO], f"/course/{course.id}")
    expect(co.page.locator("#team-note")).not_to_be_empty()
    expect(co.page.locator("#my-role")).to_be_visible()
    assert_translated(co.page, "the course for a co-facilitator")
    watcher = desk(team[SUPERVISOR], f"/course/{course.id}")
    expect(watcher.page.locator("#team-note")).not_to_be_empty()
    expect(watcher.page.locator("#invite-form")).to_be_hidden()
    for member_id in (ids["Kira"], ids["Omar"]):
        _details(watcher.page, member_id)
    assert_translated(watcher.page, "the course for a supervisor")

    # The owner deletes the course: the question is asked in catalog words too.
    screen.dialogs.clear()
    page.locator("#delete-course").click()
    page.wait_for_url(server.url + "/")
    assert [d.split(": ", 1)[1][0] for d in screen.dialogs] == ["⟦"], screen.dialogs


def test_course_page_says_when_a_course_is_not_there(facilitator: Facilitator, desk: Any) -> None:
    screen = desk(facilitator, "/course/no-such-course")
    expect(screen.page.locator("#message")).not_to_be_empty()
    assert_translated(screen.page, "no such course")
    # The browser reports the refused request itself; nothing else may have gone wrong.
    screen.errors[:] = [e for e in screen.errors if not re.search(r"status of 40[34]", e)]


def test_course_page_speaks_spanish(server: Server, facilitator: Facilitator, desk: Any) -> None:
    course = _course_with_records(server, facilitator, "Grupo del jueves")
    ids = course.members
    page = desk(facilitator, f"/course/{course.id}", locale="es-MX").page
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page).to_have_title("Grupo del jueves - Curso")
    expect(page.locator("#meetings-title")).to_have_text("Reuniones")
    expect(page.locator("#members-title")).to_have_text("Miembros")
    expect(page.locator('#meetings li[data-meeting="1"] strong')).to_contain_text("Reunión 1: ")
    expect(page.locator('#meetings li[data-meeting="1"] .tag')).to_have_text("terminada")
    expect(page.locator('#meetings li[data-meeting="1"] .help')).to_contain_text("Terminó ")
    expect(page.locator("#course-risk-title")).to_have_text(
        "Alertas de riesgo de reuniones anteriores: todavía no se anotó nada"
    )
    expect(page.locator("#course-risk-list")).to_contain_text("puntuó 2 de 3")
    expect(page.locator(f'#attendance-body tr[data-member="{ids["Lena"]}"]')).to_contain_text(
        "Faltó a 1 reunión"
    )
    page.get_by_label("Asistencia de Omar a la reunión 1").select_option("late")
    expect(page.locator("#attendance-done")).to_have_text(
        "Guardado: Omar en la reunión 1, llegó tarde."
    )
    omar = _details(page, ids["Omar"])
    expect(omar.locator("h3").first).to_have_text("Plan")
    expect(omar.get_by_label("Duelo")).to_be_checked()
    mood = omar.locator('figure[data-measure="mood_named"]')
    expect(mood.locator("thead th")).to_have_text(["Reunión", "Puntuación", "Nivel"])
    expect(omar).to_contain_text("lo intentó en parte")
    omar.get_by_role("button", name="Vincular otro teléfono de Omar").click()
    expect(omar.locator(".relink-code")).to_contain_text("Sirve una sola vez, hasta las ")


def test_a_new_course_lays_out_right_to_left_in_a_right_to_left_language(
    facilitator: Facilitator, desk: Any
) -> None:
    made = facilitator.post("/api/courses", {"protocol_id": "group-ipt-8", "title": "Empty"})
    assert made.status_code == 201, made.text
    page = desk(facilitator, f"/course/{made.json()['course_id']}", locale=PSEUDO_RTL).page
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#no-members")).to_be_visible()
    expect(page.locator('#meetings li[data-status="planned"]')).to_have_count(9)
    assert_translated(page, "a course nobody has joined, right to left")
