"""The facilitator's console in other languages: every word from a catalog in the
pseudo-language that wraps each translated string, through the console's states, and
real words in Spanish, with the layout still fitting a laptop in Spanish and French."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import OpenScreen
from tests.browser.pseudo import PSEUDO_LTR, assert_translated
from tests.browser.room import Room
from tests.browser.test_console_layout import GEOMETRY, REGIONS, _inside, _within
from tests.live import Client, Facilitator, Server, add_account, join

CO = "kofi"


def _poll_id(room: Room, phase: str = "open") -> str:
    view = room.console.wait_for(lambda v: any(p["phase"] == phase for p in v["polls"]))
    return str(next(p["poll_id"] for p in reversed(view["polls"]) if p["phase"] == phase))


def test_console_shows_only_catalog_words_in_every_state(
    open_console: OpenScreen, room: Room, server: Server
) -> None:
    page = open_console(f"/console/{room.links['session_id']}", locale=PSEUDO_LTR).page
    expect(page.locator("html")).to_have_attribute("lang", PSEUDO_LTR)
    expect(page.locator("#roster li.member")).to_have_count(6)
    expect(page.locator("#rp-roles select")).to_have_count(2)
    assert_translated(page, "lobby")
    page.locator("#qr-open").click()
    expect(page.locator("#qr path")).to_have_count(1)
    assert_translated(page, "lobby with the join QR code")
    page.keyboard.press("Escape")
    expect(page.locator("#qr-dialog")).to_be_hidden()

    # Running, a scale poll open, some members answered.
    room.command("start_session")
    expect(page.locator("#next")).to_be_enabled()
    poll_id = room.open_poll("mood")
    room.answer(poll_id, [3, 7])
    expect(page.locator("#roster .tag.answered")).to_have_count(2)
    expect(page.locator("#answered")).to_be_visible()
    assert_translated(page, "running, a poll open, members answered")

    # Closed with too few answers: the reason beside Reveal is the server's.
    room.command("close_poll", {"poll_id": poll_id})
    expect(page.locator("#polls li.in-hand .reason")).to_be_visible()
    assert_translated(page, "poll closed, reveal blocked")

    # Reopened, answered, revealed here, shown and pinned.
    room.command("reopen_poll", {"poll_id": poll_id})
    poll_id = _poll_id(room)
    room.answer(poll_id, [3, 7, 9, 1], round_="again")
    room.command("close_poll", {"poll_id": poll_id})
    room.command("reveal_poll", {"poll_id": poll_id, "show": False})
    expect(page.locator('#polls li.in-hand [data-key^="show-"]')).to_be_visible()
    assert_translated(page, "scale poll revealed on the console")
    room.command("show_results", {"poll_id": poll_id})
    room.command("pin_results", {"pinned": True})
    expect(page.locator("#polls li.in-hand .tag.shown")).to_be_visible()
    expect(page.locator('#polls li.in-hand [data-key^="pin-"]')).to_be_visible()
    assert_translated(page, "results shown and pinned")
    room.command("reopen_poll", {"poll_id": poll_id})
    expect(page.locator('#polls li.in-hand [data-key^="close-"]')).to_be_visible()
    assert_translated(page, "poll reopened")
    room.command("close_poll", {"poll_id": _poll_id(room)})

    # Every other kind of poll: open, then closed and revealed.
    room.command("next_step")
    answers: dict[str, list[Any]] = {
        "places": [0, 1, 1, 9],
        "helped": [[0], [0, 1], [2], [3]],
        "order": [[0, 1, 2, 3, 4]] * 4,
        "feeling": ["tired", "calm", "calm", "hopeful"],
    }
    for poll, values in answers.items():
        poll_id = room.open_poll(poll)
        room.answer(poll_id, values)
        in_hand = page.locator("#polls li.in-hand")
        expect(in_hand.locator(".answered-count")).to_contain_text("4")
        assert_translated(page, f"{poll} open")
        room.command("close_poll", {"poll_id": poll_id})
        expect(in_hand.locator('[data-key^="close-"]')).to_have_count(0)
        assert_translated(page, f"{poll} closed")
        room.command("reveal_poll", {"poll_id": poll_id, "show": False})
        expect(in_hand.locator('[data-key^="show-"]')).to_be_visible()
        assert_translated(page, f"{poll} revealed")
        if poll == "feeling":
            # Words read through, one hidden from the room.
            expect(in_hand.locator(".word-list li")).to_have_count(3)
            in_hand.locator('[data-word="tired"] button').click()
            expect(in_hand.locator(".hidden-word")).to_have_count(1)
            assert_translated(page, "a word hidden")
        room.command("show_results", {"poll_id": poll_id})
        room.command("pin_results", {"pinned": True})
        expect(in_hand.locator(".tag.shown")).to_be_visible()
        assert_translated(page, f"{poll} shown and pinned")
        room.command("reopen_poll", {"poll_id": poll_id})
        expect(in_hand.locator('[data-key^="close-"]')).to_be_visible()
        assert_translated(page, f"{poll} reopened")
        room.command("close_poll", {"poll_id": _poll_id(room)})

    # Earlier polls' results, opened.
    for details in page.locator("#polls details.poll-results").all():
        details.locator("summary").click()
    assert_translated(page, "earlier results opened")

    # A refusal beside the control that asked: a second poll while one is open.
    room.open_poll("mood")
    page.locator("#open-poll-form button").click()
    expect(page.locator("#error-open-poll")).not_to_be_empty()
    assert_translated(page, "a refusal beside Open poll")
    room.command("close_poll", {"poll_id": _poll_id(room)})

    # The role-play: pushed, then in debrief.
    room.command("jump_to_step", {"index": 3})
    expect(page.locator("#rp-choice")).to_have_value("ask_for_time")
    assert_translated(page, "role-play step")
    room.command(
        "push_role_play",
        {
            "role_play": "ask_for_time",
            "assignments": {"member": room.members[0]["participant_id"], "partner": None},
        },
    )
    expect(page.locator("#reverse-rp")).to_be_visible()
    assert_translated(page, "role-play playing")
    rp = room.console.wait_for(lambda v: v["role_plays"])["role_plays"][-1]["id"]
    room.command("start_debrief", {"role_play_id": rp})
    expect(page.locator("#rp-active ol li")).to_have_count(3)
    assert_translated(page, "role-play debrief")
    room.command("end_role_play", {"role_play_id": rp})
    page.locator("#compose-toggle").click()
    expect(page.locator("#compose-form")).to_be_visible()
    assert_translated(page, "composing a role-play")

    # A prompt on every screen.
    room.command("push_prompt", {"text": "Breathe in, breathe out"})
    expect(page.locator("#prompt-now")).to_contain_text("Breathe")
    assert_translated(page, "a prompt showing")

    # Signals: a pass, a break and a request for support; one acknowledged.
    for n, kind in enumerate(("pass", "break", "support")):
        ack = room.phones[n].call("send_signal", {"action_id": f"sig-{n}", "kind": kind})
        assert ack["ok"], ack
    expect(page.locator("#signals li")).to_have_count(3)
    assert_translated(page, "signals waiting")
    page.locator("#signals li button").first.click()
    expect(page.locator("#signals .tag")).to_have_count(1)
    assert_translated(page, "a signal acknowledged")

    # The members panel: a member gone, the tools to remove or erase, one without a phone.
    room.command("remove_participant", {"participant_id": room.members[5]["participant_id"]})
    room.phones[4].close()
    expect(page.locator("#roster li.gone")).to_have_count(1)
    room.command("lock_joining")
    page.locator("#manage-members").click()
    page.locator("#add-member-box summary").click()
    room.command("add_member", {"name": "Gita"})
    expect(page.locator("#roster li.member")).to_have_count(7)
    assert_translated(page, "members managed, joining locked")

    # The tabs.
    room.command("add_note", {"text": "Bo spoke first today."})
    page.locator("#tab-notes").click()
    expect(page.locator("#notes li")).to_have_count(1)
    assert_translated(page, "notes tab")
    page.locator("#tab-fidelity").click()
    unsaved = page.locator("#fidelity-status").text_content() or ""
    room.command("record_fidelity", {"done": [], "reflection": "Went well."})
    expect(page.locator("#fidelity-status")).not_to_have_text(unsaved)
    assert_translated(page, "checklist tab, saved")
    page.locator("#tab-links").click()
    expect(page.locator("#exports")).to_be_visible()
    assert_translated(page, "links tab")
    page.locator("#tab-facilitators").click()
    page.locator("#invite-button").click()
    expect(page.locator("#facilitators-error")).not_to_be_empty()
    assert_translated(page, "facilitators tab, a refusal beside the form")
    add_account(server, CO)
    page.locator("#invite-user").fill(CO)
    page.locator("#invite-export").check()
    page.locator("#invite-button").click()
    expect(page.locator(f'#facilitator-list [data-user="{CO}"]')).to_be_visible()
    assert_translated(page, "facilitators tab, a co-facilitator invited")
    page.locator("#tab-agenda").click()
    expect(page.locator("#agenda li")).to_have_count(5)
    assert_translated(page, "agenda tab")

    room.command("end_session")
    expect(page.locator("#end")).to_be_disabled()
    assert_translated(page, "ended")


def test_console_risk_alerts_and_named_answers_show_only_catalog_words(
    open_console: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("group-ipt-8", 0)
    page = open_console(f"/console/{links['session_id']}", locale=PSEUDO_LTR).page
    console = Client(server.url, links["console_token"], "console").connect()
    phones = []
    try:
        assert console.call("start_session")["ok"]
        for name in ("Farah", "Tomas"):
            joined = join(server, links["join_code"], name)
            phones.append(Client(server.url, joined["token"], name).connect())
        assert console.call("open_poll", {"poll": "phq-9"})["ok"]
        expect(page.locator("#enter-answer-form")).to_be_visible()
        assert_translated(page, "a named instrument open, the interview form")
        # The form says what is missing, beside itself.
        page.locator("#enter-answer-form button[type=submit]").click()
        expect(page.locator("#enter-error")).not_to_be_empty()
        assert_translated(page, "the interview form refused")

        poll = phones[0].wait_for(lambda v: v["poll"] is not None)["poll"]
        for n, phone in enumerate(phones):
            value = [0] * 8 + [3] if n == 0 else [1] * 8 + [0]
            answer = {"action_id": f"phq-{n}", "poll_id": poll["poll_id"], "value": value}
            assert phone.call("submit_answer", answer)["ok"]
        expect(page.locator("#risk-list li")).to_have_count(1)
        expect(page.locator("#polls .named-answers li")).to_have_count(2)
        assert_translated(page, "a risk alert, named answers")

        page.locator("#risk-list select").select_option("referred")
        page.locator("#risk-list input").fill("Referred to the clinic today.")
        page.locator("#risk-list button").click()
        expect(page.locator("#risk-list li")).to_have_count(0)
        page.locator("#risk-done-box summary").click()
        expect(page.locator("#risk-done li")).to_have_count(1)
        assert_translated(page, "a risk alert recorded")

        assert console.call("close_poll", {"poll_id": poll["poll_id"]})["ok"]
        expect(page.locator("#polls li.in-hand .reason")).to_be_visible()
        assert_translated(page, "a named instrument closed")
    finally:
        for client in (console, *phones):
            client.close()


def test_console_stopped_when_its_session_is_deleted_shows_only_catalog_words(
    open_console: OpenScreen, facilitator: Facilitator
) -> None:
    links = facilitator.create_session("browser-check", 1)
    page = open_console(f"/console/{links['session_id']}", locale=PSEUDO_LTR).page
    # Enabled once the view has come: the console is connected, and hears the deletion.
    expect(page.locator("#start")).to_be_enabled()
    assert facilitator.delete(f"/api/sessions/{links['session_id']}").ok
    expect(page.locator("#ended")).to_be_visible()
    assert_translated(page, "stopped")


def test_console_speaks_spanish(open_console: OpenScreen, room: Room) -> None:
    page = open_console(f"/console/{room.links['session_id']}", locale="es-MX").page
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#start")).to_have_text("Empezar la sesión")
    expect(page.locator("#step-title")).to_have_text("Listo para empezar")
    expect(page.locator("#roster-count")).to_have_text("6 conectados de 6")
    expect(page).to_have_title(re.compile(r"^Group meeting: .* - Consola$"))
    room.command("start_session")
    poll_id = room.open_poll("mood")
    room.answer(poll_id, [1, 2, 3])
    expect(page.locator("#answered")).to_have_text("3 de 6 respondieron la encuesta abierta")
    expect(page.locator("#polls li.in-hand .answered-count")).to_have_text("3 de 6 respondieron")
    expect(page.locator('#polls li.in-hand [data-key^="close-"]')).to_have_text("Cerrar encuesta")
    expect(page.locator("#tab-notes")).to_have_text("Notas")
    # Why Reveal is refused, which the server sends as a template, said in Spanish.
    room.command("close_poll", {"poll_id": poll_id})
    room.command("next_step")
    second = room.open_poll("places")
    room.answer(second, [0, 1])
    room.command("close_poll", {"poll_id": second})
    expect(page.locator("#polls li.in-hand .reason")).to_have_text(
        "Necesita 3 respuestas para mostrarse; por ahora hay 2."
    )


@pytest.mark.parametrize(
    ("locale", "language", "close"),
    [("es-ES", "es", "Cerrar encuesta"), ("fr-FR", "fr", "Fermer le sondage")],
)
def test_console_still_fits_a_laptop_in_longer_languages(
    open_console: OpenScreen,
    busy_session: tuple[dict[str, Any], Client, list[Client]],
    locale: str,
    language: str,
    close: str,
) -> None:
    links, _, _ = busy_session
    page = open_console(f"/console/{links['session_id']}", locale=locale).page
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("#roster li.member")).to_have_count(8)
    expect(page.locator("#signals li")).to_have_count(3)
    expect(page.locator("#roster li.member .tag.answered")).to_have_count(5)
    expect(page.locator('#polls li.in-hand [data-key^="close-"]')).to_have_text(close)
    seen = page.evaluate(GEOMETRY, list(REGIONS))
    for region, box in seen["regions"].items():
        assert _inside(box, seen["window"]), (region, box, seen["window"])
    assert seen["page"]["height"] <= seen["window"]["height"], seen
    assert seen["page"]["width"] <= seen["window"]["width"], seen
    for n in range(8):
        assert _within(page, f"#roster li.member:nth-child({n + 1})", "region-members"), n
    for n in range(3):
        assert _within(page, f"#signals li:nth-child({n + 1})", "region-signals"), n
    assert _within(page, "#polls li.in-hand .poll-controls", "region-activity")
    assert _within(page, "#step-title", "region-step")
    assert _within(page, "#next", "region-step")


def _post(server: Server, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(server.url + path, json=body, timeout=10)
    assert response.status_code == 201, response.text
    reply: dict[str, Any] = response.json()
    return reply


def test_console_in_a_course_meeting_shows_only_catalog_words(
    open_console: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    made = facilitator.post("/api/courses", {"protocol_id": "group-ipt-8", "title": "Group"})
    assert made.status_code == 201, made.text
    course_id, code = made.json()["course_id"], made.json()["join_code"]
    members = [
        _post(server, "/api/courses/join", {"consent": True, "code": code, "name": name})
        for name in ("Kira", "Omar")
    ]
    plan = {"areas": ["disputes"], "goal": "Talk with my sister", "key_people": []}
    path = f"/api/courses/{course_id}/members/{members[0]['member_id']}/plan"
    assert facilitator.put(path, plan).ok
    first = facilitator.post(f"/api/courses/{course_id}/meetings/1/open", {}).json()
    console = Client(server.url, first["console_token"], "meeting 1").connect()
    try:
        for member in members:
            _post(server, "/api/courses/attend", {"membership": member["membership"]})
        assert console.call("start_session")["ok"]
        assert console.call("open_poll", {"poll": "phq-9"})["ok"]
        poll_id = console.wait_for(lambda v: v["polls"])["polls"][0]["poll_id"]
        value = {"poll_id": poll_id, "participant_id": members[0]["member_id"]}
        assert console.call("enter_answer", {**value, "value": [0] * 8 + [2]})["ok"]
        assert console.call("end_session")["ok"]
    finally:
        console.close()

    second = facilitator.post(f"/api/courses/{course_id}/meetings/2/open", {}).json()
    page = open_console(f"/console/{second['session_id']}", locale=PSEUDO_LTR).page
    expect(page.locator("#risk-carried li")).to_have_count(1)
    assert_translated(page, "a risk alert carried from an earlier meeting")
    console = Client(server.url, second["console_token"], "meeting 2").connect()
    try:
        _post(server, "/api/courses/attend", {"membership": members[0]["membership"]})
        page.locator("#tab-course").click()
        expect(page.locator("#course-members li.course-member")).to_have_count(2)
        expect(page.locator("#course-members [data-key^='here-']")).to_have_count(1)
        assert_translated(page, "course tab")
        assert console.call("start_session")["ok"]
        agenda = console.wait_for(lambda v: v["phase"] == "running")["agenda"]
        index = next(n for n, step in enumerate(agenda) if step["title"] == "Member round")
        assert console.call("jump_to_step", {"index": index})["ok"]
        expect(page.locator("#round")).to_be_visible()
        assert_translated(page, "member round, not started")
        assert console.call("member_round_next")["ok"]
        expect(page.locator("#round-about p")).not_to_have_count(0)
        assert_translated(page, "member round, a member's plan")
    finally:
        console.close()
