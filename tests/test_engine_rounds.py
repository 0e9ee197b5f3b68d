"""The member round: moved by the console, clamped to the course's members."""

from __future__ import annotations

import pytest

from facilitator.core import commands as c
from facilitator.core.codec import (
    event_from_dict,
    event_to_dict,
    snapshot_to_dict,
    state_from_dict,
)
from facilitator.core.engine import handle
from facilitator.core.errors import DomainError
from facilitator.core.events import MemberRoundMoved
from tests.factories import T0, new_session


def test_the_round_starts_at_the_first_member_and_stops_at_either_end() -> None:
    state = new_session(2, start=True)
    public = state.public_version
    assert state.round_index is None
    assert handle(state, c.MoveRound(T0 + 1, 1, 3)) == [MemberRoundMoved(0, T0 + 1)]
    handle(state, c.MoveRound(T0 + 2, 1, 3))
    handle(state, c.MoveRound(T0 + 3, 1, 3))
    assert state.round_index == 2
    assert handle(state, c.MoveRound(T0 + 4, 1, 3)) == []  # the last member: stays
    handle(state, c.MoveRound(T0 + 5, -5, 3))
    assert state.round_index == 0
    assert state.public_version == public  # the room never learns of the round
    assert state_from_dict(snapshot_to_dict(state)).round_index == 0


def test_a_logged_round_is_read_back_from_the_log() -> None:
    state = new_session(2, start=True)
    (moved,) = handle(state, c.MoveRound(T0 + 1, 1, 3))
    assert event_from_dict(event_to_dict(moved)) == moved


def test_every_event_class_of_the_core_is_registered_for_reading_back() -> None:
    import facilitator.core.events as events

    classes = {
        value
        for value in vars(events).values()
        if isinstance(value, type) and issubclass(value, events.Event) and value is not events.Event
    }
    assert classes == set(events.EVENT_TYPES.values())


def test_the_round_is_refused_outside_a_running_session() -> None:
    with pytest.raises(DomainError) as refused:
        handle(new_session(2), c.MoveRound(T0, 1, 3))
    assert refused.value.code == "conflict"


def test_the_round_is_refused_without_course_members() -> None:
    with pytest.raises(DomainError) as refused:
        handle(new_session(2, start=True), c.MoveRound(T0, 1, 0))
    assert refused.value.code == "conflict"
