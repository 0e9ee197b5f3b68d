"""Every response of the app, of every route and Socket.IO's, carries the security headers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from facilitator.app import create_app
from facilitator.config import Settings
from facilitator.transport.headers import REVALIDATED, content_security_policy

# A value for each URL variable of the app's routes.
SAMPLES = {
    "folder": "js",
    "name": "participant.js",
    "filename": "missing.txt",
    "protocol_id": "group-ipt-8",
    "kind": "csv",
    "course_id": "course-none",
    "member_id": "c-none",
    "n": "1",
    "participant_id": "m-none",
    "alert_id": "m1-alert-1",
    "screen": "participant",
}
CHANGING = ("POST", "DELETE", "PUT", "PATCH")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(Settings(data_dir=tmp_path / "data", async_mode="threading"))
    yield app
    app.extensions["facilitator.service"].store.close()


def _urls(app: Flask, session_id: str, code: str) -> Iterator[tuple[str, str]]:
    values = {**SAMPLES, "session_id": session_id, "code": code}
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<{argument}>", values[argument])
            for converter in ("path", "int", "string"):
                path = path.replace(f"<{converter}:{argument}>", values[argument])
        for method in sorted(rule.methods or ()):
            yield method, path


def _check(response: Any, path: str, method: str = "GET", host: str = "localhost") -> None:
    headers = response.headers
    what = f"{path} -> {response.status_code}"
    policy = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policy, what
    assert "default-src 'self'" in policy, what
    assert f"ws://{host}" in policy, what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") == "no-referrer", what
    if path.startswith("/assets/"):
        if method == "GET" and response.status_code == 200:
            assert "max-age" in headers.get("Cache-Control", ""), what
    elif path in REVALIDATED:
        assert headers.get("Cache-Control") == "no-cache", what
    else:
        assert headers.get("Cache-Control") == "no-store", what


def _sign_in(app: Flask, client: FlaskClient) -> None:
    """Sign `client` in as the local account, as a one-time link would."""
    signins = app.extensions["facilitator.api"].signins
    granted = signins._grant("local", signins._clock())
    with client.session_transaction() as session:
        session["signin"] = granted.secret


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed out", "signed in"])
def test_every_route_answers_with_the_security_headers(app: Flask, signed_in: bool) -> None:
    service = app.extensions["facilitator.service"]
    state = service.create("local", "group-ipt-8", 2)
    client: FlaskClient = app.test_client()
    if signed_in:
        _sign_in(app, client)
        with client.session_transaction() as session:
            session["csrf"] = "token"
    seen = 0
    for method, path in _urls(app, state.id, state.join_code):
        headers = {"X-CSRF-Token": "token"}
        body = {"code": state.join_code} if method in CHANGING else None
        response = client.open(path, method=method, headers=headers, json=body)
        _check(response, path, method)
        response.close()
        seen += 1
    assert seen > 40


def test_socket_io_answers_and_errors_carry_the_headers_too(app: Flask) -> None:
    client = app.test_client()
    for path in (
        "/socket.io/?EIO=4&transport=polling",
        "/socket.io/?EIO=4&transport=polling&sid=unknown",
        "/no/such/page",
    ):
        response = client.get(path)
        _check(response, path)
        response.close()


def test_static_assets_stay_cacheable_and_exports_do_not(app: Flask) -> None:
    client = app.test_client()
    asset = client.get("/assets/js/participant.js")
    assert asset.status_code == 200
    assert "no-store" not in asset.headers["Cache-Control"]
    asset.close()
    _sign_in(app, client)
    state = app.extensions["facilitator.service"].create("local", "group-ipt-8", 2)
    export = client.get(f"/api/sessions/{state.id}/export/log.jsonl")
    assert export.status_code == 200
    assert export.headers["Cache-Control"] == "no-store"


def test_the_phone_pages_service_worker_is_revalidated_on_every_visit(app: Flask) -> None:
    client = app.test_client()
    worker = client.get("/join-worker.js", headers={"Accept-Encoding": "gzip"})
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Cache-Control"] == "no-cache"
    assert worker.headers["Content-Encoding"] == "gzip"
    # Served from the root, its scope may cover /join without a Service-Worker-Allowed.
    assert "Service-Worker-Allowed" not in worker.headers
    again = client.get("/join-worker.js", headers={"If-None-Match": worker.headers["ETag"]})
    assert again.status_code == 304
    worker.close()
    again.close()


def test_a_host_that_is_not_a_host_name_adds_nothing_to_the_policy() -> None:
    # The middleware reads the raw Host header, which Werkzeug has not cleaned yet.
    policy = content_security_policy("x; script-src *")
    assert "script-src *" not in policy
    assert "connect-src 'self';" in policy
    assert "ws://[::1]:8000 " in content_security_policy("[::1]:8000")
