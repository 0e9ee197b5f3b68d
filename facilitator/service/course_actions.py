"""The service's course actions: a method per thing people do with a course.

Part of the one entry point (service/api.py's Service inherits these). Who may do what
is asked of the audience module; what a meeting leaves in its course is written when
the meeting ends.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Sequence
from contextlib import suppress
from datetime import UTC, date, datetime, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from facilitator.catalogs import Catalogs
from facilitator.core import commands as c
from facilitator.core import course_commands as cc
from facilitator.core.course import last_step, missed_in_a_row
from facilitator.core.course_state import CourseState
from facilitator.core.errors import DomainError
from facilitator.core.fidelity import PRE_GROUP
from facilitator.core.messages import N_
from facilitator.core.spec import StepKind
from facilitator.core.state import Decision, Fidelity, RiskAction, SessionPhase, SessionState
from facilitator.errors import Refused
from facilitator.languages import region_code
from facilitator.service import audience, audit, course_exports
from facilitator.service.charts import trend_svg
from facilitator.service.codes import (
    RELINK_MINUTES,
    grouped_code,
    new_pseudonym,
    new_relink_code,
    normalize_code,
)
from facilitator.service.course_views import course_alert, course_view, measure_title
from facilitator.service.courses import CourseService, attendance_of, measures_of
from facilitator.service.document_words import DocumentWords
from facilitator.service.limits import address_key
from facilitator.service.safety import RISK_ACTIONS
from facilitator.service.sessions import MakeCommand
from facilitator.service.tokens import Actor, Membership, MembershipSigner, Role
from facilitator.service.views import risk_alert
from facilitator.service.wording import first_offered, requested_tag

if TYPE_CHECKING:
    from facilitator.library.catalog import Catalog
    from facilitator.service.api import Download
    from facilitator.service.sessions import SessionService
    from facilitator.service.tokens import TokenSigner
    from facilitator.storage.base import Store

STEP_REVIEWS = ("yes", "partly", "no")
PROBLEM_AREAS = ("grief", "disputes", "transitions", "isolation")
ATTENDANCE = ("present", "late", "left_early", "absent")
# Attempts at course and re-link codes, per address and minute: as join codes.
CODE_ATTEMPTS = 20


class CourseActions:
    """Course methods of the service; mixed into Service, which holds what they use."""

    courses: CourseService
    sessions: SessionService
    _memberships: MembershipSigner
    _signer: TokenSigner
    _store: Store
    _catalog: Catalog
    _time_zone: tzinfo | None
    _catalogs: Catalogs

    def document_language(self, state: object, languages: Sequence[str] = ()) -> str:
        """Return the language of a session's or course's printed summary: its own, once
        it has one, else the first of `languages` (the reader's browser's) the catalogs
        have, else English."""
        own = getattr(state, "language", None)
        wanted = [own] if isinstance(own, str) and own else []
        return self._catalogs.best([*wanted, *languages])

    if TYPE_CHECKING:  # Service's own, which these methods use

        def _links(self, state: SessionState, user: str, signin: str) -> dict[str, Any]: ...
        def _command(
            self, actor: Actor, make: MakeCommand, version: int | None, command_id: str
        ) -> dict[str, Any]: ...
        def _audit(self, action: str, actor: Actor, owner: str, detail: str = "") -> None: ...
        def _facilitator(self, user: str, session_id: str, address: str = "") -> Actor: ...
        def delete_session(self, user: str, session_id: str, address: str) -> None: ...
        def _agreed(self, consent: bool) -> tuple[float, str]: ...
        def now(self) -> float: ...

    # -- facilitators ------------------------------------------------------------------

    def create_course(
        self,
        user: str,
        protocol_id: str,
        title: str,
        language: str | None = "en",
        planned: Sequence[date] = (),
        accepted: Sequence[str] = (),
        region: str = "",
        time_zone: str = "",
    ) -> dict[str, Any]:
        """Open a course of a protocol, with a neutral title phones and the display show.

        Without a `language`, the course takes the first of `accepted` (the browser's
        Accept-Language) the protocol offers, else the protocol's own.
        """
        region, time_zone = _settings(region, time_zone)
        if language is None:
            try:
                language = first_offered(self.sessions.catalog.protocol(protocol_id), accepted)
            except KeyError:
                raise Refused(
                    "not_found", "There is no protocol {protocol}.", protocol=repr(protocol_id)
                ) from None
        when = [datetime(d.year, d.month, d.day, 12, tzinfo=UTC).timestamp() for d in planned]
        state = self.courses.create(
            user, protocol_id, title.strip(), language, when, region, time_zone
        )
        return {
            "course_id": state.id,
            "title": state.title,
            "join_code": grouped_code(state.join_code),
        }

    def courses_of(self, user: str) -> list[dict[str, Any]]:
        """List the courses `user` runs or supervises, newest first."""
        listed = []
        for record in self._store.courses_of(user):
            try:
                state = self.courses.current(record.id)
            except DomainError:
                continue  # erased since it was listed
            done = [m for m in state.meetings if m.ended_at is not None]
            upcoming = [m for m in state.meetings if m.ended_at is None]
            listed.append(
                {
                    "id": state.id,
                    "title": state.title,
                    "clinical_title": state.clinical_title,
                    "owner": state.owner,
                    "role": audience.course_seat(user, state).value,
                    "next_meeting": _meeting_brief(upcoming[0]) if upcoming else None,
                    "meetings_done": len(done),
                    "meetings": len(state.meetings),
                }
            )
        return listed

    def course(self, user: str, course_id: str) -> dict[str, Any]:
        """Return the course view, to its facilitators and supervisors."""
        state = self.courses.current(course_id)
        seat = audience.check_course_reads(user, state)
        view = {**course_view(state, self._instruments()), "seat": seat.value, "role": seat.value}
        with suppress(KeyError):
            # The languages its meetings may read the protocol in.
            view["languages"] = list(self.sessions.catalog.protocol(state.protocol_id).languages)
        if seat is not audience.CourseSeat.SUPERVISOR:
            # Those who run the meetings hand the code out; a supervisor needs none.
            view["join_code"] = grouped_code(state.join_code)
        return view

    def open_meeting(self, user: str, course_id: str, n: int, signin: str) -> dict[str, Any]:
        """Open meeting `n` of a course as a live session; return its links."""
        course = self.courses.current(course_id)
        audience.check_course_runs(user, course)
        meeting = next((m for m in course.meetings if m.n == n), None)
        if meeting is None:
            raise Refused("not_found", "This course has no meeting {n}.", n=n)
        if meeting.session_id is not None:
            try:
                state = self.sessions.current(meeting.session_id)
            except DomainError:
                state = None
            if state is not None:
                return self._links(state, user, signin)
        state = self.sessions.create(
            course.owner,
            course.protocol_id,
            meeting.session_number,
            title=f"{course.title}: {meeting.title}",
            course_id=course.id,
            # The course's language, or the protocol's own if it is not offered in it.
            accepted=(course.language,),
        )
        owner = Actor(Role.FACILITATOR, state.id, user=course.owner)
        # The course's co-facilitators run its meetings too.
        for name, grant in sorted(course.co_facilitators.items()):
            self.sessions.run(owner, _inviting(name, grant))
        self.courses.run(
            course_id,
            lambda st, at: cc.OpenMeeting(at=at, n=n, session_id=state.id),
            command_id=f"open:{state.id}",
            by=user,
        )
        return self._links(self.sessions.current(state.id), user, signin)

    def set_attendance(
        self, user: str, course_id: str, n: int, member_id: str, status: str
    ) -> dict[str, Any]:
        """Correct one member's attendance at one meeting."""
        if status not in ATTENDANCE:
            raise Refused(
                "invalid", "Attendance is one of: {allowed}.", allowed=", ".join(ATTENDANCE)
            )
        self._course_run(
            user,
            course_id,
            lambda st, at: cc.RecordAttendance(
                at=at, n=n, member_id=member_id, status=status, corrected=True, by=user
            ),
        )
        return self.course(user, course_id)

    def set_course_language(self, user: str, course_id: str, language: str) -> dict[str, Any]:
        """Set the language the course's meetings read the protocol in: from the next
        meeting opened, and in the meeting running now, whose screens follow at once."""
        course = self.courses.current(course_id)
        audience.check_course_runs(user, course)
        tag = requested_tag(language)
        try:
            offered = self.sessions.catalog.protocol(course.protocol_id).languages
        except KeyError:
            raise Refused("not_found", "This course's protocol is no longer installed.") from None
        state = self._course_run(
            user,
            course_id,
            lambda st, at: cc.SetCourseLanguage(at=at, language=tag, offered=offered, by=user),
        )
        meeting = _running(state)
        if meeting is not None:
            owner = Actor(Role.FACILITATOR, meeting.session_id, user=state.owner)
            self.sessions.run(owner, lambda st, at: c.SetSessionLanguage(at, tag, offered))
        return self.course(user, course_id)

    def set_course_settings(
        self, user: str, course_id: str, region: str, time_zone: str
    ) -> dict[str, Any]:
        """Set where the course's members live (their phones' crisis resources follow it)
        and the time zone its summaries and exports give times in; "" for none."""
        course = self.courses.current(course_id)
        audience.check_course_runs(user, course)
        region, time_zone = _settings(region, time_zone)
        self._course_run(
            user,
            course_id,
            lambda st, at: cc.SetCourseSettings(at=at, region=region, time_zone=time_zone, by=user),
        )
        return self.course(user, course_id)

    def course_zone(self, course: CourseState) -> tzinfo | None:
        """Return the time zone a course's documents give times in: its own, else the
        deployment's."""
        return ZoneInfo(course.time_zone) if course.time_zone else self._time_zone

    def update_plan(
        self,
        user: str,
        course_id: str,
        member_id: str,
        areas: Sequence[str],
        goal: str,
        key_people: Sequence[str],
    ) -> dict[str, Any]:
        """Keep a member's problem areas, goal in their words, and key people."""
        self._course_run(
            user,
            course_id,
            lambda st, at: cc.UpdatePlan(
                at=at,
                member_id=member_id,
                areas=tuple(areas),
                goal=goal,
                key_people=tuple(key_people),
                by=user,
            ),
        )
        return self.course(user, course_id)

    def add_plan_note(
        self, user: str, course_id: str, member_id: str, n: int, text: str
    ) -> dict[str, Any]:
        self._course_run(
            user,
            course_id,
            lambda st, at: cc.AddPlanNote(at=at, member_id=member_id, n=n, text=text, by=user),
        )
        return self.course(user, course_id)

    def offer_relink(self, user: str, course_id: str, member_id: str) -> dict[str, Any]:
        """Show a short code that moves a member's place in the course to a new phone."""
        code = new_relink_code()
        expires = self.courses.clock() + RELINK_MINUTES * 60
        digest = self.courses.relink_digest(code)
        self._course_run(
            user,
            course_id,
            lambda st, at: cc.OfferRelink(
                at=at, digest=digest, member_id=member_id, expires_at=expires
            ),
        )
        self._store.save_relink(digest, course_id, expires)
        return {"code": code, "expires_at": expires}

    def withdraw_member(self, user: str, course_id: str, member_id: str) -> dict[str, Any]:
        self._course_run(user, course_id, lambda st, at: cc.Withdraw(at=at, member_id=member_id))
        return self.course(user, course_id)

    def invite_to_course(
        self, user: str, course_id: str, invitee: str, may_export: bool, address: str
    ) -> dict[str, Any]:
        course = self.courses.current(course_id)
        audience.check_course_owns(user, course, N_("choose who runs it"))
        if self._store.password_hash(invitee) is None:
            raise Refused(
                "not_found",
                "There is no facilitator account named {name}.",
                name=repr(invitee),
            )
        self.courses.run(
            course_id,
            lambda st, at: cc.InviteCourseCoFacilitator(at=at, user=invitee, may_export=may_export),
        )
        self._audit(
            audit.FACILITATOR_INVITED,
            self._facilitator(user, course_id, address),
            course.owner,
            invitee,
        )
        return self.course(user, course_id)

    def uninvite_from_course(
        self, user: str, course_id: str, invitee: str, address: str
    ) -> dict[str, Any]:
        course = self.courses.current(course_id)
        audience.check_course_owns(user, course, N_("choose who runs it"))
        self.courses.run(
            course_id, lambda st, at: cc.RemoveCourseCoFacilitator(at=at, user=invitee)
        )
        self._audit(
            audit.FACILITATOR_REMOVED,
            self._facilitator(user, course_id, address),
            course.owner,
            invitee,
        )
        return self.course(user, course_id)

    def grant_supervisor(self, user: str, course_id: str, supervisor: str) -> dict[str, Any]:
        course = self.courses.current(course_id)
        audience.check_course_owns(user, course, N_("choose who supervises it"))
        if self._store.password_hash(supervisor) is None:
            raise Refused("not_found", "There is no account named {name}.", name=repr(supervisor))
        self.courses.run(course_id, lambda st, at: cc.GrantSupervisor(at=at, user=supervisor))
        return self.course(user, course_id)

    def revoke_supervisor(self, user: str, course_id: str, supervisor: str) -> dict[str, Any]:
        course = self.courses.current(course_id)
        audience.check_course_owns(user, course, N_("choose who supervises it"))
        self.courses.run(course_id, lambda st, at: cc.RevokeSupervisor(at=at, user=supervisor))
        return self.course(user, course_id)

    def trend_svg(self, user: str, course_id: str, member_id: str, measure: str) -> str:
        """Return one member's scores of one measure across meetings, as an SVG chart."""
        state = self.courses.current(course_id)
        audience.check_course_reads(user, state)
        if member_id not in state.members:
            raise Refused("not_found", "This course has no such member.")
        # A weekly score is drawn on its whole scale (0 to 10), as in the summary: drawn
        # to its own highest score, a 5 would sit at the top like a best week.
        return trend_svg(
            state,
            member_id,
            measure,
            self._bands(measure),
            scale=self._scales(state).get(measure),
            label=measure_title(measure, self._instruments()),
            # In the course's language, as its summary (where the same chart is drawn).
            words=DocumentWords(self._catalogs.best([state.language]), self._catalogs),
        )

    def course_export(
        self, user: str, course_id: str, kind: str, address: str, languages: Sequence[str] = ()
    ) -> Download:
        """Return one of a course's exports, to those who may read them; the summary in the
        course's language, else the reader's (see Service.document_language)."""
        from facilitator.service.api import Download

        state = self.courses.current(course_id)
        audience.check_course_exports(user, state)
        k = self._threshold(state)
        if kind == "summary.html":
            body = course_exports.course_summary_html(
                state,
                self._instruments(),
                reveal_threshold=k,
                now=self.now(),
                tz=self.course_zone(state),
                planned_minutes=self._planned_minutes(state),
                scales=self._scales(state),
                fidelity=self._fidelity(state),
                decisions=self._decisions(state),
                sessions=self._meeting_sessions(state),
                language=self.document_language(state, languages),
                catalogs=self._catalogs,
            )
            found = Download(body, "text/html", f"course-{course_id}.html", inline=True)
        elif kind == "fidelity.csv":
            body = course_exports.fidelity_csv(
                state, self._fidelity(state), self.course_zone(state)
            )
            found = Download(body, "text/csv; charset=utf-8", f"fidelity-{course_id}.csv")
        elif kind in ("attendance.csv", "measures.csv", "steps.csv"):
            make = getattr(course_exports, kind.replace(".", "_"))
            found = Download(make(state), "text/csv; charset=utf-8", f"{kind[:-4]}-{course_id}.csv")
        elif kind == "course.xlsx":
            found = Download(
                course_exports.course_xlsx(state),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                f"course-{course_id}.xlsx",
            )
        else:
            raise Refused(
                "not_found",
                "A course exports as summary.html, attendance.csv, measures.csv, steps.csv,"
                " fidelity.csv or course.xlsx.",
            )
        self._audit(audit.EXPORT, self._facilitator(user, course_id, address), state.owner, kind)
        return found

    def delete_course(self, user: str, course_id: str, address: str) -> None:
        """Erase a course, its meetings and everything kept about them."""
        course = self.courses.current(course_id)
        audience.check_course_owns(user, course, N_("delete it"))
        for meeting in course.meetings:
            if meeting.session_id:
                with suppress(DomainError, Refused):  # erased already
                    self.delete_session(course.owner, meeting.session_id, address)
        self._store.delete_course(course_id)
        self.courses.forget(course_id)
        self._audit(audit.COURSE_DELETED, self._facilitator(user, course_id, address), user)

    # -- phones -----------------------------------------------------------------------

    def join_course(
        self, code: str, name: str | None, address: str, *, consent: bool = False
    ) -> dict[str, Any]:
        """A phone joins a course with its code, once; it keeps the membership it gets.

        Only with the member's agreement to the consent text, recorded at enrolment.
        """
        agreed = self._agreed(consent)
        self._count_code_attempt(address)
        course_id = self._store.course_for_code(normalize_code(code))
        if course_id is None:
            raise Refused(
                "unknown_code", "No course you can join has that code. Check it and try again."
            )
        return self._enroll(course_id, name, agreed)

    def relink(self, code: str, address: str) -> dict[str, Any]:
        """A member's new phone takes over their place with the facilitator's code."""
        self._count_code_attempt(address)
        digest = self.courses.relink_digest(normalize_code(code))
        course_id = self._store.take_relink(digest, self.courses.clock())
        if course_id is None:
            raise Refused("not_found", "That code does not work: it was used, or it expired.")
        offered = self.courses.current(course_id).relink.get(digest)
        if offered is None:
            raise Refused("not_found", "That code does not work: it was used, or it expired.")
        state = self.courses.run(course_id, lambda st, at: cc.Relink(at=at, digest=digest))
        return self._membership(state, offered.member_id)

    def attend(self, membership: str, address: str) -> dict[str, Any]:
        """A member's phone asks into the meeting of their course that is on now."""
        held = self._memberships.verify(membership)
        course = self.courses.current(held.course_id)
        member = course.members.get(held.member_id)
        if member is None or member.withdrawn or member.generation != held.generation:
            raise Refused(
                "revoked",
                "This phone's place in the course has moved. Ask your facilitator for a code.",
            )
        meeting = _running(course)
        if meeting is None or meeting.session_id is None:
            raise Refused("not_meeting", "Your group is not meeting right now.")
        session = self.sessions.current(meeting.session_id)
        joined = session.participants.get(member.id)
        if joined is None:
            # Agreed at enrolment: each meeting's join records that agreement.
            consent = (member.consented_at, member.consent_version)
            self.sessions.join_as(meeting.session_id, member.id, member.name, consent)
        elif not joined.present:
            raise Refused("left", "You left this meeting.")
        actor = Actor(Role.PARTICIPANT, meeting.session_id, member.id)
        state = self.sessions.current(meeting.session_id)
        return {
            "token": self._signer.issue(actor),
            "session_id": meeting.session_id,
            "participant_id": member.id,
            "name": state.participants[member.id].name,
        }

    def _enroll(
        self, course_id: str, name: str | None, consent: tuple[float, str]
    ) -> dict[str, Any]:
        member_id = "c-" + secrets.token_urlsafe(8)
        typed = (name or "").strip()

        def enrolling(state: CourseState, at: float) -> cc.CourseCommand:
            taken = {m.name.casefold() for m in state.members.values() if not m.withdrawn}
            return cc.Enroll(at, member_id, typed or None, new_pseudonym(taken), *consent)

        state = self.courses.run(course_id, enrolling)
        return self._membership(state, member_id)

    def course_member_here(self, session: SessionState, member_id: str) -> tuple[str, str]:
        """Return the id and name a member of the meeting's course comes in by, without
        a phone: the same member as every week, so that their records stay theirs."""
        if not session.course_id:
            raise Refused("conflict", "Only a meeting of a course has members to bring in.")
        member = self.courses.current(session.course_id).members.get(member_id)
        if member is None or member.withdrawn:
            raise Refused("not_found", "The course has no such member.")
        return member.id, member.name

    def enroll_without_phone(
        self, session: SessionState, name: str | None, command_id: str
    ) -> tuple[str, str]:
        """Enroll in the meeting's course a member the facilitator adds, who has no
        phone; return their member id and course name, which the meeting uses too.

        The id is drawn from the console's command id, and the enrolment is recorded
        under it: a retried command enrolls no second member.
        """
        if session.phase is SessionPhase.ENDED:
            raise DomainError(
                "The session has ended: you cannot add a member now.", "illegal_state"
            )
        drawn = hashlib.sha256(f"{session.id}/{command_id}".encode()).digest()[:6]
        member_id = "c-" + base64.urlsafe_b64encode(drawn).decode()
        typed = (name or "").strip()

        def enrolling(state: CourseState, at: float) -> cc.CourseCommand:
            taken = {m.name.casefold() for m in state.members.values() if not m.withdrawn}
            return cc.Enroll(at, member_id, typed or None, new_pseudonym(taken))

        state = self.courses.run(
            session.course_id, enrolling, command_id=f"add:{session.id}:{command_id}"
        )
        return member_id, state.members[member_id].name

    def _membership(self, state: CourseState, member_id: str) -> dict[str, Any]:
        member = state.members[member_id]
        token = self._memberships.issue(Membership(state.id, member.id, member.generation))
        return {
            "membership": token,
            "course_id": state.id,
            "member_id": member.id,
            "name": member.name,
            "title": state.title,
        }

    # -- members in a meeting ---------------------------------------------------------

    def set_step(self, actor: Actor, *, action_id: str, text: str) -> dict[str, Any]:
        """A member records, privately, one thing they will try before the next meeting."""
        audience.check_event(actor, "set_step")
        session, course = self._meeting_of(actor)
        if not _step_open(session, self._steps_forward(course)):
            raise Refused("conflict", "The step for this week is chosen at the end of the meeting.")
        self.courses.run(
            course.id,
            lambda st, at: cc.SetStep(
                at=at, member_id=actor.participant_id, n=session.session_number, text=text
            ),
            command_id=f"{actor.participant_id}:{action_id}",
        )
        self.sessions.republish(session.id, [actor.participant_id])
        return {"saved": True}

    def review_step(self, actor: Actor, *, action_id: str, tried: str) -> dict[str, Any]:
        """A member says whether they tried last time's step."""
        audience.check_event(actor, "review_step")
        if tried not in STEP_REVIEWS:
            raise Refused("invalid", "Say how it went: {allowed}.", allowed=", ".join(STEP_REVIEWS))
        session, course = self._meeting_of(actor)
        found = last_step(course, actor.participant_id, session.session_number)
        if found is None:
            raise Refused("not_found", "You have no step to look back on.")
        n = found[0]
        self.courses.run(
            course.id,
            lambda st, at: cc.ReviewStep(at=at, member_id=actor.participant_id, n=n, tried=tried),
            command_id=f"{actor.participant_id}:{action_id}",
        )
        self.sessions.republish(session.id, [actor.participant_id])
        return {"saved": True}

    def member_round_next(
        self, actor: Actor, *, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._round(actor, 1, command_id, version)

    def member_round_previous(
        self, actor: Actor, *, command_id: str, version: int | None = None
    ) -> dict[str, Any]:
        return self._round(actor, -1, command_id, version)

    def _round(
        self, actor: Actor, delta: int, command_id: str, version: int | None
    ) -> dict[str, Any]:
        session = self.sessions.current(actor.session_id)
        if not session.course_id:
            raise Refused("conflict", "A member round is for meetings of a course.")
        count = len(_round_members(self.courses.current(session.course_id)))
        return self._command(
            actor, lambda st, at: c.MoveRound(at, delta, count), version, command_id
        )

    # -- when a meeting ends ----------------------------------------------------------

    def meeting_ended(self, session: SessionState) -> None:
        """Write what an ended meeting leaves in its course: attendance and named measures."""
        if not session.course_id or session.phase is not SessionPhase.ENDED:
            return
        course = self.courses.current(session.course_id)
        n = session.session_number
        enrolled = [m.id for m in course.members.values() if not m.withdrawn]
        attendance = attendance_of(session, enrolled)
        measures = measures_of(session, self._measure_ids(course, n), self._catalog)
        ended = session.ended_at or self.courses.clock()
        alerts = tuple(self._alerts_to_carry(session))

        def recording(state: CourseState, at: float) -> cc.CourseCommand:
            return cc.CloseMeeting(
                at=ended,
                n=n,
                attendance=tuple(sorted(attendance.items())),
                measures=tuple(
                    (m["member_id"], m["measure_id"], m["score"], m["band"]) for m in measures
                ),
                alerts=alerts,
            )

        self.courses.run(course.id, recording, command_id=f"ended:{session.id}")

    def _alerts_to_carry(self, session: SessionState) -> list[cc.AlertToCarry]:
        """Return the meeting's risk alerts still open, in words, for its course to keep."""
        carried = []
        for alert in session.risk_alerts:
            if not alert.open:
                continue
            instrument = self._catalog.instrument_of(session.polls[alert.poll_id].spec)
            title = instrument.title if instrument else ""
            view = risk_alert(session, alert, title)
            carried.append(
                cc.AlertToCarry(
                    member_id=alert.participant_id,
                    alert_id=alert.id,
                    instrument=view["instrument"],
                    item=f"{view['item']}: {view['item_text']}",
                    score=view["score"],
                    max_score=view["max_score"],
                    meaning=view["meaning"],
                    raised_at=alert.at,
                )
            )
        return carried

    def record_course_risk_action(
        self,
        actor: Actor,
        *,
        alert_id: str,
        action: str,
        note: str = "",
        command_id: str,
        version: int | None = None,
    ) -> dict[str, Any]:
        """From a meeting's console: record what was done about an alert its course carried
        from an earlier meeting; it leaves the open alerts of every later meeting."""
        session = self.sessions.current(actor.session_id)
        audience.check_runs(actor, session)
        if not session.course_id:
            raise Refused("conflict", "This session is not a meeting of a course.")
        done = RiskAction(action)
        self.courses.run(
            session.course_id,
            lambda st, at: cc.RecordCourseRiskAction(at, alert_id, done, note, by=actor.user),
            command_id=f"{session.id}:{command_id}",
            by=actor.user,
        )
        self.sessions.republish(session.id, [])
        return {"version": self.sessions.current(session.id).version}

    def record_course_alert_action(
        self, user: str, course_id: str, alert_id: str, action: str, note: str
    ) -> dict[str, Any]:
        """From the course page: record what was done about a carried risk alert."""
        if action not in RISK_ACTIONS:
            raise Refused(
                "invalid", "The action is one of: {allowed}.", allowed=", ".join(RISK_ACTIONS)
            )
        done = RiskAction(action)
        course = self._course_run(
            user,
            course_id,
            lambda st, at: cc.RecordCourseRiskAction(at, alert_id, done, note, by=user),
        )
        self._republish_running(course)
        return self.course(user, course_id)

    def carried_alert_acted(self, session: SessionState, alert_id: str, by: str) -> None:
        """An action recorded in an ended meeting's own console closes the alert its course
        carried from it too: one alert, one record."""
        if not session.course_id or session.phase is not SessionPhase.ENDED:
            return
        alert = next(a for a in session.risk_alerts if a.id == alert_id)
        course = self.courses.current(session.course_id)
        carried = next(
            (
                a
                for a in course.risk_alerts
                if a.n == session.session_number and a.alert_id == alert_id and a.open
            ),
            None,
        )
        if carried is None or alert.action is None:
            return
        action, note = alert.action, alert.note
        with suppress(DomainError):  # recorded meanwhile from a later meeting
            self.courses.run(
                course.id,
                lambda st, at: cc.RecordCourseRiskAction(at, carried.id, action, note, by=by),
            )
        self._republish_running(self.courses.current(course.id))

    def _republish_running(self, course: CourseState) -> None:
        """Send the consoles of the course's running meeting a fresh view."""
        running = _running(course)
        if running is not None and running.session_id:
            with suppress(DomainError):
                self.sessions.republish(running.session_id, [])

    # -- internals --------------------------------------------------------------------

    def _course_run(self, user: str, course_id: str, make: Any) -> CourseState:
        def checked(state: CourseState, at: float) -> cc.CourseCommand:
            audience.check_course_runs(user, state)
            return make(state, at)  # type: ignore[no-any-return]

        return self.courses.run(course_id, checked)

    def _meeting_of(self, actor: Actor) -> tuple[SessionState, CourseState]:
        session = self.sessions.current(actor.session_id)
        audience.seat_of(actor, session)
        if not session.course_id:
            raise Refused("conflict", "This session is not a meeting of a course.")
        course = self.courses.current(session.course_id)
        if actor.participant_id not in course.members:
            raise Refused("forbidden", "Guests keep no weekly step.")
        return session, course

    def _meeting_sessions(self, course: CourseState) -> dict[int, SessionState]:
        """Return the sessions of the course's opened meetings, by meeting n."""
        found = {}
        for meeting in course.meetings:
            if meeting.session_id:
                with suppress(DomainError):  # erased by itself
                    found[meeting.n] = self.sessions.current(meeting.session_id)
        return found

    def _fidelity(self, course: CourseState) -> dict[int, Fidelity]:
        """Return each meeting's fidelity record: the meetings' sessions hold them."""
        return {
            n: session.fidelity
            for n, session in self._meeting_sessions(course).items()
            if session.fidelity is not None
        }

    def _decisions(self, course: CourseState) -> dict[str, Decision]:
        """Return the decisions made at the meeting before the group, by member."""
        session = self._meeting_sessions(course).get(PRE_GROUP)
        return dict(session.decisions) if session else {}

    def _count_code_attempt(self, address: str) -> None:
        now = self.courses.clock()
        if self._store.count_attempt(f"course:{address_key(address)}", now, 60.0) > CODE_ATTEMPTS:
            raise Refused("rate_limited", "Too many attempts. Wait a minute and try again.")

    def _instruments(self) -> dict[str, Any]:
        return {i.id: i for i in self._catalog.instruments()}

    def _planned_minutes(self, state: CourseState) -> dict[int, int]:
        try:
            protocol = self._catalog.protocol(state.protocol_id)
        except KeyError:
            return {}
        return {session.n: session.minutes for session in protocol.sessions}

    def _scales(self, state: CourseState) -> dict[str, tuple[int, int]]:
        """Return the range of each measure that is a poll (the weekly score), for charts."""
        try:
            polls = self._catalog.polls_for(state.protocol_id)
        except KeyError:
            return {}
        return {key: (spec.min, spec.max) for key, spec in polls.items()}

    def _bands(self, measure: str) -> Sequence[Any]:
        try:
            return self._catalog.instrument(measure).severity
        except KeyError:
            return ()

    def _threshold(self, state: CourseState) -> int:
        try:
            return self._catalog.protocol(state.protocol_id).defaults.reveal_threshold
        except KeyError:
            return 3

    def _steps_forward(self, course: CourseState) -> bool:
        return steps_carried_forward(self._catalog, course)

    def _measure_ids(self, course: CourseState, n: int) -> list[str]:
        try:
            protocol = self._catalog.protocol(course.protocol_id)
            session = protocol.session(n)
        except KeyError:
            return []
        ids = list(session.measures)
        if protocol.course is not None and protocol.course.weekly_measure:
            ids.append(protocol.course.weekly_measure)
        return ids


# -- what the console and phones add for a meeting of a course: extras -------------------


class CourseExtras:
    """Add a meeting's course to its console view and its members' personal views."""

    def __init__(self, courses: CourseService) -> None:
        self._courses = courses

    def console(self, state: SessionState) -> dict[str, Any]:
        if not state.course_id:
            return {}
        try:
            course = self._courses.current(state.course_id)
        except DomainError:
            return {}
        return {"course": console_course(course, state)}

    def console_mark(self, state: SessionState) -> str:
        if not state.course_id:
            return ""
        try:
            return str(self._courses.current(state.course_id).version)
        except DomainError:
            return "gone"

    def personal(self, state: SessionState, participant_id: str) -> dict[str, Any]:
        if not state.course_id:
            return {}
        try:
            course = self._courses.current(state.course_id)
        except DomainError:
            return {}
        # Where the group lives, for the crisis resources every phone of it shows.
        region = {"region": course.region}
        if participant_id not in course.members:
            return region  # a guest: nothing else of the course
        forward = steps_carried_forward(self._courses.catalog, course)
        return {"course": personal_course(course, state, participant_id, forward), **region}


def steps_carried_forward(catalog: Catalog, course: CourseState) -> bool:
    """Tell whether the course's protocol has members choose a weekly step."""
    try:
        spec = catalog.protocol(course.protocol_id).course
    except KeyError:
        return False
    return spec is not None and spec.steps_carried_forward


def console_course(course: CourseState, session: SessionState) -> dict[str, Any]:
    """Return what a meeting's console shows of its course: members, and the round."""
    members = _round_members(course)
    rows = []
    for member in members:
        here = session.participants.get(member.id)
        plan = course.plans.get(member.id)
        step = last_step(course, member.id, session.session_number)
        latest: dict[str, Any] = {}
        for n, scores in sorted(course.measures.get(member.id, {}).items()):
            for measure_id, measure in scores.items():
                latest[measure_id] = {"score": measure.score, "band": measure.band, "n": n}
        missed = missed_in_a_row(course, member.id)
        rows.append(
            {
                "id": member.id,
                "name": member.name,
                "present_now": here is not None and here.present,
                "attendance": {
                    str(n): seen[member.id]
                    for n, seen in sorted(course.attendance.items())
                    if member.id in seen
                },
                "missed_in_a_row": missed,
                "flag": missed >= 2,
                "areas": list(plan.areas) if plan else [],
                "goal": plan.goal if plan else "",
                "last_step": {"n": step[0], "text": step[1].text, "tried": step[1].tried}
                if step
                else None,
                "latest": latest,
            }
        )
    index = session.round_index
    round_ = None
    if index is not None and index < len(members):
        round_ = {"index": index, "member_id": members[index].id}
    return {
        "id": course.id,
        "title": course.title,
        "members": rows,
        "round": round_,
        # Alerts carried from earlier meetings with nothing recorded yet: at the top.
        "open_alerts": [course_alert(course, a) for a in course.risk_alerts if a.open],
    }


def personal_course(
    course: CourseState, session: SessionState, member_id: str, forward: bool
) -> dict[str, Any]:
    """Return what one member's phone shows of their course in a meeting."""
    n = session.session_number
    earlier = last_step(course, member_id, n)
    review = None
    if forward and earlier is not None and earlier[1].tried is None:
        review = {"n": earlier[0], "text": earlier[1].text}
    mine = course.steps.get(n, {}).get(member_id)
    return {
        "member_id": member_id,
        "step_to_review": review,
        "my_step": {"text": mine.text} if mine else None,
        "step_open": forward and _step_open(session, forward),
    }


def _inviting(user: str, may_export: bool) -> MakeCommand:
    return lambda state, at: c.InviteCoFacilitator(at, user, may_export)


def _round_members(course: CourseState) -> list[Any]:
    # In the order they joined: the round goes the same way round every week.
    return sorted(
        (m for m in course.members.values() if not m.withdrawn), key=lambda m: (m.joined_at, m.id)
    )


def _step_open(session: SessionState, forward: bool) -> bool:
    """Members choose their step from the closing step on, while the meeting runs."""
    if not forward or session.phase is not SessionPhase.RUNNING or session.current_step is None:
        return False
    closing = [i for i, step in enumerate(session.agenda) if step.kind is StepKind.CLOSING]
    return bool(closing) and session.current_step >= closing[0]


def _running(course: CourseState) -> Any:
    opened = [m for m in course.meetings if m.session_id and m.ended_at is None]
    return opened[-1] if opened else None


def _meeting_brief(meeting: Any) -> dict[str, Any]:
    return {"n": meeting.n, "title": meeting.title, "planned_at": meeting.planned_at}


def _settings(region: str, time_zone: str) -> tuple[str, str]:
    """Return a course's region and time zone as kept, or refuse either when unknown."""
    region = region.strip()
    time_zone = time_zone.strip()
    if region:
        try:
            region = region_code(region)
        except ValueError:
            raise Refused(
                "invalid", "{region} is not a region code such as MX, FR or 419.", region=region
            ) from None
    if time_zone:
        try:
            ZoneInfo(time_zone)
        except (ValueError, ZoneInfoNotFoundError):
            raise Refused(
                "invalid", "{zone} is not a time zone such as Europe/Paris.", zone=time_zone
            ) from None
    return region, time_zone
