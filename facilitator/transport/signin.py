"""Sign-in and sign-out: the form, one-time links, and ending sign-ins."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from facilitator.catalogs import Catalogs, direction
from facilitator.errors import Refused, status_of
from facilitator.service.signins import DEVICE_COOKIE, DEVICE_LIFETIME, Granted
from facilitator.transport.web import (
    address,
    check_csrf,
    csrf_token,
    json_body,
    refusal_body,
    service,
    signed_in,
    user,
)

bp = Blueprint("signin", __name__)


@bp.get("/login")
def login_page() -> Any:
    """Show the sign-in form; a one-time link (/login#token=...) is sent on by its script."""
    return _login_form("", 200)


@bp.post("/login")
def login() -> Any:
    """Sign in with a user name and password."""
    try:
        check_csrf()
        granted = service().signins.sign_in(
            request.form.get("name", ""),
            request.form.get("password", ""),
            address(),
            request.cookies.get(DEVICE_COOKIE, ""),
        )
    except Refused as error:
        return _login_form(refusal_body(error)["error"]["message"], status_of(error))
    return _start_signin(redirect("/"), granted)


@bp.post("/login/link")
def login_with_link() -> Any:
    """Sign in with a one-time link's token, sent in the body: never in an address."""
    check_csrf()
    token = json_body().get("token")
    granted = service().signins.sign_in_with_link(
        token if isinstance(token, str) else "", address()
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
    check_csrf()
    service().signins.sign_out(session.get("signin"))
    session.clear()
    return redirect(url_for("signin.login_page"))


@bp.post("/logout/everywhere")
@signed_in
def logout_everywhere() -> Any:
    """End every sign-in of this account, and its console and display links."""
    service().signins.sign_out_everywhere(user())
    session.clear()
    return redirect(url_for("signin.login_page"))


def _login_form(error: str, status: int) -> Response:
    # The form is drawn on the server, before any script could ask the browser: in the
    # first language of its Accept-Language that the catalogs have.
    catalogs: Catalogs = current_app.extensions["facilitator.catalogs"]
    language = catalogs.from_header(request.headers.get("Accept-Language"))

    def gettext(message: str) -> str:
        return catalogs.gettext(language, "login", message)

    def ngettext(singular: str, plural: str, count: int) -> str:
        return catalogs.ngettext(language, "login", singular, plural, count)

    page = render_template(
        "login.html",
        error=error,
        csrf=csrf_token(),
        language=language,
        direction=direction(language),
        gettext=gettext,
        ngettext=ngettext,
        _=gettext,
    )
    response = make_response(page, status)
    response.vary.add("Accept-Language")
    return response
