"""Real servers and real clients for end-to-end tests: processes, HTTP, Socket.IO."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import socketio
import websocket

from facilitator.service import accounts, view_patch
from facilitator.service.audience import FACILITATOR_COMMANDS
from facilitator.storage.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a long password 1"


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Server:
    """A server process started the way an operator starts it, on a free port."""

    def __init__(
        self,
        data_dir: Path,
        *,
        command: list[str] | None = None,
        env: dict[str, str] | None = None,
        port: int | None = None,
        cwd: Path = ROOT,
    ) -> None:
        self.port = port or free_port()
        self.cwd = cwd
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.command = command or [sys.executable, "-m", "facilitator", "serve"]
        self.env = {
            **os.environ,
            "FACILITATOR_DATA_DIR": str(data_dir),
            "FACILITATOR_HOST": "127.0.0.1",
            "FACILITATOR_PORT": str(self.port),
            "PORT": str(self.port),
            "FACILITATOR_PUBLIC_URL": self.url,
            "PYTHONUNBUFFERED": "1",
            # Every test phone joins from 127.0.0.1, and every join counts against it.
            "FACILITATOR_JOIN_ATTEMPTS": "1000",
            **(env or {}),
        }
        self.process: subprocess.Popen[str] | None = None
        self.output: list[str] = []
        self.login_link = ""

    def start(self) -> Server:
        """Start the process and wait until it answers HTTP."""
        self.output = []
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            shell=isinstance(self.command, str),
        )
        threading.Thread(target=self._read, args=(self.process,), daemon=True).start()
        wait_until(self._healthy, 20, f"server on port {self.port}; output: {self.output}")
        return self

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.output.append(line)
            found = re.search(r"(/login#token=\S+)", line)
            if found:
                self.login_link = self.url + found.group(1)
        process.stdout.close()

    def _healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"server exited: {''.join(self.output)}")
        try:
            return requests.get(self.url + "/healthz", timeout=1).ok
        except requests.RequestException:
            return False

    def kill(self) -> None:
        """Kill the process with SIGKILL, as a crash would."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL) if self.env.get("SETSID") else None
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the process politely, then firmly."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


class Facilitator:
    """A facilitator's browser: signed in over HTTP with a cookie and a CSRF token."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.http = requests.Session()
        self.csrf = ""

    def sign_in_with_link(self, link: str) -> Facilitator:
        """Do what the sign-in page's script does with a link: post its fragment's token."""
        response = self.post_link_token(link.split("#token=", 1)[1])
        assert response.status_code == 200, response.text
        self.csrf = self.http.get(self.server.url + "/api/me", timeout=5).json()["csrf_token"]
        return self

    def post_link_token(self, token: str) -> requests.Response:
        return self.http.post(
            self.server.url + "/login/link",
            json={"token": token},
            headers={"X-CSRF-Token": self.form_csrf()},
            timeout=5,
        )

    def form_csrf(self) -> str:
        """Open the sign-in page as a browser does; return its form's CSRF token."""
        page = self.http.get(self.server.url + "/login", timeout=5).text
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found, page
        return found.group(1)

    def sign_in(self, name: str, password: str) -> requests.Response:
        """Post the sign-in form; the reply is the redirect, or the form with an error."""
        return self.http.post(
            self.server.url + "/login",
            data={"csrf_token": self.form_csrf(), "name": name, "password": password},
            timeout=30,
            allow_redirects=False,
        )

    def post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return self.http.post(
            self.server.url + path, json=body, headers={"X-CSRF-Token": self.csrf}, timeout=5
        )

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.server.url + path, timeout=10)

    def put(self, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        """Send a PUT with the CSRF token; without `body`, with no body at all."""
        return self.http.put(
            self.server.url + path, json=body, headers={"X-CSRF-Token": self.csrf}, timeout=5
        )

    def delete(self, path: str) -> requests.Response:
        return self.http.delete(
            self.server.url + path, headers={"X-CSRF-Token": self.csrf}, timeout=5
        )

    def create_session(
        self, protocol_id: str = "group-ipt-8", number: int = 2, language: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"protocol_id": protocol_id, "session_number": number}
        if language is not None:
            body["language"] = language
        response = self.post("/api/sessions", body)
        assert response.status_code == 201, response.text
        links: dict[str, Any] = response.json()
        return links


def add_account(server: Server, name: str, password: str = PASSWORD) -> None:
    """Create a facilitator account in the server's store, as `facilitator users add` does."""
    store = SQLiteStore(server.data_dir / "facilitator.db")
    try:
        accounts.add_user(store, name, password)
    finally:
        store.close()


def signed_in(server: Server, name: str, password: str = PASSWORD) -> Facilitator:
    """Return a browser signed in to `name` with its password, holding its CSRF token."""
    browser = Facilitator(server)
    response = browser.sign_in(name, password)
    assert response.status_code == 302, response.text
    browser.csrf = browser.get("/api/me").json()["csrf_token"]
    return browser


def refused_connect(server: Server, token: str, **auth: str) -> str:
    """Connect with `token`, expect a refusal, and return the error code it gave."""
    return str(refused_connect_error(server, token, **auth)["code"])


def refused_connect_error(server: Server, token: str, **auth: str) -> dict[str, Any]:
    """Connect with `token` (and any other `auth` fields), expect a refusal, and return
    its error: {"code", "message"}."""
    client = socketio.Client(reconnection=False)
    errors: list[object] = []
    client.on("connect_error", errors.append)
    try:
        client.connect(server.url, auth={"token": token, **auth}, transports=["websocket"])
    except socketio.exceptions.ConnectionError:
        pass
    else:
        raise AssertionError("the connection was accepted")
    finally:
        client.disconnect()
    (error,) = errors
    assert isinstance(error, dict), error
    data: dict[str, Any] = error["data"]
    return data


def join(server: Server, code: str, name: str | None = None) -> dict[str, Any]:
    """Join a session over HTTP as a phone does; return the JSON reply."""
    # The member agreed to the consent text the phone showed (service/consent.py).
    body: dict[str, Any] = {"code": code, "consent": True}
    if name is not None:
        body["name"] = name
    response = requests.post(server.url + "/api/join", json=body, timeout=5)
    assert response.status_code == 201, response.text
    reply: dict[str, Any] = response.json()
    return reply


class Client:
    """A Socket.IO client that records everything it receives, as a phone or console.

    As a console does (client/js/console.js), it applies each `view_patch` to the view it
    holds and records the view that results as a `view`; a patch for another view than
    the one it holds makes it ask `sync` for the whole view, recorded as a `view` too.
    """

    def __init__(
        self,
        url: str,
        token: str,
        label: str = "",
        *,
        language: str | None = None,
        headers: dict[str, str] | None = None,
        patches: bool = True,
    ) -> None:
        self.url = url
        self.token = token
        self.label = label
        # What a page sends at connect: the language it shows, in `auth`.
        self.auth: dict[str, str] = {"token": token}
        if language is not None:
            self.auth["language"] = language
        self.headers = headers or {}
        self.received: list[tuple[str, Any]] = []
        self.lock = threading.Lock()
        # The console's view patches apply to; `patches` False leaves them unapplied.
        self.patches = patches
        self.held: dict[str, Any] | None = None
        self.resyncs = 0
        self._resyncing = False
        self.sio = socketio.Client(
            reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1
        )
        self.sio.on("*", self._record)

    def _record(self, event: str, data: Any = None) -> None:
        with self.lock:
            self.received.append((event, data))
            if event == "view" and isinstance(data, dict) and "revision" in data:
                self.held = data
            elif event == "view_patch" and self.patches:
                self._patch(data)

    def _patch(self, message: dict[str, Any]) -> None:
        held = self.held
        if held is None or held["revision"] == message["revision"]:
            return
        if held["revision"] == message["base"]:
            self.held = view_patch.apply(held, message["patch"])
            self.received.append(("view", self.held))
        elif not self._resyncing:
            # Not from the read loop's own thread: it must stay free to take the ack.
            self._resyncing = True
            threading.Thread(target=self._resync, daemon=True).start()

    def _resync(self) -> None:
        try:
            ack = self.sio.call("sync", {}, timeout=10)
        finally:
            self._resyncing = False
        with self.lock:
            self.resyncs += 1
            if ack.get("ok") and ack.get("view"):
                self.held = ack["view"]
                self.received.append(("view", ack["view"]))

    def connect(self) -> Client:
        self.sio.connect(
            self.url,
            auth=self.auth,
            headers=self.headers,
            transports=["websocket"],
            wait_timeout=10,
        )
        return self

    def call(
        self, event: str, payload: Any = None, timeout: float = 10, *, exact: bool = False
    ) -> dict[str, Any]:
        """Send an event and return its ack.

        A facilitator command gets a fresh `command_id`, as the console gives each click,
        unless the payload names one, is not an object, or is to be sent `exact`ly.
        """
        if not exact and event in FACILITATOR_COMMANDS:
            if payload is None:
                payload = {}
            if isinstance(payload, dict):
                payload = {"command_id": f"{event}-{secrets.token_hex(6)}", **payload}
        reply: dict[str, Any] = self.sio.call(event, payload, timeout=timeout)
        return reply

    def events(self, name: str) -> list[Any]:
        with self.lock:
            return [data for event, data in self.received if event == name]

    def latest(self, name: str = "view") -> Any:
        """Return the newest `name` received; for views, the one of the highest version.

        Views of one session can arrive out of order when processes publish them through
        the message queue; a screen keeps the highest version (docs/events.md), and so
        does this.
        """
        found = self.events(name)
        if not found:
            return None
        if name == "view" and all(isinstance(v, dict) and "version" in v for v in found):
            return max(reversed(found), key=lambda view: view["version"])
        return found[-1]

    def wait_for(self, check: Callable[[Any], Any], name: str = "view", timeout: float = 10) -> Any:
        """Wait until the latest `name` event passes `check`; return it."""
        return wait_until(
            lambda: (lambda v: v if v is not None and check(v) else None)(self.latest(name)),
            timeout,
            f"{self.label} to receive a matching {name}",
        )

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()


class RawSocket:
    """One WebSocket that speaks Socket.IO by hand, to send what no client library would."""

    def __init__(self, server: Server, timeout: float = 5) -> None:
        address = f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"
        self.ws = websocket.create_connection(address, timeout=timeout)
        opened = self.ws.recv()
        assert isinstance(opened, str) and opened.startswith("0"), opened

    def send(self, text: str) -> None:
        """Send one engine.io message (a Socket.IO packet is "4" + the packet)."""
        self.ws.send(text)

    def connect(self, auth: str) -> str:
        """Send a handshake with `auth` (raw JSON); return the CONNECT or CONNECT_ERROR."""
        self.send("40" + auth)
        return self.receive(lambda packet: packet.startswith(("40", "44")))

    def receive(self, match: Callable[[str], bool]) -> str:
        """Return the next packet that `match` accepts, answering pings on the way."""
        while True:
            packet = self.ws.recv()
            if packet == "2":
                self.send("3")
            elif isinstance(packet, str) and match(packet):
                return packet

    def ack(self, ack_id: int) -> Any:
        """Return the payload of the ack with `ack_id`."""
        found = re.compile(rf"^43{ack_id}(\[.*)$", re.DOTALL)
        packet = self.receive(lambda text: bool(found.match(text)))
        match = found.match(packet)
        assert match is not None
        return json.loads(match.group(1))[0]

    def close(self) -> None:
        self.ws.close()


def answer_until_acknowledged(
    phone: Client,
    member: int,
    acked: dict[int, float],
    *,
    seconds: float = 60,
    retry_codes: tuple[str, ...] = (),
) -> None:
    """Send member's mood answer as a phone's retry queue does: the same action id until
    acknowledged; record the time of the acknowledgement in `acked`."""
    deadline = time.monotonic() + seconds
    payload = {"action_id": f"mood-{member}", "poll_id": "poll-1", "value": member % 11}
    while time.monotonic() < deadline:
        try:
            ack = phone.call("submit_answer", payload, timeout=3)
        except (
            socketio.exceptions.TimeoutError,
            socketio.exceptions.BadNamespaceError,
            socketio.exceptions.DisconnectedError,
        ):
            time.sleep(0.1)
            continue
        if not ack["ok"]:
            assert ack["error"]["code"] in retry_codes, ack
            time.sleep(0.1)
            continue
        acked[member] = time.monotonic()
        return
    raise AssertionError(f"member {member}'s answer was never acknowledged")
