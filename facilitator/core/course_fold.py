"""Fold course events into a course's state. Events are facts: applied without checks."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from facilitator.core import course_events as ce
from facilitator.core.course_state import (
    CourseAlert,
    CourseState,
    Measure,
    Meeting,
    Member,
    Plan,
    PlanNote,
    RelinkCode,
    Step,
)
from facilitator.core.errors import DomainError
from facilitator.core.events import Erased, Event
from facilitator.core.state import ERASED_NAME


def fold(events: Iterable[Event]) -> CourseState:
    """Rebuild a course's state from its events, the first being CourseCreated."""
    iterator = iter(events)
    first = next(iterator, None)
    if not isinstance(first, ce.CourseCreated):
        raise DomainError("A course log must begin with course_created.", "corrupt")
    state = CourseState(
        id=first.course_id,
        protocol_id=first.protocol_id,
        protocol_version=first.protocol_version,
        title=first.title,
        clinical_title=first.clinical_title,
        owner=first.owner,
        language=first.language,
        created_at=first.at,
        join_code=first.join_code,
        region=first.region,
        time_zone=first.time_zone,
        version=1,
        # Copies: the state changes its meetings, the event must stay as logged.
        meetings=[dataclasses.replace(m) for m in first.meetings],
    )
    for event in iterator:
        apply(state, event)
    return state


def apply(state: CourseState, event: Event) -> None:
    """Fold one event into `state`. Events are facts: no checks here."""
    _APPLIERS[type(event)](state, event)
    state.version += 1


def _meeting(state: CourseState, n: int) -> Meeting:
    return next(m for m in state.meetings if m.n == n)


def _forget_codes(state: CourseState, member_id: str) -> None:
    state.relink = {d: r for d, r in state.relink.items() if r.member_id != member_id}


def _planned(state: CourseState, ev: ce.MeetingPlanned) -> None:
    _meeting(state, ev.n).planned_at = ev.planned_at


def _opened(state: CourseState, ev: ce.MeetingOpened) -> None:
    meeting = _meeting(state, ev.n)
    meeting.session_id, meeting.started_at = ev.session_id, ev.at


def _ended(state: CourseState, ev: ce.MeetingEnded) -> None:
    _meeting(state, ev.n).ended_at = ev.at


def _enrolled(state: CourseState, ev: ce.MemberEnrolled) -> None:
    state.members[ev.member_id] = Member(
        ev.member_id,
        ev.display_name,
        ev.chose_name,
        ev.at,
        consented_at=ev.consented_at,
        consent_version=ev.consent_version,
    )


def _erased(state: CourseState, ev: ce.MemberErased) -> None:
    # The same as folding the rewritten log (core.erasure), for a cached state.
    member = state.members[ev.member_id]
    member.name, member.chose_name = ERASED_NAME, False
    member.erased = member.withdrawn = True
    state.plans.pop(ev.member_id, None)
    state.measures.pop(ev.member_id, None)
    state.risk_alerts = [a for a in state.risk_alerts if a.member_id != ev.member_id]
    for steps in state.steps.values():
        steps.pop(ev.member_id, None)
    state.steps = {n: steps for n, steps in state.steps.items() if steps}
    _forget_codes(state, ev.member_id)


def _ignore(state: CourseState, ev: Event) -> None:
    pass


def _withdrawn(state: CourseState, ev: ce.MemberWithdrawn) -> None:
    state.members[ev.member_id].withdrawn = True
    _forget_codes(state, ev.member_id)


def _relinked(state: CourseState, ev: ce.MemberRelinked) -> None:
    state.members[ev.member_id].generation = ev.generation
    # A code works once: the member's codes go with its use.
    _forget_codes(state, ev.member_id)


def _relink_offered(state: CourseState, ev: ce.RelinkOffered) -> None:
    # Only the newest code a member was shown admits: one code per member at a time.
    _forget_codes(state, ev.member_id)
    state.relink[ev.digest] = RelinkCode(ev.member_id, ev.expires_at)


def _attendance(state: CourseState, ev: ce.AttendanceRecorded) -> None:
    state.attendance.setdefault(ev.n, {})[ev.member_id] = ev.status
    state.attendance_corrected.setdefault(ev.n, {})[ev.member_id] = ev.corrected


def _plan(state: CourseState, ev: ce.PlanUpdated) -> None:
    plan = state.plans.setdefault(ev.member_id, Plan())
    plan.areas, plan.goal, plan.key_people = list(ev.areas), ev.goal, list(ev.key_people)


def _plan_note(state: CourseState, ev: ce.PlanNoteAdded) -> None:
    plan = state.plans.setdefault(ev.member_id, Plan())
    plan.notes.append(PlanNote(ev.n, ev.text, ev.by, ev.at))


def _step(state: CourseState, ev: ce.StepSet) -> None:
    # A second step at one meeting replaces the first, review and all.
    state.steps.setdefault(ev.n, {})[ev.member_id] = Step(ev.text, ev.at)


def _reviewed(state: CourseState, ev: ce.StepReviewed) -> None:
    step = state.steps[ev.n][ev.member_id]
    step.tried, step.reviewed_at = ev.tried, ev.at


def _measure(state: CourseState, ev: ce.MeasureRecorded) -> None:
    at_meeting = state.measures.setdefault(ev.member_id, {}).setdefault(ev.n, {})
    at_meeting[ev.measure_id] = Measure(ev.score, ev.band, ev.at)


def _alert_carried(state: CourseState, ev: ce.RiskAlertCarried) -> None:
    state.risk_alerts.append(
        CourseAlert(
            ev.alert_id,
            ev.member_id,
            ev.n,
            ev.session_alert_id,
            ev.instrument,
            ev.item,
            ev.score,
            ev.max_score,
            ev.meaning,
            ev.raised_at,
            ev.at,
        )
    )


def _alert_acted(state: CourseState, ev: ce.CourseRiskActionRecorded) -> None:
    alert = next(a for a in state.risk_alerts if a.id == ev.alert_id)
    alert.action, alert.note, alert.acted_at, alert.acted_by = ev.action, ev.note, ev.at, ev.by


def _invited(state: CourseState, ev: ce.CourseCoFacilitatorInvited) -> None:
    state.co_facilitators[ev.user] = ev.may_export


def _uninvited(state: CourseState, ev: ce.CourseCoFacilitatorRemoved) -> None:
    state.co_facilitators.pop(ev.user, None)


def _granted(state: CourseState, ev: ce.SupervisorGranted) -> None:
    if ev.user not in state.supervisors:
        state.supervisors.append(ev.user)


def _revoked(state: CourseState, ev: ce.SupervisorRevoked) -> None:
    state.supervisors = [u for u in state.supervisors if u != ev.user]


def _command(state: CourseState, ev: ce.CourseCommandRecorded) -> None:
    # The last event of its append: the version it brings the log to is the command's.
    state.commands[ev.command_id] = state.version + 1


def _set_settings(state: CourseState, event: ce.CourseSettingsSet) -> None:
    state.region = event.region
    state.time_zone = event.time_zone


_APPLIERS: dict[type[Event], Callable[[CourseState, Any], None]] = {
    ce.MeetingPlanned: _planned,
    ce.MeetingOpened: _opened,
    ce.MeetingEnded: _ended,
    ce.MemberEnrolled: _enrolled,
    ce.MemberWithdrawn: _withdrawn,
    ce.MemberRelinked: _relinked,
    ce.RelinkOffered: _relink_offered,
    ce.AttendanceRecorded: _attendance,
    ce.PlanUpdated: _plan,
    ce.PlanNoteAdded: _plan_note,
    ce.StepSet: _step,
    ce.StepReviewed: _reviewed,
    ce.MeasureRecorded: _measure,
    ce.RiskAlertCarried: _alert_carried,
    ce.CourseRiskActionRecorded: _alert_acted,
    ce.CourseCoFacilitatorInvited: _invited,
    ce.CourseCoFacilitatorRemoved: _uninvited,
    ce.SupervisorGranted: _granted,
    ce.SupervisorRevoked: _revoked,
    ce.CourseLanguageSet: lambda state, ev: setattr(state, "language", ev.language),
    ce.CourseSettingsSet: _set_settings,
    ce.CourseCommandRecorded: _command,
    ce.MemberErased: _erased,
    # Where an erased member's plan, note, step or score was (core.erasure).
    Erased: _ignore,
}
