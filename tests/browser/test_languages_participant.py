"""The phone in other languages: every word from a catalog in every state the phone goes
through (pseudo-language en-XA), real Spanish and French words, and the language kept
for a reload without network."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, Request, expect

from facilitator.catalogs import PSEUDO_LTR, PSEUDO_RTL, pseudo_text
from tests.browser.conftest import OpenScreen
from tests.browser.pseudo import assert_translated
from tests.browser.room import Room
from tests.browser.screens import Screen, choose
from tests.browser.test_phone import run_session, wait_for_the_service_worker
from tests.live import Client, Facilitator, Server, wait_until

OFFLINE_ERRORS = "net::ERR_INTERNET_DISCONNECTED"
# The language of the catalog the phone page's service worker keeps.
KEPT_LANGUAGE = """async () => {
  const kept = await caches.match("/assets/i18n/participant.json");
  return kept ? (await kept.json()).language : null;
}"""


def pseudo(text: str, **params: Any) -> str:
    """Return an English message as en-XA shows it, its {placeholders} filled."""
    shown = pseudo_text(text)
    for name, value in params.items():
        shown = shown.replace(f"{{{name}}}", str(value))
    return shown


def join_by_ids(screen: Screen, name: str) -> None:
    """Join as join_on_phone does, by the form's ids: its labels are not in English."""
    page = screen.page
    page.locator("#name").fill(name)
    page.locator("#consent-agree").check()
    page.locator("#join-button").click()
    page.locator("#live-screen").wait_for(state="visible")


def member_id(console: Client, name: str) -> str:
    view = console.wait_for(lambda v: any(p["name"] == name for p in v["participants"]))
    return str(next(p["id"] for p in view["participants"] if p["name"] == name))


def send(page: Page) -> None:
    page.locator("#poll button[type=submit]").click()


def counted(page: Page) -> None:
    expect(page.locator("#poll-note")).to_have_text(pseudo("Thank you. Your answer is in."))


def test_the_phone_shows_only_catalog_words_through_a_session(
    open_phone: OpenScreen, room: Room, facilitator: Facilitator
) -> None:
    phone = open_phone(f"/j/{room.links['join_code']}", locale=PSEUDO_LTR)
    page = phone.page
    expect(page.locator("html")).to_have_attribute("lang", PSEUDO_LTR)
    expect(page.locator("#join-button")).to_be_enabled()
    # The consent the server sends is the protocol's or the operator's text (content).
    expect(page.locator("#consent-text")).to_have_attribute("data-content", "")
    assert_translated(page, "join form with consent")

    page.locator("#join-button").click()
    expect(page.locator("#join-error")).not_to_be_empty()
    assert_translated(page, "join refused until the member agrees")

    join_by_ids(phone, "Noor")
    expect(page.locator("#my-name")).to_have_text("Noor")
    expect(page.locator("#step-title")).to_have_text(pseudo("Waiting to start"))
    assert_translated(page, "lobby")

    room.command("start_session")
    expect(page.locator("#step-count")).to_have_text(
        pseudo("Step {number} of {count}", number=1, count=5)
    )
    assert_translated(page, "a step")

    # A scale: open, refused while empty, counted; then its results shown to the room.
    mood = room.open_poll("mood")
    expect(page.locator("#poll legend")).to_have_text(pseudo("Your number"))
    assert_translated(page, "scale poll open")
    send(page)
    expect(page.locator("#poll-note")).to_have_text(pseudo("Choose an answer first."))
    assert_translated(page, "scale poll without an answer")
    choose(phone, "answer-4")
    send(page)
    counted(page)
    assert_translated(page, "scale poll counted")
    room.answer(mood, [3, 7])
    room.command("close_poll", {"poll_id": mood})
    room.command("reveal_poll", {"poll_id": mood})
    expect(page.locator("#results .bars li")).to_have_count(11)
    expect(page.locator("#results-body .help")).to_have_text(
        pseudo_text("{count} answers").replace("{count}", "3")
    )
    assert_translated(page, "results shown")
    room.command("hide_results")

    # One choice, answered without network: kept on the phone with a signal, then sent.
    places = room.open_poll("places")
    expect(page.locator("#poll legend")).to_have_text(pseudo("Choose one"))
    assert_translated(page, "single-choice poll open")
    phone.context.set_offline(True)
    expect(page.locator("#status")).to_be_visible()
    choose(phone, "answer-2")
    send(page)
    page.locator('[data-signal="pass"]').click()
    expect(page.locator("#poll-note")).to_have_text(
        pseudo("Your answer is saved on this phone and will be sent when you are back online.")
    )
    expect(page.locator("#status")).to_contain_text(
        pseudo_text("{count} taps are saved on this phone and will be sent.").replace(
            "{count}", "2"
        )
    )
    assert_translated(page, "offline banner with saved taps")
    phone.context.set_offline(False)
    counted(page)
    expect(page.locator("#status")).to_be_hidden()
    expect(page.locator("#signal-note")).to_have_text(
        pseudo("You passed this turn. The facilitator knows.")
    )
    assert_translated(page, "single-choice poll counted and signal sent")
    room.command("close_poll", {"poll_id": places})

    helped = room.open_poll("helped")
    expect(page.locator("#poll legend")).to_have_text(pseudo("Choose all that fit"))
    assert_translated(page, "multiple-choice poll open")
    choose(phone, "answer-1")
    send(page)
    counted(page)
    room.command("close_poll", {"poll_id": helped})

    feeling = room.open_poll("feeling")
    expect(page.locator("#answer-text")).to_be_visible()
    assert_translated(page, "short-text poll open")
    page.locator("#answer-text").fill("Calm")
    send(page)
    counted(page)
    room.command("close_poll", {"poll_id": feeling})

    order = room.open_poll("order")
    expect(page.locator(".rank-option")).to_have_count(5)
    assert_translated(page, "ranking poll open")
    page.locator(".rank-option").first.click()
    expect(page.locator("#ranked li")).to_have_count(1)
    send(page)
    expect(page.locator("#poll-note")).to_have_text(pseudo("Put every option in order first."))
    assert_translated(page, "ranking poll half done")
    for _ in range(4):
        page.locator(".rank-option").first.click()
    send(page)
    counted(page)
    room.command("close_poll", {"poll_id": order})

    # A role card for this member, then the debrief.
    cast = {"member": member_id(room.console, "Noor"), "partner": None}
    room.command("push_role_play", {"role_play": "ask_for_time", "assignments": cast})
    expect(page.locator(".private-card")).to_be_visible()
    expect(page.locator(".private-card h3")).to_have_text(
        pseudo("Your role: {role}", role="The member who asks")
    )
    assert_translated(page, "role card")
    view = room.console.wait_for(lambda v: v["role_plays"])
    room.command("start_debrief", {"role_play_id": view["role_plays"][-1]["id"]})
    expect(page.locator("#role li")).to_have_count(3)
    assert_translated(page, "role-play debrief")

    # A signal, sent and then acknowledged by the facilitator.
    page.locator('[data-signal="break"]').click()
    expect(page.locator("#signal-note")).to_have_text(
        pseudo("The facilitator knows you need a break.")
    )
    assert_translated(page, "signal sent")
    signals = room.console.wait_for(lambda v: [s for s in v["signals"] if s["kind"] == "break"])
    break_signal = next(s for s in signals["signals"] if s["kind"] == "break")
    room.command("acknowledge_signal", {"signal_id": break_signal["id"]})
    expect(page.locator("#signal-seen")).to_have_text(
        pseudo("Seen by the facilitator: your break.")
    )
    assert_translated(page, "signal acknowledged")

    # The crisis sheet, reachable from every screen.
    page.locator("#crisis-open").click()
    expect(page.locator("#crisis")).to_be_visible()
    expect(page.locator("#crisis")).to_contain_text("Clinic duty line")
    assert_translated(page, "crisis sheet")
    page.locator("#crisis button[type=submit]").click()
    expect(page.locator("#crisis")).to_be_hidden()

    room.command("end_session")
    expect(page.locator("#signals-closed")).to_be_visible()
    expect(page.locator("#step-title")).to_have_text(pseudo("The session has ended"))
    assert_translated(page, "session ended")

    # The session deleted: the phone forgets it and says so.
    response = facilitator.delete(f"/api/sessions/{room.links['session_id']}")
    assert response.status_code == 200, response.text
    expect(page.locator("#gone-screen")).to_be_visible()
    expect(page.locator("#gone-title")).to_have_text(pseudo("This session has closed"))
    assert_translated(page, "session deleted")


def test_the_phone_shows_only_catalog_words_around_a_risk_answer_and_a_removal(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links, console = run_session(server, facilitator, "group-ipt-8", 0)
    try:
        assert console.call("open_poll", {"poll": "phq-9"})["ok"]
        phone = open_phone(f"/j/{links['join_code']}", locale=PSEUDO_LTR)
        join_by_ids(phone, "Eli")
        page = phone.page
        expect(page.locator("#poll fieldset")).to_have_count(9)
        assert_translated(page, "instrument poll open")
        for item in range(8):
            choose(phone, f"item{item}-0")
        choose(phone, "item8-1")
        send(page)
        expect(page.locator("#crisis")).to_be_visible()
        expect(page.locator("#crisis-banner")).to_be_visible()
        counted(page)
        assert_translated(page, "crisis sheet after a risk answer")
        page.locator("#crisis button[type=submit]").click()
        assert_translated(page, "crisis banner")

        assert console.call("remove_participant", {"participant_id": member_id(console, "Eli")})[
            "ok"
        ]
        expect(page.locator("#gone-title")).to_have_text(
            pseudo("You are no longer in this session")
        )
        expect(page.locator("#gone-text")).to_have_text(
            pseudo("The facilitator removed you from this session.") + "."
        )
        assert_translated(page, "removed")
    finally:
        console.close()


def test_the_phone_leaves_in_its_language(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links, console = run_session(server, facilitator, "browser-check", 1)
    try:
        phone = open_phone(f"/j/{links['join_code']}", locale=PSEUDO_LTR)
        join_by_ids(phone, "Ola")
        page = phone.page
        page.locator("#leave").click()
        expect(page.locator("#gone-title")).to_have_text(pseudo("You have left the session"))
        assert phone.dialogs == [
            "confirm: " + pseudo("Leave this session? You would need the code to join again.")
        ]
        assert_translated(page, "left")
    finally:
        console.close()


def test_a_spanish_phone_speaks_spanish_from_joining_to_results(
    open_phone: OpenScreen, room: Room
) -> None:
    phone = open_phone(f"/j/{room.links['join_code']}", locale="es-MX")
    page = phone.page
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#crisis-open")).to_have_text("Ayuda ahora")
    expect(page.get_by_role("button", name="Unirme")).to_be_enabled()
    # What the phone tells the server of its language: on each API call, and on connecting.
    sent: list[Request] = []
    phone.context.on("request", lambda request: sent.append(request))
    page.get_by_label("Tu nombre (si quieres)").fill("Lucía")
    page.get_by_label("Lo he leído y estoy de acuerdo").check()
    page.get_by_role("button", name="Unirme").click()
    expect(page.locator("#whoami")).to_have_text("Eres Lucía")
    expect(page.locator("#step-title")).to_have_text("Esperando para empezar")
    expect(page.locator("#phase-note")).to_have_text(
        "Ya estás dentro. Quien facilita empezará pronto."
    )
    (joined,) = [r for r in sent if r.url.endswith("/api/join")]
    assert joined.headers["accept-language"] == "es"
    # Connected (the view came): its CONNECT packet went out with the token and language.
    (connect,) = [r.post_data for r in sent if '"language":"es"' in (r.post_data or "")]
    assert connect is not None and connect.startswith("40{") and '"token":' in connect

    room.command("start_session")
    expect(page.locator("#step-count")).to_have_text("Paso 1 de 5")
    mood = room.open_poll("mood")
    expect(page.locator("#poll legend")).to_have_text("Tu número")
    choose(phone, "answer-6")
    page.get_by_role("button", name="Enviar respuesta").click()
    expect(page.locator("#poll-note")).to_have_text("Gracias. Tu respuesta llegó.")
    room.answer(mood, [3, 7])
    room.command("close_poll", {"poll_id": mood})
    room.command("reveal_poll", {"poll_id": mood})
    expect(page.locator("#results")).to_contain_text("Resultados")
    expect(page.locator("#results-body .help")).to_have_text("3 respuestas")

    page.get_by_role("button", name="Necesito un descanso").click()
    expect(page.locator("#signal-note")).to_have_text(
        "Quien facilita sabe que necesitas un descanso."
    )
    phone.context.set_offline(True)
    expect(page.locator("#status")).to_contain_text("Sin red")
    page.get_by_role("button", name="Necesito apoyo").click()
    expect(page.locator("#status")).to_contain_text(
        "1 toque está guardado en este teléfono y se enviará."
    )
    phone.context.set_offline(False)
    expect(page.locator("#signal-note")).to_have_text(
        "Quien facilita sabe que necesitas apoyo y va a acercarse a ti."
    )
    page.get_by_role("button", name="Ayuda ahora").click()
    expect(page.get_by_role("button", name="Cerrar")).to_be_visible()
    phone.errors[:] = [e for e in phone.errors if OFFLINE_ERRORS not in e]


def test_a_french_phone_chosen_on_the_phone_stays_french_on_a_reload_without_network(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links, console = run_session(server, facilitator, "browser-check", 1)
    try:
        # A Spanish browser whose person chose French on this phone (kept in localStorage):
        # French wins, and the worker keeps French, not the browser's Spanish.
        phone = open_phone("/assets/css/app.css", locale="es")
        page = phone.page
        page.evaluate("localStorage.setItem('facilitator.language', 'fr')")
        page.goto(f"{phone.origin}/j/{links['join_code']}")
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page.locator("#consent-agree + label")).to_have_text(
            "J\u2019ai lu et je suis d\u2019accord"
        )
        page.get_by_label("Ton prénom (si tu veux)").fill("Zoé")
        page.get_by_label("J\u2019ai lu et je suis d\u2019accord").check()
        page.get_by_role("button", name="Rejoindre").click()
        expect(page.locator("#whoami")).to_have_text("Tu es Zoé")
        assert console.call("open_poll", {"poll": "mood"})["ok"]
        expect(page.locator("#poll legend")).to_have_text("Ton nombre")
        expect(page.get_by_role("button", name="J\u2019ai besoin d\u2019une pause")).to_be_visible()
        wait_for_the_service_worker(phone)
        # The worker keeps the catalog the page read (the page tells it which): French.
        wait_until(lambda: page.evaluate(KEPT_LANGUAGE) == "fr", what="French kept")
        # As if the browser's cache had let the files go (the catalog's lasts 5 minutes):
        # only the worker has the page now.
        phone.context.new_cdp_session(page).send("Network.clearBrowserCache")

        phone.context.set_offline(True)
        choose(phone, "answer-3")
        page.get_by_role("button", name="Envoyer la réponse").click()
        failed: list[str] = []
        phone.context.on("requestfailed", lambda r: failed.append(r.url))
        reloaded = page.reload()
        assert reloaded is not None and reloaded.from_service_worker
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        # The catalog came from the worker's copy: the network could not answer.
        assert any("/assets/i18n/participant.json" in url for url in failed), failed
        expect(page.locator("#crisis-open")).to_have_text("Aide immédiate")
        expect(page.locator("#whoami")).to_have_text("Tu es Zoé")
        expect(page.locator("#poll-note")).to_have_text(
            "Ta réponse est enregistrée sur ce téléphone et sera envoyée quand tu seras de"
            " nouveau connecté·e."
        )
        expect(page.locator("#status")).to_contain_text("1 touche est gardée sur ce téléphone")
        phone.context.set_offline(False)
        expect(page.locator("#poll-note")).to_have_text("Merci. Ta réponse est bien arrivée.")
        expect(page.locator("#status")).to_be_hidden()
        # Chromium logs each request tried offline; some reach us late.
        page.wait_for_timeout(500)
        phone.errors[:] = [e for e in phone.errors if OFFLINE_ERRORS not in e]
    finally:
        console.close()


# A member's phone hears "not a session's code" (404) and "not meeting" (409) on its way
# in: Chromium logs each as a console error; these two only are forgiven.
EXPECTED_REFUSALS = ("status of 404 (NOT FOUND)", "status of 409 (CONFLICT)")


def test_a_weekly_group_members_phone_shows_only_catalog_words(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    made = facilitator.post("/api/courses", {"protocol_id": "group-ipt-8", "title": "Pseudo group"})
    assert made.status_code == 201, made.text
    course_id, code = made.json()["course_id"], made.json()["join_code"]

    # Joined with the group's own code between meetings: the phone waits for a meeting.
    phone = open_phone("/join", locale=PSEUDO_LTR)
    page = phone.page
    page.locator("#code").fill(code)
    page.locator("#name").fill("Dana")
    page.locator("#consent-agree").check()
    page.locator("#join-button").click()
    expect(page.locator("#waiting-screen")).to_be_visible()
    expect(page.locator("#waiting-title")).to_have_text(
        pseudo("Your group is not meeting right now.")
    )
    expect(page.locator("#waiting-whoami")).to_contain_text("Dana")
    assert_translated(page, "waiting between meetings")

    first = facilitator.post(f"/api/courses/{course_id}/meetings/1/open", {}).json()
    console = Client(server.url, first["console_token"], "meeting 1").connect()
    try:
        page.locator("#attend-retry").click()
        expect(page.locator("#my-name")).to_have_text("Dana")
        assert console.call("start_session")["ok"]
        agenda = console.wait_for(lambda v: v["agenda"])["agenda"]
        closing = next(i for i, step in enumerate(agenda) if step["kind"] == "closing")
        assert console.call("jump_to_step", {"index": closing})["ok"]
        expect(page.locator("#step-form")).to_be_visible()
        assert_translated(page, "choosing a weekly step")
        page.locator("#step-save").click()
        expect(page.locator("#step-error")).to_have_text(
            pseudo("Write one small thing you will try.")
        )
        page.locator("#step-text").fill("Call my sister on Sunday")
        page.locator("#step-save").click()
        expect(page.locator("#step-note")).to_have_text(
            pseudo("Your step is saved. Next time you will be asked how it went.")
        )
        assert_translated(page, "weekly step saved")
        assert console.call("end_session")["ok"]
    finally:
        console.close()

    second = facilitator.post(f"/api/courses/{course_id}/meetings/2/open", {}).json()
    console = Client(server.url, second["console_token"], "meeting 2").connect()
    try:
        page.goto(f"{phone.origin}/join")
        expect(page.locator("#review-question")).to_contain_text("Call my sister on Sunday")
        assert_translated(page, "asked about last week's step")
        page.locator('[data-tried="partly"]').click()
        expect(page.locator("#review-note")).to_have_text(pseudo("Thank you. Your answer is in."))
        assert_translated(page, "last week's step reviewed")
    finally:
        console.close()
    phone.errors[:] = [e for e in phone.errors if not e.endswith(EXPECTED_REFUSALS)]


def test_the_phone_lays_out_right_to_left_in_a_right_to_left_language(
    open_phone: OpenScreen, room: Room
) -> None:
    phone = open_phone(f"/j/{room.links['join_code']}", locale=PSEUDO_RTL)
    page = phone.page
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#join-button")).to_be_enabled()
    assert_translated(page, "join form, right to left")
    join_by_ids(phone, "Noor")
    room.command("start_session")
    room.open_poll("mood")
    expect(page.locator("#poll legend")).to_be_visible()
    assert_translated(page, "scale poll, right to left")
