"""The one error shape of every ack and JSON error: {"ok": false, "error": {code, message}}."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from babel import Locale, UnknownLocaleError
from babel.lists import format_list
from flask import current_app, has_app_context
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from facilitator.core.errors import DomainError

# N_ is re-exported for the transport (its schemas' messages), which may not import core.
from facilitator.core.messages import N_ as N_
from facilitator.core.messages import Listing, Phrase, Said, fill, upper_first
from facilitator.languages import DEFAULT_LANGUAGE
from facilitator.storage.base import StorageError

if TYPE_CHECKING:
    from facilitator.catalogs import Catalogs

#: The catalog domain of every refusal and of the CLI.
DOMAIN = "server"

#: The errors the service raises besides Refused: a rule of the session said no, or
#: the store could not do it. Each is answered in the error shape, never as a crash.
SERVICE_ERRORS: tuple[type[Exception], ...] = (DomainError, StorageError)

#: Errors that Flask and Werkzeug raise before or around a view, as the error shape says them.
HTTP_ERRORS = {
    400: ("invalid", N_("The request could not be read.")),
    404: ("not_found", N_("There is nothing at this address.")),
    405: ("method_not_allowed", N_("This address does not take that method.")),
    413: ("too_large", N_("The request body is larger than 64 KiB.")),
    # An HTTP request has no resync, unlike an event: the message must not offer one.
    500: ("internal", N_("Something went wrong on the server.")),
}
INTERNAL = N_("Something went wrong on the server. Resync to see what was saved.")

#: Marshmallow's own messages that a payload's sender can meet, marked so that each is
#: said in the reader's language (describe_validation); the fields' names stay as sent.
VALIDATION = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid boolean."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Not a valid date."),
    N_("Invalid type."),
    N_("Invalid input type."),
    N_("Unknown field."),
)


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


class Refused(Said, Exception):
    """A request refused: not signed in, not allowed, too many attempts, out of date.

    `message` is an English template with {placeholders} filled from `params`, as a
    DomainError's is: the edge says it in the reader's language.
    """

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(self._say(message, params))
        self.code = code


def error_body(
    error: Exception, language: str = DEFAULT_LANGUAGE, catalogs: Catalogs | None = None
) -> dict[str, Any]:
    """Return the error shape for any error the app reports to a client.

    The message is in `language`, from the `server` catalog domain of `catalogs` (the
    app's when not given, English without one); the code is the same in every language.
    """
    if catalogs is None and has_app_context():
        catalogs = current_app.extensions.get("facilitator.catalogs")
    say = Saying(language, catalogs)
    if isinstance(error, (Refused, DomainError)):
        code, message = error.code, say(error.template, error.params)
    elif isinstance(error, StorageError):
        code, message = error.code, say(str(error))
    elif isinstance(error, ValidationError):
        code, message = "invalid", describe_validation(error.messages, say=say)
    elif isinstance(error, HTTPException) and error.code in HTTP_ERRORS:
        code, template = HTTP_ERRORS[error.code]
        message = say(template)
    elif isinstance(error, HTTPException) and error.code and error.code < 500:
        code, message = error.name.lower().replace(" ", "_"), f"{error.name.capitalize()}."
    else:
        code, message = "internal", say(INTERNAL)
    return {"ok": False, "error": {"code": code, "message": message}}


class Saying:
    """Says English templates in one language: the template, then each Phrase in it."""

    def __init__(self, language: str, catalogs: Catalogs | None) -> None:
        # Only a language with catalogs is spoken: any other is said in English whole,
        # never in English words with another language's lists.
        shipped = catalogs is not None and language in catalogs.languages
        self.language = language if shipped else DEFAULT_LANGUAGE
        self.catalogs = catalogs

    def __call__(self, template: str, params: dict[str, Any] | None = None) -> str:
        if self.catalogs is None or self.language == DEFAULT_LANGUAGE:
            return fill(template, params or {})
        msgid = template.msgid if isinstance(template, Phrase) else template
        text = self.catalogs.gettext(self.language, DOMAIN, msgid)
        if isinstance(template, Phrase) and template.capital:
            text = upper_first(text)
        return fill(text, {name: self.value(v) for name, v in (params or {}).items()})

    def value(self, value: Any) -> Any:
        """Return a param as the language says it: a phrase translated, names listed."""
        if isinstance(value, Phrase):
            return self(value)
        if isinstance(value, Listing) and len(value.items) > 1:
            return format_list(list(value.items), locale=list_locale(self.language))
        return value


def list_locale(language: str) -> str:
    """Return the CLDR locale that lists names for `language` (pseudo-languages: English)."""
    try:
        return str(Locale.parse(language, sep="-"))
    except (ValueError, UnknownLocaleError):
        return DEFAULT_LANGUAGE


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


def describe_validation(messages: Any, prefix: str = "", say: Saying | None = None) -> str:
    """Flatten marshmallow's nested messages into one readable sentence.

    Each field's messages are said with `say` where the catalog has them (marshmallow's
    own, such as "Missing data for required field.", are marked in VALIDATION below);
    the field names are the payload's, as the sender wrote them.
    """
    say = say or Saying(DEFAULT_LANGUAGE, None)
    if isinstance(messages, dict):
        parts = [describe_validation(v, f"{prefix}{k}: ", say) for k, v in sorted(messages.items())]
        return "; ".join(parts)
    if isinstance(messages, list):
        return prefix + " ".join(say(str(m)) for m in messages)
    return prefix + say(str(messages))
