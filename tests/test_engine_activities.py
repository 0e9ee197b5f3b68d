"""Role-plays, prompts, private signals and facilitator notes."""

from __future__ import annotations

import pytest

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.activities import OPEN_SIGNALS_PER_KIND
from facilitator.core.engine import handle
from facilitator.core.errors import DomainError
from facilitator.core.state import RolePlayPhase, SignalKind
from tests.factories import ROLE_PLAY, T0, new_session

CAST = (("protagonist", "p1"), ("other", "p2"))


def _playing():
    state = new_session(4, start=True)
    handle(state, c.PushRolePlay(T0 + 150, ROLE_PLAY, CAST))
    return state


def _debriefing():
    state = _playing()
    handle(state, c.StartDebrief(T0 + 160, "role-play-1"))
    return state


def _role_play_ended():
    state = _debriefing()
    handle(state, c.EndRolePlay(T0 + 170, "role-play-1"))
    return state


def _signalled():
    state = new_session(2, start=True)
    handle(state, c.SendSignal(T0 + 150, "p1", "sig-1", SignalKind.BREAK))
    handle(state, c.AcknowledgeSignal(T0 + 151, "signal-1"))
    return state


def _support_unanswered():
    state = new_session(2, start=True)
    for n in range(OPEN_SIGNALS_PER_KIND):
        handle(state, c.SendSignal(T0 + 150 + n, "p1", f"sig-{n}", SignalKind.SUPPORT))
    return state


def _ended():
    state = new_session(2, start=True)
    handle(state, c.End(T0 + 150))
    return state


def test_role_play_runs_from_push_to_debrief_to_end() -> None:
    state = _playing()
    role_play = state.role_plays["role-play-1"]
    assert role_play.assignments == {"protagonist": "p1", "other": "p2"}
    assert (role_play.phase, role_play.step, state.active_role_play) == (
        RolePlayPhase.PLAYING,
        0,
        "role-play-1",
    )
    handle(state, c.StartDebrief(T0 + 160, "role-play-1"))
    assert role_play.phase is RolePlayPhase.DEBRIEF
    handle(state, c.EndRolePlay(T0 + 170, "role-play-1"))
    assert (role_play.phase, state.active_role_play) == (RolePlayPhase.ENDED, None)


def test_the_facilitator_can_play_the_other_person() -> None:
    state = new_session(3, start=True)
    handle(state, c.PushRolePlay(T0, ROLE_PLAY, (("protagonist", "p3"), ("other", None))))
    assert state.role_plays["role-play-1"].assignments == {"protagonist": "p3", "other": None}


def test_a_role_play_can_end_without_a_debrief_and_another_follow() -> None:
    state = _playing()
    handle(state, c.EndRolePlay(T0 + 160, "role-play-1"))
    handle(state, c.PushRolePlay(T0 + 170, ROLE_PLAY, CAST))
    assert state.active_role_play == "role-play-2"


def test_a_new_prompt_replaces_the_one_shown() -> None:
    state = new_session(start=True)
    handle(state, c.PushPrompt(T0, "  Think of one person you trust. "))
    handle(state, c.PushPrompt(T0 + 5, "Now, one thing you could ask them."))
    assert state.prompt is not None and state.prompt.id == "prompt-2"
    assert state.prompts[0].text == "Think of one person you trust."
    assert state.prompts[0].cleared_at == T0 + 5
    handle(state, c.ClearPrompt(T0 + 9))
    assert state.prompt is None


def test_signals_are_recorded_once_per_action_and_acknowledged() -> None:
    state = new_session(2)  # signals work in the lobby too
    first = handle(state, c.SendSignal(T0, "p2", "sig-1", SignalKind.SUPPORT))
    assert first == [e.SignalSent("signal-1", "p2", "sig-1", SignalKind.SUPPORT, T0)]
    assert handle(state, c.SendSignal(T0 + 1, "p2", "sig-1", SignalKind.SUPPORT)) == []
    handle(state, c.AcknowledgeSignal(T0 + 2, "signal-1"))
    assert state.signals[0].acknowledged


def test_the_open_signal_cap_counts_per_kind_and_frees_on_acknowledgement() -> None:
    state = _support_unanswered()
    # Other kinds, and other members, are not held back by one member's open signals.
    assert handle(state, c.SendSignal(T0 + 160, "p1", "brk", SignalKind.BREAK))
    assert handle(state, c.SendSignal(T0 + 161, "p2", "sup", SignalKind.SUPPORT))
    handle(state, c.AcknowledgeSignal(T0 + 162, "signal-1"))
    assert handle(state, c.SendSignal(T0 + 163, "p1", "again", SignalKind.SUPPORT))


def test_notes_are_kept_with_their_step_even_after_the_end() -> None:
    state = new_session(start=True)
    handle(state, c.AddNote(T0 + 120, "Group quiet today."))
    handle(state, c.End(T0 + 130))
    handle(state, c.AddNote(T0 + 140, "Follow up with one member."))
    assert [(n.id, n.step) for n in state.notes] == [("note-1", 0), ("note-2", 0)]


ILLEGAL = [
    (
        "push_in_lobby",
        lambda: new_session(2),
        c.PushRolePlay(T0, ROLE_PLAY, CAST),
        "Start the session first, then push a role-play.",
    ),
    (
        "push_while_another_runs",
        _playing,
        c.PushRolePlay(T0, ROLE_PLAY, CAST),
        "End the role-play under way first.",
    ),
    (
        "push_during_debrief",
        _debriefing,
        c.PushRolePlay(T0, ROLE_PLAY, CAST),
        "End the role-play under way first.",
    ),
    (
        "push_unknown_role",
        lambda: new_session(2, start=True),
        c.PushRolePlay(T0, ROLE_PLAY, (*CAST, ("judge", None))),
        "This role-play has no role 'judge'.",
    ),
    (
        "push_observer_role",
        lambda: new_session(3, start=True),
        c.PushRolePlay(T0, ROLE_PLAY, (*CAST, ("observers", "p3"))),
        "are everyone not cast: give the role to no one",
    ),
    (
        "push_role_twice",
        lambda: new_session(3, start=True),
        c.PushRolePlay(T0, ROLE_PLAY, (*CAST, ("other", "p3"))),
        "is given twice: give each role once",
    ),
    (
        "push_member_twice",
        lambda: new_session(2, start=True),
        c.PushRolePlay(T0, ROLE_PLAY, (("protagonist", "p1"), ("other", "p1"))),
        "has two roles: give each member one",
    ),
    (
        "push_missing_role",
        lambda: new_session(2, start=True),
        c.PushRolePlay(T0, ROLE_PLAY, (("protagonist", "p1"),)),
        "Choose who plays ",
    ),
    (
        "push_unknown_member",
        lambda: new_session(2, start=True),
        c.PushRolePlay(T0, ROLE_PLAY, (("protagonist", "p8"), ("other", None))),
        "This member is not in this session.",
    ),
    (
        "debrief_twice",
        _debriefing,
        c.StartDebrief(T0, "role-play-1"),
        "The debrief has started already.",
    ),
    (
        "debrief_after_end",
        _role_play_ended,
        c.StartDebrief(T0, "role-play-1"),
        "This role-play has ended.",
    ),
    (
        "debrief_unknown",
        _playing,
        c.StartDebrief(T0, "role-play-5"),
        "There is no such role-play in this session.",
    ),
    (
        "end_role_play_twice",
        _role_play_ended,
        c.EndRolePlay(T0, "role-play-1"),
        "This role-play has ended already.",
    ),
    (
        "end_unknown_role_play",
        _playing,
        c.EndRolePlay(T0, "role-play-5"),
        "There is no such role-play in this session.",
    ),
    (
        "prompt_in_lobby",
        new_session,
        c.PushPrompt(T0, "Hello"),
        "Start the session first, then push a prompt.",
    ),
    (
        "empty_prompt",
        lambda: new_session(start=True),
        c.PushPrompt(T0, "  "),
        "A prompt cannot be empty.",
    ),
    (
        "clear_without_prompt",
        lambda: new_session(start=True),
        c.ClearPrompt(T0),
        "There is no prompt to clear.",
    ),
    (
        "signal_after_end",
        _ended,
        c.SendSignal(T0, "p1", "s", SignalKind.PASS),
        "The session has ended: you cannot send a signal now.",
    ),
    (
        "signal_by_unknown_member",
        new_session,
        c.SendSignal(T0, "p4", "s", SignalKind.PASS),
        "This member is not in this session.",
    ),
    (
        "acknowledge_unknown_signal",
        _signalled,
        c.AcknowledgeSignal(T0, "signal-9"),
        "There is no such signal in this session.",
    ),
    (
        "signal_over_the_open_cap",
        _support_unanswered,
        c.SendSignal(T0 + 160, "p1", "one-more", SignalKind.SUPPORT),
        "has 3 of your support signals and has not seen them yet",
    ),
    (
        "acknowledge_twice",
        _signalled,
        c.AcknowledgeSignal(T0, "signal-1"),
        "This signal is acknowledged already.",
    ),
    ("empty_note", new_session, c.AddNote(T0, "\n "), "A note cannot be empty."),
]


@pytest.mark.parametrize(
    ("make", "command", "message"),
    [case[1:] for case in ILLEGAL],
    ids=[case[0] for case in ILLEGAL],
)
def test_illegal_activity_command_raises_and_changes_nothing(make, command, message) -> None:
    state = make()
    before = repr(state)
    with pytest.raises(DomainError, match=message):
        handle(state, command)
    assert repr(state) == before
