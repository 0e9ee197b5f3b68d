"""Retention: erase ended sessions some days after they ended, by hand or on a timer."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from facilitator.core.errors import DomainError
from facilitator.service import audit
from facilitator.service.courses import load_course
from facilitator.service.loading import load_state
from facilitator.storage.base import Store

log = logging.getLogger(__name__)
DAY = 86400.0
# Retention is counted in days: a check every hour erases a session at most an hour late.
SWEEP_EVERY = 3600.0


@dataclass(frozen=True)
class Purged:
    # A session's id, or a course's.
    session_id: str
    owner: str
    created_at: float
    ended_at: float


def expired(store: Store, now: float, days: float) -> list[Purged]:
    """Return the sessions that ended more than `days` days before `now`."""
    cutoff = now - days * DAY
    found = []
    for record in store.sessions():
        # Under gevent (patched), lets other connections run between two sessions' logs.
        time.sleep(0)
        if record.created_at > cutoff:
            continue  # it cannot have ended before it began: no need to read its log
        try:
            state = load_state(store, record.id)
        except DomainError:
            continue  # erased meanwhile
        if state.ended_at is not None and state.ended_at <= cutoff:
            found.append(Purged(record.id, record.owner, record.created_at, state.ended_at))
    return found


def expired_courses(store: Store, now: float, days: float) -> list[Purged]:
    """Return the courses with no meeting open whose last meeting ended (or, with none
    held, which began) more than `days` days before `now`."""
    cutoff = now - days * DAY
    found = []
    for record in store.courses():
        time.sleep(0)
        if record.created_at > cutoff:
            continue
        try:
            state = load_course(store, record.id)
        except DomainError:
            continue
        if any(m.session_id and m.ended_at is None for m in state.meetings):
            continue  # a meeting is on, or was left open: not done with
        last = max((m.ended_at for m in state.meetings if m.ended_at), default=state.created_at)
        if last <= cutoff:
            found.append(Purged(record.id, record.owner, record.created_at, last))
    return found


def purge(store: Store, now: float, days: float, *, actor: str, address: str) -> list[Purged]:
    """Erase every session, and every course, done with more than `days` days ago; audit
    each erasure. A course goes with its meetings' sessions."""
    for course in expired_courses(store, now, days):
        state = load_course(store, course.session_id)
        for meeting in state.meetings:
            if meeting.session_id:
                store.delete(meeting.session_id)
        store.delete_course(course.session_id)
        audit.record(
            store,
            now,
            audit.COURSE_PURGED,
            actor=actor,
            address=address,
            owner=course.owner,
            session_id=course.session_id,
            detail=f"last met more than {days:g} days ago",
        )
    erased = expired(store, now, days)
    for session in erased:
        store.delete(session.session_id)
        audit.record(
            store,
            now,
            audit.SESSION_PURGED,
            actor=actor,
            address=address,
            owner=session.owner,
            session_id=session.session_id,
            detail=f"ended more than {days:g} days ago",
        )
    return erased


class RetentionSweeper:
    """Purge on a timer: once at start, then every `every` seconds, until stopped."""

    def __init__(
        self,
        store: Store,
        days: float,
        clock: Callable[[], float],
        *,
        every: float = SWEEP_EVERY,
        erased: Callable[[str], None] = lambda session_id: None,
    ) -> None:
        self._store = store
        self._days = days
        self._clock = clock
        self._every = every
        self._erased = erased
        self._stopped = threading.Event()
        self.sweeps = 0

    def run(self) -> None:
        """Sweep until `stop` is called; a failed sweep is logged and tried again later."""
        while not self._stopped.is_set():
            self.sweep()
            self._stopped.wait(self._every)

    def sweep(self) -> list[Purged]:
        """Purge once now; return what was erased."""
        try:
            erased = purge(
                self._store,
                self._clock(),
                self._days,
                actor=audit.RETENTION,
                address=audit.LOCAL,
            )
        except Exception:
            log.exception("retention: the sweep failed; it runs again in %.0f s", self._every)
            return []
        finally:
            self.sweeps += 1
        for session in erased:
            self._erased(session.session_id)
        if erased:
            log.info("retention: erased %d ended session(s)", len(erased))
        return erased

    def stop(self) -> None:
        """Stop sweeping; a sweep under way finishes first."""
        self._stopped.set()
