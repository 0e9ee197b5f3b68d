"""Build courses for tests of the course engine and the stores."""

from __future__ import annotations

from facilitator.core import course_commands as cc
from facilitator.core.course import create_course, handle
from facilitator.core.course_state import CourseState, Meeting
from facilitator.core.events import Event
from tests.factories import T0

# Four meetings of a short course: pre-group, one initial, one middle, the last.
MEETINGS = (
    Meeting(0, 0, "pre_group", "Getting ready", T0),
    Meeting(1, 1, "initial", "Mood and relationships", T0 + 7 * 86400),
    Meeting(2, 2, "middle", "Working on your area", T0 + 14 * 86400),
    Meeting(3, 3, "termination", "Looking ahead", None),
)


def create_command(
    course_id: str = "course-1", owner: str = "asha", join_code: str = "CCCCCDDDDD"
) -> cc.CreateCourse:
    return cc.CreateCourse(
        T0,
        course_id,
        "group-ipt-8",
        1,
        "Tuesday group",
        "Group IPT for depression",
        owner,
        "en",
        join_code,
        MEETINGS,
    )


def new_course(course_id: str = "course-1", owner: str = "asha") -> tuple[CourseState, list[Event]]:
    """A course with no members yet, and its log."""
    return create_course(create_command(course_id, owner))


def enrolled(*names: str) -> tuple[CourseState, list[Event]]:
    """A course whose members, "c-1", "c-2"..., typed `names`; and its log."""
    state, log = new_course()
    for n, name in enumerate(names, start=1):
        log += handle(state, cc.Enroll(T0 + n, f"c-{n}", name, f"Calm Heron {n}"))
    return state, log


def held(state: CourseState, n: int, statuses: dict[str, str], at: float) -> list[Event]:
    """Open and end meeting `n`, recording each member's attendance; return its events."""
    log = handle(state, cc.OpenMeeting(at, n, f"s-{n}"))
    for member_id, status in statuses.items():
        log += handle(state, cc.RecordAttendance(at + 3600, n, member_id, status, False, ""))
    log += handle(state, cc.EndMeeting(at + 3600, n))
    return log
