"""The service's withdrawal actions: a member leaves a course, and a member is erased.

Part of the one entry point (service/api.py's Service inherits these). Erasing runs
the core's erase command (which scrubs every process's cached state and removes the
member), then rewrites the stored log as core.erasure says and has the store drop the
snapshot and the history of what was there (the SQLite WAL, the Redis append-only
file). A course member is erased from the course and from every meeting they were
in. The audit log says that an erasure happened, by whom, and the member's random id:
never their name or anything else that was removed.
"""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, Any

from facilitator.core import commands as c
from facilitator.core import course_commands as cc
from facilitator.core.erasure import replacements
from facilitator.core.errors import DomainError
from facilitator.core.state import SessionState
from facilitator.errors import Refused
from facilitator.service import audience, audit
from facilitator.service.tokens import Actor, MembershipSigner, Role

if TYPE_CHECKING:
    from facilitator.core.course_state import CourseState
    from facilitator.service.courses import CourseService
    from facilitator.service.sessions import Outcome, SessionService
    from facilitator.storage.base import Store

# Who the audit log names when a member asked from their phone: members hold no account.
MEMBER_ACTOR = "member"


class Withdrawal:
    """Withdrawal methods of the service; mixed into Service, which holds what they use."""

    courses: CourseService
    sessions: SessionService
    _memberships: MembershipSigner
    _store: Store

    if TYPE_CHECKING:  # Service's own, which these methods use

        def _close_departed(self, actor: Actor, outcome: Outcome) -> None: ...
        def course(self, user: str, course_id: str) -> dict[str, Any]: ...

    # -- facilitators ------------------------------------------------------------------

    def erase_participant(
        self, user: str, session_id: str, participant_id: str, address: str
    ) -> dict[str, Any]:
        """Erase one member of a session; a member of its course is erased from the course."""
        actor = Actor(Role.FACILITATOR, session_id, user=user, address=address)
        state = self.sessions.current(session_id)
        audience.check_runs(actor, state)
        if state.course_id:
            course = self.courses.current(state.course_id)
            if participant_id in course.members:
                self._erase_member(course, participant_id, user, address)
                return {"erased": participant_id}
        self._erase_here(actor, participant_id)
        self._audit_erasure(user, address, state.owner, session_id, participant_id)
        return {"erased": participant_id}

    def erase_member(
        self, user: str, course_id: str, member_id: str, address: str
    ) -> dict[str, Any]:
        """Erase one member of a course, from the course and each meeting they were in."""
        course = self.courses.current(course_id)
        audience.check_course_runs(user, course)
        if member_id not in course.members:
            raise Refused("not_found", "This course has no such member.")
        self._erase_member(course, member_id, user, address)
        return self.course(user, course_id)

    # -- phones -----------------------------------------------------------------------

    def leave_course(self, membership: str, erase: bool, address: str) -> dict[str, Any]:
        """A member leaves their course from their phone, and may ask to be erased."""
        held = self._memberships.verify(membership)
        course = self.courses.current(held.course_id)
        member = course.members.get(held.member_id)
        if member is None or member.withdrawn or member.generation != held.generation:
            raise Refused(
                "revoked",
                "This phone's place in the course has moved. Ask your facilitator for a code.",
            )
        if erase:
            self._erase_member(course, member.id, MEMBER_ACTOR, address)
        else:
            self.courses.run(course.id, lambda st, at: cc.Withdraw(at=at, member_id=member.id))
            self._leave_meeting(course, member.id)
        return {"left": True, "erased": erase}

    # -- internals --------------------------------------------------------------------

    def _erase_member(self, course: CourseState, member_id: str, user: str, address: str) -> None:
        self.courses.run(course.id, lambda st, at: cc.EraseMember(at=at, member_id=member_id))
        for meeting in course.meetings:
            if meeting.session_id is None:
                continue
            owner = Actor(Role.FACILITATOR, meeting.session_id, user=course.owner)
            with suppress(DomainError, Refused):  # never joined it, or it was erased
                self._erase_here(owner, member_id)
        self._rewrite(course.id, member_id)
        self.courses.forget(course.id)
        self._audit_erasure(user, address, course.owner, course.id, member_id)

    def _erase_here(self, actor: Actor, participant_id: str) -> None:
        """Erase a member from one session's log, state and history."""

        def erasing(state: SessionState, at: float) -> c.Command:
            audience.check_runs(actor, state)
            return c.EraseParticipant(at, participant_id)

        outcome = self.sessions.run(actor, erasing)
        self._close_departed(actor, outcome)
        self._rewrite(actor.session_id, participant_id)
        # Rebuilt from the rewritten log at the next read, as every other process does.
        self.sessions.forget(actor.session_id)

    def _rewrite(self, stream_id: str, member_id: str) -> None:
        logged = self._store.read(stream_id)
        self._store.redact(stream_id, replacements(logged, member_id), ())

    def _leave_meeting(self, course: CourseState, member_id: str) -> None:
        """A member who leaves their course leaves the meeting on now, if they are in it."""
        for meeting in course.meetings:
            if meeting.session_id is None or meeting.ended_at is not None:
                continue
            actor = Actor(Role.PARTICIPANT, meeting.session_id, member_id)
            with suppress(DomainError, Refused):  # not in it, or gone already
                outcome = self.sessions.run(actor, lambda st, at: c.Leave(at, member_id))
                self._close_departed(actor, outcome)

    def _audit_erasure(
        self, actor: str, address: str, owner: str, stream_id: str, member_id: str
    ) -> None:
        # The member's random id only: their name is what was erased.
        audit.record(
            self._store,
            self.sessions.clock(),
            audit.MEMBER_ERASED,
            actor=actor,
            address=address,
            owner=owner,
            session_id=stream_id,
            detail=member_id,
        )
