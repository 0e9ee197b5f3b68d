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
    # Private events (answers above all) send nothing to the room or to other phones.
    public = any(event.public for event in events)
    if public or any(isinstance(event, (e.JoiningLocked, e.JoiningUnlocked)) for event in events):
        send("view", display_view(state), display_room(sid))  # it shows whether joining is open
    if public:
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
