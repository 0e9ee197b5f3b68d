"""HTTP views: sign-in, sessions, joining, exports. JSON errors use the one error shape."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template_string,
    request,
    session,
    url_for,
)
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from facilitator.core.errors import DomainError
from facilitator.errors import Refused, error_body, status_of
from facilitator.service import audit, exports
from facilitator.service.codes import grouped_code
from facilitator.service.sessions import SessionService
from facilitator.service.signins import DEVICE_COOKIE, DEVICE_LIFETIME, Granted, SignIns
from facilitator.service.tokens import Actor, Role, TokenSigner
from facilitator.storage.base import AuditEntry, StorageError
from facilitator.transport import schemas as s

bp = Blueprint("http", __name__)
F = TypeVar("F", bound=Callable[..., Any])


def _service() -> SessionService:
    service: SessionService = current_app.extensions["facilitator.service"]
    return service


def _signer() -> TokenSigner:
    signer: TokenSigner = current_app.extensions["facilitator.signer"]
    return signer


def _signins() -> SignIns:
    signins: SignIns = current_app.extensions["facilitator.signins"]
    return signins


def current_user() -> str | None:
    """Return who this browser is signed in as, checked against the server's record."""
    if "user" not in g:
        g.user = _signins().user_of(session.get("signin"))
    user: str | None = g.user
    return user


def csrf_token() -> str:
    """Return this browser session's CSRF token, creating it on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return str(session["csrf"])


def _check_csrf() -> None:
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
        raise Refused("csrf", "this form has expired; reload the page and try again", 403)


def signed_in(view: F) -> F:
    """Let only a signed-in facilitator through; check CSRF on anything that changes."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            raise Refused("unauthenticated", "sign in first", 401)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            _check_csrf()
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


@bp.app_errorhandler(Refused)
@bp.app_errorhandler(DomainError)
@bp.app_errorhandler(StorageError)
@bp.app_errorhandler(ValidationError)
def _error(error: Exception) -> tuple[Response, int]:
    return jsonify(error_body(error)), status_of(error)


#: Addresses that answer JSON, so their errors too are in the one error shape.
JSON_PATHS = ("/api/", "/login/link", "/healthz")


@bp.app_errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Any:
    # Flask's own answers (no such address, wrong method, body too large, a crash) are
    # HTML pages; a program calling the API gets them in the error shape instead.
    if not request.path.startswith(JSON_PATHS):
        return error
    # A crash (500) was logged by Flask already; its answer says nothing of it.
    response = jsonify(error_body(error))
    response.status_code = status_of(error)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _owned(session_id: str) -> Actor:
    state = _service().current(session_id)
    user = str(current_user())
    if state.owner != user:
        raise Refused("forbidden", "you do not run this session", 403)
    return Actor(Role.FACILITATOR, session_id, user=user)


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refused("invalid", "send a JSON object")
    return body


# -- sign-in --------------------------------------------------------------------------

LOGIN_FORM = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in - Facilitator</title>
<link rel="stylesheet" href="/assets/css/app.css">
<script type="module" src="/assets/js/login.js"></script>
<main><h1>Sign in</h1>
<p id="login-error" class="error" role="alert">{{ error }}</p>
<form method="post" action="{{ url_for('http.login') }}">
<input type="hidden" name="csrf_token" value="{{ csrf }}" id="csrf">
<p><label for="name">User name</label>
<input id="name" name="name" autocomplete="username" required></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password"
 required></p>
<p><button type="submit">Sign in</button></p></form></main></html>"""


@bp.get("/login")
def login_page() -> Any:
    """Show the sign-in form; a one-time link (/login#token=...) is sent on by its script."""
    return _login_form("", 200)


@bp.post("/login")
def login() -> Any:
    """Sign in with a user name and password."""
    try:
        _check_csrf()
        granted = _signins().sign_in(
            request.form.get("name", ""),
            request.form.get("password", ""),
            request.remote_addr or "unknown",
            request.cookies.get(DEVICE_COOKIE, ""),
        )
    except Refused as error:
        return _login_form(error.message, error.status)
    return _start_signin(redirect("/"), granted)


@bp.post("/login/link")
def login_with_link() -> Any:
    """Sign in with a one-time link's token, sent in the body: never in an address."""
    _check_csrf()
    token = _json_body().get("token")
    granted = _signins().sign_in_with_link(
        token if isinstance(token, str) else "", request.remote_addr or "unknown"
    )
    return _start_signin(jsonify(ok=True), granted)


def _start_signin(response: Any, granted: Granted) -> Any:
    session.clear()
    session["signin"] = granted.secret
    # Lets this browser sign in to this account while the account is locked to others.
    response.set_cookie(
        DEVICE_COOKIE,
        granted.device,
        max_age=DEVICE_LIFETIME,
        path="/login",
        httponly=True,
        samesite="Strict",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.post("/logout")
def logout() -> Any:
    """Sign out: this sign-in ends on the server too (and one that already ended, quietly)."""
    _check_csrf()
    _signins().sign_out(session.get("signin"))
    session.clear()
    return redirect(url_for("http.login_page"))


@bp.post("/logout/everywhere")
@signed_in
def logout_everywhere() -> Any:
    """End every sign-in of this account, and its console and display links."""
    _signins().sign_out_everywhere(str(current_user()))
    session.clear()
    return redirect(url_for("http.login_page"))


def _login_form(error: str, status: int) -> tuple[str, int]:
    return render_template_string(LOGIN_FORM, error=error, csrf=csrf_token()), status


# -- JSON API -------------------------------------------------------------------------


@bp.get("/api/me")
@signed_in
def me() -> Any:
    """Return who is signed in, and the CSRF token for changes."""
    return jsonify(ok=True, user=current_user(), csrf_token=csrf_token())


@bp.get("/api/protocols")
@signed_in
def protocols() -> Any:
    """List protocols with their sessions."""
    catalog = _service().catalog
    return jsonify(
        ok=True,
        protocols=[
            {
                "id": p.id,
                "title": p.title,
                "sessions": [
                    {"n": x.n, "phase": x.phase.value, "title": x.title} for x in p.sessions
                ],
            }
            for p in catalog.protocols()
        ],
    )


@bp.get("/api/sessions")
@signed_in
def list_sessions() -> Any:
    """List the signed-in facilitator's sessions."""
    records = _service().store.sessions_of(str(current_user()))
    return jsonify(
        ok=True,
        sessions=[
            {
                "id": r.id,
                "title": r.title,
                "created_at": r.created_at,
                "join_code": grouped_code(r.join_code),
            }
            for r in records
        ],
    )


@bp.post("/api/sessions")
@signed_in
def create_session() -> Any:
    """Open a new live session of one protocol session."""
    data = s.CreateSession().load(_json_body())
    state = _service().create(str(current_user()), data["protocol_id"], data["session_number"])
    return jsonify(ok=True, **_links(Actor(Role.FACILITATOR, state.id, user=state.owner))), 201


@bp.get("/api/sessions/<session_id>/links")
@signed_in
def session_links(session_id: str) -> Any:
    """Return the console and display tokens and the join address of a session."""
    return jsonify(ok=True, **_links(_owned(session_id)))


@bp.delete("/api/sessions/<session_id>")
@signed_in
def delete_session(session_id: str) -> Any:
    """Erase a session and everything kept about it."""
    actor = _owned(session_id)
    _service().store.delete(session_id)
    _service().forget(session_id)
    _audit(audit.SESSION_DELETED, actor)
    return jsonify(ok=True)


def _links(actor: Actor) -> dict[str, Any]:
    state = _service().current(actor.session_id)
    signer = _signer()
    # Both end with the sign-in that asked for them.
    signin = _signins().reference(session.get("signin"))
    console = Actor(Role.FACILITATOR, state.id, user=actor.user, signin=signin)
    return {
        "session_id": state.id,
        "title": state.title,
        "join_code": grouped_code(state.join_code),
        "join_url": join_url(grouped_code(state.join_code)),
        "console_token": signer.issue(console),
        "display_token": signer.issue(Actor(Role.DISPLAY, state.id, signin=signin)),
    }


def join_url(code: str) -> str:
    """Return the address a phone opens to join with `code`."""
    base = current_app.config["FACILITATOR_PUBLIC_URL"] or request.host_url.rstrip("/")
    return f"{base.rstrip('/')}/j/{code}"


@bp.post("/api/join")
def join() -> Any:
    """A phone joins with a code and an optional name; it keeps the returned token."""
    data = s.Join().load(_json_body())
    address = request.remote_addr or "unknown"
    actor = _service().join(data["code"], data.get("name"), address)
    state = _service().current(actor.session_id)
    return jsonify(
        ok=True,
        token=_signer().issue(actor),
        session_id=actor.session_id,
        participant_id=actor.participant_id,
        name=state.participants[actor.participant_id].name,
    ), 201


# -- exports --------------------------------------------------------------------------


@bp.get("/api/sessions/<session_id>/export/log.jsonl")
@signed_in
def export_log(session_id: str) -> Response:
    """Download the full log as JSON Lines."""
    actor = _owned(session_id)
    lines = exports.log_lines(_service().store.read(session_id))
    body = "".join(f"{line}\n" for line in lines)
    _audit(audit.EXPORT, actor, "log.jsonl")
    return _download(body, "application/x-ndjson", f"session-{session_id}.jsonl")


@bp.get("/api/sessions/<session_id>/export/results.csv")
@signed_in
def export_results(session_id: str) -> Response:
    """Download poll results as CSV: aggregates for anonymous polls."""
    actor = _owned(session_id)
    body = exports.results_csv(_service().current(session_id))
    _audit(audit.EXPORT, actor, "results.csv")
    return _download(body, "text/csv; charset=utf-8", f"results-{session_id}.csv")


@bp.get("/api/sessions/<session_id>/export/summary.html")
@signed_in
def export_summary(session_id: str) -> Response:
    """Show the printable session summary."""
    actor = _owned(session_id)
    state = _service().current(session_id)
    body = exports.summary_html(state, _service().clock())
    _audit(audit.EXPORT, actor, "summary.html")
    return Response(body, mimetype="text/html")


def _audit(action: str, actor: Actor, detail: str = "") -> None:
    """Record what the signed-in facilitator did to one of their sessions."""
    audit.record(
        _service().store,
        _service().clock(),
        action,
        actor=actor.user,
        address=request.remote_addr or "",
        owner=actor.user,
        session_id=actor.session_id,
        detail=detail,
    )


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/healthz")
def health() -> Any:
    """Tell a load balancer whether this process can reach its store."""
    _service().store.version("")  # a cheap read: raises StorageError when the store is gone
    return jsonify(ok=True)


@bp.get("/j/<code>")
def join_link(code: str) -> Any:
    """The QR code's address: the phone page with the code filled in."""
    if len(code) > 32:
        abort(404)
    return redirect(f"/join?code={code}")


# -- the audit log --------------------------------------------------------------------


@bp.get("/api/audit")
@signed_in
def audit_log() -> Any:
    """Return the audit entries the signed-in facilitator may read (?user= for an admin)."""
    entries = _readable_audit()
    return jsonify(ok=True, entries=[audit.as_dict(entry) for entry in entries])


@bp.get("/api/audit/export.<kind>")
@signed_in
def export_audit(kind: str) -> Response:
    """Download the readable audit entries as JSON Lines (jsonl) or CSV (csv)."""
    if kind not in ("jsonl", "csv"):
        raise Refused("not_found", "the audit log exports as export.jsonl or export.csv", 404)
    entries = _readable_audit()
    if kind == "csv":
        body, mimetype = audit.as_csv(entries), "text/csv"
    else:
        body, mimetype = audit.as_json_lines(entries), "application/x-ndjson"
    user = str(current_user())
    audit.record(
        _service().store,
        _service().clock(),
        audit.AUDIT_EXPORTED,
        actor=user,
        address=request.remote_addr or "",
        owner=user,
        detail=f"audit.{kind}",
    )
    return _download(body, mimetype, f"audit.{kind}")


def _readable_audit() -> list[AuditEntry]:
    of = request.args.get("user")
    admins = current_app.config["FACILITATOR_SETTINGS"].admins
    return audit.readable_by(_service().store, str(current_user()), admins, of)
