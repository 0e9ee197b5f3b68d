"""Checks shared by the deciders; each raises DomainError with a precise message."""

from __future__ import annotations

from facilitator.core.errors import DomainError
from facilitator.core.state import Participant, Poll, RolePlay, SessionPhase, SessionState


def not_ended(state: SessionState, doing: str) -> None:
    if state.phase is SessionPhase.ENDED:
        raise DomainError(f"cannot {doing}: the session has ended", "illegal_state")


def running(state: SessionState, doing: str) -> None:
    if state.phase is not SessionPhase.RUNNING:
        raise DomainError(f"cannot {doing} while the session is {state.phase}", "illegal_state")


def present_member(state: SessionState, participant_id: str) -> Participant:
    member = state.participants.get(participant_id)
    if member is None:
        raise DomainError(f"no participant {participant_id!r} in this session", "not_found")
    if not member.present:
        raise DomainError(f"participant {participant_id!r} has left the session", "illegal_state")
    return member


def find_poll(state: SessionState, poll_id: str) -> Poll:
    poll = state.polls.get(poll_id)
    if poll is None:
        raise DomainError(f"no poll {poll_id!r} in this session", "not_found")
    return poll


def find_role_play(state: SessionState, role_play_id: str) -> RolePlay:
    role_play = state.role_plays.get(role_play_id)
    if role_play is None:
        raise DomainError(f"no role-play {role_play_id!r} in this session", "not_found")
    return role_play


def nonempty(text: str, what: str) -> str:
    text = text.strip()
    if not text:
        raise DomainError(f"{what} must not be empty", "invalid")
    return text
