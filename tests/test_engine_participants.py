"""Joining, presence, leaving and removal."""

from __future__ import annotations

import pytest

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.engine import handle
from facilitator.core.errors import DomainError
from tests.factories import T0, new_session


def test_join_without_a_name_uses_the_pseudonym() -> None:
    state = new_session()
    handle(state, c.Join(T0, "p1", None, "Quiet Heron"))
    member = state.participants["p1"]
    assert (member.name, member.chose_name, member.connected) == ("Quiet Heron", False, True)


def test_join_with_a_name_keeps_the_name_trimmed() -> None:
    state = new_session()
    handle(state, c.Join(T0, "p1", "  Amina ", "Quiet Heron"))
    assert (state.participants["p1"].name, state.participants["p1"].chose_name) == ("Amina", True)


def test_presence_changes_once_and_repeats_are_no_ops() -> None:
    state = new_session(1)
    assert handle(state, c.Connect(T0, "p1")) == []
    assert handle(state, c.Disconnect(T0 + 1, "p1")) == [e.ParticipantDisconnected("p1", T0 + 1)]
    assert handle(state, c.Disconnect(T0 + 2, "p1")) == []
    assert not state.participants["p1"].connected
    assert handle(state, c.Connect(T0 + 3, "p1")) == [e.ParticipantConnected("p1", T0 + 3)]


def test_leaving_frees_the_name_and_blocks_further_actions() -> None:
    state = new_session(2)
    handle(state, c.Leave(T0 + 5, "p1"))
    member = state.participants["p1"]
    assert (member.present, member.removed, member.connected) == (False, False, False)
    handle(state, c.Join(T0 + 6, "p3", "Member 1", "x"))
    with pytest.raises(DomainError, match="'p1' has left the session"):
        handle(state, c.Connect(T0 + 7, "p1"))


def test_removed_member_is_marked_removed_and_cannot_rejoin_with_the_same_id() -> None:
    state = new_session(2)
    handle(state, c.RemoveParticipant(T0 + 5, "p2"))
    assert state.participants["p2"].removed
    with pytest.raises(DomainError, match="has left"):
        handle(state, c.RemoveParticipant(T0 + 6, "p2"))
    with pytest.raises(DomainError, match="already joined"):
        handle(state, c.Join(T0 + 7, "p2", None, "Again"))


def test_leaving_twice_is_refused() -> None:
    state = new_session(1)
    handle(state, c.Leave(T0 + 5, "p1"))
    with pytest.raises(DomainError, match="has left"):
        handle(state, c.Leave(T0 + 6, "p1"))
