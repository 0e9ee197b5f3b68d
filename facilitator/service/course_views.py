"""What facilitators and supervisors see of a course: pure functions of its state.

`course_view` is the course page's whole picture (GET /api/courses/<id>); `member_trend`
is one member's scores, measure by measure, for the charts and their tables. Neither
reads the store. Only `state.measures` is ever shown as scores, and it holds named
answers only, so no anonymous answer can reach these views.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from facilitator.core.course import last_step, missed_in_a_row
from facilitator.core.course_state import CourseAlert, CourseState, Measure, Meeting, Step
from facilitator.core.wording import D_
from facilitator.library.loader import Instrument

#: The console flags a member who missed this many ended meetings in a row.
CHECK_IN_AFTER = 2

ATTENDANCE_LABELS = {
    "present": D_("present"),
    "late": D_("late"),
    "left_early": D_("left early"),
    "absent": D_("absent"),
}


@dataclass(frozen=True)
class TrendPoint:
    """One score of one member on one measure, at one meeting."""

    n: int
    score: int
    band: str
    at: float


def course_view(state: CourseState, instruments: Mapping[str, Instrument]) -> dict[str, Any]:
    """Return the course as facilitators and supervisors see it, ready for JSON.

    Members are listed in the order they enrolled, withdrawn ones included (marked);
    each member's `attendance` lines up with `meetings`.
    """
    return {
        "id": state.id,
        "title": state.title,
        "clinical_title": state.clinical_title,
        "protocol_id": state.protocol_id,
        "protocol_version": state.protocol_version,
        "language": state.language,
        "region": state.region,
        "time_zone": state.time_zone,
        "created_at": state.created_at,
        "version": state.version,
        "owner": state.owner,
        "co_facilitators": [
            {"user": user, "may_export": may_export}
            for user, may_export in sorted(state.co_facilitators.items())
        ],
        "supervisors": sorted(state.supervisors),
        "meetings": [
            {
                "n": m.n,
                "session_number": m.session_number,
                "phase": m.phase,
                "title": m.title,
                "planned_at": m.planned_at,
                "started_at": m.started_at,
                "ended_at": m.ended_at,
                "session_id": m.session_id,
                "status": meeting_status(m),
            }
            for m in state.meetings
        ],
        "measures": [
            {"id": measure_id, "title": measure_title(measure_id, instruments)}
            for measure_id in measure_ids(state)
        ],
        "members": [_member(state, member_id) for member_id in member_order(state)],
        "risk_alerts": [course_alert(state, alert) for alert in state.risk_alerts],
    }


def course_alert(state: CourseState, alert: CourseAlert) -> dict[str, Any]:
    """Return a risk alert carried from an ended meeting, in words, with what was done:
    for the course's facilitators and supervisors, never its members."""
    meeting = state.meeting(alert.n)
    return {
        "id": alert.id,
        "member_id": alert.member_id,
        "name": state.members[alert.member_id].name,
        "n": alert.n,
        "meeting": meeting.title if meeting else "",
        "instrument": alert.instrument,
        "item": alert.item,
        "score": alert.score,
        "max_score": alert.max_score,
        "meaning": alert.meaning,
        "raised_at": alert.raised_at,
        "carried_at": alert.carried_at,
        "open": alert.open,
        "action": alert.action.value if alert.action else None,
        "note": alert.note,
        "acted_at": alert.acted_at,
        "acted_by": alert.acted_by,
    }


def _member(state: CourseState, member_id: str) -> dict[str, Any]:
    member = state.members[member_id]
    plan = state.plans.get(member_id)
    missed = missed_in_a_row(state, member_id)
    last = last_step(state, member_id, sys.maxsize)
    trend = member_trend(state, member_id)
    return {
        "id": member.id,
        "name": member.name,
        "chose_name": member.chose_name,
        "joined_at": member.joined_at,
        "withdrawn": member.withdrawn,
        "erased": member.erased,
        "attendance": [
            {
                "n": m.n,
                "status": state.attendance.get(m.n, {}).get(member_id),
                "corrected": state.attendance_corrected.get(m.n, {}).get(member_id, False),
            }
            for m in state.meetings
        ],
        "missed_in_a_row": missed,
        # A withdrawn member has left the group: there is no one to check in with.
        "flag": missed >= CHECK_IN_AFTER and not member.withdrawn,
        "areas": list(plan.areas) if plan else [],
        "goal": plan.goal if plan else "",
        "key_people": list(plan.key_people) if plan else [],
        "notes": [
            {"n": note.meeting, "text": note.text, "by": note.by, "at": note.at}
            for note in (plan.notes if plan else [])
        ],
        "steps": [
            {"n": n, "text": step.text, "tried": step.tried}
            for n, step in member_steps(state, member_id)
        ],
        "last_step": None
        if last is None
        else {"n": last[0], "text": last[1].text, "tried": last[1].tried},
        "latest": {
            measure_id: {"score": points[-1].score, "band": points[-1].band, "n": points[-1].n}
            for measure_id, points in trend.items()
        },
        # Every score, for the table the course page puts beside each chart.
        "measures": {
            measure_id: [{"n": p.n, "score": p.score, "band": p.band} for p in points]
            for measure_id, points in trend.items()
        },
    }


def member_trend(state: CourseState, member_id: str) -> dict[str, list[TrendPoint]]:
    """Return one member's scores per measure id, oldest meeting first.

    Raises KeyError for a member the course does not have.
    """
    if member_id not in state.members:
        raise KeyError(member_id)
    series: dict[str, list[TrendPoint]] = {}
    by_meeting = state.measures.get(member_id, {})
    for n in sorted(by_meeting):
        for measure_id, measure in sorted(by_meeting[n].items()):
            series.setdefault(measure_id, []).append(_point(n, measure))
    return series


def _point(n: int, measure: Measure) -> TrendPoint:
    return TrendPoint(n=n, score=measure.score, band=measure.band, at=measure.at)


def meeting_status(meeting: Meeting) -> str:
    """Return "ended", "running", "planned" or "unplanned"."""
    if meeting.ended_at is not None:
        return "ended"
    if meeting.started_at is not None:
        return "running"
    return "planned" if meeting.planned_at is not None else "unplanned"


def member_order(state: CourseState) -> list[str]:
    """Return the member ids in the order they enrolled."""
    return sorted(state.members, key=lambda mid: (state.members[mid].joined_at, mid))


def member_steps(state: CourseState, member_id: str) -> list[tuple[int, Step]]:
    """Return one member's weekly steps with the meeting each was set at, oldest first."""
    return [
        (n, state.steps[n][member_id]) for n in sorted(state.steps) if member_id in state.steps[n]
    ]


def measure_ids(state: CourseState) -> list[str]:
    """Return every measure id any member has a score for, by the meeting first asked at."""
    first: dict[str, int] = {}
    for by_meeting in state.measures.values():
        for n, measures in by_meeting.items():
            for measure_id in measures:
                first[measure_id] = min(n, first.get(measure_id, n))
    return sorted(first, key=lambda measure_id: (first[measure_id], measure_id))


def measure_title(measure_id: str, instruments: Mapping[str, Instrument]) -> str:
    """Return an instrument's title, or the id of a measure that is a protocol poll."""
    instrument = instruments.get(measure_id)
    return instrument.title if instrument else measure_id
