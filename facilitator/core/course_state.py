"""The state of one course, rebuilt by folding its events (see core.course.apply).

A course is the record of a group's weekly meetings: who its members are, who came,
their plans, their weekly steps and their named scores. Each meeting itself is run as
an ordinary session; the course only knows which session ran it and when.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from facilitator.core.state import RiskAction

# What a member's attendance at one meeting can be.
ATTENDANCE = ("present", "late", "left_early", "absent")
# The problem areas of interpersonal psychotherapy a member's plan may name.
AREAS = ("grief", "disputes", "transitions", "isolation")
# How a member says a weekly step went.
TRIED = ("yes", "partly", "no")
# The longest weekly step a member may write, in characters.
STEP_MAX = 500


@dataclass
class Meeting:
    # The protocol session's number (0 for the pre-group meeting).
    n: int
    session_number: int
    # The protocol session's phase, e.g. "initial" or "middle".
    phase: str
    title: str
    planned_at: float | None = None
    # The live session that runs this meeting, once it was opened.
    session_id: str | None = None
    started_at: float | None = None
    ended_at: float | None = None


@dataclass
class Member:
    # "c-..." : the same member at every meeting, and the participant id in each.
    id: str
    name: str
    # True when the member typed a name; False for a generated pseudonym.
    chose_name: bool
    joined_at: float
    # Raised at each re-link: a phone's membership carries it, so an older one stops.
    generation: int = 0
    withdrawn: bool = False
    # When they agreed to the consent text at enrolment, and its version.
    consented_at: float | None = None
    consent_version: str = ""
    # Their name, plan, notes, steps and scores were erased (they are withdrawn too).
    erased: bool = False


@dataclass
class PlanNote:
    meeting: int
    text: str
    # The facilitator account that wrote it.
    by: str
    at: float


@dataclass
class Plan:
    areas: list[str] = field(default_factory=list)
    goal: str = ""
    key_people: list[str] = field(default_factory=list)
    notes: list[PlanNote] = field(default_factory=list)


@dataclass
class Step:
    """What a member means to try before the next meeting, and how it went."""

    text: str
    at: float
    tried: str | None = None
    reviewed_at: float | None = None


@dataclass
class Measure:
    """One named score: an instrument's total or a scale poll's value."""

    score: int
    band: str
    at: float


@dataclass
class CourseAlert:
    """A risk alert left without a recorded action when its meeting ended: carried into
    the course, and shown in its later meetings until what was done is recorded."""

    id: str
    member_id: str
    # The meeting it was raised in, and its id in that meeting's session.
    n: int
    alert_id: str
    # In words, as the console showed it: the instrument's title, the item and its text.
    instrument: str
    item: str
    score: int | None
    max_score: int | None
    meaning: str
    raised_at: float
    carried_at: float
    action: RiskAction | None = None
    note: str = ""
    acted_at: float | None = None
    acted_by: str = ""

    @property
    def open(self) -> bool:
        return self.action is None


@dataclass
class RelinkCode:
    member_id: str
    expires_at: float


@dataclass
class CourseState:
    id: str
    protocol_id: str
    protocol_version: int
    # The neutral title members and the display see; the protocol's title is for
    # facilitators only, since it names what the group treats.
    title: str
    clinical_title: str
    owner: str
    language: str
    created_at: float
    join_code: str
    version: int = 0
    # A region code for the phones' crisis resources, "" for none; an IANA time zone for
    # the course's documents, "" for the deployment's.
    region: str = ""
    time_zone: str = ""
    # Other facilitator accounts that may run the course: user -> may export it too.
    co_facilitators: dict[str, bool] = field(default_factory=dict)
    # Accounts that may read summaries and exports, and change nothing.
    supervisors: list[str] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    members: dict[str, Member] = field(default_factory=dict)
    # meeting n -> member id -> one of ATTENDANCE.
    attendance: dict[int, dict[str, str]] = field(default_factory=dict)
    # meeting n -> member id -> True once a facilitator corrected what was recorded.
    attendance_corrected: dict[int, dict[str, bool]] = field(default_factory=dict)
    plans: dict[str, Plan] = field(default_factory=dict)
    # meeting n (set at) -> member id -> the step.
    steps: dict[int, dict[str, Step]] = field(default_factory=dict)
    # member id -> meeting n -> measure id -> the score. Named answers only: an
    # anonymous poll's answers never enter a course.
    measures: dict[str, dict[int, dict[str, Measure]]] = field(default_factory=dict)
    # A keyed digest of a re-link code -> whose it is; the code itself is never kept.
    relink: dict[str, RelinkCode] = field(default_factory=dict)
    # Facilitator command ids already applied, with the version their append reached.
    commands: dict[str, int] = field(default_factory=dict)
    # Risk alerts carried from ended meetings, in the order they were carried.
    risk_alerts: list[CourseAlert] = field(default_factory=list)

    def meeting(self, n: int) -> Meeting | None:
        return next((m for m in self.meetings if m.n == n), None)
