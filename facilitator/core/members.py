"""Decide who is in the session: joining, leaving, locking.

Who is connected right now is not decided here: it is no part of the session's record
(see service/presence.py).
"""

from __future__ import annotations

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.deciding import Decider
from facilitator.core.errors import DomainError
from facilitator.core.guards import nonempty, not_ended, present_member
from facilitator.core.messages import N_
from facilitator.core.state import SessionState


def _join(state: SessionState, cmd: c.Join) -> list[e.Event]:
    not_ended(state, N_("join"))
    if state.locked:
        raise DomainError("This session is locked: no one new can join.", "locked")
    if cmd.participant_id in state.participants:
        raise DomainError("You have joined this session already.", "conflict")
    typed, name = _free_name(state, cmd.participant_id, cmd.display_name, cmd.pseudonym)
    consent = (cmd.consented_at, cmd.consent_version)
    return [
        e.ParticipantJoined(
            cmd.participant_id, name, typed, cmd.at, *consent, language=cmd.language
        )
    ]


def _add(state: SessionState, cmd: c.AddMember) -> list[e.Event]:
    # Not refused when joining is locked: the lock keeps out codes typed on phones,
    # and the facilitator adding someone is the one deciding who is in the room.
    not_ended(state, N_("add a member"))
    typed, name = _free_name(state, cmd.participant_id, cmd.display_name, cmd.pseudonym)
    return [
        e.ParticipantJoined(cmd.participant_id, name, typed, cmd.at, no_phone=True, added_by=cmd.by)
    ]


def _free_name(
    state: SessionState, participant_id: str, display_name: str | None, pseudonym: str
) -> tuple[bool, str]:
    """Return whether a name was typed, and the name: typed, or else the pseudonym."""
    if participant_id in state.participants:
        raise DomainError("This member has joined this session already.", "conflict")
    typed = (display_name or "").strip()
    name = typed or nonempty(pseudonym, N_("a pseudonym"))
    if name.casefold() in state.names_present():
        # Its own code: "conflict" means a race worth retrying, a taken name never is.
        raise DomainError(
            "Someone here is called {name} already; choose another name.", "name_taken", name=name
        )
    return bool(typed), name


def _leave(state: SessionState, cmd: c.Leave) -> list[e.Event]:
    member = present_member(state, cmd.participant_id)
    return [e.ParticipantLeft(member.id, False, cmd.at)]


def _remove(state: SessionState, cmd: c.RemoveParticipant) -> list[e.Event]:
    member = present_member(state, cmd.participant_id)
    return [e.ParticipantLeft(member.id, True, cmd.at)]


def _erase(state: SessionState, cmd: c.EraseParticipant) -> list[e.Event]:
    member = state.participants.get(cmd.participant_id)
    if member is None:
        raise DomainError("This member is not in this session.", "not_found")
    if member.erased:
        raise DomainError("This member was erased already.", "illegal_state")
    # Removed first, when still here: their phone is closed and cannot answer again.
    removed = [e.ParticipantLeft(member.id, True, cmd.at)] if member.present else []
    return [*removed, e.ParticipantErased(member.id, cmd.at)]


def _lock(state: SessionState, cmd: c.LockJoining) -> list[e.Event]:
    not_ended(state, N_("lock joining"))
    if state.locked:
        raise DomainError("Joining is locked already.", "illegal_state")
    return [e.JoiningLocked(cmd.at)]


def _unlock(state: SessionState, cmd: c.UnlockJoining) -> list[e.Event]:
    not_ended(state, N_("unlock joining"))
    if not state.locked:
        raise DomainError("Joining is open already.", "illegal_state")
    return [e.JoiningUnlocked(cmd.at)]


DECIDERS: dict[type[c.Command], Decider] = {
    c.Join: _join,
    c.AddMember: _add,
    c.Leave: _leave,
    c.RemoveParticipant: _remove,
    c.EraseParticipant: _erase,
    c.LockJoining: _lock,
    c.UnlockJoining: _unlock,
}
