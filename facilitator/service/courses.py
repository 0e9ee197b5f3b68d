"""Run commands against courses: one course stream per course, beside its meetings' logs.

A course changes the way a session does: decided by the core, appended to the store
with the version it was decided on, retried when another process wrote first, and
applied at most once per command id. Its meetings are ordinary sessions; what they
leave in the course (attendance, named measures) is written when a meeting ends,
under a command id of its own, so that ending twice records once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from facilitator.core import course as engine
from facilitator.core import course_commands as cc
from facilitator.core.codec import course_state_from_dict, course_state_to_dict
from facilitator.core.course_events import CourseCommandRecorded
from facilitator.core.course_state import CourseState, Meeting
from facilitator.core.errors import DomainError
from facilitator.core.poll_kinds import instrument_total
from facilitator.core.spec import PollType
from facilitator.core.state import PollPhase, SessionState
from facilitator.errors import Refused
from facilitator.library.catalog import Catalog
from facilitator.service.codes import new_join_code
from facilitator.storage.base import Snapshot, Store, VersionConflict

MakeCourseCommand = Callable[[CourseState, float], cc.CourseCommand]
RUN_ATTEMPTS = 8
COURSE_PREFIX = "course-"
# A member who joins this long after the meeting started is "late".
LATE_AFTER = 10 * 60.0


class CourseService:
    """The one way courses change."""

    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        secret_key: str,
        *,
        clock: Callable[[], float] = time.time,
        snapshot_every: int = 200,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self._key = hashlib.sha256(f"relink:{secret_key}".encode()).digest()
        self._clock = clock
        self._snapshot_every = snapshot_every
        self._snapshot_at: dict[str, int] = {}
        self._cache: dict[str, CourseState] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._guard = threading.Lock()

    # -- reading ----------------------------------------------------------------------

    def current(self, course_id: str) -> CourseState:
        """Return the course as the store has it now; DomainError when there is none."""
        if not course_id.startswith(COURSE_PREFIX):
            raise DomainError("There is no such course.", "not_found")
        with self._lock(course_id):
            state = self._cache.get(course_id)
            if state is None:
                state = self._load(course_id)
                self._cache[course_id] = state
                return state
            stored = self.store.version(course_id)
            if stored == 0:
                self._cache.pop(course_id, None)
                raise DomainError("There is no such course.", "not_found")
            if stored != state.version:
                for _, event in self.store.read(course_id, since=state.version):
                    engine.apply(state, event)
            return state

    def _load(self, course_id: str) -> CourseState:
        return load_course(self.store, course_id)

    def clock(self) -> float:
        return self._clock()

    def relink_digest(self, code: str) -> str:
        """Return the keyed digest a re-link code is kept as: the code itself never is."""
        return hmac.new(self._key, code.encode(), hashlib.sha256).hexdigest()

    # -- changing ---------------------------------------------------------------------

    def create(
        self,
        owner: str,
        protocol_id: str,
        title: str,
        language: str,
        planned: Sequence[float | None],
        region: str = "",
        time_zone: str = "",
    ) -> CourseState:
        """Open a course of a protocol: one meeting per protocol session, in order."""
        try:
            protocol = self.catalog.protocol(protocol_id)
        except KeyError:
            raise Refused(
                "not_found", "There is no protocol {protocol}.", protocol=repr(protocol_id)
            ) from None
        meetings = tuple(
            Meeting(
                n=session.n,
                session_number=session.n,
                phase=session.phase.value,
                title=session.title,
                planned_at=planned[i] if i < len(planned) else None,
            )
            for i, session in enumerate(protocol.sessions)
        )
        for _ in range(5):
            course_id = COURSE_PREFIX + secrets.token_urlsafe(9)
            command = cc.CreateCourse(
                at=self._clock(),
                course_id=course_id,
                protocol_id=protocol.id,
                protocol_version=protocol.version,
                title=title,
                clinical_title=protocol.title,
                owner=owner,
                language=language,
                join_code=new_join_code(),
                meetings=meetings,
                region=region,
                time_zone=time_zone,
            )
            state, events = engine.create_course(command)
            try:
                self.store.append(course_id, 0, events)
            except VersionConflict:
                continue  # the join code (or id) was taken: draw again
            self._cache[course_id] = state
            return state
        raise Refused("busy", "Could not find a free join code. Try again.")

    def run(
        self,
        course_id: str,
        make: MakeCourseCommand,
        *,
        command_id: str = "",
        by: str = "",
    ) -> CourseState:
        """Apply one command to a course; with `command_id`, at most once."""
        lock = self._lock(course_id)
        with lock:
            for attempt in range(RUN_ATTEMPTS):
                if attempt:
                    time.sleep(secrets.randbelow(2000 * attempt) / 1e6)
                state = self.current(course_id)
                if command_id and command_id in state.commands:
                    return state
                events = engine.decide(state, make(state, self._clock()))
                if not events:
                    return state
                if command_id:
                    events = [*events, CourseCommandRecorded(command_id, by)]
                try:
                    self.store.append(course_id, state.version, events)
                except VersionConflict as conflict:
                    if conflict.actual <= state.version:
                        self._cache.pop(course_id, None)
                    continue
                for event in events:
                    engine.apply(state, event)
                self._maybe_snapshot(state)
                return state
        raise Refused("conflict", "The course kept changing. Try again.")

    def forget(self, course_id: str) -> None:
        self._cache.pop(course_id, None)
        self._snapshot_at.pop(course_id, None)

    def _maybe_snapshot(self, state: CourseState) -> None:
        last = self._snapshot_at.get(state.id, 0)
        if state.version - last >= max(self._snapshot_every, state.version // 4):
            snapshot = Snapshot(state.version, course_state_to_dict(state))
            self.store.save_snapshot(state.id, snapshot)
            self._snapshot_at[state.id] = state.version

    def _lock(self, course_id: str) -> threading.RLock:
        with self._guard:
            return self._locks.setdefault(course_id, threading.RLock())


def load_course(store: Store, course_id: str) -> CourseState:
    """Return a course's state: its latest snapshot, then its log after it."""
    snapshot = store.load_snapshot(course_id)
    if snapshot is not None:
        state = course_state_from_dict(snapshot.state)
        for _, event in store.read(course_id, since=snapshot.version):
            engine.apply(state, event)
        return state
    logged = [event for _, event in store.read(course_id)]
    if not logged:
        raise DomainError("There is no such course.", "not_found")
    return engine.fold(logged)


# -- what a meeting leaves in its course: pure ------------------------------------------


def attendance_of(meeting: SessionState, members: Sequence[str]) -> dict[str, str]:
    """Return each enrolled member's attendance at an ended meeting, from its log.

    Joined within LATE_AFTER of the start: present; later: late; left before the end:
    left early; never joined: absent.
    """
    started = meeting.started_at if meeting.started_at is not None else meeting.created_at
    found: dict[str, str] = {}
    for member_id in members:
        joined = meeting.participants.get(member_id)
        if joined is None:
            found[member_id] = "absent"
        elif not joined.present and not joined.removed:
            found[member_id] = "left_early"
        elif joined.joined_at > started + LATE_AFTER and not joined.no_phone:
            # A member without a phone is added when the facilitator gets to it, not
            # when they arrived: they count as there from the start.
            found[member_id] = "late"
        else:
            found[member_id] = "present"
    return found


def measures_of(
    meeting: SessionState, measure_ids: Sequence[str], catalog: Catalog
) -> list[dict[str, Any]]:
    """Return one named score per member for each course measure closed in the meeting.

    Only named polls count: an anonymous poll's answers never name a member, and never
    enter a member's record, whatever a protocol says.
    """
    found: list[dict[str, Any]] = []
    for poll in meeting.polls.values():
        spec = poll.spec
        if spec.id not in measure_ids or spec.anonymous or poll.phase is PollPhase.OPEN:
            continue
        for member_id, value in sorted(poll.answers.items()):
            if spec.type is PollType.INSTRUMENT and isinstance(value, list):
                score = instrument_total(spec, value)
                band = _band(catalog, spec.id, score)
            elif isinstance(value, int):
                score, band = value, ""
            else:
                continue
            found.append(
                {"member_id": member_id, "measure_id": spec.id, "score": score, "band": band}
            )
    return found


def _band(catalog: Catalog, instrument_id: str, score: int) -> str:
    try:
        found = catalog.instrument(instrument_id).band(score)
    except KeyError:
        return ""
    return found.label if found is not None else ""
