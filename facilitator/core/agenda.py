"""Decide moves through the agenda: start, next, previous, jump, end."""

from __future__ import annotations

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.deciding import Decider
from facilitator.core.errors import DomainError
from facilitator.core.guards import not_ended, running
from facilitator.core.messages import N_
from facilitator.core.polls import closing, leaving_step
from facilitator.core.state import SessionPhase, SessionState


def _start(state: SessionState, cmd: c.Start) -> list[e.Event]:
    if state.phase is not SessionPhase.LOBBY:
        if state.phase is SessionPhase.RUNNING:
            raise DomainError("The session has started already.", "illegal_state")
        raise DomainError("The session has ended: it cannot start again.", "illegal_state")
    # Nothing is shown in the lobby: no prompt or results to clear.
    return [e.SessionStarted(cmd.at), e.StepEntered(0, cmd.at)]


def _next(state: SessionState, cmd: c.Next) -> list[e.Event]:
    running(state, N_("go to the next step"))
    assert state.current_step is not None
    if state.current_step + 1 >= len(state.agenda):
        raise DomainError("This is the last step already.", "illegal_state")
    return [*leaving_step(state, cmd.at), e.StepEntered(state.current_step + 1, cmd.at)]


def _previous(state: SessionState, cmd: c.Previous) -> list[e.Event]:
    running(state, N_("go to the previous step"))
    assert state.current_step is not None
    if state.current_step == 0:
        raise DomainError("This is the first step already.", "illegal_state")
    return [*leaving_step(state, cmd.at), e.StepEntered(state.current_step - 1, cmd.at)]


def _jump(state: SessionState, cmd: c.Jump) -> list[e.Event]:
    running(state, N_("jump to a step"))
    if not 0 <= cmd.index < len(state.agenda):
        raise DomainError(
            "There is no step {step}: the agenda has {count} steps.",
            "invalid",
            step=cmd.index + 1,
            count=len(state.agenda),
        )
    if cmd.index == state.current_step:
        raise DomainError("This is the current step already.", "illegal_state")
    return [*leaving_step(state, cmd.at), e.StepEntered(cmd.index, cmd.at)]


def _end(state: SessionState, cmd: c.End) -> list[e.Event]:
    not_ended(state, N_("end the session"))
    # Ending wraps up whatever is under way so that the log closes cleanly.
    events: list[e.Event] = []
    if state.open_poll is not None:
        events.append(closing(state.polls[state.open_poll], cmd.at))
    if state.active_role_play is not None:
        events.append(e.RolePlayEnded(state.active_role_play, cmd.at))
    if state.prompt is not None:
        events.append(e.PromptCleared(state.prompt.id, cmd.at))
    events.append(e.SessionEnded(cmd.at))
    return events


DECIDERS: dict[type[c.Command], Decider] = {
    c.Start: _start,
    c.Next: _next,
    c.Previous: _previous,
    c.Jump: _jump,
    c.End: _end,
}
