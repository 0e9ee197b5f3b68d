"""Load a session's state from a store: latest snapshot, then the log after it."""

from __future__ import annotations

from facilitator.core.codec import state_from_dict
from facilitator.core.engine import apply, fold
from facilitator.core.errors import DomainError
from facilitator.core.state import PollPhase, SessionState, ballot_key
from facilitator.storage.base import EventStore


def load_state(store: EventStore, session_id: str) -> SessionState:
    """Return the session's current state, or raise DomainError when it does not exist."""
    snapshot = store.load_snapshot(session_id)
    if snapshot is not None:
        state = state_from_dict(snapshot.state)
        for _, event in store.read(session_id, since=snapshot.version):
            apply(state, event)
    else:
        logged = [event for _, event in store.read(session_id)]
        if not logged:
            raise DomainError("There is no such session.", "not_found")
        state = fold(logged)
    # Ballots live outside the log; an open poll's are read whole from the ballot box.
    # A closed poll's ballots are already in its poll_closed event.
    for poll in state.polls.values():
        if poll.phase is PollPhase.OPEN:
            poll.ballots = sorted(store.ballots(session_id, poll.id), key=ballot_key)
    return state
