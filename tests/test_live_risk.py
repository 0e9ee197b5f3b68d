"""The whole risk path on a live server, with two facilitators' consoles.

A member answers PHQ-9 item 9 with "More than half the days": both consoles show the
alert in words (member, instrument, item, score and meaning) with the protocol's safety
steps and the deployment's supervisor contact; the co-facilitator records what was
done; the alert leaves the open list, on a console opened afresh too, and the summary
names it. The member's phone shows the crisis resources and never a score or an alert.
Signals: "seen" reaches the member once acknowledged, and none is taken after the end.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.live import Client, Facilitator, Server, add_account, join, signed_in

OWNER, CO = "asha-lead", "ben-cofac"
SUPERVISOR = "Dr Amani Otieno, 0700 123 456"
PHQ9_TITLE = "Patient Health Questionnaire (PHQ-9)"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {"FACILITATOR_SUPERVISOR_CONTACT": SUPERVISOR}
    running = Server(tmp_path_factory.mktemp("server"), env=env).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def people(server: Server) -> dict[str, Facilitator]:
    for name in (OWNER, CO):
        add_account(server, name)
    return {name: signed_in(server, name) for name in (OWNER, CO)}


def _console(
    server: Server, browser: Facilitator, session_id: str, clients: list[Client]
) -> Client:
    links = browser.get(f"/api/sessions/{session_id}/links")
    assert links.status_code == 200, links.text
    console = Client(server.url, links.json()["console_token"], "console")
    clients.append(console)
    return console.connect()


def _text(client: Client) -> str:
    with client.lock:
        return json.dumps(client.received)


def _open_alerts(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in view["risk_alerts"] if a["open"]]


def test_an_item_9_answer_walks_the_whole_risk_path_on_both_consoles(
    server: Server, people: dict[str, Facilitator], clients: list[Client]
) -> None:
    owner = people[OWNER]
    links = owner.create_session("group-ipt-8", 1)
    session_id = links["session_id"]
    invited = owner.put(f"/api/sessions/{session_id}/facilitators/{CO}", {"may_export": False})
    assert invited.status_code == 200, invited.text
    consoles = {user: _console(server, people[user], session_id, clients) for user in people}
    display = Client(server.url, links["display_token"], "display")
    clients.append(display.connect())
    phones = []
    for name in ("Rosa", "Tomas", "Wanjiru"):
        joined = join(server, links["join_code"], name)
        phone = Client(server.url, joined["token"], name)
        clients.append(phone)
        phones.append(phone.connect())
    rosa = phones[0]
    for console in consoles.values():
        console.wait_for(lambda v: len(v["participants"]) == 3)

    owner_console = consoles[OWNER]
    assert owner_console.call("start_session")["ok"]
    assert owner_console.call("open_poll", {"poll": "phq-9"})["ok"]
    for n, phone in enumerate(phones):
        poll = phone.wait_for(lambda v: v["poll"] is not None)["poll"]
        # Rosa answers item 9 "More than half the days" (score 2); the others "Not at all".
        value = [1] * 8 + [2 if n == 0 else 0]
        answer = {"action_id": f"phq-{n}", "poll_id": poll["poll_id"], "value": value}
        assert phone.call("submit_answer", answer)["ok"]

    # Both consoles: the alert in words, the score and its meaning, the script, who to call.
    for console in consoles.values():
        view = console.wait_for(lambda v: _open_alerts(v))
        (alert,) = view["risk_alerts"]
        assert alert["name"] == "Rosa"
        assert alert["instrument"] == PHQ9_TITLE
        assert alert["item"] == "item 9"
        assert "better off dead" in alert["item_text"]
        assert (alert["score"], alert["max_score"]) == (2, 3)
        assert alert["meaning"] == "More than half the days"
        assert (alert["total"], alert["band"]) == (10, "moderate")
        assert (alert["open"], alert["action"]) == (True, None)
        safety = view["safety"]
        assert any("do not leave them alone" in line for line in safety["script"])
        assert "supervisor" in safety["contacts_note"]
        assert safety["supervisor_contact"] == SUPERVISOR

    # Rosa's phone shows the crisis resources at once, and never a score or an alert.
    assert rosa.wait_for(lambda p: p["crisis"], "personal")["crisis"] is True
    crisis = requests.get(server.url + "/api/crisis", timeout=5)
    assert crisis.status_code == 200 and crisis.json()["contacts"]
    for client in (*phones, display):
        seen = _text(client)
        for secret in ('"risk_alerts"', '"score"', '"meaning"', '"safety"', SUPERVISOR, "alert-1"):
            assert secret not in seen, (client.label, secret)
    for phone in phones[1:]:
        assert phone.latest("personal")["crisis"] is False

    # The co-facilitator records what was done; both consoles see it closed, by whom.
    alert_id = consoles[CO].latest()["risk_alerts"][0]["id"]
    other = consoles[CO].call("record_risk_action", {"alert_id": alert_id, "action": "other"})
    assert other["error"]["code"] == "invalid"
    recorded = consoles[CO].call(
        "record_risk_action",
        {"alert_id": alert_id, "action": "safety_plan", "note": "Plan made; sister called."},
    )
    assert recorded["ok"], recorded
    for console in consoles.values():
        view = console.wait_for(lambda v: not _open_alerts(v))
        (alert,) = view["risk_alerts"]
        assert (alert["action"], alert["note"], alert["acted_by"]) == (
            "safety_plan",
            "Plan made; sister called.",
            CO,
        )
        assert alert["acted_at"] is not None
    again = owner_console.call("record_risk_action", {"alert_id": alert_id, "action": "referred"})
    assert again["error"]["code"] == "illegal_state"

    # A console opened afresh (a reload) shows the same: nothing open, the action kept.
    reloaded = _console(server, owner, session_id, clients)
    view = reloaded.wait_for(lambda v: v["risk_alerts"])
    assert not _open_alerts(view)
    assert view["risk_alerts"][0]["acted_by"] == CO

    # Nothing of it reached a phone or the display.
    for client in (*phones, display):
        seen = _text(client)
        assert "Plan made" not in seen and "safety_plan" not in seen, client.label

    # Signals: Rosa asks for support; the co-facilitator acknowledges; her phone says seen.
    sent = rosa.call("send_signal", {"action_id": "sos-1", "kind": "support"})
    assert sent["ok"], sent
    signal = consoles[CO].wait_for(lambda v: v["signals"])["signals"][0]
    assert rosa.latest("personal")["signals"] == [
        {"id": signal["id"], "kind": "support", "at": signal["at"], "seen": False}
    ]
    assert consoles[CO].call("acknowledge_signal", {"signal_id": signal["id"]})["ok"]
    mine = rosa.wait_for(lambda p: p["signals"] and p["signals"][0]["seen"], "personal")
    assert mine["signals"][0]["id"] == signal["id"]
    assert all(not p["signals"] for p in (ph.latest("personal") for ph in phones[1:]))

    # After the end, a signal is refused: the phone never says it reached anyone.
    assert owner_console.call("end_session")["ok"]
    rosa.wait_for(lambda v: v["phase"] == "ended")
    late = rosa.call("send_signal", {"action_id": "sos-2", "kind": "support"})
    assert late["ok"] is False
    assert late["error"]["code"] == "illegal_state"

    # The owner's summary names the alert, what was done and by whom, and the signal.
    summary = owner.get(f"/api/sessions/{session_id}/export/summary.html")
    assert summary.status_code == 200, summary.text
    # As read: names and instrument texts sit in elements of their own within a sentence.
    page = " ".join(re.sub(r"<[^>]+>", "", summary.text).split())
    assert "Rosa" in page
    assert f"{PHQ9_TITLE}, item 9: Thoughts that you would be better off dead" in page
    assert "2 of 3 (More than half the days)" in page
    assert "Safety plan made" in page and "Plan made; sister called." in page and CO in page
    assert "an action is recorded for each" in page
    assert "Need support" in page
