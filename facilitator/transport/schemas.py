"""Payload schemas for every Socket.IO event and JSON request. Unknown fields are refused."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from facilitator.lengths import ACTION_ID_MAX, NAME_MAX, TEXT_MAX
from facilitator.service.api import SIGNAL_KINDS

ID = validate.Length(min=1, max=64)
NOT_TEXT = "must be text without lone surrogates (\\ud800-\\udfff)"


def encodable(value: str) -> bool:
    """Tell whether `value` can be written as UTF-8, as every store and export does."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # JSON's "\ud800" escape decodes to a lone surrogate: accepted, it made every
        # later export of its session fail.
        return False
    return True


class Str(fields.String):
    """A string that can be stored and exported: refused when it holds a lone surrogate."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not encodable(text):
            raise ValidationError(NOT_TEXT)
        return text


class AnswerValue(fields.Field[Any]):
    """An answer: a whole number, a short list of whole numbers, or a text."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool):
            raise ValidationError("must be a number, a list of numbers or a text")
        if isinstance(value, int) and -1000 <= value <= 1000:
            return value
        if isinstance(value, str) and len(value) <= TEXT_MAX:
            if not encodable(value):
                raise ValidationError(NOT_TEXT)
            return value
        if (
            isinstance(value, list)
            and len(value) <= 50
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        ):
            return value
        raise ValidationError(
            f"must be a number, a list of at most 50 numbers or a text of at most {TEXT_MAX}"
            " characters"
        )


class Versioned(Schema):
    """A facilitator command: applied once per `command_id`; `version`, when sent, must
    be no older than the session's last facilitator command."""

    command_id = Str(required=True, validate=validate.Length(min=1, max=ACTION_ID_MAX))
    version = fields.Integer(strict=True, validate=validate.Range(min=1), allow_none=True)


class Jump(Versioned):
    index = fields.Integer(strict=True, required=True)


class OpenPoll(Versioned):
    poll = Str(required=True, validate=ID)


class PollRef(Versioned):
    poll_id = Str(required=True, validate=ID)


class PushRolePlay(Versioned):
    role_play = Str(required=True, validate=ID)
    assignments = fields.Dict(
        keys=Str(validate=ID),
        values=Str(validate=ID, allow_none=True),
        required=True,
        validate=validate.Length(max=20),
    )


class RolePlayRef(Versioned):
    role_play_id = Str(required=True, validate=ID)


class Text(Versioned):
    text = Str(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


class SignalRef(Versioned):
    signal_id = Str(required=True, validate=ID)


class ParticipantRef(Versioned):
    participant_id = Str(required=True, validate=ID)


class SubmitAnswer(Schema):
    action_id = Str(required=True, validate=validate.Length(min=1, max=ACTION_ID_MAX))
    poll_id = Str(required=True, validate=ID)
    value = AnswerValue(required=True)


class SendSignal(Schema):
    action_id = Str(required=True, validate=validate.Length(min=1, max=ACTION_ID_MAX))
    kind = Str(required=True, validate=validate.OneOf(SIGNAL_KINDS))


class Sync(Schema):
    version = fields.Integer(strict=True, validate=validate.Range(min=0), allow_none=True)


class Empty(Schema):
    """An event that takes no fields."""


class Join(Schema):
    code = Str(required=True, validate=validate.Length(min=1, max=32))
    name = Str(validate=validate.Length(max=NAME_MAX), allow_none=True)


class CreateSession(Schema):
    protocol_id = Str(required=True, validate=ID)
    session_number = fields.Integer(strict=True, required=True)


class Invite(Schema):
    # Only true or false: "yes" or 1 for a grant of access is too loose to read.
    may_export = fields.Boolean(truthy={True}, falsy={False}, load_default=False)
