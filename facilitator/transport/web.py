"""What every HTTP route shares: the service, who is signed in, CSRF, the error shape."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, g, jsonify, request, session
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from facilitator.catalogs import Catalogs
from facilitator.errors import SERVICE_ERRORS, Refused, error_body, status_of
from facilitator.service.api import Download, Service

F = TypeVar("F", bound=Callable[..., Any])
#: Addresses that answer JSON, so their errors too are in the one error shape.
JSON_PATHS = ("/api/", "/login/link", "/healthz")

errors = Blueprint("errors", __name__)


def service() -> Service:
    found: Service = current_app.extensions["facilitator.api"]
    return found


def current_user() -> str | None:
    """Return who this browser is signed in as, checked against the server's record."""
    if "user" not in g:
        g.user = service().signins.user_of(session.get("signin"))
    user: str | None = g.user
    return user


def user() -> str:
    """Return the signed-in user of a route guarded by `signed_in`."""
    return str(current_user())


def signin_reference() -> str:
    """Return the reference of this browser's sign-in, which its tokens carry."""
    return service().signins.reference(session.get("signin"))


def address() -> str:
    return request.remote_addr or "unknown"


def csrf_token() -> str:
    """Return this browser session's CSRF token, creating it on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return str(session["csrf"])


def check_csrf() -> None:
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
        raise Refused("csrf", "This form has expired. Reload the page and try again.")


def signed_in(view: F) -> F:
    """Let only a signed-in facilitator through; check CSRF on anything that changes."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            raise Refused("unauthenticated", "Sign in first.")
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            check_csrf()
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def json_body(optional: bool = False) -> dict[str, Any]:
    """Return the request's JSON object; with `optional`, no body at all reads as {}."""
    if optional and not request.get_data():
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refused("invalid", "Send a JSON object.")
    return body


def download(found: Download) -> Response:
    response = Response(found.body, mimetype=found.mimetype)
    if not found.inline:
        response.headers["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    return response


def join_url(code: str) -> str:
    """Return the address a phone opens to join with `code`."""
    base = current_app.config["FACILITATOR_PUBLIC_URL"] or request.host_url.rstrip("/")
    return f"{base.rstrip('/')}/j/{code}"


def reader_language() -> str:
    """Return the language of this request's reader, from its Accept-Language header.

    The pages send the language they show in Accept-Language with every fetch, so a
    refusal reads in the page's language; English where none is shipped.
    """
    catalogs: Catalogs = current_app.extensions["facilitator.catalogs"]
    return catalogs.from_header(request.headers.get("Accept-Language"))


def refusal_body(error: Exception) -> dict[str, Any]:
    """Return the error shape of `error`, its message in the reader's language."""
    return error_body(error, reader_language())


def _refused(error: Exception) -> tuple[Response, int]:
    response = jsonify(refusal_body(error))
    response.vary.add("Accept-Language")
    return response, status_of(error)


# The service's own errors come from core and storage, which the transport does not
# import: the error module names them.
for _kind in (Refused, ValidationError, *SERVICE_ERRORS):
    errors.app_errorhandler(_kind)(_refused)


@errors.app_errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Any:
    # Flask's own answers (no such address, wrong method, body too large, a crash) are
    # HTML pages; a program calling the API gets them in the error shape instead.
    if not request.path.startswith(JSON_PATHS):
        return error
    # A crash (500) was logged by Flask already; its answer says nothing of it.
    response = jsonify(refusal_body(error))
    response.vary.add("Accept-Language")
    response.status_code = status_of(error)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response
