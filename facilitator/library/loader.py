"""Load one protocol file or instrument file into frozen values, or say what is wrong."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema, ValidationError

from facilitator.core.spec import (
    ItemSpec,
    PollSpec,
    PollType,
    RolePlaySpec,
    RoleSpec,
    StepKind,
    StepSpec,
)
from facilitator.languages import DEFAULT_LANGUAGE, broader, language_tag
from facilitator.library.schema import InstrumentSchema, ProtocolSchema


class Phase(StrEnum):
    PRE_GROUP = "pre_group"
    INITIAL = "initial"
    MIDDLE = "middle"
    TERMINATION = "termination"


@dataclass(frozen=True)
class Defaults:
    session_minutes: int
    group_size: tuple[int, int]
    reveal_threshold: int


@dataclass(frozen=True)
class ProtocolSession:
    n: int
    phase: Phase
    title: str
    # The planned length: the session's own, or the protocol's default.
    minutes: int
    # Blocks are already expanded, in order.
    steps: tuple[StepSpec, ...]
    fidelity: tuple[str, ...]
    # Instruments a course records per member at this meeting; a step of it opens each.
    measures: tuple[str, ...] = ()

    @property
    def agenda_minutes(self) -> int:
        """Return the sum of the steps' minutes."""
        return sum(step.minutes for step in self.steps)


@dataclass(frozen=True)
class SafetySpec:
    """The protocol's safety steps, shown with every risk alert on the console."""

    script: tuple[str, ...]
    contacts_note: str = ""


@dataclass(frozen=True)
class CourseSpec:
    """How the protocol's sessions run as a course of weekly meetings with the same members."""

    # A named scale poll of the protocol, opened at every meeting, kept per member.
    weekly_measure: str | None
    # Members choose a step at the closing step and say at the next meeting if they tried it.
    steps_carried_forward: bool
    # Sessions of these phases have a member_round step.
    member_round_phases: tuple[Phase, ...]


@dataclass(frozen=True)
class Protocol:
    id: str
    version: int
    title: str
    source: str
    defaults: Defaults
    problem_areas: tuple[str, ...]
    polls: dict[str, PollSpec]
    role_plays: dict[str, RolePlaySpec]
    sessions: tuple[ProtocolSession, ...]
    # None when the file has no course section.
    course: CourseSpec | None = None
    # None when the file has no safety section: the console then shows a default script.
    safety: SafetySpec | None = None
    # The language of every text above (a BCP 47 tag).
    language: str = DEFAULT_LANGUAGE
    # The protocol in each other language it offers, by tag, from its translation files;
    # empty in a protocol returned by in_language.
    translations: Mapping[str, Protocol] = field(default_factory=dict, compare=False, repr=False)
    # The file as read: a translation's words are laid over it and loaded the same way.
    document: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def languages(self) -> tuple[str, ...]:
        """Return the languages the protocol is offered in, its own first."""
        return (self.language, *sorted(self.translations))

    def in_language(self, language: str) -> Protocol:
        """Return the protocol with every text in one of its languages, or raise KeyError.

        There is no fallback, to English or to any other language: a protocol offers a
        language only when its translation covers every text, so a session never mixes two.
        """
        tag = language_tag(language)
        if tag == self.language:
            return self
        try:
            return self.translations[tag]
        except KeyError:
            offered = ", ".join(self.languages)
            raise KeyError(
                f"protocol {self.id!r} is not offered in {tag}; only in {offered}"
            ) from None

    def session(self, n: int) -> ProtocolSession:
        """Return the session numbered n, or raise KeyError."""
        for session in self.sessions:
            if session.n == n:
                return session
        raise KeyError(f"protocol {self.id!r} has no session {n}")

    def role_plays_for(self, area: str) -> tuple[RolePlaySpec, ...]:
        """Return the role-plays for one problem area."""
        return tuple(play for play in self.role_plays.values() if play.area == area)

    def poll_ids(self) -> tuple[str, ...]:
        """Return every poll id a step opens, protocol polls and instruments, in order."""
        ids = (step.poll for session in self.sessions for step in session.steps if step.poll)
        return tuple(dict.fromkeys(ids))


@dataclass(frozen=True)
class SeverityBand:
    min: int
    max: int
    label: str


@dataclass(frozen=True)
class Instrument:
    id: str
    title: str
    # The poll carries the wording, the options with their scores, and the items.
    poll: PollSpec
    score_min: int
    score_max: int
    severity: tuple[SeverityBand, ...]
    anonymous_allowed: bool
    licence: str
    attribution: str
    # The publication of the wording: for a translation, the official translation's.
    source: str
    # The language of the wording (a BCP 47 tag).
    language: str = DEFAULT_LANGUAGE
    # The instrument's official translations shipped, by tag.
    translations: Mapping[str, Instrument] = field(default_factory=dict, compare=False, repr=False)
    # The file as read: a translation's words are laid over it and loaded the same way.
    document: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def languages(self) -> tuple[str, ...]:
        """Return the languages of the published form and of each official translation shipped."""
        return (self.language, *sorted(self.translations))

    def form_for(self, language: str) -> InstrumentForm:
        """Return the form to offer someone who reads `language`.

        An official translation in that language, or in the language it narrows (`es` for
        `es-MX`); otherwise the instrument's own form, marked as not in their language.
        """
        for tag in broader(language_tag(language)):
            if tag == self.language:
                return InstrumentForm(language, self, in_requested_language=True)
            if tag in self.translations:
                return InstrumentForm(language, self.translations[tag], in_requested_language=True)
        return InstrumentForm(language, self, in_requested_language=False)

    def total(self, choices: Sequence[int]) -> int:
        """Return the total score for one option index per item."""
        return sum(self.poll.scores[choice] for choice in choices) * self.poll.multiplier

    def band(self, total: int) -> SeverityBand | None:
        """Return the severity band a total falls in, if the instrument has bands."""
        return next((b for b in self.severity if b.min <= total <= b.max), None)


@dataclass(frozen=True)
class InstrumentForm:
    """The form of an instrument offered to someone who asked for a language."""

    requested: str
    # The form offered: an official translation, or the instrument as published.
    instrument: Instrument
    # False when no official translation in the requested language is shipped: the app
    # then says so and offers this form, in `language`.
    in_requested_language: bool

    @property
    def language(self) -> str:
        return self.instrument.language

    @property
    def official_source(self) -> str:
        """Return the publication the form's wording comes from."""
        return self.instrument.source


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, with where it is."""

    file: Path
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ProtocolError(Exception):
    """One or more files are invalid; problems lists everything found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def protocol_schema(instruments: Mapping[str, Instrument]) -> ProtocolSchema:
    """Return the schema of protocol files whose steps may open the given instruments."""
    named_only = {key for key, found in instruments.items() if not found.anonymous_allowed}
    return ProtocolSchema(instrument_ids=instruments, named_only=named_only)


def load_protocol(path: Path, instruments: Mapping[str, Instrument] | None = None) -> Protocol:
    """Load a protocol file; its steps and polls may name any of the given instruments."""
    instruments = instruments or {}
    document, node = read_yaml(path)
    data = validated(path, node, document, protocol_schema(instruments))
    return build_protocol(data, instruments, document)


def build_protocol(
    data: dict[str, Any], instruments: Mapping[str, Instrument], document: Mapping[str, Any]
) -> Protocol:
    """Build a protocol from a file's loaded data and the file as read."""
    defaults = Defaults(
        session_minutes=data["defaults"]["session_minutes"],
        group_size=tuple(data["defaults"]["group_size"]),
        reveal_threshold=data["defaults"]["reveal_threshold"],
    )
    blocks = data["blocks"]
    sessions = tuple(
        ProtocolSession(
            n=session["n"],
            phase=Phase(session["phase"]),
            title=session["title"],
            minutes=session.get("minutes", defaults.session_minutes),
            steps=tuple(_expand(session["steps"], blocks)),
            fidelity=tuple(session["fidelity"]),
            measures=tuple(session["measures"]),
        )
        for session in data["sessions"]
    )
    course = data.get("course")
    return Protocol(
        id=data["id"],
        version=data["version"],
        title=data["title"],
        source=data["source"],
        defaults=defaults,
        problem_areas=tuple(data["problem_areas"]),
        polls={
            poll_id: _instrument_poll(poll_id, poll, instruments[poll["instrument"]])
            if "instrument" in poll
            else _poll(poll_id, poll, defaults)
            for poll_id, poll in data["polls"].items()
        },
        role_plays={
            play_id: _role_play(play_id, play) for play_id, play in data["role_plays"].items()
        },
        sessions=sessions,
        course=None if course is None else _course(course),
        safety=None if "safety" not in data else _safety(data["safety"]),
        language=data["language"],
        document=document,
    )


def load_instrument(path: Path) -> Instrument:
    """Load an instrument file."""
    document, node = read_yaml(path)
    return build_instrument(validated(path, node, document, InstrumentSchema()), document)


def build_instrument(data: dict[str, Any], document: Mapping[str, Any]) -> Instrument:
    """Build an instrument from a file's loaded data and the file as read."""
    # A risk item is asked by name and only the facilitator sees the answers, so that a
    # positive answer can be followed up with that member.
    private = not data["anonymous_allowed"]
    poll = PollSpec(
        id=data["id"],
        question=data["instructions"],
        type=PollType.INSTRUMENT,
        anonymous=not private,
        options=tuple(option["label"] for option in data["options"]),
        scores=tuple(option["score"] for option in data["options"]),
        items=tuple(ItemSpec(item["id"], item["text"], item["risk"]) for item in data["items"]),
        multiplier=data["multiplier"],
        reveal_threshold=data["reveal_threshold"],
        facilitator_only=private,
        instrument=data["id"],
    )
    return Instrument(
        id=data["id"],
        title=data["title"],
        poll=poll,
        score_min=data["scoring"]["min"],
        score_max=data["scoring"]["max"],
        severity=tuple(SeverityBand(b["min"], b["max"], b["label"]) for b in data["severity"]),
        anonymous_allowed=data["anonymous_allowed"],
        licence=data["licence"],
        attribution=data["attribution"],
        source=data["source"],
        language=data["language"],
        document=document,
    )


def _expand(steps: list[dict[str, Any]], blocks: dict[str, Any]) -> Iterator[StepSpec]:
    for step in steps:
        for each in blocks[step["use"]] if "use" in step else [step]:
            yield StepSpec(
                kind=StepKind(each["kind"]),
                title=each["title"],
                minutes=each["minutes"],
                note=each.get("note", ""),
                poll=each.get("poll"),
                role_play=each.get("role_play"),
            )


def _safety(safety: dict[str, Any]) -> SafetySpec:
    return SafetySpec(script=tuple(safety["script"]), contacts_note=safety["contacts_note"])


def _course(course: dict[str, Any]) -> CourseSpec:
    return CourseSpec(
        weekly_measure=course.get("weekly_measure"),
        steps_carried_forward=course["steps_carried_forward"],
        member_round_phases=tuple(Phase(phase) for phase in course["member_round_phases"]),
    )


def _poll(poll_id: str, poll: dict[str, Any], defaults: Defaults) -> PollSpec:
    return PollSpec(
        id=poll_id,
        question=poll["question"],
        type=PollType(poll["type"]),
        anonymous=poll["anonymous"],
        options=tuple(poll.get("options", ())),
        min=poll.get("min", 0),
        max=poll.get("max", 10),
        reveal_threshold=poll.get("reveal_threshold", defaults.reveal_threshold),
        max_length=poll.get("max_length", 280),
        facilitator_only=poll["facilitator_only"],
    )


def _instrument_poll(poll_id: str, poll: dict[str, Any], instrument: Instrument) -> PollSpec:
    """Ask an instrument under the protocol's poll id: its wording, items and scoring, with
    the protocol's choice of named or anonymous answers (the schema has checked the file
    allows it)."""
    anonymous = poll["anonymous"]
    return replace(
        instrument.poll,
        id=poll_id,
        anonymous=anonymous,
        # Named answers are seen by the facilitator only unless the protocol says otherwise.
        facilitator_only=poll.get("facilitator_only", not anonymous),
    )


def _role_play(play_id: str, play: dict[str, Any]) -> RolePlaySpec:
    return RolePlaySpec(
        id=play_id,
        title=play["title"],
        area=play["area"],
        scenario=play["scenario"],
        roles=tuple(
            RoleSpec(role["id"], role["name"], role["setup"], role["observer"])
            for role in play["roles"]
        ),
        debrief=tuple(play["debrief"]),
    )


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping.

    Plain YAML keeps the last of two equal keys, which would silently drop a poll or
    role-play defined twice under the same id.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> tuple[dict[str, Any], yaml.Node]:
    """Read a YAML file holding a mapping: the document and its node (for line numbers)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProtocolError([Problem(path, "", f"cannot read: {error}")]) from error
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        document = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(filter(None, [error.problem, error.context]))
        raise ProtocolError([Problem(path, "", f"YAML error: {message}", line)]) from error
    except yaml.YAMLError as error:
        raise ProtocolError([Problem(path, "", f"YAML error: {error}")]) from error
    finally:
        loader.dispose()
    if not isinstance(document, dict) or node is None:
        raise ProtocolError([Problem(path, "", "must be a YAML mapping of fields")])
    return document, node


def validated(path: Path, node: yaml.Node, document: Any, schema: Schema) -> dict[str, Any]:
    """Load a document through the schema, raising every problem found, located in the file."""
    try:
        loaded: dict[str, Any] = schema.load(document)
    except ValidationError as error:
        raise ProtocolError(problems_at(path, node, error.messages)) from error
    return loaded


def problems_at(path: Path, node: yaml.Node, messages: Any) -> list[Problem]:
    """Return marshmallow's nested messages as problems, each with its path and line."""
    return [
        Problem(path, _format(parts), message, _line(node, parts))
        for parts, message in _flatten(messages)
    ]


def _flatten(messages: Any, parts: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Yield (path parts, message) for marshmallow's nested error messages."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, parts if key == "_schema" else (*parts, key))
    elif isinstance(messages, list):
        for message in messages:
            yield from _flatten(message, parts)
    else:
        yield parts, str(messages)


def _format(parts: tuple[Any, ...]) -> str:
    """Format path parts as sessions[3].steps[2].poll."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _line(node: yaml.Node | None, parts: tuple[Any, ...]) -> int | None:
    """Return the line of the deepest node the path reaches in the YAML document."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in parts:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
