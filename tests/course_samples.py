"""A course four meetings in, built field by field as COURSES.md names them.

Members, in the order they enrolled: Ana (comes every week), Bo (missed the last two
meetings), a member whose typed name is hostile markup and a formula, and Dee (missed
three, then withdrew). PHQ-9 was scored at meetings 1 and 3, the named weekly mood at
1 to 3. Meeting 4 is under way and meeting 5 has no date yet.
"""

from __future__ import annotations

from functools import cache

from facilitator.core.course_state import (
    CourseState,
    Measure,
    Meeting,
    Member,
    Plan,
    PlanNote,
    Step,
)
from facilitator.library.catalog import Catalog
from facilitator.library.loader import Instrument

T0 = 1_700_000_000.0
WEEK = 7 * 24 * 3600.0
HOUR = 3600.0
HOSTILE = '=<script>alert("x")</script>&\''
WEEKLY = "mood_named"
PHQ9 = "phq-9"


@cache
def catalog() -> Catalog:
    return Catalog.load()


def instruments() -> dict[str, Instrument]:
    return {instrument.id: instrument for instrument in catalog().instruments()}


def _meeting(n: int, phase: str, title: str, *, ended: bool, started: bool = False) -> Meeting:
    planned = T0 + n * WEEK
    return Meeting(
        n=n,
        session_number=n,
        phase=phase,
        title=title,
        planned_at=planned if n < 5 else None,
        session_id=f"s-{n}" if ended or started else None,
        started_at=planned + 120 if ended or started else None,
        # 88 minutes and a half: rounds up to 89 as a clock reader would.
        ended_at=planned + 120 + 88.5 * 60 if ended else None,
    )


def _member(member_id: str, name: str, joined: float, *, withdrawn: bool = False) -> Member:
    return Member(
        id=member_id,
        name=name,
        chose_name=True,
        joined_at=joined,
        generation=0,
        withdrawn=withdrawn,
    )


def _m(score: int, band: str, n: int) -> Measure:
    return Measure(score=score, band=band, at=T0 + n * WEEK + HOUR)


def new_course() -> CourseState:
    meetings = [
        _meeting(0, "pre_group", "Pre-group meeting", ended=True),
        _meeting(1, "initial", "Getting started", ended=True),
        _meeting(2, "middle", "Working on it", ended=True),
        _meeting(3, "middle", "Keeping going", ended=True),
        _meeting(4, "termination", "Looking back", ended=False, started=True),
        _meeting(5, "termination", "Farewell", ended=False),
    ]
    members = {
        "c-ana": _member("c-ana", "Ana", T0 + 10),
        "c-bo": _member("c-bo", "Bo", T0 + 20),
        "c-evil": _member("c-evil", HOSTILE, T0 + 30),
        "c-dee": _member("c-dee", "Dee", T0 + 40, withdrawn=True),
    }
    attendance = {
        0: {"c-ana": "present", "c-bo": "present", "c-evil": "present", "c-dee": "present"},
        1: {"c-ana": "present", "c-bo": "late", "c-evil": "present", "c-dee": "absent"},
        2: {"c-ana": "present", "c-bo": "absent", "c-evil": "left_early", "c-dee": "absent"},
        3: {"c-ana": "present", "c-bo": "absent", "c-evil": "present", "c-dee": "absent"},
    }
    plans = {
        "c-ana": Plan(
            areas=["transitions"],
            goal="Settle into the new job",
            key_people=["Sam"],
            notes=[PlanNote(meeting=1, text="Wants to talk about work", by="fac", at=T0 + WEEK)],
        ),
        "c-evil": Plan(areas=["disputes"], goal=HOSTILE, key_people=[HOSTILE], notes=[]),
    }
    steps = {
        1: {
            "c-ana": Step(
                text="Call my sister", at=T0 + WEEK, tried="yes", reviewed_at=T0 + 2 * WEEK
            ),
            "c-evil": Step(
                text="=cmd|' /C calc'!A0", at=T0 + WEEK, tried="partly", reviewed_at=T0 + 2 * WEEK
            ),
        },
        2: {"c-ana": Step(text="Walk with Sam", at=T0 + 2 * WEEK, tried=None, reviewed_at=None)},
    }
    measures = {
        "c-ana": {
            1: {PHQ9: _m(14, "moderate", 1), WEEKLY: _m(4, "", 1)},
            2: {WEEKLY: _m(5, "", 2)},
            3: {PHQ9: _m(8, "mild", 3), WEEKLY: _m(7, "", 3)},
        },
        "c-bo": {1: {PHQ9: _m(9, "mild", 1), WEEKLY: _m(6, "", 1)}},
        "c-evil": {
            1: {PHQ9: _m(20, "severe", 1), WEEKLY: _m(3, "", 1)},
            3: {PHQ9: _m(22, "severe", 3), WEEKLY: _m(2, "", 3)},
        },
    }
    return CourseState(
        id="course-1",
        protocol_id="group-ipt-8",
        protocol_version=1,
        title="Tuesday group",
        clinical_title="Group IPT for depression, 8 sessions",
        owner="fac",
        co_facilitators={"cofac": True},
        supervisors=["sup"],
        language="en",
        created_at=T0,
        join_code="ABCD-EFGH",
        version=42,
        meetings=meetings,
        members=members,
        attendance=attendance,
        attendance_corrected={3: {"c-ana": True}},
        plans=plans,
        steps=steps,
        measures=measures,
        relink={},
        commands={},
    )


def not_measures(state: CourseState) -> list[str]:
    """Return the ids, titles and questions of every poll on offer that is not a measure."""
    recorded = {mid for by_n in state.measures.values() for ms in by_n.values() for mid in ms}
    words: list[str] = []
    for poll_id, spec in catalog().polls_for(state.protocol_id).items():
        if poll_id not in recorded:
            words += [poll_id, spec.question]
    for instrument_id, instrument in instruments().items():
        if instrument_id not in recorded:
            words += [instrument_id, instrument.title, instrument.poll.question]
    assert "mood10" in words and "gad-7" in words
    return words
