"""Everything that can happen in a course, as typed events.

Course events share the session log's store and encoding (core.codec reads both
registries), and all are private: phones and the display never see a course's version.
Like session events, they are facts, applied without checks (core.course.apply).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from facilitator.core.course_state import Meeting
from facilitator.core.events import Event
from facilitator.core.state import RiskAction


@dataclass(frozen=True)
class CourseEvent(Event):
    public: ClassVar[bool] = False


@dataclass(frozen=True)
class CourseCreated(CourseEvent):
    name = "course_created"
    course_id: str
    protocol_id: str
    protocol_version: int
    title: str
    clinical_title: str
    owner: str
    language: str
    join_code: str
    # One per protocol session, in order, none opened yet.
    meetings: tuple[Meeting, ...]
    at: float
    # Where members live (a region code, "" for none) and the time zone of its
    # documents ("" for the deployment's); logs from before these were asked lack them.
    region: str = ""
    time_zone: str = ""


@dataclass(frozen=True)
class MeetingPlanned(CourseEvent):
    name = "course_meeting_planned"
    n: int
    # None: the date was taken off the plan.
    planned_at: float | None


@dataclass(frozen=True)
class MeetingOpened(CourseEvent):
    name = "course_meeting_opened"
    n: int
    session_id: str
    at: float


@dataclass(frozen=True)
class MeetingEnded(CourseEvent):
    name = "course_meeting_ended"
    n: int
    at: float


@dataclass(frozen=True)
class MemberEnrolled(CourseEvent):
    name = "course_member_enrolled"
    member_id: str
    # `display_name`, not `name`: an event's `name` is its name in the log.
    display_name: str
    chose_name: bool
    at: float
    # When the member agreed to the consent text and its version; None and "" in logs
    # of older releases.
    consented_at: float | None = None
    consent_version: str = ""


@dataclass(frozen=True)
class MemberWithdrawn(CourseEvent):
    name = "course_member_withdrawn"
    member_id: str
    at: float


@dataclass(frozen=True)
class MemberErased(CourseEvent):
    """A member's name, plan, notes, steps and scores were removed: who (an id) and when,
    nothing of what was removed."""

    name = "course_member_erased"
    member_id: str
    at: float


@dataclass(frozen=True)
class MemberRelinked(CourseEvent):
    """The member's membership moved to another phone; older memberships stop working."""

    name = "course_member_relinked"
    member_id: str
    generation: int
    at: float


@dataclass(frozen=True)
class RelinkOffered(CourseEvent):
    name = "course_relink_offered"
    # A keyed digest of the code, computed by the service: the code is never logged.
    digest: str
    member_id: str
    expires_at: float


@dataclass(frozen=True)
class AttendanceRecorded(CourseEvent):
    name = "course_attendance_recorded"
    n: int
    member_id: str
    status: str
    # True when a facilitator corrected it; False when the meeting's end recorded it.
    corrected: bool
    by: str
    at: float


@dataclass(frozen=True)
class PlanUpdated(CourseEvent):
    name = "course_plan_updated"
    member_id: str
    areas: tuple[str, ...]
    goal: str
    key_people: tuple[str, ...]
    by: str
    at: float


@dataclass(frozen=True)
class PlanNoteAdded(CourseEvent):
    name = "course_plan_note_added"
    member_id: str
    n: int
    text: str
    by: str
    at: float


@dataclass(frozen=True)
class StepSet(CourseEvent):
    name = "course_step_set"
    member_id: str
    n: int
    text: str
    at: float


@dataclass(frozen=True)
class StepReviewed(CourseEvent):
    name = "course_step_reviewed"
    member_id: str
    # The meeting the step was set at.
    n: int
    tried: str
    at: float


@dataclass(frozen=True)
class MeasureRecorded(CourseEvent):
    name = "course_measure_recorded"
    member_id: str
    n: int
    measure_id: str
    score: int
    band: str
    at: float


@dataclass(frozen=True)
class RiskAlertCarried(CourseEvent):
    """A meeting ended with a risk alert open: the course keeps it until it is acted on."""

    name = "course_risk_alert_carried"
    alert_id: str
    member_id: str
    n: int
    # The alert's id in the meeting's session.
    session_alert_id: str
    instrument: str
    item: str
    score: int | None
    max_score: int | None
    meaning: str
    raised_at: float
    at: float


@dataclass(frozen=True)
class CourseRiskActionRecorded(CourseEvent):
    name = "course_risk_action_recorded"
    alert_id: str
    action: RiskAction
    note: str
    at: float
    by: str


@dataclass(frozen=True)
class CourseCoFacilitatorInvited(CourseEvent):
    name = "course_co_facilitator_invited"
    user: str
    may_export: bool
    at: float


@dataclass(frozen=True)
class CourseCoFacilitatorRemoved(CourseEvent):
    name = "course_co_facilitator_removed"
    user: str
    at: float


@dataclass(frozen=True)
class SupervisorGranted(CourseEvent):
    name = "course_supervisor_granted"
    user: str
    at: float


@dataclass(frozen=True)
class CourseLanguageSet(CourseEvent):
    name = "course_language_set"
    language: str
    by: str
    at: float


@dataclass(frozen=True)
class CourseSettingsSet(CourseEvent):
    name = "course_settings_set"
    region: str
    time_zone: str
    by: str
    at: float


@dataclass(frozen=True)
class SupervisorRevoked(CourseEvent):
    name = "course_supervisor_revoked"
    user: str
    at: float


@dataclass(frozen=True)
class CourseCommandRecorded(CourseEvent):
    """A facilitator command with a client-chosen id was applied (see CommandRecorded)."""

    name = "course_command_recorded"
    command_id: str
    by: str = ""


COURSE_EVENT_TYPES: dict[str, type[Event]] = {
    cls.name: cls
    for cls in (
        CourseCreated,
        CourseLanguageSet,
        CourseSettingsSet,
        MeetingPlanned,
        MeetingOpened,
        MeetingEnded,
        MemberEnrolled,
        MemberWithdrawn,
        MemberErased,
        MemberRelinked,
        RelinkOffered,
        AttendanceRecorded,
        PlanUpdated,
        PlanNoteAdded,
        StepSet,
        StepReviewed,
        MeasureRecorded,
        RiskAlertCarried,
        CourseRiskActionRecorded,
        CourseCoFacilitatorInvited,
        CourseCoFacilitatorRemoved,
        SupervisorGranted,
        SupervisorRevoked,
        CourseCommandRecorded,
    )
}
