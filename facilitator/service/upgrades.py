"""Bring data written by older releases up to what this release promises, once, at start.

Version 1 (the first release) kept more than it should: a poll closed below its reveal
threshold kept its answers in its poll_closed event, a closed poll's ballot box stayed,
and a snapshot could hold an open poll's ballots beside its voters. Version 2 removes
all three from stored sessions, through the core's own rule for closing a poll.
"""

from __future__ import annotations

import logging

from facilitator.core.engine import apply, fold
from facilitator.core.events import Event, PollClosed
from facilitator.core.polls import closing
from facilitator.storage.base import EventStore, StorageError

DATA_VERSION = 2
log = logging.getLogger(__name__)


def upgrade(store: EventStore) -> None:
    """Upgrade every stored session to DATA_VERSION, unless that was done before.

    A store that cannot be reached is left as it is, to be upgraded at the next start:
    the server still starts, and serves once the store is back.
    """
    try:
        _upgrade(store)
    except StorageError as error:
        log.warning("could not upgrade the stored data yet: %s", error)


def _upgrade(store: EventStore) -> None:
    found = store.data_version()
    if found >= DATA_VERSION:
        return
    sessions = store.sessions()
    for record in sessions:
        redact_answers(store, record.id)
    store.set_data_version(DATA_VERSION)
    if sessions:
        log.info("upgraded %d stored sessions to data version %d", len(sessions), DATA_VERSION)


def redact_answers(store: EventStore, session_id: str) -> None:
    """Drop the anonymous answers a session of the first release kept beyond its rules."""
    logged = store.read(session_id)
    if not logged:
        return
    state = fold([logged[0][1]])
    replacements: dict[int, Event] = {}
    closed: list[str] = []
    for version, event in logged[1:]:
        if isinstance(event, PollClosed):
            poll = state.polls[event.poll_id]
            poll.ballots = list(event.ballots)
            kept = closing(poll, event.at)
            if kept != event:
                replacements[version] = kept
            closed.append(event.poll_id)
            event = kept
        apply(state, event)
    store.redact(session_id, replacements, closed)
