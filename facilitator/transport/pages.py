"""The three screens' pages and static files, and the read-only data the pages need.

Everything a page loads comes from this app: its HTML, one ES module per screen, the
CSS, and the few vendor files npm installs (facilitator/locations.py). A strict
Content-Security-Policy on every response (transport/headers.py) keeps it that way.
"""

from __future__ import annotations

import gzip
import time
from typing import Any

import yaml
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

from facilitator.config import Settings
from facilitator.errors import Refused
from facilitator.library.catalog import Catalog
from facilitator.locations import CLIENT_DIR, VENDOR_FILES
from facilitator.transport.http import current_user, join_url, signed_in

bp = Blueprint("pages", __name__)

ASSET_DIRS = ("js", "css")

DEFAULT_CRISIS: dict[str, Any] = {
    "title": "If you are in danger or thinking of harming yourself",
    "text": (
        "You do not have to face this alone. If you might act on thoughts of harming "
        "yourself, or you are in danger now, contact your local emergency services at "
        "once. Tell someone you trust how you feel, or ask the facilitator for help."
    ),
    "contacts": [
        {"name": "Local emergency services", "detail": "Call your local emergency number."},
        {"name": "Someone you trust", "detail": "A friend, a family member or a neighbour."},
        {"name": "Your facilitator", "detail": "Tap 'I need support', or speak to them."},
    ],
}


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


@bp.get("/console/<session_id>")
def console(session_id: str) -> Any:
    """The facilitator's console for one session; the page checks ownership by API."""
    if current_user() is None:
        return redirect("/login")
    return _page("console")


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


@bp.get("/assets/vendor/<name>")
def vendor(name: str) -> Response:
    """Serve one of the few vendor files installed by npm ci in client/."""
    path = VENDOR_FILES.get(name)
    if path is None or not path.is_file():
        abort(404)
    return _compressed(send_from_directory(path.parent, path.name, max_age=3600))


_gzipped: dict[tuple[str, str], bytes] = {}


def _compressed(response: Response) -> Response:
    # Phones on slow links: gzip shrinks the socket.io client from 47 KB to 15 KB.
    if response.status_code != 200 or "gzip" not in request.headers.get("Accept-Encoding", ""):
        return response
    response.direct_passthrough = False
    key = (request.path, response.headers.get("ETag", ""))
    if key not in _gzipped:
        _gzipped[key] = gzip.compress(response.get_data(), compresslevel=9)
    response.set_data(_gzipped[key])
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    return response


# -- read-only data for the pages -----------------------------------------------------


@bp.get("/api/time")
def server_time() -> Any:
    """Return the server's clock, the reference for every timer on screen."""
    return jsonify(ok=True, now=time.time())


@bp.get("/api/join-url/<code>")
def public_join_url(code: str) -> Any:
    """Return the address phones open for a join code: the QR code's content."""
    if len(code) > 32:
        abort(404)
    return jsonify(ok=True, url=join_url(code))


@bp.get("/api/protocols/<protocol_id>")
@signed_in
def protocol_detail(protocol_id: str) -> Any:
    """Return a protocol's polls and its role-play library with roles."""
    catalog: Catalog = current_app.extensions["facilitator.service"].catalog
    try:
        protocol = catalog.protocol(protocol_id)
    except KeyError:
        raise Refused("not_found", f"no protocol {protocol_id!r}", 404) from None
    polls = catalog.polls_for(protocol_id)
    return jsonify(
        ok=True,
        id=protocol.id,
        title=protocol.title,
        polls=[
            {"id": key, "question": p.question, "type": p.type.value, "anonymous": p.anonymous}
            for key, p in polls.items()
        ],
        role_plays=[
            {
                "id": key,
                "title": rp.title,
                "area": rp.area,
                "scenario": rp.scenario,
                "roles": [{"id": r.id, "name": r.name, "observer": r.observer} for r in rp.roles],
            }
            for key, rp in protocol.role_plays.items()
        ],
    )


@bp.get("/api/crisis")
def crisis() -> Any:
    """Return the crisis resources shown on every participant screen."""
    return jsonify(ok=True, **crisis_resources())


def crisis_resources() -> dict[str, Any]:
    """Read the deployment's crisis file (FACILITATOR_CRISIS_FILE), or the default."""
    settings: Settings | None = current_app.config.get("FACILITATOR_SETTINGS")
    path = settings.crisis_file if settings else None
    if path is None:
        return DEFAULT_CRISIS
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        current_app.logger.warning("crisis file %s could not be read; using the default", path)
        return DEFAULT_CRISIS
    if not isinstance(data, dict):
        return DEFAULT_CRISIS
    contacts = data.get("contacts") or []
    return {
        "title": str(data.get("title") or DEFAULT_CRISIS["title"]),
        "text": str(data.get("text") or DEFAULT_CRISIS["text"]),
        "contacts": [
            {"name": str(c.get("name", "")), "detail": str(c.get("detail", ""))}
            for c in contacts
            if isinstance(c, dict)
        ]
        or DEFAULT_CRISIS["contacts"],
    }
