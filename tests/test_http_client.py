"""A client written from docs/http.md and docs/events.md alone, against a real server.

Only what the docs say is used here: no helper of tests/live.py for HTTP or Socket.IO,
no knowledge of the code. When this test needs something the docs do not say, the docs
are wrong.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
import websocket

from tests.live import Server, wait_until

TIMEOUT = 10
PASSWORD = "a long password 1"
CSV_HEADER = "poll_id,question,type,anonymous,phase,participant,item,answer,count,entered_by,band"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A real server, as `facilitator serve` starts it, with no account yet."""
    running = Server(tmp_path).start()
    yield running
    running.stop()


@pytest.fixture
def browser() -> Iterator[requests.Session]:
    """A browser's cookie jar."""
    with requests.Session() as session:
        yield session


def _form_csrf(browser: requests.Session, base: str) -> str:
    """Open the sign-in page; return its form's hidden csrf_token field."""
    page = browser.get(base + "/login", timeout=TIMEOUT)
    assert page.status_code == 200
    found = re.search(r'<input type="hidden" name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


class Screen:
    """A Socket.IO connection with a token, keeping every `view` it receives."""

    def __init__(self, base: str, token: str) -> None:
        self.views: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("view", self._view)
        self.sio.connect(base, auth={"token": token}, transports=["websocket"], wait_timeout=10)

    def _view(self, view: dict[str, Any]) -> None:
        with self.lock:
            self.views.append(view)

    def call(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        ack: dict[str, Any] = self.sio.call(event, payload, timeout=TIMEOUT)
        return ack

    def latest(self) -> dict[str, Any] | None:
        with self.lock:
            return self.views[-1] if self.views else None

    def close(self) -> None:
        self.sio.disconnect()


def test_a_client_from_the_docs_signs_in_creates_a_session_joins_and_exports(
    server: Server, browser: requests.Session
) -> None:
    base = server.url
    # The operator reads the one-time link in the server's output.
    link = wait_until(lambda: server.login_link, 5, "the one-time link in the output")
    signed = browser.post(
        base + "/login/link",
        json={"token": link.split("#token=", 1)[1]},
        headers={"X-CSRF-Token": _form_csrf(browser, base)},
        timeout=TIMEOUT,
    )
    assert (signed.status_code, signed.json()) == (200, {"ok": True})
    me = browser.get(base + "/api/me", timeout=TIMEOUT).json()
    assert me["ok"] is True
    changes = {"X-CSRF-Token": me["csrf_token"]}

    protocols = browser.get(base + "/api/protocols", timeout=TIMEOUT).json()["protocols"]
    protocol = next(p for p in protocols if p["id"] == "group-ipt-8")
    number = protocol["sessions"][1]["n"]
    detail = browser.get(base + f"/api/protocols/{protocol['id']}", timeout=TIMEOUT).json()
    named = next(p for p in detail["polls"] if p["type"] == "single_choice" and not p["anonymous"])

    created = browser.post(
        base + "/api/sessions",
        json={"protocol_id": protocol["id"], "session_number": number},
        headers=changes,
        timeout=TIMEOUT,
    )
    assert created.status_code == 201, created.text
    links = created.json()
    assert {
        "session_id",
        "title",
        "join_code",
        "join_url",
        "console_token",
        "display_token",
    } <= set(links)
    session_id = links["session_id"]
    listed = browser.get(base + "/api/sessions", timeout=TIMEOUT).json()["sessions"]
    assert [s["join_code"] for s in listed if s["id"] == session_id] == [links["join_code"]]

    # A phone types the code in lower case, with a space for the dash.
    typed = links["join_code"].lower().replace("-", " ")
    joined = requests.post(
        base + "/api/join", json={"consent": True, "code": typed, "name": "Sam"}, timeout=TIMEOUT
    )
    assert joined.status_code == 201, joined.text
    member = joined.json()
    assert member["ok"] is True
    assert member["session_id"] == session_id
    assert member["name"] == "Sam"

    console = Screen(base, links["console_token"])
    phone = Screen(base, member["token"])
    try:
        assert console.call("start_session", {"command_id": "start-1"})["ok"]
        assert console.call("open_poll", {"command_id": "open-1", "poll": named["id"]})["ok"]
        asked = wait_until(lambda: (phone.latest() or {}).get("poll"), 10, "the question")
        option = 1  # "Partly": the second option, counted from 0
        answered = phone.call(
            "submit_answer",
            {"action_id": "answer-1", "poll_id": asked["poll_id"], "value": option},
        )
        assert answered == {"ok": True, "duplicate": False}

        def answers() -> Any:
            # A console that does not apply `view_patch` asks for the whole view.
            view = console.call("sync", {}).get("view") or {}
            polls = [p for p in view.get("polls", []) if p["poll_id"] == asked["poll_id"]]
            return polls and polls[0]["answers"]

        # A named answer reaches the console as the option index the phone sent.
        (seen,) = wait_until(answers, 10, "the answer on the console")
        assert seen == {
            "participant_id": member["participant_id"],
            "name": "Sam",
            "answer": option,
            "entered_by": "",
        }
        closing = {"command_id": "close-1", "poll_id": asked["poll_id"]}
        assert console.call("close_poll", closing)["ok"]

        # A locked session answers exactly like a code no session has.
        assert console.call("lock_joining", {"command_id": "lock-1"})["ok"]
        locked = requests.post(
            base + "/api/join", json={"consent": True, "code": typed}, timeout=TIMEOUT
        )
        unknown = requests.post(
            base + "/api/join", json={"consent": True, "code": "AAAAA-AAAAA"}, timeout=TIMEOUT
        )
        assert locked.status_code == unknown.status_code == 404
        assert locked.json() == unknown.json()
        assert locked.json()["error"]["code"] == "unknown_code"
    finally:
        console.close()
        phone.close()

    exports = base + f"/api/sessions/{session_id}/export/"
    log = browser.get(exports + "log.jsonl", timeout=TIMEOUT)
    assert log.status_code == 200
    assert log.headers["Content-Type"].startswith("application/x-ndjson")
    assert f'filename="session-{session_id}.jsonl"' in log.headers["Content-Disposition"]
    events = [json.loads(line) for line in log.text.splitlines()]
    assert all({"version", "type"} <= set(event) for event in events)
    results = browser.get(exports + "results.csv", timeout=TIMEOUT)
    assert results.status_code == 200
    assert results.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(results.text)))
    assert results.text.splitlines()[0] == CSV_HEADER
    # The export writes a named answer as the option's text.
    mine = [r for r in rows if r["poll_id"] == asked["poll_id"] and r["participant"] == "Sam"]
    assert [r["answer"] for r in mine] == [asked["options"][option]]
    summary = browser.get(exports + "summary.html", timeout=TIMEOUT)
    assert summary.status_code == 200
    assert summary.headers["Content-Type"].startswith("text/html")

    out = browser.post(
        base + "/logout",
        data={"csrf_token": me["csrf_token"]},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert out.status_code == 302
    assert out.headers["Location"].endswith("/login")
    after = browser.get(base + "/api/me", timeout=TIMEOUT)
    assert (after.status_code, after.json()["error"]["code"]) == (401, "unauthenticated")


def test_a_client_from_the_docs_signs_in_with_a_password(
    server: Server, browser: requests.Session
) -> None:
    # README: an operator adds an account with the command line.
    added = subprocess.run(
        [sys.executable, "-m", "facilitator", "users", "add", "ann", "--password", PASSWORD],
        env={"FACILITATOR_DATA_DIR": str(server.data_dir), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    base = server.url
    form = {"csrf_token": _form_csrf(browser, base), "name": "ann", "password": "wrong one!"}
    wrong = browser.post(base + "/login", data=form, timeout=30, allow_redirects=False)
    assert wrong.status_code == 401
    assert 'role="alert">That user name and password do not match.' in wrong.text
    form = {"csrf_token": _form_csrf(browser, base), "name": "ann", "password": PASSWORD}
    signed = browser.post(base + "/login", data=form, timeout=30, allow_redirects=False)
    assert signed.status_code == 302
    assert signed.headers["Location"].endswith("/")
    me = browser.get(base + "/api/me", timeout=TIMEOUT).json()
    assert me["user"] == "ann"
    refused = browser.post(base + "/api/sessions", json={}, timeout=TIMEOUT)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "csrf")


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/api/join", b'{"code": "' + b"x" * 70_000 + b'"}', 413, "too_large"),
        ("POST", "/api/join", b"null", 400, "invalid"),
        ("POST", "/api/join", b"[]", 400, "invalid"),
        ("GET", "/api/no-such-thing", None, 404, "not_found"),
        ("PUT", "/api/join", None, 405, "method_not_allowed"),
    ],
)
def test_the_live_api_answers_its_errors_in_the_documented_shape(
    server: Server, method: str, path: str, body: bytes | None, status: int, code: str
) -> None:
    response = requests.request(
        method,
        server.url + path,
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["ok"] is False
    assert response.json()["error"]["code"] == code
    if status == 405:
        assert "POST" in response.headers["Allow"]


def _opening(server: Server, **options: Any) -> str:
    """Open a WebSocket to Socket.IO; return its first message ("" when it is closed)."""
    address = f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(address, timeout=TIMEOUT, **options)
    raw = ws.sock
    assert raw is not None
    try:
        return str(ws.recv())
    except websocket.WebSocketConnectionClosedException:
        return ""
    finally:
        ws.close()
        raw.close()  # websocket-client leaves it open when the server closed first


def test_the_origin_rule_lets_a_client_without_origin_through_and_refuses_a_foreign_page(
    server: Server,
) -> None:
    assert _opening(server, suppress_origin=True).startswith("0")
    assert _opening(server, origin=server.url).startswith("0")
    assert _opening(server, origin="http://elsewhere.example") == ""
    polling = server.url + "/socket.io/?EIO=4&transport=polling"
    assert requests.get(polling, timeout=TIMEOUT).text.startswith("0")
    foreign = {"Origin": "http://elsewhere.example"}
    refused = requests.get(polling, headers=foreign, timeout=TIMEOUT)
    assert refused.status_code == 400
    assert "Not an accepted origin." in refused.text


def _ack(ws: websocket.WebSocket, ack_id: int) -> Any:
    """Read packets until the ack with `ack_id`; return its payload."""
    prefix = f"43{ack_id}"
    while True:
        packet = str(ws.recv())
        if packet.startswith(prefix + "["):
            return json.loads(packet[len(prefix) :])[0]


def test_a_null_event_payload_counts_as_no_fields_and_a_list_is_refused(
    server: Server,
) -> None:
    link = wait_until(lambda: server.login_link, 5, "the one-time link in the output")
    with requests.Session() as browser:
        browser.post(
            server.url + "/login/link",
            json={"token": link.split("#token=", 1)[1]},
            headers={"X-CSRF-Token": _form_csrf(browser, server.url)},
            timeout=TIMEOUT,
        )
        csrf = browser.get(server.url + "/api/me", timeout=TIMEOUT).json()["csrf_token"]
        code = browser.post(
            server.url + "/api/sessions",
            json={"protocol_id": "group-ipt-8", "session_number": 2},
            headers={"X-CSRF-Token": csrf},
            timeout=TIMEOUT,
        ).json()["join_code"]
    token = requests.post(
        server.url + "/api/join", json={"consent": True, "code": code}, timeout=TIMEOUT
    ).json()["token"]
    address = f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(address, timeout=TIMEOUT)
    try:
        assert str(ws.recv()).startswith("0")
        ws.send("40" + json.dumps({"token": token}))
        ws.send('420["sync",null]')
        assert _ack(ws, 0)["ok"] is True
        ws.send('421["sync",[]]')
        assert _ack(ws, 1)["error"]["code"] == "invalid"
    finally:
        ws.close()
