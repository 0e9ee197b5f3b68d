"""Co-facilitators: who besides the owner runs a session, and who wrote what."""

from __future__ import annotations

import json

import pytest

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.codec import (
    event_from_dict,
    event_to_dict,
    snapshot_to_dict,
    state_from_dict,
    state_to_dict,
)
from facilitator.core.engine import create, fold, handle
from facilitator.core.errors import DomainError
from facilitator.core.state import SessionState
from tests.factories import AGENDA, T0


def _session(*, start: bool = False, end: bool = False) -> SessionState:
    command = c.CreateSession(T0, "s1", "group-ipt-8", 1, 2, "Session 2", AGENDA, owner="asha")
    state, _ = create(command)
    if start or end:
        handle(state, c.Start(T0 + 10))
    if end:
        handle(state, c.End(T0 + 20))
    return state


def _with_ben() -> SessionState:
    state = _session(start=True)
    handle(state, c.InviteCoFacilitator(T0 + 30, "ben", False))
    return state


def _ben_removed() -> SessionState:
    state = _with_ben()
    handle(state, c.RemoveCoFacilitator(T0 + 40, "ben"))
    return state


def test_an_invitation_names_the_account_and_its_export_grant() -> None:
    state = _session()
    events = handle(state, c.InviteCoFacilitator(T0 + 30, "ben", True))
    assert events == [e.CoFacilitatorInvited("ben", True, T0 + 30)]
    assert state.co_facilitators == {"ben": True}


def test_inviting_again_with_the_same_grant_changes_nothing() -> None:
    state = _with_ben()
    version = state.version
    assert handle(state, c.InviteCoFacilitator(T0 + 50, "ben", False)) == []
    assert (state.version, state.co_facilitators) == (version, {"ben": False})


def test_inviting_again_with_another_grant_changes_the_grant() -> None:
    state = _with_ben()
    events = handle(state, c.InviteCoFacilitator(T0 + 50, "ben", True))
    assert events == [e.CoFacilitatorInvited("ben", True, T0 + 50)]
    assert state.co_facilitators == {"ben": True}
    handle(state, c.InviteCoFacilitator(T0 + 60, "ben", False))
    assert state.co_facilitators == {"ben": False}


def test_removing_a_co_facilitator_ends_their_place_and_they_can_be_invited_again() -> None:
    state = _with_ben()
    handle(state, c.InviteCoFacilitator(T0 + 35, "cleo", True))
    assert handle(state, c.RemoveCoFacilitator(T0 + 40, "ben")) == [
        e.CoFacilitatorRemoved("ben", T0 + 40)
    ]
    assert state.co_facilitators == {"cleo": True}
    handle(state, c.InviteCoFacilitator(T0 + 50, "ben", True))
    assert state.co_facilitators == {"cleo": True, "ben": True}


@pytest.mark.parametrize("phase", ["lobby", "running", "ended"])
def test_co_facilitators_are_invited_and_removed_in_every_phase(phase: str) -> None:
    state = _session(start=phase != "lobby", end=phase == "ended")
    handle(state, c.InviteCoFacilitator(T0 + 30, "ben", True))
    handle(state, c.RemoveCoFacilitator(T0 + 31, "ben"))
    assert state.co_facilitators == {}
    assert state.phase.value == phase


def test_the_room_learns_nothing_of_co_facilitators() -> None:
    state = _session(start=True)
    public = state.public_version
    handle(state, c.InviteCoFacilitator(T0 + 30, "ben", False))
    handle(state, c.InviteCoFacilitator(T0 + 31, "ben", True))
    handle(state, c.RemoveCoFacilitator(T0 + 32, "ben"))
    assert state.public_version == public
    assert not e.CoFacilitatorInvited.public and not e.CoFacilitatorRemoved.public


def test_co_facilitators_survive_a_replay_of_the_log_and_a_snapshot() -> None:
    command = c.CreateSession(T0, "s1", "group-ipt-8", 1, 2, "Session 2", AGENDA, owner="asha")
    state, log = create(command)
    for cmd in (
        c.InviteCoFacilitator(T0 + 1, "ben", False),
        c.InviteCoFacilitator(T0 + 2, "cleo", True),
        c.InviteCoFacilitator(T0 + 3, "ben", True),
        c.RemoveCoFacilitator(T0 + 4, "cleo"),
        c.AddNote(T0 + 5, "Ben wrote this.", by="ben"),
    ):
        log += handle(state, cmd)
    replayed = fold(event_from_dict(json.loads(json.dumps(event_to_dict(ev)))) for ev in log)
    assert state_to_dict(replayed) == state_to_dict(state)
    restored = state_from_dict(json.loads(json.dumps(snapshot_to_dict(state))))
    assert restored == state
    assert restored.co_facilitators == {"ben": True}
    assert restored.notes[0].by == "ben"


def test_a_note_keeps_who_wrote_it() -> None:
    state = _with_ben()
    events = handle(state, c.AddNote(T0 + 50, "Quiet today.", by="ben"))
    assert events == [e.NoteAdded("note-1", "Quiet today.", T0 + 50, "ben")]
    assert state.notes[0].by == "ben"


def test_a_recorded_command_names_its_facilitator_in_the_log() -> None:
    event = e.CommandRecorded("cmd-1", by="ben")
    assert event_to_dict(event) == {"type": "command_recorded", "command_id": "cmd-1", "by": "ben"}
    assert event_from_dict(event_to_dict(event)) == event


def test_a_log_and_a_snapshot_of_an_older_release_still_load_without_the_new_fields() -> None:
    assert event_from_dict({"type": "note_added", "note_id": "note-1", "text": "x", "at": T0}) == (
        e.NoteAdded("note-1", "x", T0, "")
    )
    assert event_from_dict({"type": "command_recorded", "command_id": "c1"}) == (
        e.CommandRecorded("c1", "")
    )
    state = _session(start=True)
    handle(state, c.AddNote(T0 + 50, "Old note."))
    old = snapshot_to_dict(state)
    del old["co_facilitators"]
    for note in old["notes"]:
        del note["by"]
    restored = state_from_dict(old)
    assert restored.co_facilitators == {}
    assert restored.notes[0].by == ""


ILLEGAL = [
    (
        "invite_the_owner",
        _session,
        c.InviteCoFacilitator(T0, "asha", True),
        "asha owns this session",
        "invalid",
    ),
    (
        "invite_no_one",
        _session,
        c.InviteCoFacilitator(T0, "  ", False),
        "A co-facilitator's account name cannot be empty.",
        "invalid",
    ),
    (
        "remove_someone_never_invited",
        _with_ben,
        c.RemoveCoFacilitator(T0, "cleo"),
        "cleo is not a co-facilitator",
        "not_found",
    ),
    (
        "remove_twice",
        _ben_removed,
        c.RemoveCoFacilitator(T0, "ben"),
        "ben is not a co-facilitator",
        "not_found",
    ),
    (
        "remove_the_owner",
        _with_ben,
        c.RemoveCoFacilitator(T0, "asha"),
        "asha is not a co-facilitator",
        "not_found",
    ),
]


@pytest.mark.parametrize(
    ("make", "command", "message", "code"),
    [case[1:] for case in ILLEGAL],
    ids=[case[0] for case in ILLEGAL],
)
def test_illegal_co_facilitator_command_raises_and_changes_nothing(
    make, command, message, code
) -> None:
    state = make()
    before = repr(state)
    with pytest.raises(DomainError, match=message) as raised:
        handle(state, command)
    assert raised.value.code == code
    assert repr(state) == before
