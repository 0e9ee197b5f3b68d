"""The home page and the sign-in page in other languages: every word from a catalog in
the pseudo-language that wraps each translated string, and real words in Spanish."""

from __future__ import annotations

from itertools import count

from playwright.sync_api import Browser, expect

from tests.browser.pseudo import PSEUDO_LTR, assert_translated
from tests.browser.screens import LAPTOP, Screen, open_screen
from tests.live import Client, Facilitator, Server, add_account, join, signed_in


def _home(browser: Browser, server: Server, who: Facilitator, locale: str) -> Screen:
    cookies = [{"name": c.name, "value": c.value or ""} for c in who.http.cookies]
    return open_screen(browser, server.url, "/", viewport=LAPTOP, cookies=cookies, locale=locale)


def _facilitator_with_sessions(server: Server) -> tuple[Facilitator, dict[str, str]]:
    """Sign in a new facilitator with a session waiting, one running with a member gone,
    one ended, one that another facilitator owns and invited them to run, and a course."""
    me, owner = f"mateo{next(_ACCOUNTS)}", f"lucia{next(_ACCOUNTS)}"
    for name in (me, owner):
        add_account(server, name)
    facilitator, lucia = signed_in(server, me), signed_in(server, owner)
    ended = facilitator.create_session("browser-check", 1)
    running = facilitator.create_session("browser-check", 1)
    waiting = facilitator.create_session("browser-check", 1)
    consoles = [
        Client(server.url, links["console_token"], "console").connect()
        for links in (ended, running)
    ]
    try:
        for name in ("Ada", "Bo"):
            join(server, running["join_code"], name)
        for console in consoles:
            assert console.call("start_session")["ok"]
        (bo,) = [
            p
            for p in consoles[1].wait_for(lambda v: len(v["participants"]) == 2)["participants"]
            if p["name"] == "Bo"
        ]
        assert consoles[1].call("remove_participant", {"participant_id": bo["id"]})["ok"]
        assert consoles[0].call("end_session")["ok"]
    finally:
        for console in consoles:
            console.close()
    shared = lucia.create_session("browser-check", 1)
    invited = lucia.put(
        f"/api/sessions/{shared['session_id']}/facilitators/{me}", {"may_export": True}
    )
    assert invited.status_code == 200, invited.text
    made = facilitator.post("/api/courses", {"protocol_id": "group-ipt-8", "title": "Grupo"})
    assert made.status_code == 201, made.text
    return facilitator, {
        "ended": ended["session_id"],
        "running": running["session_id"],
        "waiting": waiting["session_id"],
        "shared": shared["session_id"],
    }


_ACCOUNTS = count(1)


def test_home_page_shows_only_catalog_words(
    browser: Browser, server: Server, screens: list[Screen]
) -> None:
    facilitator, ids = _facilitator_with_sessions(server)
    screens.append(_home(browser, server, facilitator, PSEUDO_LTR))
    page = screens[-1].page
    for sid in ids.values():
        expect(page.locator(f'li[data-session="{sid}"]')).to_be_visible()
    expect(page.locator("#courses li").first).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", PSEUDO_LTR)
    assert_translated(page, "sessions and courses listed")

    running = page.locator(f'li[data-session="{ids["running"]}"]')
    running.locator("button.danger").first.click()
    expect(running.locator(".confirm")).to_be_visible()
    assert_translated(page, "asked before deleting a running session")

    waiting = page.locator(f'li[data-session="{ids["waiting"]}"]')
    waiting.locator("button.danger").first.click()
    waiting.locator(".confirm button.danger").click()
    expect(waiting).to_have_count(0)
    expect(page.locator("#sessions-note")).not_to_be_empty()
    assert_translated(page, "a session deleted")

    # The printable summary it links to is in the session's language, not the browser's
    # (tests/test_documents_language.py checks the summaries in the pseudo-languages).
    href = page.locator(f'li[data-session="{ids["running"]}"] .exports a').first.get_attribute(
        "href"
    )
    assert href and href.endswith("/export/summary.html")
    page.goto(server.url + href)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Risk alerts")).to_be_visible()


def test_home_page_speaks_spanish(browser: Browser, server: Server, screens: list[Screen]) -> None:
    facilitator, ids = _facilitator_with_sessions(server)
    screens.append(_home(browser, server, facilitator, "es-MX"))
    page = screens[-1].page
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("Sesiones")
    expect(page.locator("#new-title")).to_have_text("Abrir una sesión nueva")
    running = page.locator(f'li[data-session="{ids["running"]}"]')
    expect(running.locator(".tag").first).to_have_text("En curso")
    expect(running).to_contain_text("1 de 2 miembros presentes")
    expect(running).to_contain_text("Empezó el ")
    expect(running.get_by_role("link", name="Abrir la consola")).to_be_visible()
    shared = page.locator(f'li[data-session="{ids["shared"]}"]')
    expect(shared).to_contain_text("(puede exportar)")
    expect(page.locator(f'li[data-session="{ids["ended"]}"] .tag').first).to_have_text("Terminada")
    expect(page.locator("#courses li").first).to_contain_text("encuentros hechos")

    # A session in English prints in English, whatever the browser reads.
    page.goto(server.url + f"/api/sessions/{ids['running']}/export/summary.html")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Risk alerts")).to_be_visible()


def _login(browser: Browser, server: Server, locale: str) -> Screen:
    return open_screen(browser, server.url, "/login", viewport=LAPTOP, locale=locale)


def test_sign_in_page_shows_only_catalog_words_and_speaks_spanish(
    browser: Browser, server: Server, screens: list[Screen]
) -> None:
    pseudo = _login(browser, server, PSEUDO_LTR)
    screens.append(pseudo)
    expect(pseudo.page.locator("html")).to_have_attribute("lang", PSEUDO_LTR)
    expect(pseudo.page.locator("html")).to_have_attribute("dir", "ltr")
    assert_translated(pseudo.page, "sign-in form")

    spanish = _login(browser, server, "es-MX")
    screens.append(spanish)
    page = spanish.page
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("Iniciar sesión")
    expect(page.get_by_label("Contraseña")).to_be_visible()
    expect(page.get_by_role("button", name="Iniciar sesión")).to_be_visible()
    assert page.title() == "Iniciar sesión - Facilitator"


def test_sign_in_page_lays_out_right_to_left_in_a_right_to_left_language(
    browser: Browser, server: Server, screens: list[Screen]
) -> None:
    screen = _login(browser, server, "ar-XB")
    screens.append(screen)
    expect(screen.page.locator("html")).to_have_attribute("dir", "rtl")
    assert_translated(screen.page, "sign-in form, right to left")
