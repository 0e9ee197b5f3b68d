"""Agenda navigation, joining, locking and ending: every command and illegal transition."""

from __future__ import annotations

import pytest

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.engine import create, decide, handle
from facilitator.core.errors import DomainError
from facilitator.core.state import SessionPhase
from tests.factories import AGENDA, T0, new_session


def test_create_session_starts_in_the_lobby_at_version_one() -> None:
    state = new_session()
    assert (state.phase, state.version, state.current_step) == (SessionPhase.LOBBY, 1, None)
    assert state.agenda == list(AGENDA)


def test_create_session_without_agenda_is_refused() -> None:
    with pytest.raises(DomainError, match="at least one agenda step"):
        create(c.CreateSession(T0, "s", "p", 1, 1, "t", ()))


def test_start_enters_the_first_step() -> None:
    state = new_session(2)
    events = handle(state, c.Start(T0 + 10))
    assert events == [e.SessionStarted(T0 + 10), e.StepEntered(0, T0 + 10)]
    assert (state.phase, state.current_step) == (SessionPhase.RUNNING, 0)


def test_next_previous_and_jump_move_and_count_time_per_step() -> None:
    state = new_session(start=True)  # step 0 entered at T0 + 100
    handle(state, c.Next(T0 + 160))
    handle(state, c.Next(T0 + 220))
    handle(state, c.Previous(T0 + 250))
    handle(state, c.Jump(T0 + 300, 3))
    handle(state, c.End(T0 + 330))
    assert state.step_seconds == [60.0, 60.0 + 50.0, 30.0, 30.0]
    assert state.phase is SessionPhase.ENDED and state.ended_at == T0 + 330


def test_step_elapsed_counts_the_visit_under_way() -> None:
    state = new_session(start=True)
    assert state.step_elapsed(0, T0 + 145) == 45.0
    assert state.step_elapsed(1, T0 + 145) == 0.0


def test_a_clock_running_backwards_never_makes_negative_time() -> None:
    state = new_session(start=True)
    handle(state, c.Next(T0 + 50))
    assert state.step_seconds[0] == 0.0


def test_end_closes_what_is_under_way() -> None:
    from tests.factories import MOOD, ROLE_PLAY

    state = new_session(3, start=True)
    handle(state, c.OpenPoll(T0 + 101, MOOD))
    handle(state, c.PushRolePlay(T0 + 102, ROLE_PLAY, (("protagonist", "p1"), ("other", None))))
    handle(state, c.PushPrompt(T0 + 103, "Breathe"))
    names = [event.name for event in handle(state, c.End(T0 + 200))]
    assert names == ["poll_closed", "role_play_ended", "prompt_cleared", "session_ended"]
    assert state.open_poll is None and state.active_role_play is None and state.prompt is None


def test_end_from_the_lobby_cancels_the_session() -> None:
    state = new_session()
    handle(state, c.End(T0 + 5))
    assert state.phase is SessionPhase.ENDED and state.started_at is None


def test_lock_and_unlock_joining() -> None:
    state = new_session(1)
    handle(state, c.LockJoining(T0 + 5))
    with pytest.raises(DomainError, match="locked"):
        handle(state, c.Join(T0 + 6, "p9", None, "Late"))
    handle(state, c.UnlockJoining(T0 + 7))
    handle(state, c.Join(T0 + 8, "p9", None, "Late"))
    assert "p9" in state.participants


def _ended() -> object:
    state = new_session(1, start=True)
    handle(state, c.End(T0 + 500))
    return state


def _locked() -> object:
    state = new_session(1)
    handle(state, c.LockJoining(T0 + 5))
    return state


def _at_last_step() -> object:
    state = new_session(start=True)
    handle(state, c.Jump(T0 + 101, len(AGENDA) - 1))
    return state


ILLEGAL = [
    (
        "start_twice",
        lambda: new_session(start=True),
        c.Start(T0),
        "The session has started already.",
    ),
    ("start_after_end", _ended, c.Start(T0), "The session has ended: it cannot start again."),
    (
        "next_in_lobby",
        new_session,
        c.Next(T0),
        "Start the session first, then go to the next step.",
    ),
    ("next_at_last_step", _at_last_step, c.Next(T0), "This is the last step already."),
    (
        "next_after_end",
        _ended,
        c.Next(T0),
        "The session has ended: you cannot go to the next step now.",
    ),
    (
        "previous_at_first_step",
        lambda: new_session(start=True),
        c.Previous(T0),
        "This is the first step already.",
    ),
    (
        "previous_in_lobby",
        new_session,
        c.Previous(T0),
        "Start the session first, then go to the previous step.",
    ),
    (
        "jump_out_of_range",
        lambda: new_session(start=True),
        c.Jump(T0, 9),
        "There is no step 10: the agenda has 4 steps.",
    ),
    ("jump_negative", lambda: new_session(start=True), c.Jump(T0, -1), "There is no step 0"),
    (
        "jump_to_current",
        lambda: new_session(start=True),
        c.Jump(T0, 0),
        "This is the current step already.",
    ),
    (
        "jump_in_lobby",
        new_session,
        c.Jump(T0, 1),
        "Start the session first, then jump to a step.",
    ),
    ("end_twice", _ended, c.End(T0), "The session has ended: you cannot end the session now."),
    (
        "join_after_end",
        _ended,
        c.Join(T0, "p5", None, "X"),
        "The session has ended: you cannot join now.",
    ),
    (
        "join_when_locked",
        _locked,
        c.Join(T0, "p5", None, "X"),
        "This session is locked: no one new can join.",
    ),
    (
        "join_twice",
        lambda: new_session(1),
        c.Join(T0, "p1", None, "X"),
        "You have joined this session already.",
    ),
    (
        "join_with_taken_name",
        lambda: new_session(1),
        c.Join(T0, "p2", "member 1", "X"),
        "Someone here is called member 1 already; choose another name.",
    ),
    (
        "join_without_any_name",
        new_session,
        c.Join(T0, "p2", "  ", " "),
        "A pseudonym cannot be empty.",
    ),
    ("lock_twice", _locked, c.LockJoining(T0), "Joining is locked already."),
    (
        "lock_after_end",
        _ended,
        c.LockJoining(T0),
        "The session has ended: you cannot lock joining now.",
    ),
    ("unlock_when_open", new_session, c.UnlockJoining(T0), "Joining is open already."),
    ("unlock_after_end", _ended, c.UnlockJoining(T0), "you cannot unlock joining now"),
    ("leave_unknown", new_session, c.Leave(T0, "p7"), "This member is not in this session."),
    (
        "remove_unknown",
        new_session,
        c.RemoveParticipant(T0, "p7"),
        "This member is not in this session.",
    ),
]


@pytest.mark.parametrize(
    ("make", "command", "message"),
    [case[1:] for case in ILLEGAL],
    ids=[case[0] for case in ILLEGAL],
)
def test_illegal_command_raises_and_changes_nothing(make, command, message) -> None:
    state = make()
    before = repr(state)
    with pytest.raises(DomainError, match=message.replace("(", r"\(")):
        handle(state, command)
    assert repr(state) == before


def test_unknown_command_is_refused() -> None:
    with pytest.raises(DomainError, match="Unknown command"):
        decide(new_session(), c.Command(T0))
