"""A phone that floods events is refused at the door; the console stays small."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from facilitator.config import Settings
from tests.live import Client, Facilitator, Server, join, wait_until

FLOOD = 400


def test_a_flood_of_signals_is_refused_and_the_console_view_stays_small(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    links = facilitator.create_session("group-ipt-8", 1)
    console = Client(server.url, links["console_token"], "console").connect()
    phone = Client(server.url, join(server, links["join_code"])["token"], "phone").connect()
    clients += [console, phone]
    assert console.call("start_session")["ok"]

    acks: list[dict[str, Any]] = []
    done = threading.Event()

    def record(ack: dict[str, Any]) -> None:
        acks.append(ack)
        if len(acks) == FLOOD:
            done.set()

    for n in range(FLOOD):  # as fast as the socket takes them, not waiting for acks
        payload = {"action_id": f"flood-{n}", "kind": "support"}
        phone.sio.emit("send_signal", payload, callback=record)
    assert done.wait(30), f"{len(acks)} of {FLOOD} acks came back"

    codes = [ack["error"]["code"] if not ack["ok"] else "ok" for ack in acks]
    limited = [ack for ack in acks if not ack["ok"] and ack["error"]["code"] == "rate_limited"]
    assert len(limited) > FLOOD / 2, {code: codes.count(code) for code in set(codes)}
    assert limited[0]["error"]["message"] == "Too many messages at once. Send it again soon."
    # What got past the bucket met the cap on open signals of one kind.
    assert codes.count("ok") == 3
    assert set(codes) == {"ok", "rate_limited", "too_many_signals"}

    wait_until(lambda: len(console.latest()["signals"]) == 3, 5, "the console's signals")
    time.sleep(0.5)  # any view still on its way
    assert len(json.dumps(console.latest())) < 20_000
    assert len(console.latest()["signals"]) == 3

    # Refused for now, not for good: after a pause the same phone is heard again.
    time.sleep(0.5)
    assert phone.call("send_signal", {"action_id": "later", "kind": "break"})["ok"]


def test_a_facilitator_clicking_fast_and_a_phone_catching_up_stay_under_the_limit(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    links = facilitator.create_session("group-ipt-8", 2)
    console = Client(server.url, links["console_token"], "console").connect()
    phone = Client(server.url, join(server, links["join_code"])["token"], "phone").connect()
    clients += [console, phone]
    assert console.call("start_session")["ok"]
    # Far more than a person clicks in a second, back to back.
    burst = Settings().event_burst // 2
    for n in range(burst):
        ack = console.call("next_step" if n % 2 == 0 else "previous_step")
        assert ack["ok"], (n, ack)
    # A phone back online sends its saved taps and resyncs at once.
    for n, kind in enumerate(["pass", "break", "support"] * 3):
        ack = phone.call("send_signal", {"action_id": f"saved-{n}", "kind": kind})
        assert ack["ok"], (n, ack)
    assert phone.call("sync")["ok"]
