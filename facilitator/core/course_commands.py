"""What facilitators, members and the service's own linkage ask of a course.

Every command carries `at`, the time it was received: the course engine reads no clock.
Ids (course, member), join codes, pseudonyms and re-link digests are drawn by the
service and passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from facilitator.core.course_state import Meeting
from facilitator.core.state import RiskAction


@dataclass(frozen=True)
class CourseCommand:
    at: float


@dataclass(frozen=True)
class CreateCourse(CourseCommand):
    course_id: str
    protocol_id: str
    protocol_version: int
    title: str
    clinical_title: str
    owner: str
    language: str
    join_code: str
    # One per protocol session, in order.
    meetings: tuple[Meeting, ...]
    region: str = ""
    time_zone: str = ""


@dataclass(frozen=True)
class PlanMeeting(CourseCommand):
    n: int
    planned_at: float | None


@dataclass(frozen=True)
class OpenMeeting(CourseCommand):
    n: int
    # The live session that runs the meeting, created by the service.
    session_id: str


@dataclass(frozen=True)
class EndMeeting(CourseCommand):
    n: int


@dataclass(frozen=True)
class CloseMeeting(CourseCommand):
    """End meeting `n` with what it leaves in the course, in one write: each member's
    attendance, (member_id, status), and named scores, (member_id, measure_id, score, band)."""

    n: int
    attendance: tuple[tuple[str, str], ...]
    measures: tuple[tuple[str, str, int, str], ...]
    # The meeting's risk alerts still open, in words: the course keeps them.
    alerts: tuple[AlertToCarry, ...] = ()


@dataclass(frozen=True)
class AlertToCarry:
    member_id: str
    alert_id: str
    instrument: str
    item: str
    score: int | None
    max_score: int | None
    meaning: str
    raised_at: float


@dataclass(frozen=True)
class RecordCourseRiskAction(CourseCommand):
    """Record what was done about a risk alert carried from an earlier meeting."""

    alert_id: str
    action: RiskAction
    note: str = ""
    by: str = ""


@dataclass(frozen=True)
class Enroll(CourseCommand):
    member_id: str
    # The name the member typed, or None to use the pseudonym.
    display_name: str | None
    # Used instead of the typed name when another member has that name already.
    pseudonym: str
    # When the member agreed to the consent text, and which text (its version).
    consented_at: float | None = None
    consent_version: str = ""


@dataclass(frozen=True)
class Withdraw(CourseCommand):
    member_id: str


@dataclass(frozen=True)
class EraseMember(CourseCommand):
    """Withdraw a member and remove their name, plan, notes, steps and scores; the
    service rewrites the course's log and its meetings' logs (core.erasure)."""

    member_id: str


@dataclass(frozen=True)
class OfferRelink(CourseCommand):
    member_id: str
    # The keyed digest of the code shown on the console (see RelinkOffered).
    digest: str
    expires_at: float


@dataclass(frozen=True)
class Relink(CourseCommand):
    """Move a membership to the phone that typed a re-link code; `at` is checked
    against the code's expiry."""

    digest: str


@dataclass(frozen=True)
class RecordAttendance(CourseCommand):
    n: int
    member_id: str
    status: str
    # True for a facilitator's correction; False when the meeting's end records it.
    corrected: bool
    by: str


@dataclass(frozen=True)
class UpdatePlan(CourseCommand):
    member_id: str
    areas: tuple[str, ...]
    goal: str
    key_people: tuple[str, ...]
    by: str


@dataclass(frozen=True)
class AddPlanNote(CourseCommand):
    member_id: str
    n: int
    text: str
    by: str


@dataclass(frozen=True)
class SetStep(CourseCommand):
    member_id: str
    n: int
    text: str


@dataclass(frozen=True)
class ReviewStep(CourseCommand):
    member_id: str
    # The meeting the step was set at.
    n: int
    tried: str


@dataclass(frozen=True)
class RecordMeasure(CourseCommand):
    member_id: str
    n: int
    measure_id: str
    score: int
    band: str


@dataclass(frozen=True)
class InviteCourseCoFacilitator(CourseCommand):
    user: str
    may_export: bool


@dataclass(frozen=True)
class RemoveCourseCoFacilitator(CourseCommand):
    user: str


@dataclass(frozen=True)
class GrantSupervisor(CourseCommand):
    user: str


@dataclass(frozen=True)
class RevokeSupervisor(CourseCommand):
    user: str


@dataclass(frozen=True)
class SetCourseLanguage(CourseCommand):
    """A facilitator sets the language the course's meetings read the protocol in."""

    language: str
    # The languages the course's protocol is offered in: no other may be chosen.
    offered: tuple[str, ...]
    by: str = ""


@dataclass(frozen=True)
class SetCourseSettings(CourseCommand):
    """A facilitator sets where the course's members live and its documents' time zone,
    both already checked by the service (a region code, an IANA zone name, or "")."""

    region: str
    time_zone: str
    by: str = ""
