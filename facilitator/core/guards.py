"""Checks shared by the deciders; each raises DomainError with a plain message.

Messages are sentences a facilitator or a member reads on their screen: they start with
a capital letter and say what to do where there is something to do.
"""

from __future__ import annotations

from facilitator.core.errors import DomainError
from facilitator.core.messages import N_, starting
from facilitator.core.state import Participant, Poll, RolePlay, SessionPhase, SessionState


def not_ended(state: SessionState, doing: str) -> None:
    if state.phase is SessionPhase.ENDED:
        raise DomainError(
            "The session has ended: you cannot {doing} now.", "illegal_state", doing=N_(doing)
        )


def not_running(state: SessionState, doing: str) -> DomainError:
    """Return the refusal of `doing` in a session that is not running."""
    if state.phase is SessionPhase.LOBBY:
        return DomainError(
            "Start the session first, then {doing}.", "illegal_state", doing=N_(doing)
        )
    return DomainError(
        "The session has ended: you cannot {doing} now.", "illegal_state", doing=N_(doing)
    )


def running(state: SessionState, doing: str) -> None:
    if state.phase is not SessionPhase.RUNNING:
        raise not_running(state, doing)


def present_member(state: SessionState, participant_id: str) -> Participant:
    member = state.participants.get(participant_id)
    if member is None:
        raise DomainError("This member is not in this session.", "not_found")
    if not member.present:
        raise DomainError("{name} has left the session.", "illegal_state", name=member.name)
    return member


def find_poll(state: SessionState, poll_id: str) -> Poll:
    poll = state.polls.get(poll_id)
    if poll is None:
        raise DomainError("There is no such poll in this session.", "not_found")
    return poll


def find_role_play(state: SessionState, role_play_id: str) -> RolePlay:
    role_play = state.role_plays.get(role_play_id)
    if role_play is None:
        raise DomainError("There is no such role-play in this session.", "not_found")
    return role_play


def nonempty(text: str, what: str) -> str:
    """Return `text` trimmed; refuse it when empty. `what` starts the sentence."""
    text = text.strip()
    if not text:
        raise DomainError("{what} cannot be empty.", "invalid", what=starting(what))
    return text
