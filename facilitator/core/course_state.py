"""The state of one course, rebuilt by folding its course stream: the agreed shape.

A course is the weekly series of meetings of one group; each meeting is run as an
ordinary live session linked to the course. Only named answers ever enter `measures`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Meeting:
    # The protocol session number (0 for pre-group).
    n: int
    session_number: int
    phase: str
    title: str
    planned_at: float | None = None
    session_id: str | None = None
    started_at: float | None = None
    ended_at: float | None = None


@dataclass
class Member:
    # "c-..."
    id: str
    name: str
    chose_name: bool
    joined_at: float
    # Raised at each re-link: a membership token carrying an older one stops working.
    generation: int = 0
    withdrawn: bool = False


@dataclass
class PlanNote:
    meeting: int
    text: str
    by: str
    at: float


@dataclass
class Plan:
    # A subset of "grief", "disputes", "transitions", "isolation".
    areas: list[str] = field(default_factory=list)
    goal: str = ""
    key_people: list[str] = field(default_factory=list)
    notes: list[PlanNote] = field(default_factory=list)


@dataclass
class Step:
    text: str
    at: float
    # "yes", "partly" or "no" once reviewed at the next meeting the member attends.
    tried: str | None = None
    reviewed_at: float | None = None


@dataclass
class Measure:
    score: int
    band: str
    at: float


@dataclass
class RelinkCode:
    member_id: str
    expires_at: float


@dataclass
class CourseState:
    id: str
    protocol_id: str
    protocol_version: int
    # The neutral public title: the only one phones and the display ever show.
    title: str
    # The protocol's title, for facilitators only.
    clinical_title: str
    owner: str
    language: str
    created_at: float
    join_code: str
    version: int = 0
    # user -> may_export, as sessions.
    co_facilitators: dict[str, bool] = field(default_factory=dict)
    # Read-only access to summaries and exports.
    supervisors: list[str] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    members: dict[str, Member] = field(default_factory=dict)
    # meeting n -> member id -> "present", "late", "left_early" or "absent".
    attendance: dict[int, dict[str, str]] = field(default_factory=dict)
    attendance_corrected: dict[int, dict[str, bool]] = field(default_factory=dict)
    plans: dict[str, Plan] = field(default_factory=dict)
    # meeting n (the step was set at) -> member id -> step.
    steps: dict[int, dict[str, Step]] = field(default_factory=dict)
    # member id -> meeting n -> measure id (instrument or poll id) -> measure.
    measures: dict[str, dict[int, dict[str, Measure]]] = field(default_factory=dict)
    # Keyed digest of a re-link code -> the code's member; the code itself is never kept.
    relink: dict[str, RelinkCode] = field(default_factory=dict)
    # Command ids already applied, with the version their append reached, as sessions.
    commands: dict[str, int] = field(default_factory=dict)
