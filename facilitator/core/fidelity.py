"""Decide the records a supervisor reads: the fidelity checklist, pre-group decisions."""

from __future__ import annotations

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.deciding import Decider
from facilitator.core.errors import DomainError
from facilitator.core.state import DECISIONS, SessionPhase, SessionState

#: The meeting before the group, where each member's decision is made.
PRE_GROUP = 0


def _record_fidelity(state: SessionState, cmd: c.RecordFidelity) -> list[e.Event]:
    # Ticked at the end of a meeting, or after it ended: never before it began.
    if state.phase is SessionPhase.LOBBY:
        raise DomainError("The checklist is for a meeting that has started.", "illegal_state")
    done = set(cmd.done)
    if len(done) != len(cmd.done):
        raise DomainError("An item is ticked twice.", "invalid")
    items = tuple(state.checklist)
    if any(not 0 <= index < len(items) for index in done):
        raise DomainError("A ticked item is not on this meeting's checklist.", "invalid")
    reflection = cmd.reflection.strip()
    if not items and not reflection:
        raise DomainError("This meeting has no checklist: write a reflection.", "invalid")
    ticks = tuple(index in done for index in range(len(items)))
    return [e.FidelityRecorded(items, ticks, reflection, cmd.by, cmd.at)]


def _record_decision(state: SessionState, cmd: c.RecordDecision) -> list[e.Event]:
    if state.session_number != PRE_GROUP:
        raise DomainError(
            "Whether a member joins is decided at the meeting before the group.", "illegal_state"
        )
    if cmd.participant_id not in state.participants:
        raise DomainError("This member is not in this session.", "not_found")
    if cmd.decision not in DECISIONS:
        raise DomainError(
            "A decision is one of: {allowed}.", "invalid", allowed=", ".join(DECISIONS)
        )
    note = cmd.note.strip()
    if cmd.decision == "refer" and not note:
        raise DomainError("Say where the member is referred.", "invalid")
    return [e.DecisionRecorded(cmd.participant_id, cmd.decision, note, cmd.by, cmd.at)]


DECIDERS: dict[type[c.Command], Decider] = {
    c.RecordFidelity: _record_fidelity,
    c.RecordDecision: _record_decision,
}
