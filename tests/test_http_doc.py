"""docs/http.md documents every route of the app: who may call it, CSRF and its statuses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from facilitator.app import close_app, create_app
from facilitator.config import Settings
from facilitator.service import accounts
from tests import session_access

DOC = Path(__file__).resolve().parents[1] / "docs" / "http.md"
PASSWORD = "a long password 1"
# Who of one course: each refuses an account that neither runs nor supervises it.
COURSE_WHO = ("course reader", "course exporter", "course facilitator", "course owner")
WHO = ("anyone", "signed-in facilitator", "facilitator", "exporter", "owner", *COURSE_WHO)
# Who of one session: each refuses a facilitator who does not run it.
SESSION_WHO = ("facilitator", "exporter", "owner")
CSRF = ("required", "none")
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_ROUTE_HEADING = re.compile(r"^`([A-Z]+) (/\S*)`$")
_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


@dataclass(frozen=True)
class Route:
    """What the doc says about one route."""

    who: str
    csrf: str
    statuses: frozenset[int]


def route_sections(text: str) -> dict[str, str]:
    """Return the body of each "### `METHOD /path`" section, up to the next heading."""
    sections: dict[str, str] = {}
    current: str | None = None
    body: list[str] = []
    in_code = False
    for line in [*text.splitlines(), "# end"]:
        if line.lstrip().startswith("```"):
            in_code = not in_code
        heading = None if in_code else _HEADING.match(line)
        if heading is None:
            body.append(line)
            continue
        if current is not None:
            sections[current] = "\n".join(body)
        current, body = None, []
        named = _ROUTE_HEADING.match(heading.group(2))
        if len(heading.group(1)) == 3 and named:
            current = f"{named.group(1)} {named.group(2)}"
            if current in sections:
                raise ValueError(f"{current} is documented twice")
    return sections


def _one_line(section: str, label: str) -> str | None:
    found = re.findall(rf"^\*\*{label}:\*\*\s*(.+?)\s*$", section, re.MULTILINE)
    return found[0] if len(found) == 1 else None


def parse_route(name: str, section: str) -> tuple[Route | None, list[str]]:
    """Return the route's documented facts, or the problems that keep them from being read."""
    who, csrf, status = (_one_line(section, x) for x in ("Who", "CSRF", "Status"))
    problems = []
    if who not in WHO:
        problems.append(f"{name}: needs one '**Who:**' line, one of {', '.join(WHO)}")
    if csrf not in CSRF:
        problems.append(f"{name}: needs one '**CSRF:**' line, one of {', '.join(CSRF)}")
    statuses = re.findall(r"\d{3}", status or "")
    if not statuses:
        problems.append(f"{name}: needs one '**Status:**' line listing status codes")
    if problems or who is None or csrf is None:
        return None, problems
    return Route(who, csrf, frozenset(int(x) for x in statuses)), []


def app_routes(app: Flask) -> set[str]:
    """Return every "METHOD /path" the app answers, with `<name>` for path variables."""
    return {
        f"{method} {_CONVERTER.sub(_bare, rule.rule)}"
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - IGNORED_METHODS
    }


def _bare(variable: re.Match[str]) -> str:
    return f"<{variable.group(1)}>"


def doc_problems(text: str, routes: set[str]) -> list[str]:
    """Return every way `text` disagrees with the app's `routes`; empty when it is right."""
    try:
        sections = route_sections(text)
    except ValueError as error:
        return [str(error)]
    problems = [f"{name}: not documented" for name in sorted(routes - sections.keys())]
    problems += [f"{name}: documented but not a route" for name in sorted(sections.keys() - routes)]
    for name in sorted(routes & sections.keys()):
        problems += parse_route(name, sections[name])[1]
    return problems


def documented_routes() -> dict[str, Route]:
    """Return the real doc's routes."""
    routes = {}
    for name, section in route_sections(DOC.read_text(encoding="utf-8")).items():
        route, _ = parse_route(name, section)
        assert route is not None, name
        routes[name] = route
    return routes


# -- the real doc against the real app ------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), async_mode="threading")
    created = create_app(settings)
    for name in ("ann", "bob"):
        accounts.add_user(created.extensions["facilitator.service"].store, name, PASSWORD)
    yield created
    close_app(created)


def test_every_route_is_documented_with_who_csrf_and_statuses(app: Flask) -> None:
    assert doc_problems(DOC.read_text(encoding="utf-8"), app_routes(app)) == []


def test_every_route_of_a_session_is_in_the_table_of_who_may_call_it(app: Flask) -> None:
    # A new route of a session must say there what the owner, each kind of co-facilitator
    # and everyone else get from it; tests/test_live_rules.py calls it as each of them.
    of_a_session = {
        session_access.shape(route)
        for route in app_routes(app)
        if "/api/sessions/<session_id>" in route
    }
    assert of_a_session == {session_access.shape(route) for route in session_access.STATUS}


def test_every_error_code_of_the_http_api_is_in_the_doc_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("Error codes of the HTTP API", 1)[1].split("\n## ", 1)[0]
    for code in (
        "invalid",
        "unauthenticated",
        "wrong_password",
        "link_invalid",
        "csrf",
        "forbidden",
        "not_found",
        "unknown_code",
        "method_not_allowed",
        "conflict",
        "too_large",
        "rate_limited",
        "internal",
        "storage_unavailable",
        "busy",
    ):
        assert f"| `{code}` |" in table, code


def _signed_in(app: Flask, name: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    csrf = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    data = {"name": name, "password": PASSWORD, "csrf_token": csrf}
    assert client.post("/login", data=data).status_code == 302
    return client, client.get("/api/me").get_json()["csrf_token"]


def _path(
    name: str, session_id: str, course: tuple[str, str] = ("course-none", "c-none")
) -> tuple[str, str]:
    method, path = name.split(" ", 1)
    values = {
        "session_id": session_id,
        "course_id": course[0],
        "member_id": course[1],
        "n": "1",
        "protocol_id": "group-ipt-8",
        "code": "HXK4M-7RTCP",
        "kind": "csv",
        "folder": "js",
        "name": "participant.js",
        "filename": "missing.txt",
        "user": "bob",
        "participant_id": "m-none",
        "alert_id": "m1-alert-1",
        "screen": "participant",
    }
    return method, re.sub(r"<([a-z_]+)>", lambda m: values[m.group(1)], path)


def _call(client: FlaskClient, method: str, path: str, **kwargs: Any) -> TestResponse:
    """Send one request and read its whole answer, so that a file it sent is closed."""
    response = client.open(path, method=method, **kwargs)
    response.get_data()
    response.close()
    return response


@pytest.fixture(scope="module")
def owned(app: Flask) -> str:
    """A session that ann runs."""
    session_id: str = app.extensions["facilitator.service"].create("ann", "group-ipt-8", 2).id
    return session_id


@pytest.fixture(scope="module")
def course(app: Flask) -> tuple[str, str]:
    """A course that ann runs, with one member: (course id, member id)."""
    service = app.extensions["facilitator.api"]
    made = service.create_course("ann", "group-ipt-8", "Tuesday group")
    member = service.join_course(made["join_code"], "Dana", "10.0.0.9", consent=True)
    return made["course_id"], member["member_id"]


ROUTES = documented_routes()
# A well-formed body for each course route that needs one, by the path's last part.
COURSE_BODIES: dict[str, dict[str, Any]] = {
    "notes": {"n": 1, "text": "A note."},
    "<member_id>": {"status": "late"},
    "plan": {"areas": ["grief"], "goal": "", "key_people": []},
    "action": {"action": "referred"},
    "language": {"language": "es"},
    "settings": {"region": "MX", "time_zone": ""},
}


@pytest.mark.parametrize("name", sorted(n for n, r in ROUTES.items() if r.who != "anyone"))
def test_a_route_for_facilitators_refuses_a_browser_that_is_not_signed_in(
    app: Flask, owned: str, name: str
) -> None:
    method, path = _path(name, owned)
    response = _call(app.test_client(), method, path, json={})
    if name.startswith("GET /api/") or name.startswith(("POST ", "PUT ", "DELETE ")):
        assert response.status_code == 401, response.data
        assert response.get_json()["error"]["code"] == "unauthenticated"
    else:
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/login")
    assert response.status_code in ROUTES[name].statuses


@pytest.mark.parametrize("name", sorted(n for n, r in ROUTES.items() if r.who in SESSION_WHO))
def test_a_route_of_a_session_refuses_a_facilitator_who_does_not_run_it(
    app: Flask, owned: str, name: str
) -> None:
    other, csrf = _signed_in(app, "bob")
    method, path = _path(name, owned)
    response = _call(other, method, path, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 403, response.data
    assert response.get_json()["error"]["code"] == "forbidden"
    assert 403 in ROUTES[name].statuses


@pytest.mark.parametrize("name", sorted(n for n, r in ROUTES.items() if r.who in COURSE_WHO))
def test_a_route_of_a_course_refuses_an_account_without_a_seat_in_it(
    app: Flask, course: tuple[str, str], name: str
) -> None:
    other, csrf = _signed_in(app, "bob")
    method, path = _path(name, "none", course)
    body = COURSE_BODIES.get(name.rsplit("/", 1)[-1], {})  # well formed: refused for who
    response = _call(other, method, path, headers={"X-CSRF-Token": csrf}, json=body)
    assert response.status_code == 403, response.data
    assert response.get_json()["error"]["code"] == "forbidden"
    assert 403 in ROUTES[name].statuses


@pytest.mark.parametrize(
    "name",
    sorted(n for n, r in ROUTES.items() if r.csrf == "required" and r.who not in SESSION_WHO),
)
def test_a_route_that_requires_csrf_refuses_a_request_without_the_token(
    app: Flask, name: str
) -> None:
    client, _ = _signed_in(app, "ann")
    method, path = _path(name, "none")
    response = _call(client, method, path, json={"token": "x"})
    assert response.status_code == 403, response.data
    assert 403 in ROUTES[name].statuses


def test_the_owner_routes_that_change_something_require_csrf(app: Flask) -> None:
    client, _ = _signed_in(app, "ann")
    session_id = app.extensions["facilitator.service"].create("ann", "group-ipt-8", 2).id
    for name, route in ROUTES.items():
        if route.who == "owner" and route.csrf == "required":
            method, path = _path(name, session_id)
            response = _call(client, method, path)
            assert response.status_code == 403, name
            assert response.get_json()["error"]["code"] == "csrf", name
    assert app.extensions["facilitator.service"].current(session_id).id == session_id


@pytest.mark.parametrize(
    "name", sorted(n for n, r in ROUTES.items() if r.csrf == "none" and r.who != "anyone")
)
def test_a_route_without_csrf_changes_nothing_and_answers_a_signed_in_get(
    app: Flask, owned: str, course: tuple[str, str], name: str
) -> None:
    assert name.startswith("GET "), f"{name} has no CSRF check but changes something"
    client, _ = _signed_in(app, "ann")
    method, path = _path(name, owned, course)
    response = _call(client, method, path)
    assert response.status_code in ROUTES[name].statuses, response.data
    assert response.status_code < 400, response.data


@pytest.mark.parametrize("name", sorted(n for n, r in ROUTES.items() if r.who == "anyone"))
def test_a_route_for_anyone_answers_without_a_sign_in(app: Flask, owned: str, name: str) -> None:
    method, path = _path(name, owned)
    if name == "POST /api/join":
        code = app.extensions["facilitator.service"].current(owned).join_code
        response = app.test_client().post(path, json={"code": code, "consent": True})
    else:
        response = _call(app.test_client(), method, path)
    assert response.status_code not in (401, 302) or 302 in ROUTES[name].statuses
    assert response.status_code in ROUTES[name].statuses, (response.status_code, response.data)


# -- the checker itself ---------------------------------------------------------------

GOOD_DOC = """# HTTP

### `GET /api/me`

**Who:** signed-in facilitator
**CSRF:** none
**Status:** 200, 401

### `POST /api/join`

**Who:** anyone
**CSRF:** none
**Status:** 201, 400

```
### `GET /ghost`
```
"""
FAKE_ROUTES = {"GET /api/me", "POST /api/join"}


def test_checker_accepts_a_complete_doc() -> None:
    assert doc_problems(GOOD_DOC, FAKE_ROUTES) == []


def test_checker_reports_an_undocumented_route() -> None:
    assert doc_problems(GOOD_DOC, FAKE_ROUTES | {"DELETE /api/me"}) == [
        "DELETE /api/me: not documented"
    ]


def test_checker_reports_a_stale_route() -> None:
    assert doc_problems(GOOD_DOC, {"GET /api/me"}) == ["POST /api/join: documented but not a route"]


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("**Who:** anyone", "**Who:** everybody", "needs one '**Who:**' line"),
        ("**CSRF:** none\n**Status:** 201", "**Status:** 201", "needs one '**CSRF:**' line"),
        ("**Status:** 201, 400", "**Status:** fine", "needs one '**Status:**' line"),
    ],
)
def test_checker_reports_a_missing_or_unknown_line(old: str, new: str, problem: str) -> None:
    (found,) = doc_problems(GOOD_DOC.replace(old, new), FAKE_ROUTES)
    assert found.startswith("POST /api/join: " + problem)


def test_checker_reports_a_duplicate_section() -> None:
    doc = GOOD_DOC + "\n### `GET /api/me`\n\n**Who:** anyone\n"
    assert doc_problems(doc, FAKE_ROUTES) == ["GET /api/me is documented twice"]


def test_app_routes_name_path_variables_without_converters(app: Flask) -> None:
    routes = app_routes(app)
    assert "GET /assets/<folder>/<name>" in routes
    assert "DELETE /api/sessions/<session_id>" in routes
    assert not any("HEAD " in r or "OPTIONS " in r for r in routes)
