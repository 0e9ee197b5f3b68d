"""Joining, presence, leaving and removal."""

from __future__ import annotations

import pytest

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.codec import state_from_dict, state_to_dict
from facilitator.core.engine import apply, handle
from facilitator.core.errors import DomainError
from tests.factories import T0, new_session


def test_join_without_a_name_uses_the_pseudonym() -> None:
    state = new_session()
    handle(state, c.Join(T0, "p1", None, "Quiet Heron"))
    member = state.participants["p1"]
    assert (member.name, member.chose_name, member.present) == ("Quiet Heron", False, True)


def test_join_with_a_name_keeps_the_name_trimmed() -> None:
    state = new_session()
    handle(state, c.Join(T0, "p1", "  Amina ", "Quiet Heron"))
    assert (state.participants["p1"].name, state.participants["p1"].chose_name) == ("Amina", True)


def test_presence_logged_by_older_releases_changes_nothing_when_folded() -> None:
    state = new_session(1)
    before = state_to_dict(state)
    for event in (e.ParticipantDisconnected("p1", T0 + 1), e.ParticipantConnected("p1", T0 + 2)):
        apply(state, event)
        before["version"] += 1
        assert state_to_dict(state) == before


def test_a_snapshot_of_an_older_release_with_presence_in_it_still_loads() -> None:
    state = new_session(1)
    older = state_to_dict(state)
    older["participants"]["p1"]["connected"] = True
    assert state_to_dict(state_from_dict(older)) == state_to_dict(state)


def test_leaving_frees_the_name_and_blocks_further_actions() -> None:
    state = new_session(2)
    handle(state, c.Leave(T0 + 5, "p1"))
    member = state.participants["p1"]
    assert (member.present, member.removed) == (False, False)
    handle(state, c.Join(T0 + 6, "p3", "Member 1", "x"))
    with pytest.raises(DomainError, match="has left the session"):
        handle(state, c.Leave(T0 + 7, "p1"))


def test_removed_member_is_marked_removed_and_cannot_rejoin_with_the_same_id() -> None:
    state = new_session(2)
    handle(state, c.RemoveParticipant(T0 + 5, "p2"))
    assert state.participants["p2"].removed
    with pytest.raises(DomainError, match="has left"):
        handle(state, c.RemoveParticipant(T0 + 6, "p2"))
    with pytest.raises(DomainError, match="joined this session already"):
        handle(state, c.Join(T0 + 7, "p2", None, "Again"))


def test_leaving_twice_is_refused() -> None:
    state = new_session(1)
    handle(state, c.Leave(T0 + 5, "p1"))
    with pytest.raises(DomainError, match="has left"):
        handle(state, c.Leave(T0 + 6, "p1"))
