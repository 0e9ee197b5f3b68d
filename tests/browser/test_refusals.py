"""How the screens take refusals, in Chromium: the table in live.js is the one in
docs/events.md, retries back off with jitter up to 15 s, a final refusal ends only what
it names, and a queued answer for a poll answered elsewhere does not block the queue."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import OpenScreen
from tests.browser.screens import choose, join_on_phone
from tests.live import ROOT, Client, Facilitator, Server

EVENTS_DOC = ROOT / "docs" / "events.md"
IMPORT_LIVE = "import('/assets/js/live.js')"


def doc_section(heading: str) -> str:
    return EVENTS_DOC.read_text(encoding="utf-8").split(heading, 1)[1].split("\n## ", 1)[0]


def table_codes(section: str) -> set[str]:
    """The codes in the first column of every table row of `section`."""
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE))


def documented_refusals() -> dict[str, dict[str, str]]:
    rows = re.findall(
        r"^\| `([a-z_]+)` \| (\w+) \| (\w+) \| (\w+) \|$",
        doc_section("## How a screen takes a refusal"),
        flags=re.MULTILINE,
    )
    return {code: {"member": m, "staff": s, "tap": t} for code, m, s, t in rows}


def run_session(server: Server, facilitator: Facilitator) -> tuple[dict[str, Any], Client]:
    links = facilitator.create_session("browser-check", 1)
    console = Client(server.url, links["console_token"], "console").connect()
    assert console.call("start_session")["ok"]
    return links, console


def test_the_refusal_table_in_the_page_is_the_documented_one_and_covers_every_code(
    open_phone: OpenScreen,
) -> None:
    page = open_phone().page
    table: dict[str, dict[str, str]] = page.evaluate(f"{IMPORT_LIVE}.then((m) => m.REFUSALS)")
    assert table == documented_refusals()
    # Every code the server refuses a connection or an event with is classified.
    sent = table_codes(doc_section("**Connection refused.**")) | table_codes(
        doc_section("## The ack shape")
    )
    assert sent - table.keys() == set()
    # Only these four end a membership, and an unknown code is retried everywhere.
    assert sorted(c for c, row in table.items() if row["member"] == "ends") == [
        "expired",
        "left",
        "not_found",
        "removed",
    ]
    unknown = page.evaluate(
        f"{IMPORT_LIVE}.then((m) => ['member', 'staff', 'tap'].map((k) => m.verdict(k, 'nothing_like_it')))"
    )
    assert unknown == ["retry", "retry", "retry"]


def test_retries_wait_from_half_a_second_to_15_seconds_with_jitter(
    open_phone: OpenScreen,
) -> None:
    page = open_phone().page
    pauses = page.evaluate(
        f"""{IMPORT_LIVE}.then((m) => {{
          const random = Math.random;
          const run = (r) => {{
            Math.random = () => r;
            const backoff = new m.Backoff();
            const seen = Array.from({{ length: 7 }}, () => backoff.next());
            backoff.reset();
            seen.push(backoff.next());
            return seen;
          }};
          try {{ return [run(0), run(0.999999)].map((s) => s.map(Math.round)); }}
          finally {{ Math.random = random; }}
        }})"""
    )
    assert pauses == [
        [500, 1000, 2000, 4000, 7500, 7500, 7500, 500],
        [1000, 2000, 4000, 8000, 15000, 15000, 15000, 1000],
    ]


def test_a_phone_removed_while_offline_forgets_its_place_when_it_reconnects(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links, console = run_session(server, facilitator)
    try:
        phone = open_phone(f"/j/{links['join_code']}")
        join_on_phone(phone, "Rami")
        page = phone.page
        me = page.evaluate("JSON.parse(localStorage.getItem('facilitator.participant'))")
        phone.context.set_offline(True)
        expect(page.locator("#status")).to_contain_text("No network")
        assert console.call("remove_participant", {"participant_id": me["id"]})["ok"]
        phone.context.set_offline(False)
        expect(page.locator("#gone-title")).to_have_text("You are no longer in this session")
        assert page.evaluate("localStorage.getItem('facilitator.participant')") is None
        phone.errors[:] = [e for e in phone.errors if "ERR_INTERNET_DISCONNECTED" not in e]
        # Back online, a long poll may still carry the connection the server closed
        # meanwhile: Engine.IO answers it 400 ("unknown session"), and the client opens a
        # new one, which is refused as removed. The browser logs that 400; nothing else.
        stale = [
            r.url
            for r in phone.responses
            if r.status == 400 and "/socket.io/" in r.url and "sid=" in r.url
        ]
        if stale:
            phone.errors[:] = [e for e in phone.errors if "status of 400" not in e]
    finally:
        console.close()


def test_an_answer_to_a_poll_that_closed_meanwhile_is_dropped_and_blames_no_later_poll(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links, console = run_session(server, facilitator)
    try:
        assert console.call("open_poll", {"poll": "mood"})["ok"]
        phone = open_phone(f"/j/{links['join_code']}")
        join_on_phone(phone, "Sol")
        page = phone.page
        expect(page.locator("#poll-question")).to_contain_text("How is your mood")
        phone.context.set_offline(True)
        choose(phone, "answer-3")
        page.get_by_role("button", name="Send answer").click()
        expect(page.locator("#poll-note")).to_contain_text("saved on this phone")
        assert console.call("close_poll", {"poll_id": poll_id(console)})["ok"]
        phone.context.set_offline(False)
        # Refused for good (the poll is closed): dropped, and the member stays in.
        expect(page.locator("#poll")).to_be_hidden()
        expect(page.locator("#status")).to_be_hidden()
        outbox = page.evaluate(
            "Object.keys(localStorage).filter((k) => k.includes('outbox'))"
            ".map((k) => JSON.parse(localStorage.getItem(k))).flat()"
        )
        assert outbox == []
        assert console.call("open_poll", {"poll": "word"})["ok"]
        expect(page.locator("#poll-question")).to_contain_text("One word")
        expect(page.locator("#poll-note")).to_have_text("")
        phone.errors[:] = [e for e in phone.errors if "ERR_INTERNET_DISCONNECTED" not in e]
    finally:
        console.close()


def poll_id(console: Client) -> str:
    view = console.call("sync", {})["view"]
    open_polls = [p["poll_id"] for p in view["polls"] if p["phase"] == "open"]
    assert len(open_polls) == 1, view["polls"]
    found: str = open_polls[0]
    return found


def test_an_answer_queued_for_a_poll_answered_from_another_device_does_not_block_the_queue(
    open_phone: OpenScreen, server: Server, facilitator: Facilitator
) -> None:
    links, console = run_session(server, facilitator)
    try:
        assert console.call("open_poll", {"poll": "mood"})["ok"]
        phone = open_phone(f"/j/{links['join_code']}")
        join_on_phone(phone, "Ana")
        page = phone.page
        expect(page.locator("#poll-question")).to_contain_text("How is your mood")
        token = page.evaluate("JSON.parse(localStorage.getItem('facilitator.participant')).token")
        phone.context.set_offline(True)
        choose(phone, "answer-2")
        page.get_by_role("button", name="Send answer").click()
        page.get_by_role("button", name="I need support").click()
        other = Client(server.url, token, "the member's other device").connect()
        try:
            answer = {"poll_id": poll_id(console), "value": 8, "action_id": "other-device-1"}
            assert other.call("submit_answer", answer)["ok"]
        finally:
            other.close()
        phone.context.set_offline(False)
        expect(page.locator("#poll-note")).to_have_text("Thank you. Your answer is in.")
        expect(page.locator("#signal-note")).to_contain_text("The facilitator knows")
        expect(page.locator("#status")).to_be_hidden()
        view = console.call("sync", {})["view"]
        assert [p["count"] for p in view["polls"]] == [1]
        assert [s["kind"] for s in view["signals"]] == ["support"]
        phone.errors[:] = [e for e in phone.errors if "ERR_INTERNET_DISCONNECTED" not in e]
    finally:
        console.close()
