"""The course engine: a group's course of weekly meetings, commands in, events out.

Pure like the session engine (core.engine): `decide` checks a command against the
state and returns the events it causes, or raises DomainError; `apply` (core.course_fold)
folds an event in without checks. Who may ask (owner, co-facilitator, member) is the
service's to check: the engine knows no accounts. Derived answers the console needs
(missed meetings, a member's last step) are plain functions of the state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from facilitator.core import course_commands as cc
from facilitator.core import course_events as ce
from facilitator.core.course_fold import apply, fold
from facilitator.core.course_state import (
    AREAS,
    ATTENDANCE,
    STEP_MAX,
    TRIED,
    CourseState,
    Meeting,
    Member,
    Step,
)
from facilitator.core.errors import DomainError
from facilitator.core.events import Event
from facilitator.core.guards import nonempty
from facilitator.core.language_choice import offered
from facilitator.core.messages import N_, starting
from facilitator.core.state import RiskAction

__all__ = [
    "applied",
    "apply",
    "create_course",
    "decide",
    "fold",
    "handle",
    "last_step",
    "missed_in_a_row",
]

CourseDecider = Callable[[CourseState, Any], list[Event]]


def create_course(command: cc.CreateCourse) -> tuple[CourseState, list[Event]]:
    """Start a new course's log from a protocol's sessions, one meeting each."""
    if not command.meetings:
        raise DomainError("A course needs at least one meeting.", "invalid")
    numbers = [m.n for m in command.meetings]
    if len(set(numbers)) != len(numbers):
        raise DomainError("A course's meetings need distinct numbers.", "invalid")
    if any(m.session_id is not None or m.ended_at is not None for m in command.meetings):
        raise DomainError("A new course's meetings cannot have been held.", "invalid")
    event = ce.CourseCreated(
        course_id=command.course_id,
        protocol_id=command.protocol_id,
        protocol_version=command.protocol_version,
        title=nonempty(command.title, N_("a course's title")),
        clinical_title=command.clinical_title,
        owner=command.owner,
        language=command.language,
        join_code=command.join_code,
        meetings=command.meetings,
        at=command.at,
        region=command.region,
        time_zone=command.time_zone,
    )
    return fold([event]), [event]


def handle(state: CourseState, command: cc.CourseCommand) -> list[Event]:
    """Decide `command` and apply its events to `state`; return the events."""
    events = decide(state, command)
    for event in events:
        apply(state, event)
    return events


def decide(state: CourseState, command: cc.CourseCommand) -> list[Event]:
    """Return the events `command` causes, or raise DomainError. `state` is not changed."""
    decider = _DECIDERS.get(type(command))
    if decider is None:
        raise DomainError("Unknown command {command}.", "invalid", command=type(command).__name__)
    return decider(state, command)


def applied(state: CourseState, command_id: str) -> int | None:
    """Return the version a command with this id brought the log to, if it was applied."""
    return state.commands.get(command_id)


# -- derived ------------------------------------------------------------------------


def missed_in_a_row(state: CourseState, member_id: str) -> int:
    """Return how many ended meetings in a row, newest first, the member was absent from."""
    missed = 0
    for meeting in reversed(state.meetings):
        if meeting.ended_at is None:
            continue
        if state.attendance.get(meeting.n, {}).get(member_id) != "absent":
            break  # came, or was not yet a member: the run ends here
        missed += 1
    return missed


def last_step(state: CourseState, member_id: str, before_n: int) -> tuple[int, Step] | None:
    """Return the step the member set most recently at a meeting before `before_n`."""
    for meeting in reversed(state.meetings):
        step = state.steps.get(meeting.n, {}).get(member_id)
        if meeting.n < before_n and step is not None:
            return meeting.n, step
    return None


# -- checks -------------------------------------------------------------------------


def _meeting(state: CourseState, n: int) -> Meeting:
    meeting = state.meeting(n)
    if meeting is None:
        raise DomainError("This course has no meeting {n}.", "not_found", n=n)
    return meeting


def _member(state: CourseState, member_id: str) -> Member:
    member = state.members.get(member_id)
    if member is None:
        raise DomainError("This member is not in this course.", "not_found")
    return member


def _active(state: CourseState, member_id: str) -> Member:
    member = _member(state, member_id)
    if member.withdrawn:
        raise DomainError("This member has left the course.", "illegal_state")
    return member


def _one_of(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise DomainError(
            "{what} is one of: {allowed}.",
            "invalid",
            what=starting(what),
            allowed=", ".join(allowed),
        )
    return value


# -- deciders -----------------------------------------------------------------------


def _plan_meeting(state: CourseState, cmd: cc.PlanMeeting) -> list[Event]:
    meeting = _meeting(state, cmd.n)
    if meeting.planned_at == cmd.planned_at:
        return []
    return [ce.MeetingPlanned(cmd.n, cmd.planned_at)]


def _open_meeting(state: CourseState, cmd: cc.OpenMeeting) -> list[Event]:
    meeting = _meeting(state, cmd.n)
    if meeting.session_id is not None:
        raise DomainError("Meeting {n} has a session already.", "conflict", n=cmd.n)
    session_id = nonempty(cmd.session_id, N_("a meeting's session id"))
    return [ce.MeetingOpened(cmd.n, session_id, cmd.at)]


def _end_meeting(state: CourseState, cmd: cc.EndMeeting) -> list[Event]:
    meeting = _meeting(state, cmd.n)
    if meeting.session_id is None:
        raise DomainError("Meeting {n} was never opened.", "illegal_state", n=cmd.n)
    if meeting.ended_at is not None:
        return []  # ended already: its session's end is heard once more after a retry
    return [ce.MeetingEnded(cmd.n, cmd.at)]


def _close_meeting(state: CourseState, cmd: cc.CloseMeeting) -> list[Event]:
    # Each part is decided against the state before the close: members and measures are
    # distinct, so no part depends on another's event.
    events: list[Event] = []
    for member_id, status in cmd.attendance:
        attended = cc.RecordAttendance(cmd.at, cmd.n, member_id, status, False, "")
        events += _record_attendance(state, attended)
    for member_id, measure_id, score, band in cmd.measures:
        measured = cc.RecordMeasure(cmd.at, member_id, cmd.n, measure_id, score, band)
        events += _record_measure(state, measured)
    carried = {(a.n, a.alert_id) for a in state.risk_alerts}
    for alert in cmd.alerts:
        # A guest's alert stays with its meeting: the course keeps members only.
        if alert.member_id not in state.members or (cmd.n, alert.alert_id) in carried:
            continue
        events.append(
            ce.RiskAlertCarried(
                f"m{cmd.n}-{alert.alert_id}",
                alert.member_id,
                cmd.n,
                alert.alert_id,
                alert.instrument,
                alert.item,
                alert.score,
                alert.max_score,
                alert.meaning,
                alert.raised_at,
                cmd.at,
            )
        )
    return events + _end_meeting(state, cc.EndMeeting(cmd.at, cmd.n))


def _record_risk_action(state: CourseState, cmd: cc.RecordCourseRiskAction) -> list[Event]:
    alert = next((a for a in state.risk_alerts if a.id == cmd.alert_id), None)
    if alert is None:
        raise DomainError("There is no such risk alert in this course.", "not_found")
    if not alert.open:
        raise DomainError(
            "What was done about this alert is recorded already.",
            "illegal_state",
        )
    note = cmd.note.strip()
    if cmd.action is RiskAction.OTHER and not note:
        raise DomainError("Say in the note what was done.", "invalid")
    # Withdrawn members too: an alert is followed up whether or not they come back.
    return [ce.CourseRiskActionRecorded(alert.id, cmd.action, note, cmd.at, cmd.by)]


def _enroll(state: CourseState, cmd: cc.Enroll) -> list[Event]:
    if cmd.member_id in state.members:
        raise DomainError("This member is enrolled already.", "conflict")
    typed = (cmd.display_name or "").strip()
    taken = {m.name.casefold() for m in state.members.values() if not m.withdrawn}
    consent = (cmd.consented_at, cmd.consent_version)
    if typed and typed.casefold() not in taken:
        return [ce.MemberEnrolled(cmd.member_id, typed, True, cmd.at, *consent)]
    # No name, or one a member has already: the members keep telling each other apart.
    pseudonym = nonempty(cmd.pseudonym, N_("a pseudonym"))
    if pseudonym.casefold() in taken:
        raise DomainError(
            "Someone in this course is called {name} already.", "conflict", name=pseudonym
        )
    return [ce.MemberEnrolled(cmd.member_id, pseudonym, False, cmd.at, *consent)]


def _withdraw(state: CourseState, cmd: cc.Withdraw) -> list[Event]:
    member = _active(state, cmd.member_id)
    return [ce.MemberWithdrawn(member.id, cmd.at)]


def _erase(state: CourseState, cmd: cc.EraseMember) -> list[Event]:
    member = _member(state, cmd.member_id)
    if member.erased:
        raise DomainError("This member was erased already.", "illegal_state")
    # Withdrawn first: an erased member's membership works no more, on any phone.
    withdrawn = [] if member.withdrawn else [ce.MemberWithdrawn(member.id, cmd.at)]
    return [*withdrawn, ce.MemberErased(member.id, cmd.at)]


def _offer_relink(state: CourseState, cmd: cc.OfferRelink) -> list[Event]:
    member = _active(state, cmd.member_id)
    digest = nonempty(cmd.digest, N_("a re-link code's digest"))
    if cmd.expires_at <= cmd.at:
        raise DomainError("A re-link code must expire after it is offered.", "invalid")
    if digest in state.relink:
        raise DomainError("That re-link code is in use: draw another.", "conflict")
    return [ce.RelinkOffered(digest, member.id, cmd.expires_at)]


def _relink(state: CourseState, cmd: cc.Relink) -> list[Event]:
    code = state.relink.get(cmd.digest)
    # An expired code answers like an unknown one: neither tells a guesser anything.
    if code is None or code.expires_at <= cmd.at:
        raise DomainError("That code does not work: it was used, or it expired.", "not_found")
    member = state.members.get(code.member_id)
    if member is None or member.withdrawn:
        raise DomainError("That code does not work: it was used, or it expired.", "not_found")
    return [ce.MemberRelinked(member.id, member.generation + 1, cmd.at)]


def _record_attendance(state: CourseState, cmd: cc.RecordAttendance) -> list[Event]:
    _meeting(state, cmd.n)
    member = _member(state, cmd.member_id)
    status = _one_of(cmd.status, ATTENDANCE, N_("attendance"))
    if not cmd.corrected and state.attendance_corrected.get(cmd.n, {}).get(member.id):
        return []  # a facilitator's correction stands over what the meeting's end recorded
    recorded = state.attendance.get(cmd.n, {}).get(member.id)
    was_corrected = state.attendance_corrected.get(cmd.n, {}).get(member.id, False)
    if recorded == status and was_corrected == cmd.corrected:
        return []
    return [ce.AttendanceRecorded(cmd.n, member.id, status, cmd.corrected, cmd.by, cmd.at)]


def _update_plan(state: CourseState, cmd: cc.UpdatePlan) -> list[Event]:
    member = _member(state, cmd.member_id)
    areas = tuple(dict.fromkeys(_one_of(a, AREAS, N_("a problem area")) for a in cmd.areas))
    people = tuple(dict.fromkeys(p.strip() for p in cmd.key_people if p.strip()))
    return [ce.PlanUpdated(member.id, areas, cmd.goal.strip(), people, cmd.by, cmd.at)]


def _add_plan_note(state: CourseState, cmd: cc.AddPlanNote) -> list[Event]:
    member = _member(state, cmd.member_id)
    _meeting(state, cmd.n)
    text = nonempty(cmd.text, N_("a note"))
    return [ce.PlanNoteAdded(member.id, cmd.n, text, cmd.by, cmd.at)]


def _set_step(state: CourseState, cmd: cc.SetStep) -> list[Event]:
    member = _active(state, cmd.member_id)
    _meeting(state, cmd.n)
    text = nonempty(cmd.text, N_("a step"))
    if len(text) > STEP_MAX:
        raise DomainError("A step can be at most {max} characters.", "invalid", max=STEP_MAX)
    return [ce.StepSet(member.id, cmd.n, text, cmd.at)]


def _review_step(state: CourseState, cmd: cc.ReviewStep) -> list[Event]:
    member = _active(state, cmd.member_id)
    if member.id not in state.steps.get(cmd.n, {}):
        raise DomainError(
            "{name} set no step at meeting {n}.", "not_found", name=member.name, n=cmd.n
        )
    tried = _one_of(cmd.tried, TRIED, N_("how the step went"))
    return [ce.StepReviewed(member.id, cmd.n, tried, cmd.at)]


def _record_measure(state: CourseState, cmd: cc.RecordMeasure) -> list[Event]:
    member = _member(state, cmd.member_id)
    _meeting(state, cmd.n)
    measure_id = nonempty(cmd.measure_id, N_("a measure's id"))
    if isinstance(cmd.score, bool) or not isinstance(cmd.score, int):
        raise DomainError("A score must be a whole number.", "invalid")
    return [ce.MeasureRecorded(member.id, cmd.n, measure_id, cmd.score, cmd.band, cmd.at)]


def _invite(state: CourseState, cmd: cc.InviteCourseCoFacilitator) -> list[Event]:
    user = nonempty(cmd.user, N_("a co-facilitator's account name"))
    if user == state.owner:
        raise DomainError("{user} owns this course: they need no invitation.", "invalid", user=user)
    if state.co_facilitators.get(user) == cmd.may_export:
        return []  # invited already, with the same grant
    return [ce.CourseCoFacilitatorInvited(user, cmd.may_export, cmd.at)]


def _remove(state: CourseState, cmd: cc.RemoveCourseCoFacilitator) -> list[Event]:
    if cmd.user not in state.co_facilitators:
        raise DomainError(
            "{user} is not a co-facilitator of this course.", "not_found", user=cmd.user
        )
    return [ce.CourseCoFacilitatorRemoved(cmd.user, cmd.at)]


def _grant(state: CourseState, cmd: cc.GrantSupervisor) -> list[Event]:
    user = nonempty(cmd.user, N_("a supervisor's account name"))
    if user == state.owner:
        raise DomainError("{user} owns this course: they see it already.", "invalid", user=user)
    if user in state.supervisors:
        return []
    return [ce.SupervisorGranted(user, cmd.at)]


def _revoke(state: CourseState, cmd: cc.RevokeSupervisor) -> list[Event]:
    if cmd.user not in state.supervisors:
        raise DomainError("{user} is not a supervisor of this course.", "not_found", user=cmd.user)
    return [ce.SupervisorRevoked(cmd.user, cmd.at)]


def _set_settings(state: CourseState, cmd: cc.SetCourseSettings) -> list[Event]:
    if (cmd.region, cmd.time_zone) == (state.region, state.time_zone):
        return []
    return [ce.CourseSettingsSet(cmd.region, cmd.time_zone, cmd.by, cmd.at)]


def _set_language(state: CourseState, cmd: cc.SetCourseLanguage) -> list[Event]:
    language = offered(cmd.language, cmd.offered)
    if language == state.language:
        return []
    return [ce.CourseLanguageSet(language, cmd.by, cmd.at)]


_DECIDERS: dict[type[cc.CourseCommand], CourseDecider] = {
    cc.SetCourseLanguage: _set_language,
    cc.SetCourseSettings: _set_settings,
    cc.PlanMeeting: _plan_meeting,
    cc.OpenMeeting: _open_meeting,
    cc.EndMeeting: _end_meeting,
    cc.CloseMeeting: _close_meeting,
    cc.Enroll: _enroll,
    cc.Withdraw: _withdraw,
    cc.EraseMember: _erase,
    cc.OfferRelink: _offer_relink,
    cc.Relink: _relink,
    cc.RecordAttendance: _record_attendance,
    cc.UpdatePlan: _update_plan,
    cc.AddPlanNote: _add_plan_note,
    cc.SetStep: _set_step,
    cc.ReviewStep: _review_step,
    cc.RecordMeasure: _record_measure,
    cc.RecordCourseRiskAction: _record_risk_action,
    cc.InviteCourseCoFacilitator: _invite,
    cc.RemoveCourseCoFacilitator: _remove,
    cc.GrantSupervisor: _grant,
    cc.RevokeSupervisor: _revoke,
}
