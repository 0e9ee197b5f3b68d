"""Decide the member round: the console walks the course's members one at a time."""

from __future__ import annotations

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.deciding import Decider
from facilitator.core.errors import DomainError
from facilitator.core.messages import N_
from facilitator.core.state import SessionPhase, SessionState


def _move(state: SessionState, cmd: c.MoveRound) -> list[e.Event]:
    if state.phase is not SessionPhase.RUNNING:
        raise DomainError(
            N_("Start the session first, then go round the members.")
            if state.phase is SessionPhase.LOBBY
            else N_("The session has ended: the member round is over."),
            "conflict",
        )
    if cmd.count < 1:
        raise DomainError("This meeting has no course members to go round.", "conflict")
    # The first move shows the first member; later moves stop at either end.
    start = -1 if state.round_index is None else state.round_index
    index = min(max(start + cmd.delta, 0), cmd.count - 1)
    if index == state.round_index:
        return []
    return [e.MemberRoundMoved(index, cmd.at)]


DECIDERS: dict[type[c.Command], Decider] = {c.MoveRound: _move}
