"""Marshmallow schemas for protocol files and instrument files.

A schema checks one file on its own: shapes, types, unknown fields, ranges, and every
reference inside the file. Errors come back as marshmallow's nested messages, keyed by
field name and list index, so that the loader can name the path to each one.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from facilitator.core.poll_kinds import KIND_FIELDS, poll_kind, protocol_types
from facilitator.core.spec import MIN_REVEAL_THRESHOLD, StepKind
from facilitator.languages import DEFAULT_LANGUAGE, language_tag
from facilitator.lengths import TEXT_MAX

#: Ids of protocols, polls, role-plays, blocks and instruments; they appear in logs and URLs.
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
ID_RE = re.compile(ID_PATTERN)
PHASES = ("pre_group", "initial", "middle", "termination")
PROTOCOL_POLL_TYPES = protocol_types()
MEMBER_ROUND = StepKind.MEMBER_ROUND.value

Errors = dict[Any, Any]
#: Field metadata marking words people read, which a translation file gives in its language.
TRANSLATED = "translated"
#: What a text field that YAML read as something else is told.
NOT_TEXT = "must be text (put it in quotes)"


def _text(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Length(min=1, error="must not be empty"),
        # YAML reads a bare yes, no, on or off as true or false, and 12 as a number.
        error_messages={"invalid": NOT_TEXT},
        **kwargs,
    )


def _words(**kwargs: Any) -> fields.String:
    """Return a text field people read: translation files give it in their language."""
    return _text(metadata={TRANSLATED: True}, **kwargs)


class LanguageTag(fields.String):
    """A BCP 47 language tag (es, fr, pt-BR), loaded in its usual spelling."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        try:
            return language_tag(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None


def _identifier(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Regexp(ID_PATTERN, error="must be lower-case letters, digits, - or _"),
        **kwargs,
    )


def _whole(minimum: int, message: str, **kwargs: Any) -> fields.Integer:
    return fields.Integer(
        strict=True, validate=validate.Range(min=minimum, error=message), **kwargs
    )


def _positive_minutes(**kwargs: Any) -> fields.Integer:
    return _whole(1, "must be a positive number of minutes", **kwargs)


def _reveal_threshold(**kwargs: Any) -> fields.Integer:
    return _whole(
        MIN_REVEAL_THRESHOLD,
        f"must be at least {MIN_REVEAL_THRESHOLD}: fewer answers could identify who gave them",
        **kwargs,
    )


def _add(errors: Errors, path: tuple[Any, ...], message: str) -> None:
    """Put a message into marshmallow's nested error shape at the given path."""
    node = errors
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node.setdefault(path[-1], []).append(message)


def _duplicates(values: list[Any]) -> Iterator[tuple[int, int]]:
    """Yield (index, index of first occurrence) for each repeated value."""
    first: dict[Any, int] = {}
    for index, value in enumerate(values):
        if not isinstance(value, str | int):
            continue
        if value in first:
            yield index, first[value]
        else:
            first[value] = index


class IdMap(fields.Field[dict[str, Any]]):
    """A mapping from ids to values of one field, with errors keyed by id."""

    def __init__(self, values: fields.Field[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.values = values

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValidationError("must be a mapping of ids to entries")
        result: dict[str, Any] = {}
        errors: Errors = {}
        for key, item in value.items():
            if not isinstance(key, str) or not ID_RE.match(key):
                errors[str(key)] = ["id must be lower-case letters, digits, - or _"]
                continue
            try:
                result[key] = self.values.deserialize(item)
            except ValidationError as error:
                errors[key] = error.messages
        if errors:
            raise ValidationError(errors, valid_data=result)
        return result


class StrictSchema(Schema):
    """A schema that refuses unknown fields, so that a misspelt field cannot pass silently."""

    class Meta:
        unknown = RAISE

    error_messages = {  # noqa: RUF012 (marshmallow reads this class attribute)
        "unknown": "unknown field (check the spelling)",
        "type": "must be a mapping",
    }


# Protocol files


class DefaultsSchema(StrictSchema):
    session_minutes = _positive_minutes(load_default=90)
    group_size = fields.List(
        _whole(1, "must be at least 1"),
        validate=validate.Length(equal=2, error="must be [smallest, largest]"),
        load_default=[6, 12],
    )
    reveal_threshold = _reveal_threshold(load_default=3)

    @validates_schema
    def _check_group_size(self, data: dict[str, Any], **kwargs: Any) -> None:
        smallest, largest = data["group_size"]
        if smallest > largest:
            raise ValidationError({"group_size": ["smallest is above largest"]})


class PollSchema(StrictSchema):
    question = _words(required=True)
    type = fields.String(required=True, validate=validate.OneOf(PROTOCOL_POLL_TYPES))
    anonymous = fields.Boolean(load_default=True)
    facilitator_only = fields.Boolean(load_default=False)
    options = fields.List(_words())
    min = fields.Integer(strict=True)
    max = fields.Integer(strict=True)
    reveal_threshold = _reveal_threshold()
    max_length = fields.Integer(strict=True, validate=validate.Range(min=1, max=TEXT_MAX))

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check_type_fields(self, data: dict[str, Any], original_data: Any, **kwargs: Any) -> None:
        if not isinstance(original_data, dict):
            return
        kind = data.get("type")
        # An unknown type is refused by the field's own check, with the known ones listed.
        if kind not in PROTOCOL_POLL_TYPES:
            return
        entry = poll_kind(kind)
        errors: Errors = {}
        # Fields that mean nothing for this type are refused, not ignored: a scale poll
        # given options was almost certainly meant to be a choice poll.
        for name in KIND_FIELDS:
            if name not in entry.fields and name in original_data:
                _add(errors, (name,), f"not used by a {kind} poll")
        for path, message in entry.protocol_problems(original_data):
            _add(errors, path, message)
        if errors:
            raise ValidationError(errors)


class InstrumentPollSchema(StrictSchema):
    """A poll that asks an instrument under the protocol's own id, by name or anonymously.

    The wording, items and scoring stay the instrument file's; the protocol chooses only
    whether members answer by name.
    """

    instrument = _identifier(required=True)
    anonymous = fields.Boolean(required=True)
    # Defaults to the opposite of anonymous: named answers go to the facilitator only.
    facilitator_only = fields.Boolean()


class PollEntry(fields.Field[dict[str, Any]]):
    """A protocol's poll: its own question, or an instrument it names (with `instrument`)."""

    @staticmethod
    def schema_for(value: dict[str, Any]) -> Schema:
        """Return the schema of one poll entry."""
        return InstrumentPollSchema() if "instrument" in value else PollSchema()

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValidationError("must be a mapping")
        loaded: dict[str, Any] = self.schema_for(value).load(value)
        return loaded


class RoleSchema(StrictSchema):
    id = _identifier(required=True)
    name = _words(required=True)
    setup = _words(required=True)
    observer = fields.Boolean(load_default=False)


class RolePlaySchema(StrictSchema):
    title = _words(required=True)
    area = _text(required=True)
    scenario = _words(required=True)
    roles = fields.List(
        fields.Nested(RoleSchema),
        required=True,
        validate=validate.Length(min=2, error="needs at least two roles"),
    )
    debrief = fields.List(
        _words(), required=True, validate=validate.Length(min=1, error="needs a question")
    )

    @validates_schema
    def _check_roles(self, data: dict[str, Any], **kwargs: Any) -> None:
        roles = data["roles"]
        errors: Errors = {}
        for index, first in _duplicates([role["id"] for role in roles]):
            _add(errors, ("roles", index, "id"), f"duplicate role id (also roles[{first}])")
        observers = [index for index, role in enumerate(roles) if role["observer"]]
        # The observers' card goes to every member left without a role; two would clash.
        for index in observers[1:]:
            _add(errors, ("roles", index, "observer"), "only one role may be the observers'")
        if len(observers) == len(roles):
            _add(errors, ("roles",), "needs a role that is not an observer")
        if errors:
            raise ValidationError(errors)


class StepSchema(StrictSchema):
    use = _identifier()
    kind = fields.String(validate=validate.OneOf([k.value for k in StepKind]))
    title = _words()
    minutes = _positive_minutes()
    note = fields.String(metadata={TRANSLATED: True}, error_messages={"invalid": NOT_TEXT})
    poll = _identifier()
    role_play = _identifier()

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check_step(self, data: dict[str, Any], original_data: Any, **kwargs: Any) -> None:
        if not isinstance(original_data, dict):
            return
        errors: Errors = {}
        if "use" in original_data:
            others = sorted(set(original_data) - {"use"})
            if others:
                _add(errors, ("use",), f"a step with use takes no other fields: {others}")
        else:
            for name in ("kind", "title", "minutes"):
                if name not in original_data:
                    _add(errors, (name,), "Missing data for required field.")
            kind = data.get("kind")
            if kind == StepKind.ROLE_PLAY.value and "role_play" not in original_data:
                _add(errors, ("role_play",), "a role_play step needs a role_play id")
            if kind not in (None, StepKind.ROLE_PLAY.value) and "role_play" in original_data:
                _add(errors, ("role_play",), f"a {kind} step cannot run a role-play")
        if errors:
            raise ValidationError(errors)


class SessionSchema(StrictSchema):
    n = _whole(0, "must be 0 (pre-group) or more", required=True)
    phase = fields.String(required=True, validate=validate.OneOf(PHASES))
    title = _words(required=True)
    minutes = _positive_minutes()
    steps = fields.List(
        fields.Nested(StepSchema),
        required=True,
        validate=validate.Length(min=1, error="needs at least one step"),
    )
    fidelity = fields.List(_words(), load_default=list)
    # Instruments whose named answers a course records for each member at this meeting.
    measures = fields.List(_identifier(), load_default=list)


class CourseSchema(StrictSchema):
    """What a protocol says about running its sessions as a course of weekly meetings."""

    weekly_measure = _identifier()
    steps_carried_forward = fields.Boolean(load_default=False)
    member_round_phases = fields.List(
        fields.String(validate=validate.OneOf(PHASES)), load_default=list
    )


class SafetySchema(StrictSchema):
    """What a facilitator does when a member may be at risk: shown with every risk alert."""

    # The steps in order, e.g. ask, listen, do not leave them alone, who to call.
    script = fields.List(
        _words(), required=True, validate=validate.Length(min=1, error="needs at least one step")
    )
    # Who to call, in words: the deployment's supervisor contact is shown beside it.
    contacts_note = _words(load_default="")


class ProtocolSchema(StrictSchema):
    """A protocol file. Checks references against its own ids and the known instruments."""

    id = _identifier(required=True)
    version = _whole(1, "must be 1 or more", required=True)
    # The language the file is written in; translation files beside it add others.
    language = LanguageTag(load_default=DEFAULT_LANGUAGE)
    title = _words(required=True)
    source = _words(required=True)
    # A missing defaults mapping gets the same values as an empty one.
    defaults = fields.Nested(DefaultsSchema, load_default=lambda: DefaultsSchema().load({}))
    problem_areas = fields.List(_identifier(), load_default=list)
    polls = IdMap(PollEntry(), load_default=dict)
    role_plays = IdMap(fields.Nested(RolePlaySchema), load_default=dict)
    blocks = IdMap(fields.List(fields.Nested(StepSchema)), load_default=dict)
    course = fields.Nested(CourseSchema)
    safety = fields.Nested(SafetySchema)
    sessions = fields.List(
        fields.Nested(SessionSchema),
        required=True,
        validate=validate.Length(min=1, error="needs at least one session"),
    )

    def __init__(
        self,
        *,
        instrument_ids: Collection[str] = (),
        named_only: Collection[str] = (),
        **kwargs: Any,
    ) -> None:
        """`named_only` are the instruments whose files forbid asking them anonymously."""
        super().__init__(**kwargs)
        self.instrument_ids = frozenset(instrument_ids)
        self.named_only = frozenset(named_only)

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check_references(self, data: dict[str, Any], original_data: Any, **kwargs: Any) -> None:
        # Read the original document, not the loaded data: a list item that failed to
        # load may be missing from the loaded data, which would shift the indexes.
        if not isinstance(original_data, dict):
            return
        raw = original_data
        errors: Errors = {}
        polls = _keys(raw.get("polls"))
        role_plays = _keys(raw.get("role_plays"))
        blocks = _keys(raw.get("blocks"))
        for poll_id in polls & self.instrument_ids:
            _add(errors, ("polls", poll_id), "is also the id of an instrument; rename the poll")
        for poll_id, poll in _items(raw.get("polls")):
            self._check_instrument_poll(errors, ("polls", poll_id), poll)
        areas = raw.get("problem_areas")
        for index, first in _duplicates(_list(areas)):
            _add(errors, ("problem_areas", index), f"repeats problem_areas[{first}]")
        for play_id, play in _items(raw.get("role_plays")):
            area = play.get("area")
            if isinstance(area, str) and isinstance(areas, list) and area not in areas:
                _add(errors, ("role_plays", play_id, "area"), f"{area!r} is not in problem_areas")
        known = {"poll": polls | self.instrument_ids, "role_play": role_plays}
        for name, steps in _items(raw.get("blocks"), list):
            for index, step in _items(steps):
                path: tuple[Any, ...] = ("blocks", name, index)
                if "use" in step:
                    _add(errors, (*path, "use"), "a block cannot use another block")
                self._check_step_references(errors, path, step, known)
        sessions = raw.get("sessions")
        numbers = [s.get("n") if isinstance(s, dict) else None for s in _list(sessions)]
        for index, first in _duplicates(numbers):
            _add(
                errors,
                ("sessions", index, "n"),
                f"duplicate session number (also sessions[{first}])",
            )
        for index, session in _items(sessions):
            for step_index, step in _items(session.get("steps")):
                path = ("sessions", index, "steps", step_index)
                use = step.get("use")
                if isinstance(use, str) and use not in blocks:
                    _add(errors, (*path, "use"), f"unknown block {use!r}{_choices(blocks)}")
                self._check_step_references(errors, path, step, known)
        self._check_course(errors, raw)
        if errors:
            raise ValidationError(errors)

    def _check_course(self, errors: Errors, raw: dict[str, Any]) -> None:
        """Check the course section against the polls, and each session against it."""
        course = _mapping(raw.get("course"))
        polls = _mapping(raw.get("polls"))
        weekly = course.get("weekly_measure")
        if isinstance(weekly, str) and not self._check_weekly_measure(errors, weekly, polls):
            weekly = None
        phases = _list(course.get("member_round_phases"))
        for index, first in _duplicates(phases):
            _add(
                errors,
                ("course", "member_round_phases", index),
                f"repeats member_round_phases[{first}]",
            )
        listed = ", ".join(p for p in dict.fromkeys(phases) if isinstance(p, str)) or "none"
        blocks = _mapping(raw.get("blocks"))
        for index, session in _items(raw.get("sessions")):
            path: tuple[Any, ...] = ("sessions", index)
            steps = list(_expanded(session.get("steps"), blocks))
            kinds = {step.get("kind") for _, _, step in steps}
            opened = {step.get("poll") for _, _, step in steps}
            if isinstance(weekly, str) and weekly not in opened:
                _add(
                    errors,
                    (*path, "steps"),
                    f"no step opens the weekly measure {weekly!r}: "
                    "course.weekly_measure is asked at every meeting",
                )
            if _flag(course, "steps_carried_forward", False) and "closing" not in kinds:
                _add(
                    errors,
                    (*path, "steps"),
                    "needs a closing step: with course.steps_carried_forward, members "
                    "choose their step for the week there",
                )
            self._check_measures(errors, path, _list(session.get("measures")), polls, opened)
            phase = session.get("phase")
            if phase not in PHASES:
                continue  # the phase field reports its own error
            if phase in phases:
                if MEMBER_ROUND not in kinds:
                    _add(
                        errors,
                        (*path, "steps"),
                        f"needs a member_round step: course.member_round_phases lists {phase!r}",
                    )
                continue
            for step_index, block, step in steps:
                if step.get("kind") != MEMBER_ROUND:
                    continue
                what = (
                    "a member_round step"
                    if block is None
                    else f"the member_round step of block {block!r}"
                )
                _add(
                    errors,
                    (*path, "steps", step_index, "kind" if block is None else "use"),
                    f"{what} belongs only in sessions of the phases in "
                    f"course.member_round_phases ({listed}); this session's phase is {phase}",
                )

    def _check_weekly_measure(self, errors: Errors, weekly: str, polls: dict[str, Any]) -> bool:
        """Check the weekly measure is a named scale poll; return whether it names a poll."""
        path = ("course", "weekly_measure")
        poll = polls.get(weekly)
        if not isinstance(poll, dict):
            why = (
                f"{weekly!r} is an instrument; the weekly measure must be a scale poll "
                "of this protocol"
                if weekly in self.instrument_ids
                else f"unknown poll {weekly!r}{_choices(_keys(polls))}"
            )
            _add(errors, path, why)
            return False
        if poll.get("type") != "scale":
            _add(errors, path, f"poll {weekly!r} must be of type scale to be the weekly measure")
        # Answers are recorded per member, week after week: an anonymous poll has none.
        if _flag(poll, "anonymous", True) is True:
            _add(errors, path, f"poll {weekly!r} must be asked by name (anonymous: false)")
        return True

    def _check_measures(
        self,
        errors: Errors,
        path: tuple[Any, ...],
        measures: list[Any],
        polls: dict[str, Any],
        opened: set[Any],
    ) -> None:
        for index, first in _duplicates(measures):
            _add(errors, (*path, "measures", index), f"repeats measures[{first}]")
        for index, measure in enumerate(measures):
            if not isinstance(measure, str):
                continue
            where = (*path, "measures", index)
            if measure in polls:
                _add(
                    errors,
                    where,
                    f"{measure!r} is a poll, not an instrument; a named weekly poll "
                    "goes in course.weekly_measure",
                )
            elif measure not in self.instrument_ids:
                _add(
                    errors, where, f"unknown instrument {measure!r}{_choices(self.instrument_ids)}"
                )
            elif measure not in opened:
                # A measure is recorded from the answers to the step that asks it.
                _add(errors, where, f"no step of this session opens {measure!r}")

    def _check_instrument_poll(
        self, errors: Errors, path: tuple[Any, ...], poll: dict[str, Any]
    ) -> None:
        instrument = poll.get("instrument")
        if not isinstance(instrument, str):
            return  # a poll of the protocol's own, or a field error reported already
        if instrument not in self.instrument_ids:
            _add(
                errors,
                (*path, "instrument"),
                f"unknown instrument {instrument!r}{_choices(self.instrument_ids)}",
            )
        elif instrument in self.named_only and _flag(poll, "anonymous", False) is True:
            _add(
                errors,
                (*path, "anonymous"),
                f"must be false: instrument {instrument!r} may not be asked anonymously "
                "(its file says anonymous_allowed: false)",
            )

    @staticmethod
    def _check_step_references(
        errors: Errors, path: tuple[Any, ...], step: dict[str, Any], known: dict[str, set[str]]
    ) -> None:
        for name, ids in known.items():
            value = step.get(name)
            if isinstance(value, str) and value not in ids:
                what = name.replace("_", "-")
                _add(errors, (*path, name), f"unknown {what} {value!r}{_choices(ids)}")


def _keys(mapping: Any) -> set[str]:
    return {key for key in mapping if isinstance(key, str)} if isinstance(mapping, dict) else set()


def _items(container: Any, kind: type = dict) -> Iterator[tuple[Any, Any]]:
    """Yield (key or index, value) for the values of the given type in a dict or list."""
    if isinstance(container, dict):
        pairs: Iterator[tuple[Any, Any]] = iter(container.items())
    elif isinstance(container, list):
        pairs = enumerate(container)
    else:
        return
    yield from ((key, value) for key, value in pairs if isinstance(value, kind))


def _expanded(
    steps: Any, blocks: dict[str, Any]
) -> Iterator[tuple[int, str | None, dict[str, Any]]]:
    """Yield (step index, block name or None, step) for a session's steps, blocks expanded."""
    for index, step in _items(steps):
        use = step.get("use")
        if isinstance(use, str):
            for inner in _list(blocks.get(use)):
                if isinstance(inner, dict):
                    yield index, use, inner
        else:
            yield index, None, step


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _flag(mapping: dict[str, Any], name: str, default: bool) -> bool | None:
    """Read a yes/no field as its field would load it; None when it does not load."""
    if name not in mapping:
        return default
    try:
        return bool(fields.Boolean().deserialize(mapping[name]))
    except ValidationError:
        return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _choices(ids: Collection[str]) -> str:
    return f"; known: {', '.join(sorted(ids))}" if ids else "; none defined"


# Instrument files


class OptionSchema(StrictSchema):
    label = _words(required=True)
    score = fields.Integer(strict=True, required=True)


class ItemSchema(StrictSchema):
    id = _text(required=True)
    text = _words(required=True)
    risk = fields.Boolean(load_default=False)


class RangeSchema(StrictSchema):
    min = fields.Integer(strict=True, required=True)
    max = fields.Integer(strict=True, required=True)


class BandSchema(RangeSchema):
    label = _words(required=True)


class InstrumentSchema(StrictSchema):
    id = _identifier(required=True)
    # The language of the published form in this file; official translations sit beside it.
    language = LanguageTag(load_default=DEFAULT_LANGUAGE)
    title = _words(required=True)
    instructions = _words(required=True)
    options = fields.List(
        fields.Nested(OptionSchema),
        required=True,
        validate=validate.Length(min=2, error="needs at least two options"),
    )
    items = fields.List(
        fields.Nested(ItemSchema),
        required=True,
        validate=validate.Length(min=1, error="needs at least one item"),
    )
    multiplier = _whole(1, "must be 1 or more", load_default=1)
    scoring = fields.Nested(RangeSchema, required=True)
    severity = fields.List(fields.Nested(BandSchema), load_default=list)
    anonymous_allowed = fields.Boolean(required=True)
    reveal_threshold = _reveal_threshold(load_default=3)
    licence = _text(required=True)
    attribution = _text(required=True)
    source = _text(required=True)

    @validates_schema
    def _check_instrument(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: Errors = {}
        items, options = data["items"], data["options"]
        for index, first in _duplicates([item["id"] for item in items]):
            _add(errors, ("items", index, "id"), f"duplicate item id (also items[{first}])")
        for index, first in _duplicates([option["label"] for option in options]):
            _add(errors, ("options", index, "label"), f"repeats options[{first}]")
        risky = [item["id"] for item in items if item["risk"]]
        if risky and data["anonymous_allowed"]:
            _add(
                errors,
                ("anonymous_allowed",),
                f"must be false: item {risky[0]!r} is a risk item, and an anonymous answer "
                "to a risk item cannot be followed up",
            )
        scores = [option["score"] for option in options]
        expected = {
            "min": min(scores) * len(items) * data["multiplier"],
            "max": max(scores) * len(items) * data["multiplier"],
        }
        for name, value in expected.items():
            if data["scoring"][name] != value:
                _add(errors, ("scoring", name), f"must be {value}, from the options and items")
        self._check_bands(errors, data["severity"], data["scoring"])
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def _check_bands(errors: Errors, bands: list[dict[str, Any]], scoring: dict[str, int]) -> None:
        # Bands must tile the score range so that every total gets exactly one label.
        expected_min = scoring["min"]
        for index, band in enumerate(bands):
            if band["min"] > band["max"]:
                _add(errors, ("severity", index, "max"), "is below min")
            if band["min"] != expected_min:
                _add(errors, ("severity", index, "min"), f"must be {expected_min}, with no gap")
            expected_min = band["max"] + 1
        if bands and bands[-1]["max"] != scoring["max"]:
            _add(errors, ("severity", len(bands) - 1, "max"), f"must be {scoring['max']}")


# Translation files: a header, then the original's words in the original's shape.


class ProtocolTranslationSchema(StrictSchema):
    """The header of a protocol's translation file."""

    translation_of = _identifier(required=True)
    # The protocol version translated: a new version may have moved or changed steps.
    version = _whole(1, "must be 1 or more", required=True)
    language = LanguageTag(required=True)


class InstrumentTranslationSchema(StrictSchema):
    """The header of an instrument's translation file: only official translations ship."""

    translation_of = _identifier(required=True)
    language = LanguageTag(required=True)
    # The official published translation the words come from, named so that it can be checked.
    source = _text(required=True)
    # The attribution the translation's publisher asks for, if it differs from the original's.
    attribution = _text()
