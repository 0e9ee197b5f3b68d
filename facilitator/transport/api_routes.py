"""The JSON API: sessions, their facilitators, joining, exports, the audit log.

Each route reads its request, calls one service method, and answers JSON in the one
shape (errors through transport/web.py). Who may call what is the service's to say.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, request

from facilitator.catalogs import Catalogs, accepted_languages
from facilitator.transport import schemas as s
from facilitator.transport.web import (
    address,
    csrf_token,
    current_user,
    download,
    join_url,
    json_body,
    service,
    signed_in,
    signin_reference,
    user,
)

bp = Blueprint("api", __name__)


# -- who is signed in, and what they may open -----------------------------------------


@bp.get("/api/me")
@signed_in
def me() -> Any:
    """Return who is signed in, and the CSRF token for changes."""
    return jsonify(ok=True, user=current_user(), csrf_token=csrf_token())


@bp.get("/api/protocols")
@signed_in
def protocols() -> Any:
    """List protocols with their sessions."""
    return jsonify(ok=True, protocols=service().protocols())


@bp.get("/api/protocols/<protocol_id>")
@signed_in
def protocol_detail(protocol_id: str) -> Any:
    """Return a protocol's polls and its role-play library with roles (?language=es)."""
    return jsonify(ok=True, **service().protocol(protocol_id, request.args.get("language")))


# -- sessions -------------------------------------------------------------------------


@bp.get("/api/sessions")
@signed_in
def list_sessions() -> Any:
    """List the sessions the signed-in facilitator opened or was invited to run."""
    return jsonify(ok=True, sessions=service().sessions_of(user()))


@bp.post("/api/sessions")
@signed_in
def create_session() -> Any:
    """Open a new live session of one protocol session."""
    data = s.CreateSession().load(json_body())
    links = service().create_session(
        user(),
        data["protocol_id"],
        data["session_number"],
        signin_reference(),
        language=data.get("language"),
        accepted=[tag for tag, _ in request.accept_languages],
    )
    return jsonify(ok=True, **_with_join_url(links)), 201


@bp.get("/api/sessions/<session_id>/links")
@signed_in
def session_links(session_id: str) -> Any:
    """Return the caller's console token, a display token and the join address."""
    links = service().links(user(), session_id, signin_reference())
    return jsonify(ok=True, **_with_join_url(links))


@bp.delete("/api/sessions/<session_id>")
@signed_in
def delete_session(session_id: str) -> Any:
    """Erase a session and everything kept about it (its owner only)."""
    service().delete_session(user(), session_id, address())
    return jsonify(ok=True)


def _with_join_url(links: dict[str, Any]) -> dict[str, Any]:
    return {**links, "join_url": join_url(links["join_code"])}


# -- facilitators of a session ---------------------------------------------------------


@bp.get("/api/sessions/<session_id>/facilitators")
@signed_in
def facilitators(session_id: str) -> Any:
    """Return who runs a session: its owner and co-facilitators."""
    return jsonify(ok=True, **service().facilitators(user(), session_id))


@bp.put("/api/sessions/<session_id>/facilitators/<name>")
@signed_in
def invite(session_id: str, name: str) -> Any:
    """Invite a facilitator account to run the session, or change its export grant."""
    data = s.Invite().load(json_body(optional=True))
    found = service().invite(user(), session_id, name, data.get("may_export", False), address())
    return jsonify(ok=True, **found)


@bp.delete("/api/sessions/<session_id>/facilitators/<name>")
@signed_in
def uninvite(session_id: str, name: str) -> Any:
    """Stop a co-facilitator running the session; their open consoles close."""
    return jsonify(ok=True, **service().uninvite(user(), session_id, name, address()))


@bp.post("/api/sessions/<session_id>/participants/<participant_id>/erase")
@signed_in
def erase_participant(session_id: str, participant_id: str) -> Any:
    """Erase a member's name and named answers from the session (a course's member:
    from the course and all its meetings)."""
    return jsonify(
        ok=True, **service().erase_participant(user(), session_id, participant_id, address())
    )


# -- exports --------------------------------------------------------------------------


@bp.get("/api/sessions/<session_id>/export/log.jsonl")
@signed_in
def export_log(session_id: str) -> Response:
    """Download the full log as JSON Lines."""
    return download(service().export(user(), session_id, "log.jsonl", address()))


@bp.get("/api/sessions/<session_id>/export/results.csv")
@signed_in
def export_results(session_id: str) -> Response:
    """Download poll results as CSV: aggregates for anonymous polls."""
    return download(service().export(user(), session_id, "results.csv", address()))


@bp.get("/api/sessions/<session_id>/export/summary.html")
@signed_in
def export_summary(session_id: str) -> Response:
    """Show the printable session summary."""
    languages = accepted_languages(request.headers.get("Accept-Language"))
    response = download(service().export(user(), session_id, "summary.html", address(), languages))
    response.vary.add("Accept-Language")
    return response


# -- phones ---------------------------------------------------------------------------


@bp.post("/api/join")
def join() -> Any:
    """A phone joins with a code and an optional name; it keeps the returned token."""
    data = s.Join().load(json_body())
    joined = service().join(
        data["code"],
        data.get("name"),
        address(),
        data["guest"],
        consent=data["consent"],
        language=data.get("language"),
        read_in=_page_language(),
    )
    return jsonify(ok=True, **joined), 201


@bp.get("/api/consent")
def consent() -> Any:
    """Return the consent text a phone shows, and the member agrees to, before joining:
    the deployment's, or the default in the language of the page (its Accept-Language)."""
    response = jsonify(ok=True, **service().consent(_page_language()))
    response.vary.add("Accept-Language")
    return response


def _page_language() -> str:
    # The phone's page sends the language it shows in Accept-Language (client/js/dom.js).
    catalogs: Catalogs = current_app.extensions["facilitator.catalogs"]
    return catalogs.from_header(request.headers.get("Accept-Language"))


@bp.get("/j/<code>")
def join_link(code: str) -> Any:
    """The QR code's address: the phone page with the code filled in."""
    if len(code) > 32:
        abort(404)
    return redirect(f"/join?code={code}")


@bp.get("/api/join-url/<code>")
def public_join_url(code: str) -> Any:
    """Return the address phones open for a join code: the QR code's content."""
    if len(code) > 32:
        abort(404)
    return jsonify(ok=True, url=join_url(code))


@bp.get("/api/languages")
def languages() -> Any:
    """Return every language the protocols are offered in, each named in itself."""
    return jsonify(ok=True, languages=service().languages())


@bp.get("/api/crisis")
def crisis() -> Any:
    """Return the crisis resources shown on every participant screen, in the course's
    language and for its region when the page names them."""
    language, region = request.args.get("language"), request.args.get("region")
    return jsonify(ok=True, **service().crisis(language, region))


@bp.get("/api/time")
def server_time() -> Any:
    """Return the server's clock, the reference for every timer on screen."""
    return jsonify(ok=True, now=time.time())


@bp.get("/healthz")
def health() -> Any:
    """Tell a load balancer whether this process can reach its store."""
    service().health()
    return jsonify(ok=True)


# -- the audit log --------------------------------------------------------------------


@bp.get("/api/audit")
@signed_in
def audit_log() -> Any:
    """Return the audit entries the signed-in facilitator may read (?user= for an admin)."""
    return jsonify(ok=True, entries=service().audit_entries(user(), request.args.get("user")))


@bp.get("/api/audit/export.<kind>")
@signed_in
def export_audit(kind: str) -> Response:
    """Download the readable audit entries as JSON Lines (jsonl) or CSV (csv)."""
    return download(service().audit_export(user(), request.args.get("user"), kind, address()))
