"""Who hears what after a change: rooms per audience, and the views sent to each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from facilitator.core import events as e
from facilitator.core.state import SessionState
from facilitator.service.views import (
    display_view,
    facilitator_view,
    participant_view,
    personal_view,
)

# Events that change nothing members or the room display can see. Answers are here on
# purpose: an answer must not make anything reach other members' phones.
_UNSEEN_BY_MEMBERS = (
    e.ParticipantJoined,
    e.ParticipantConnected,
    e.ParticipantDisconnected,
    e.ParticipantLeft,
    e.NamedAnswerRecorded,
    e.AnonymousVoteCounted,
    e.BallotCast,
    e.RiskFlagged,
    e.SignalSent,
    e.SignalAcknowledged,
    e.NoteAdded,
)
_UNSEEN_BY_DISPLAY = _UNSEEN_BY_MEMBERS


class Sender(Protocol):
    def __call__(self, event: str, data: dict[str, Any], room: str) -> None: ...


def facilitator_room(session_id: str) -> str:
    return f"{session_id}:facilitator"


def participants_room(session_id: str) -> str:
    return f"{session_id}:participants"


def display_room(session_id: str) -> str:
    return f"{session_id}:display"


def member_room(session_id: str, participant_id: str) -> str:
    return f"{session_id}:member:{participant_id}"


def publish(send: Sender, state: SessionState, events: Sequence[e.Event]) -> None:
    """Send each audience its new view, and each member touched their own part."""
    sid = state.id
    send("view", facilitator_view(state), facilitator_room(sid))
    if not all(isinstance(event, _UNSEEN_BY_DISPLAY) for event in events) or any(
        isinstance(event, (e.JoiningLocked, e.JoiningUnlocked)) for event in events
    ):
        send("view", display_view(state), display_room(sid))
    if not all(isinstance(event, _UNSEEN_BY_MEMBERS) for event in events):
        send("view", participant_view(state), participants_room(sid))
    for participant_id in sorted(_members_touched(state, events)):
        send("personal", personal_view(state, participant_id), member_room(sid, participant_id))


def _members_touched(state: SessionState, events: Sequence[e.Event]) -> set[str]:
    touched: set[str] = set()
    for event in events:
        if isinstance(event, (e.RolePlayPushed, e.RolePlayEnded)):
            touched |= {m.id for m in state.participants.values() if m.present}
        member = getattr(event, "participant_id", None)
        if member is not None and not isinstance(
            event, (e.ParticipantConnected, e.ParticipantDisconnected)
        ):
            touched.add(member)
    return touched
