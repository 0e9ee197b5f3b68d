"""The one error shape of every ack and JSON error: {"ok": false, "error": {code, message}}."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from facilitator.core.errors import DomainError
from facilitator.storage.base import StorageError

#: The errors the service raises besides Refused: a rule of the session said no, or
#: the store could not do it. Each is answered in the error shape, never as a crash.
SERVICE_ERRORS: tuple[type[Exception], ...] = (DomainError, StorageError)

#: Errors that Flask and Werkzeug raise before or around a view, as the error shape says them.
HTTP_ERRORS = {
    400: ("invalid", "The request could not be read."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not take that method."),
    413: ("too_large", "The request body is larger than 64 KiB."),
    # An HTTP request has no resync, unlike an event: the message must not offer one.
    500: ("internal", "Something went wrong on the server."),
}


#: The HTTP status of each error code. The service names what went wrong; only the
#: edge turns that into a status, here, for every route and the sign-in page alike.
STATUS = {
    "invalid": 400,
    "consent_required": 400,
    "unauthenticated": 401,
    "expired": 401,
    "revoked": 401,
    "wrong_password": 401,
    "link_invalid": 401,
    "forbidden": 403,
    "removed": 403,
    "left": 403,
    "csrf": 403,
    "not_found": 404,
    "unknown_code": 404,
    "conflict": 409,
    "not_meeting": 409,
    "name_taken": 409,
    "stale_version": 409,
    "rate_limited": 429,
    "busy": 503,
    "storage_unavailable": 503,
}


class Refused(Exception):
    """A request refused: not signed in, not allowed, too many attempts, out of date."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def error_body(error: Exception) -> dict[str, Any]:
    """Return the error shape for any error the app reports to a client."""
    if isinstance(error, (Refused, DomainError)):
        code, message = error.code, error.message
    elif isinstance(error, StorageError):
        code, message = error.code, str(error)
    elif isinstance(error, ValidationError):
        code, message = "invalid", describe_validation(error.messages)
    elif isinstance(error, HTTPException) and error.code in HTTP_ERRORS:
        code, message = HTTP_ERRORS[error.code]
    elif isinstance(error, HTTPException) and error.code and error.code < 500:
        code, message = error.name.lower().replace(" ", "_"), f"{error.name.capitalize()}."
    else:
        code, message = (
            "internal",
            "Something went wrong on the server. Resync to see what was saved.",
        )
    return {"ok": False, "error": {"code": code, "message": message}}


def status_of(error: Exception) -> int:
    """Return the HTTP status that goes with an error."""
    if isinstance(error, Refused):
        return STATUS.get(error.code, 400)
    if isinstance(error, (DomainError, StorageError)):
        # A rule of the session said no: the request was well formed, the state was not.
        return STATUS.get(error.code, 409)
    if isinstance(error, ValidationError):
        return 400
    if isinstance(error, HTTPException) and error.code and error.code < 500:
        return error.code
    return 500


def describe_validation(messages: Any, prefix: str = "") -> str:
    """Flatten marshmallow's nested messages into one readable sentence."""
    if isinstance(messages, dict):
        parts = [describe_validation(v, f"{prefix}{k}: ") for k, v in sorted(messages.items())]
        return "; ".join(parts)
    if isinstance(messages, list):
        return prefix + " ".join(str(m) for m in messages)
    return prefix + str(messages)
