"""The printed session summary: who played which role, who signalled and when it was
seen, in the server's configured time zone, "Confidential" on every printed page, and
its styles applied under the Content-Security-Policy."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import HERE, OpenScreen
from tests.browser.screens import Screen
from tests.live import Client, Facilitator, Server, join

# A zone far from UTC and from any test machine's own: its times can be told apart.
ZONE = "Pacific/Chatham"
NOTES = 30  # enough to fill more than one printed page (and within the event burst)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = Server(
        tmp_path_factory.mktemp("summary-data"),
        env={"FACILITATOR_PROTOCOLS_DIR": str(HERE / "protocols"), "FACILITATOR_TIME_ZONE": ZONE},
    ).start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def facilitator(server: Server) -> Facilitator:
    return Facilitator(server).sign_in_with_link(server.login_link)


def note(n: int) -> str:
    return f"Note {n + 1}: the group talked about sleep, work and the week ahead at length."


def local(at: float) -> str:
    return datetime.fromtimestamp(at, ZoneInfo(ZONE)).strftime("%H:%M")


@pytest.fixture(scope="module")
def session(server: Server, facilitator: Facilitator) -> Iterator[dict[str, Any]]:
    """A session run to its end: a role-play cast, two signals (one seen), many notes."""
    links = facilitator.create_session("browser-check", 1)
    console = Client(server.url, links["console_token"], "console").connect()
    joined = {name: join(server, links["join_code"], name) for name in ("Ana", "Ben")}
    phones = {n: Client(server.url, j["token"], n).connect() for n, j in joined.items()}
    try:
        assert console.call("start_session")["ok"]
        cast = {"protagonist": joined["Ana"]["participant_id"], "sister": None}
        ack = console.call("push_role_play", {"role_play": "ask_for_help", "assignments": cast})
        assert ack["ok"], ack
        assert phones["Ben"].call("send_signal", {"action_id": "s1", "kind": "break"})["ok"]
        assert phones["Ana"].call("send_signal", {"action_id": "s2", "kind": "support"})["ok"]
        signals = console.wait_for(lambda v: len(v["signals"]) == 2)["signals"]
        ben = next(s for s in signals if s["name"] == "Ben")
        assert console.call("acknowledge_signal", {"signal_id": ben["id"]})["ok"]
        for n in range(NOTES):
            assert console.call("add_note", {"text": note(n)})["ok"]
        ack = console.call("end_session")
        assert ack["ok"], ack
        view = console.wait_for(lambda v: v["phase"] == "ended")
        yield {"links": links, "signals": {s["name"]: s for s in view["signals"]}}
    finally:
        console.close()
        for phone in phones.values():
            phone.close()


def open_summary(open_console: OpenScreen, session: dict[str, Any]) -> Screen:
    screen = open_console(f"/api/sessions/{session['links']['session_id']}/export/summary.html")
    expect(screen.page.locator("h1")).to_contain_text("Group meeting: Checking the screens")
    return screen


def test_the_summary_names_who_played_each_role_and_who_signalled_in_local_time(
    open_console: OpenScreen, session: dict[str, Any]
) -> None:
    page = open_summary(open_console, session).page
    roles = page.locator("table.role-plays tbody tr")
    expect(roles).to_have_count(1)
    expect(roles.locator("ul.roles li")).to_have_text(
        ["The member who asks: Ana", "Sister: the facilitator", "Observers: every other member"]
    )

    ana, ben = session["signals"]["Ana"], session["signals"]["Ben"]
    signals = page.locator("section", has=page.get_by_role("heading", name="Private signals"))
    expect(signals.locator("tr", has_text="Ben").locator("td")).to_have_text(
        ["Ben", "Need a break", local(ben["at"]), "yes", local(ben["acknowledged_at"])]
    )
    expect(signals.locator("tr", has_text="Ana").locator("td")).to_have_text(
        ["Ana", "Need support", local(ana["at"]), "no", ""]
    )
    # The configured zone's times, not UTC's (the zone is 12 h 45 min or more from UTC).
    assert local(ben["at"]) != datetime.fromtimestamp(ben["at"], UTC).strftime("%H:%M")
    zone = datetime.fromtimestamp(ben["at"], ZoneInfo(ZONE)).strftime("%Z")
    expect(page.locator("header")).to_contain_text(f"(times in {zone})")


def test_the_summary_s_styles_apply_under_the_content_security_policy(
    open_console: OpenScreen, session: dict[str, Any]
) -> None:
    # A style the policy refused would be a console error, which fails every browser test.
    screen = open_summary(open_console, session)
    heading = screen.page.get_by_role("heading", name="Private signals")
    assert heading.evaluate("(h) => getComputedStyle(h).borderBottomWidth") == "1px"
    policy = screen.responses[-1].headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy


def test_confidential_heads_and_foots_every_printed_page(
    open_console: OpenScreen, session: dict[str, Any]
) -> None:
    page = open_summary(open_console, session).page
    head, foot = page.locator(".sheet-head"), page.locator(".sheet-foot")
    # On screen the banner at the top says it once; printed, every page says it.
    expect(page.get_by_role("note")).to_contain_text("Confidential")
    expect(head).to_be_hidden()
    page.emulate_media(media="print")
    expect(head).to_be_visible()
    expect(head).to_contain_text("Confidential")
    expect(foot).to_contain_text("Confidential clinical record. Printed")
    assert head.evaluate("(e) => getComputedStyle(e).display") == "table-header-group"
    assert foot.evaluate("(e) => getComputedStyle(e).display") == "table-footer-group"

    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    # (The printed text may join "fi" into one ligature character.)
    texts = [unicodedata.normalize("NFKC", p.extract_text()) for p in pdf.pages]
    assert len(texts) >= 2, "the notes should fill more than one page"
    for number, text in enumerate(texts, start=1):
        assert "Confidential · Group meeting: Checking the screens" in text, (
            f"page {number}: {text[:200]}"
        )
        assert "Confidential clinical record" in text, f"page {number}: {text[-200:]}"
        assert f"Page {number} of {len(texts)}" in text, f"page {number}"
    # Every note printed, none cut in two across a page break.
    printed = "\n".join(texts)
    for n in range(NOTES):
        assert note(n) in " ".join(printed.split())


def test_the_course_summary_prints_confidential_on_every_page_too(
    open_console: OpenScreen, facilitator: Facilitator
) -> None:
    made = facilitator.post(
        "/api/courses", {"protocol_id": "group-ipt-8", "title": "Tuesday group"}
    )
    assert made.status_code == 201, made.text
    screen = open_console(f"/api/courses/{made.json()['course_id']}/export/summary.html")
    page = screen.page
    expect(page.get_by_role("note")).to_contain_text("Confidential")
    heading = page.get_by_role("heading", name="Meetings", exact=True)
    assert heading.evaluate("(h) => getComputedStyle(h).borderBottomWidth") == "1px"
    page.emulate_media(media="print")
    expect(page.locator(".sheet-head")).to_contain_text("Confidential · Tuesday group")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    texts = [unicodedata.normalize("NFKC", p.extract_text()) for p in pdf.pages]
    assert len(texts) >= 2, "the course's meetings should fill more than one page"
    for number, text in enumerate(texts, start=1):
        assert "Confidential · Tuesday group" in text, f"page {number}"
        assert "Confidential clinical record" in text, f"page {number}"
