"""Who may call each HTTP route of one session, with co-facilitators: the agreed table.

The owner created the session; a co-facilitator was invited by the owner, with or
without the grant to export; a stranger is a facilitator account that runs sessions of
its own but was not invited to this one. A phone's browser and the room display hold no
sign-in, so every route of a session answers them as it answers a browser not signed in.
"""

from __future__ import annotations

import re

ROLES = (
    "owner",
    "co_facilitator",
    "co_facilitator_with_export",
    "stranger",
    "participant",
    "display",
    "not_signed_in",
)

_EVERY_FACILITATOR = (200, 200, 200, 403, 401, 401, 401)
_OWNER_ONLY = (200, 403, 403, 403, 401, 401, 401)
_EXPORTERS = (200, 403, 200, 403, 401, 401, 401)

# Route ("METHOD /path" with <variables>) -> the status each role in ROLES gets.
STATUS: dict[str, tuple[int, ...]] = {
    "GET /api/sessions/<session_id>/links": _EVERY_FACILITATOR,
    "GET /api/sessions/<session_id>/facilitators": _EVERY_FACILITATOR,
    "PUT /api/sessions/<session_id>/facilitators/<user>": _OWNER_ONLY,
    "DELETE /api/sessions/<session_id>/facilitators/<user>": _OWNER_ONLY,
    "GET /api/sessions/<session_id>/export/log.jsonl": _EXPORTERS,
    "GET /api/sessions/<session_id>/export/results.csv": _EXPORTERS,
    "GET /api/sessions/<session_id>/export/summary.html": _EXPORTERS,
    "DELETE /api/sessions/<session_id>": _OWNER_ONLY,
    # Whoever runs the session erases a member who asks, there and then.
    "POST /api/sessions/<session_id>/participants/<participant_id>/erase": _EVERY_FACILITATOR,
}

ERROR_CODES = {401: "unauthenticated", 403: "forbidden"}


def status_of(route: str, role: str) -> int:
    """Return the status `role` gets from `route`."""
    return STATUS[route][ROLES.index(role)]


def shape(route: str) -> str:
    """Return `route` with its path variables unnamed, to compare with the app's routes."""
    return re.sub(r"<[^>]*>", "<>", route)
