"""The audit log: what is recorded, who may read it, how it is exported; never content."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from facilitator.app import close_app, create_app
from facilitator.config import Settings
from facilitator.core import commands as c
from facilitator.service import accounts
from facilitator.service.sessions import SessionService
from facilitator.service.tokens import Actor, Role
from facilitator.storage.base import AuditEntry
from tests.live import Client, Facilitator, Server, join

PASSWORD = "long enough password"
NOTE = "she spoke of her brother tonight"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """An app on SQLite in a temporary directory; `root` is its admin."""
    settings = Settings(
        data_dir=tmp_path, async_mode="threading", secret_key="k" * 40, admins=("root",)
    )
    created = create_app(settings)
    for name in ("amina", "bo", "root"):
        accounts.add_user(_service(created).store, name, PASSWORD)
    yield created
    close_app(created)


def _service(app: Flask) -> SessionService:
    service: SessionService = app.extensions["facilitator.service"]
    return service


def _browser(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _sign_in(client: FlaskClient, name: str, password: str = PASSWORD) -> int:
    form = client.get("/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert found is not None
    data = {"name": name, "password": password, "csrf_token": found.group(1)}
    return client.post("/login", data=data).status_code


def _signed_in(app: Flask, name: str, address: str = "10.0.0.7") -> tuple[FlaskClient, str]:
    client = _browser(app, address)
    assert _sign_in(client, name) == 302
    csrf = client.get("/api/me").get_json()["csrf_token"]
    return client, csrf


def _new_session(client: FlaskClient, csrf: str) -> str:
    body = {"protocol_id": "group-ipt-8", "session_number": 2}
    reply = client.post("/api/sessions", json=body, headers={"X-CSRF-Token": csrf})
    assert reply.status_code == 201, reply.get_data(as_text=True)
    session_id: str = reply.get_json()["session_id"]
    return session_id


def _entries(app: Flask) -> list[AuditEntry]:
    return _service(app).store.audit_entries()


def _actions(app: Flask) -> list[tuple[str, str, str, str]]:
    return [(e.action, e.actor, e.address, e.detail) for e in _entries(app)]


def test_sign_ins_and_failures_are_recorded_with_the_address(app: Flask) -> None:
    client = _browser(app, "10.0.0.7")
    assert _sign_in(client, "amina", "not her password") == 401
    assert _sign_in(client, "amina") == 302
    signed_in = [e for e in _entries(app) if e.action.startswith("sign_in")]
    assert [(e.action, e.actor, e.owner, e.address, e.detail) for e in signed_in] == [
        ("sign_in_failed", "amina", "amina", "10.0.0.7", "password"),
        ("sign_in", "amina", "amina", "10.0.0.7", "password"),
    ]


def test_a_failed_sign_in_with_no_such_account_keeps_no_name(app: Flask, tmp_path: Path) -> None:
    # Someone types their password into the name field: it must not be written down.
    assert _sign_in(_browser(app, "10.0.0.8"), "hunter2-battery", "whatever") == 401
    (entry,) = _entries(app)[-1:]
    assert (entry.action, entry.actor, entry.owner, entry.address, entry.detail) == (
        "sign_in_failed",
        "",
        "",
        "10.0.0.8",
        "password, unknown account",
    )
    close_app(app)
    for path in tmp_path.glob("facilitator.db*"):
        assert b"hunter2" not in path.read_bytes()


def test_exports_and_deletion_are_recorded_without_content(app: Flask) -> None:
    client, csrf = _signed_in(app, "amina")
    session_id = _new_session(client, csrf)
    _service(app).run(
        Actor(Role.FACILITATOR, session_id, user="amina"), lambda st, at: c.AddNote(at, NOTE)
    )
    for name in ("log.jsonl", "results.csv", "summary.html"):
        assert client.get(f"/api/sessions/{session_id}/export/{name}").status_code == 200
    reply = client.delete(f"/api/sessions/{session_id}", headers={"X-CSRF-Token": csrf})
    assert reply.status_code == 200
    recorded = [e for e in _entries(app) if e.session_id == session_id]
    assert [(e.action, e.actor, e.owner, e.address, e.detail) for e in recorded] == [
        ("export", "amina", "amina", "10.0.0.7", "log.jsonl"),
        ("export", "amina", "amina", "10.0.0.7", "results.csv"),
        ("export", "amina", "amina", "10.0.0.7", "summary.html"),
        ("session_deleted", "amina", "amina", "10.0.0.7", ""),
    ]
    assert "brother" not in json.dumps([e.__dict__ for e in _entries(app)])


def test_a_refused_export_records_nothing(app: Flask) -> None:
    amina, csrf = _signed_in(app, "amina")
    session_id = _new_session(amina, csrf)
    bo, _ = _signed_in(app, "bo", "10.0.0.9")
    before = _entries(app)
    reply = bo.get(f"/api/sessions/{session_id}/export/log.jsonl")
    assert reply.status_code == 403
    assert _entries(app) == before


def test_a_facilitator_reads_only_their_own_entries(app: Flask) -> None:
    amina, csrf = _signed_in(app, "amina")
    session_id = _new_session(amina, csrf)
    amina.get(f"/api/sessions/{session_id}/export/log.jsonl")
    bo, _ = _signed_in(app, "bo", "10.0.0.9")
    seen_by_amina = amina.get("/api/audit").get_json()
    seen_by_bo = bo.get("/api/audit").get_json()
    assert seen_by_amina["ok"] is True
    assert {e["owner"] for e in seen_by_amina["entries"]} == {"amina"}
    assert [e["action"] for e in seen_by_amina["entries"]] == ["sign_in", "export"]
    assert [(e["action"], e["owner"]) for e in seen_by_bo["entries"]] == [("sign_in", "bo")]


def test_reading_another_accounts_entries_is_refused_in_the_error_shape(app: Flask) -> None:
    bo, _ = _signed_in(app, "bo")
    reply = bo.get("/api/audit?user=amina")
    assert reply.status_code == 403
    assert reply.get_json() == {
        "ok": False,
        "error": {
            "code": "forbidden",
            "message": "Only an admin may read another account's audit log.",
        },
    }
    assert bo.get("/api/audit/export.csv?user=amina").status_code == 403


@pytest.mark.parametrize("path", ["/api/audit", "/api/audit/export.jsonl"])
def test_the_audit_log_needs_a_sign_in(app: Flask, path: str) -> None:
    reply = app.test_client().get(path)
    assert reply.status_code == 401
    assert reply.get_json()["error"]["code"] == "unauthenticated"


def test_an_admin_reads_everyones_entries_and_one_accounts_on_request(app: Flask) -> None:
    _signed_in(app, "amina")
    _signed_in(app, "bo")
    assert _sign_in(_browser(app, "10.0.0.66"), "nobody-here", "guess") == 401
    root, _ = _signed_in(app, "root")
    everything = root.get("/api/audit").get_json()["entries"]
    assert [(e["action"], e["owner"]) for e in everything][-4:] == [
        ("sign_in", "amina"),
        ("sign_in", "bo"),
        ("sign_in_failed", ""),
        ("sign_in", "root"),
    ]
    only_bo = root.get("/api/audit?user=bo").get_json()["entries"]
    assert [(e["action"], e["owner"]) for e in only_bo] == [("sign_in", "bo")]


def test_the_audit_log_downloads_as_json_lines_and_csv(app: Flask) -> None:
    amina, _ = _signed_in(app, "amina")
    jsonl = amina.get("/api/audit/export.jsonl")
    assert jsonl.status_code == 200
    assert jsonl.headers["Content-Disposition"] == 'attachment; filename="audit.jsonl"'
    lines = [json.loads(line) for line in jsonl.get_data(as_text=True).splitlines()]
    assert [(x["action"], x["actor"], x["address"]) for x in lines] == [
        ("sign_in", "amina", "10.0.0.7")
    ]
    table = amina.get("/api/audit/export.csv")
    assert table.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True))))
    assert [(r["action"], r["actor"], r["address"]) for r in rows] == [
        ("sign_in", "amina", "10.0.0.7"),
        ("audit_exported", "amina", "10.0.0.7"),
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rows[0]["at"])


def test_an_unknown_audit_export_format_is_refused(app: Flask) -> None:
    amina, _ = _signed_in(app, "amina")
    reply = amina.get("/api/audit/export.xlsx")
    assert reply.status_code == 404
    assert reply.get_json()["error"]["code"] == "not_found"


def test_a_csv_cell_that_looks_like_a_formula_is_defused(app: Flask) -> None:
    store = _service(app).store
    store.add_audit(AuditEntry(1e9, "export", "amina", "=cmd()", "amina", "s1", "log.jsonl"))
    amina, _ = _signed_in(app, "amina")
    text = amina.get("/api/audit/export.csv").get_data(as_text=True)
    assert "'=cmd()" in text
    assert ",=cmd()" not in text


# -- on a live server: the one-time link and a member's removal over Socket.IO -----------


@pytest.mark.slow
def test_a_live_removal_and_the_one_time_link_are_recorded(
    server: Server, facilitator: Facilitator, clients: list[Client]
) -> None:
    links = facilitator.create_session("group-ipt-8", 1)
    console = Client(server.url, links["console_token"], "console").connect()
    member = join(server, links["join_code"], "Ruth")
    clients.append(console)
    assert console.call("remove_participant", {"participant_id": member["participant_id"]})["ok"]
    entries: list[dict[str, Any]] = facilitator.get("/api/audit").json()["entries"]
    assert [(e["action"], e["actor"], e["address"]) for e in entries][:1] == [
        ("sign_in", "local", "127.0.0.1")
    ]
    removal = [e for e in entries if e["action"] == "member_removed"]
    assert [(e["actor"], e["address"], e["session_id"], e["detail"]) for e in removal] == [
        ("local", "127.0.0.1", links["session_id"], member["participant_id"])
    ]
    assert "Ruth" not in json.dumps(entries)
