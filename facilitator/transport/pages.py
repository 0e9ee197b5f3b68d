"""The three screens' pages and their static files; the data they read is in api_routes.

Everything a page loads comes from this app: its HTML, one ES module per screen, the
CSS, and the few vendor files npm installs (facilitator/locations.py). A strict
Content-Security-Policy on every response (transport/headers.py) keeps it that way.
"""

from __future__ import annotations

import gzip
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    request,
    send_from_directory,
)

from facilitator.catalogs import SCREENS, Catalogs
from facilitator.locations import CLIENT_DIR, VENDOR_FILES
from facilitator.transport.web import current_user

bp = Blueprint("pages", __name__)

ASSET_DIRS = ("js", "css")


def _page(name: str) -> Response:
    return send_from_directory(CLIENT_DIR, f"{name}.html", max_age=0)


# -- pages ----------------------------------------------------------------------------


@bp.get("/")
def home() -> Any:
    """The facilitator's home: their sessions, and a form to open a new one."""
    if current_user() is None:
        return redirect("/login")
    return _page("home")


@bp.get("/join")
def participant() -> Response:
    """The phone page: join with a code, then follow the session."""
    return _page("participant")


@bp.get("/join-worker.js")
def join_worker() -> Response:
    """The phone page's service worker, which keeps the page for a reload offline.

    Served from the root so that its scope may cover /join (a worker's scope is at most
    its own folder); the headers module marks it no-cache, so that phones check for a
    new one on every visit.
    """
    return _compressed(send_from_directory(CLIENT_DIR / "js", "join-worker.js", max_age=0))


@bp.get("/console/<session_id>")
def console(session_id: str) -> Any:
    """The facilitator's console for one session; the page checks ownership by API."""
    if current_user() is None:
        return redirect("/login")
    return _page("console")


@bp.get("/course/<course_id>")
def course(course_id: str) -> Any:
    """A course's page: meetings, members, attendance, plans and trends."""
    if current_user() is None:
        return redirect("/login")
    return _page("course")


@bp.get("/display/<session_id>")
def display(session_id: str) -> Response:
    """The room display; its token is in the address's fragment (#token=...), never sent."""
    return _page("display")


# -- static files ---------------------------------------------------------------------


@bp.get("/favicon.ico")
def favicon() -> Response:
    """No icon; an empty answer keeps browsers from logging a missing file."""
    return Response(status=204)


@bp.get("/assets/<folder>/<path:name>")
def asset(folder: str, name: str) -> Response:
    """Serve the screens' modules and styles."""
    if folder not in ASSET_DIRS:
        abort(404)
    return _compressed(send_from_directory(CLIENT_DIR / folder, name, max_age=300))


@bp.get("/assets/i18n/<screen>.json")
def screen_catalog(screen: str) -> Response:
    """Serve a screen's messages in the first language of `?languages=es-MX,fr` we have.

    The page sends every language it would take, most wanted first (its stored choice,
    then the browser's); without any, the Accept-Language header decides. The answer
    names the language chosen, English when none of them is shipped.
    """
    if screen not in SCREENS:
        abort(404)
    catalogs: Catalogs = current_app.extensions["facilitator.catalogs"]
    wanted = [tag for tag in request.args.get("languages", "").split(",")[:10] if tag.strip()]
    if wanted:
        language = catalogs.best(wanted)
    else:
        language = catalogs.from_header(request.headers.get("Accept-Language"))
    response = jsonify(catalogs.screen(screen, language))
    response.headers["Cache-Control"] = "max-age=300"
    response.vary.add("Accept-Language")
    return _compressed(response, variant=f"{screen}.{language}")


@bp.get("/assets/vendor/<name>")
def vendor(name: str) -> Response:
    """Serve one of the few vendor files installed by npm ci in client/."""
    path = VENDOR_FILES.get(name)
    if path is None or not path.is_file():
        abort(404)
    return _compressed(send_from_directory(path.parent, path.name, max_age=3600))


_gzipped: dict[tuple[str, str], bytes] = {}


def _compressed(response: Response, variant: str = "") -> Response:
    # Phones on slow links: gzip shrinks the socket.io client from 47 KB to 15 KB.
    if response.status_code != 200 or "gzip" not in request.headers.get("Accept-Encoding", ""):
        return response
    response.direct_passthrough = False
    key = (request.path, variant or response.headers.get("ETag", ""))
    if key not in _gzipped:
        _gzipped[key] = gzip.compress(response.get_data(), compresslevel=9)
    response.set_data(_gzipped[key])
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
