"""Payload schemas for every Socket.IO event and JSON request. Unknown fields are refused."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from facilitator.errors import N_
from facilitator.lengths import ACTION_ID_MAX, NAME_MAX, TEXT_MAX
from facilitator.service.api import SIGNAL_KINDS
from facilitator.service.course_actions import ATTENDANCE, PROBLEM_AREAS, STEP_REVIEWS
from facilitator.service.safety import RISK_ACTIONS

ID = validate.Length(min=1, max=64)
NOT_TEXT = N_("must be text without lone surrogates (\\ud800-\\udfff)")


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
            raise ValidationError(N_("must be a number, a list of numbers or a text"))
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


class RevealPoll(PollRef):
    # False: revealed to the facilitators only, shown to the room later (show_results).
    show = fields.Boolean(truthy={True}, falsy={False}, load_default=True)


class PinResults(Versioned):
    pinned = fields.Boolean(truthy={True}, falsy={False}, required=True)


class HideWord(PollRef):
    # A word as the console lists it (normalised); normalised again by the server.
    word = Str(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    hidden = fields.Boolean(truthy={True}, falsy={False}, required=True)


class PushRolePlay(Versioned):
    role_play = Str(required=True, validate=ID)
    assignments = fields.Dict(
        keys=Str(validate=ID),
        values=Str(validate=ID, allow_none=True),
        required=True,
        validate=validate.Length(max=20),
    )


class ComposeRolePlay(Versioned):
    """A role-play written on the console: the member's situation, the other person."""

    situation = Str(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    other_role = Str(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    relation = Str(load_default="", validate=validate.Length(max=NAME_MAX))
    member_card = Str(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    other_card = Str(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    area = Str(load_default="", validate=validate.OneOf(("", *PROBLEM_AREAS)))
    assignments = fields.Dict(
        keys=Str(validate=validate.OneOf(("member", "other"))),
        values=Str(validate=ID, allow_none=True),
        required=True,
    )


class RecordFidelity(Versioned):
    # Indices of the checklist items ticked.
    done = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=0, max=99)),
        required=True,
        validate=validate.Length(max=100),
    )
    reflection = Str(load_default="", validate=validate.Length(max=TEXT_MAX))


class RecordDecision(Versioned):
    participant_id = Str(required=True, validate=ID)
    decision = Str(required=True, validate=validate.OneOf(("join", "refer")))
    note = Str(load_default="", validate=validate.Length(max=TEXT_MAX))


class RolePlayRef(Versioned):
    role_play_id = Str(required=True, validate=ID)


class Text(Versioned):
    text = Str(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


class SignalRef(Versioned):
    signal_id = Str(required=True, validate=ID)


class RiskActionRef(Versioned):
    alert_id = Str(required=True, validate=ID)
    action = Str(required=True, validate=validate.OneOf(RISK_ACTIONS))
    note = Str(load_default="", validate=validate.Length(max=TEXT_MAX))


class RiskAction(Schema):
    action = Str(required=True, validate=validate.OneOf(RISK_ACTIONS))
    note = Str(load_default="", validate=validate.Length(max=TEXT_MAX))


class EnterAnswer(Versioned):
    poll_id = Str(required=True, validate=ID)
    participant_id = Str(required=True, validate=ID)
    value = AnswerValue(required=True)


class AddMember(Versioned):
    name = Str(load_default=None, validate=validate.Length(max=NAME_MAX), allow_none=True)
    # A member of the meeting's course who has come without a phone.
    member_id = Str(load_default=None, validate=ID, allow_none=True)


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


#: A language tag as a client sends it (es, fr, pt-BR); the service checks it is offered.
LANGUAGE = validate.Length(min=1, max=35)


class SetLanguage(Versioned):
    language = Str(required=True, validate=LANGUAGE)


class ChooseLanguage(Schema):
    language = Str(required=True, validate=LANGUAGE)


class Join(Schema):
    code = Str(required=True, validate=validate.Length(min=1, max=32))
    # The language the phone reads the protocol in; absent: the session's.
    language = Str(validate=LANGUAGE, allow_none=True)
    name = Str(validate=validate.Length(max=NAME_MAX), allow_none=True)
    # A meeting of a course: join this meeting only, without a place in the course.
    guest = fields.Boolean(truthy={True}, falsy={False}, load_default=False)
    # The member agreed to the consent text: without it, the join is refused.
    consent = fields.Boolean(truthy={True}, falsy={False}, load_default=False)


class CreateSession(Schema):
    protocol_id = Str(required=True, validate=ID)
    session_number = fields.Integer(strict=True, required=True)
    # Absent: the first of the browser's Accept-Language the protocol offers.
    language = Str(validate=LANGUAGE, allow_none=True)


class Invite(Schema):
    # Only true or false: "yes" or 1 for a grant of access is too loose to read.
    may_export = fields.Boolean(truthy={True}, falsy={False}, load_default=False)


# -- courses --------------------------------------------------------------------------


class CreateCourse(Schema):
    protocol_id = Str(required=True, validate=ID)
    # The neutral title phones and the room display show, e.g. "Tuesday group".
    title = Str(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    # Absent: the first of the browser's Accept-Language the protocol offers.
    language = Str(load_default=None, validate=validate.Regexp(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"))
    planned = fields.List(fields.Date(), load_default=list, validate=validate.Length(max=20))
    # A region code (MX, 419) for the phones' crisis resources, "" for none; checked by
    # the service, as is the time zone (an IANA name, "" for the deployment's).
    region = Str(load_default="", validate=validate.Length(max=8))
    time_zone = Str(load_default="", validate=validate.Length(max=64))


class CourseLanguage(Schema):
    language = Str(required=True, validate=LANGUAGE)


class CourseSettings(Schema):
    region = Str(required=True, validate=validate.Length(max=8))
    time_zone = Str(required=True, validate=validate.Length(max=64))


class Attendance(Schema):
    status = Str(required=True, validate=validate.OneOf(ATTENDANCE))


class Plan(Schema):
    areas = fields.List(
        Str(validate=validate.OneOf(PROBLEM_AREAS)), required=True, validate=validate.Length(max=4)
    )
    goal = Str(load_default="", validate=validate.Length(max=TEXT_MAX))
    key_people = fields.List(
        Str(validate=validate.Length(min=1, max=NAME_MAX)),
        load_default=list,
        validate=validate.Length(max=12),
    )


class PlanNote(Schema):
    n = fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=100))
    text = Str(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


class CourseJoin(Schema):
    code = Str(required=True, validate=validate.Length(min=1, max=32))
    name = Str(validate=validate.Length(max=NAME_MAX), allow_none=True)
    consent = fields.Boolean(truthy={True}, falsy={False}, load_default=False)


class LeaveCourse(Schema):
    membership = Str(required=True, validate=validate.Length(min=1, max=1000))
    # Ask for what the course keeps about the member to be erased, not only to leave.
    erase = fields.Boolean(truthy={True}, falsy={False}, load_default=False)


class Relink(Schema):
    code = Str(required=True, validate=validate.Length(min=1, max=32))


class Attend(Schema):
    membership = Str(required=True, validate=validate.Length(min=1, max=1000))


class SetStep(Schema):
    action_id = Str(required=True, validate=validate.Length(min=1, max=ACTION_ID_MAX))
    text = Str(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


class ReviewStep(Schema):
    action_id = Str(required=True, validate=validate.Length(min=1, max=ACTION_ID_MAX))
    tried = Str(required=True, validate=validate.OneOf(STEP_REVIEWS))
