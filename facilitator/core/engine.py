"""Decide commands into events, and fold events into state.

`decide` checks a command against the state and returns the events it causes, or
raises DomainError; it never changes the state. `apply` (core.fold) folds one event
into the state without checks. `handle` does both, which is what the service calls.
"""

from __future__ import annotations

from facilitator.core import (
    activities,
    agenda,
    composed,
    facilitators,
    fidelity,
    language_choice,
    members,
    polls,
    risk,
    rounds,
)
from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.deciding import Decider
from facilitator.core.errors import DomainError
from facilitator.core.fold import apply, fold
from facilitator.core.state import SessionState

__all__ = ["apply", "create", "decide", "fold", "handle"]

_DECIDERS: dict[type[c.Command], Decider] = {
    **members.DECIDERS,
    **language_choice.DECIDERS,
    **agenda.DECIDERS,
    **polls.DECIDERS,
    **activities.DECIDERS,
    **facilitators.DECIDERS,
    **rounds.DECIDERS,
    **risk.DECIDERS,
    **fidelity.DECIDERS,
    **composed.DECIDERS,
}


def create(command: c.CreateSession) -> tuple[SessionState, list[e.Event]]:
    """Start a new session's log from a protocol session's agenda."""
    if not command.agenda:
        raise DomainError("A session needs at least one agenda step.", "invalid")
    event = e.SessionCreated(
        session_id=command.session_id,
        protocol_id=command.protocol_id,
        protocol_version=command.protocol_version,
        session_number=command.session_number,
        title=command.title,
        agenda=command.agenda,
        at=command.at,
        join_code=command.join_code,
        owner=command.owner,
        course_id=command.course_id,
        checklist=command.checklist,
        language=command.language,
    )
    return fold([event]), [event]


def handle(state: SessionState, command: c.Command) -> list[e.Event]:
    """Decide `command` and apply its events to `state`; return the events."""
    events = decide(state, command)
    for event in events:
        apply(state, event)
    return events


def decide(state: SessionState, command: c.Command) -> list[e.Event]:
    """Return the events `command` causes, or raise DomainError. `state` is not changed."""
    decider = _DECIDERS.get(type(command))
    if decider is None:
        raise DomainError("Unknown command {command}.", "invalid", command=type(command).__name__)
    return decider(state, command)
