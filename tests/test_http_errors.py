"""The JSON API answers every error in the one error shape, Flask's own errors included."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from facilitator.app import close_app, create_app
from facilitator.config import Settings
from facilitator.service import accounts

PASSWORD = "a long password 1"
TOO_LARGE = b'{"code": "' + b"x" * (64 * 1024) + b'"}'


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    created = create_app(Settings(data_dir=tmp_path / "data", async_mode="threading"))
    accounts.add_user(created.extensions["facilitator.service"].store, "ann", PASSWORD)
    yield created
    close_app(created)


def _signed_in(app: Flask) -> tuple[FlaskClient, str]:
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    csrf = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    data = {"name": "ann", "password": PASSWORD, "csrf_token": csrf}
    assert client.post("/login", data=data).status_code == 302
    return client, client.get("/api/me").get_json()["csrf_token"]


def _error(response: TestResponse, status: int, code: str) -> str:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["ok"] is False
    assert set(body) == {"ok", "error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    return str(body["error"]["message"])


def test_a_join_body_over_64_kib_is_refused_in_the_error_shape(app: Flask) -> None:
    response = app.test_client().post("/api/join", data=TOO_LARGE, content_type="application/json")
    assert "64 KiB" in _error(response, 413, "too_large")
    assert app.extensions["facilitator.service"].store.sessions_of("ann") == []


def test_a_signed_in_body_over_64_kib_is_refused_in_the_error_shape(app: Flask) -> None:
    client, csrf = _signed_in(app)
    response = client.post(
        "/api/sessions",
        data=TOO_LARGE,
        content_type="application/json",
        headers={"X-CSRF-Token": csrf},
    )
    _error(response, 413, "too_large")
    assert app.extensions["facilitator.service"].store.sessions_of("ann") == []


def test_a_one_time_link_body_over_64_kib_is_refused_in_the_error_shape(app: Flask) -> None:
    response = app.test_client().post(
        "/login/link", data=TOO_LARGE, content_type="application/json"
    )
    _error(response, 413, "too_large")


@pytest.mark.parametrize(
    "path", ["/api/nothing", "/api/sessions/a/b/c", "/api/join-url/" + "X" * 40]
)
def test_an_unknown_api_address_is_a_404_in_the_error_shape(app: Flask, path: str) -> None:
    _error(app.test_client().get(path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("put", "/api/join", "POST"), ("get", "/api/join", "POST"), ("post", "/api/me", "GET")],
)
def test_a_wrong_method_on_an_api_address_is_a_405_in_the_error_shape(
    app: Flask, method: str, path: str, allowed: str
) -> None:
    response = getattr(app.test_client(), method)(path)
    _error(response, 405, "method_not_allowed")
    assert allowed in response.headers["Allow"]


def test_a_crash_in_an_api_view_is_a_500_in_the_error_shape_that_tells_nothing(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = _signed_in(app)
    catalog = app.extensions["facilitator.service"].catalog

    def crash() -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(catalog, "protocols", crash)
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/protocols")
    message = _error(response, 500, "internal")
    assert "secret" not in response.get_data(as_text=True)
    assert message == "Something went wrong on the server."
    assert any("secret detail" in (r.exc_text or "") for r in caplog.records)


@pytest.mark.parametrize("body", [b"null", b"[]", b'"code"', b"12", b"not json"])
def test_a_join_body_that_is_not_a_json_object_is_refused(app: Flask, body: bytes) -> None:
    response = app.test_client().post("/api/join", data=body, content_type="application/json")
    assert _error(response, 400, "invalid") == "Send a JSON object."


def test_a_null_body_creates_no_session(app: Flask) -> None:
    client, csrf = _signed_in(app)
    response = client.post(
        "/api/sessions",
        data=b"null",
        content_type="application/json",
        headers={"X-CSRF-Token": csrf},
    )
    _error(response, 400, "invalid")
    assert app.extensions["facilitator.service"].store.sessions_of("ann") == []


@pytest.mark.parametrize(("path", "status"), [("/nothing", 404), ("/join/extra", 404)])
def test_pages_keep_their_html_error_pages(app: Flask, path: str, status: int) -> None:
    response = app.test_client().get(path)
    assert response.status_code == status
    assert response.mimetype == "text/html"
