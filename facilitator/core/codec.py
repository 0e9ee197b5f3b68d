"""Turn events and state into JSON-ready dicts and back, guided by type hints."""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from enum import Enum
from typing import Any

from facilitator.core import events as e
from facilitator.core.course_events import COURSE_EVENT_TYPES
from facilitator.core.course_state import CourseState
from facilitator.core.errors import DomainError
from facilitator.core.state import PollPhase, SessionState


def encode(value: Any) -> Any:
    """Return `value` as plain JSON types."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


def decode(kind: Any, data: Any) -> Any:
    """Rebuild a value of type `kind` from what `encode` made."""
    origin = typing.get_origin(kind)
    if kind is Any:
        return data
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if data is None and type(None) in options:
            return None
        return decode(next(o for o in options if o is not type(None)), data)
    if origin is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], v) for v in data)
        return tuple(decode(a, v) for a, v in zip(args, data, strict=True))
    if origin is list:
        (item,) = typing.get_args(kind)
        return [decode(item, v) for v in data]
    if origin is dict:
        key, item = typing.get_args(kind)
        # JSON keeps every key as text: a course's meeting numbers come back as ints.
        return {(int(k) if key is int else k): decode(item, v) for k, v in data.items()}
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        return kind(
            **{
                f.name: decode(hints[f.name], data[f.name])
                for f in dataclasses.fields(kind)
                if f.name in data
            }
        )
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(data)
    if kind is float:
        return float(data)
    return data


@functools.cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


# Session and course events share one log and one encoding, told apart by name.
_EVENT_TYPES: dict[str, type[e.Event]] = {**e.EVENT_TYPES, **COURSE_EVENT_TYPES}


def event_to_dict(event: e.Event) -> dict[str, Any]:
    """Return an event as a dict with its name under "type"."""
    return {"type": event.name, **encode(event)}


def event_from_dict(data: dict[str, Any]) -> e.Event:
    """Rebuild an event from `event_to_dict`'s output."""
    fields = dict(data)
    kind = _EVENT_TYPES.get(fields.pop("type", None))
    if kind is None:
        raise DomainError("Unknown event type {type}.", "corrupt", type=repr(data.get("type")))
    event: e.Event = decode(kind, fields)
    return event


def state_to_dict(state: SessionState) -> dict[str, Any]:
    result: dict[str, Any] = encode(state)
    return result


def snapshot_to_dict(state: SessionState) -> dict[str, Any]:
    """Return `state` as a snapshot keeps it: without the ballots of open polls.

    An open poll's voters and ballots side by side, in one snapshot or in two taken a
    few answers apart, would tell who answered what; its ballots are read back from
    the ballot box when the state is rebuilt, so the snapshot need not hold them.
    """
    data = state_to_dict(state)
    for poll in data["polls"].values():
        if poll["phase"] == PollPhase.OPEN.value:
            poll["ballots"] = []
    return data


def state_from_dict(data: dict[str, Any]) -> SessionState:
    state: SessionState = decode(SessionState, data)
    return state


def course_state_to_dict(state: CourseState) -> dict[str, Any]:
    """Return a course's state as JSON types; a course snapshot keeps exactly this.

    A course holds no anonymous answer (only named scores enter it), so unlike a
    session's snapshot nothing needs leaving out.
    """
    result: dict[str, Any] = encode(state)
    return result


def course_state_from_dict(data: dict[str, Any]) -> CourseState:
    state: CourseState = decode(CourseState, data)
    return state
