"""What facilitators and supervisors see of a course: the course view and member trends."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from facilitator.core.course import missed_in_a_row
from facilitator.core.course_state import Step
from facilitator.service.course_views import (
    TrendPoint,
    course_view,
    member_trend,
)
from tests.course_samples import (
    HOSTILE,
    PHQ9,
    T0,
    WEEK,
    WEEKLY,
    instruments,
    new_course,
    not_measures,
)


def _member(view: dict[str, Any], member_id: str) -> dict[str, Any]:
    return next(m for m in view["members"] if m["id"] == member_id)


def test_view_lists_meetings_in_order_with_dates_and_status() -> None:
    view = course_view(new_course(), instruments())
    meetings = view["meetings"]
    assert [m["n"] for m in meetings] == [0, 1, 2, 3, 4, 5]
    assert [m["status"] for m in meetings] == [
        "ended",
        "ended",
        "ended",
        "ended",
        "running",
        "unplanned",
    ]
    assert meetings[1]["planned_at"] == T0 + WEEK
    assert meetings[1]["started_at"] == T0 + WEEK + 120
    assert meetings[4]["ended_at"] is None and meetings[4]["session_id"] == "s-4"
    assert meetings[2]["title"] == "Working on it" and meetings[2]["phase"] == "middle"


def test_a_meeting_with_a_date_and_no_session_yet_is_planned() -> None:
    state = new_course()
    state.meetings[5].planned_at = T0 + 5 * WEEK
    assert course_view(state, instruments())["meetings"][5]["status"] == "planned"


def test_view_heads_with_both_titles_and_who_has_access() -> None:
    view = course_view(new_course(), instruments())
    assert view["title"] == "Tuesday group"
    assert view["clinical_title"] == "Group IPT for depression, 8 sessions"
    assert view["owner"] == "fac"
    assert view["co_facilitators"] == [{"user": "cofac", "may_export": True}]
    assert view["supervisors"] == ["sup"]
    assert view["version"] == 42


def test_view_leaves_out_the_join_code() -> None:
    # Supervisors see this view too and are not to enroll anyone.
    assert "ABCD-EFGH" not in json.dumps(course_view(new_course(), instruments()))


def test_members_come_in_enrolment_order_with_an_attendance_row_per_meeting() -> None:
    view = course_view(new_course(), instruments())
    assert [m["name"] for m in view["members"]] == ["Ana", "Bo", HOSTILE, "Dee"]
    bo = _member(view, "c-bo")
    assert [(a["n"], a["status"]) for a in bo["attendance"]] == [
        (0, "present"),
        (1, "late"),
        (2, "absent"),
        (3, "absent"),
        (4, None),
        (5, None),
    ]
    ana = _member(view, "c-ana")
    assert [a["corrected"] for a in ana["attendance"]] == [False, False, False, True, False, False]
    assert _member(view, "c-dee")["withdrawn"] is True


def test_two_missed_meetings_in_a_row_flag_a_member_to_check_in_with() -> None:
    view = course_view(new_course(), instruments())
    bo = _member(view, "c-bo")
    # Meeting 4 is under way: not missed yet.
    assert bo["missed_in_a_row"] == 2 and bo["flag"] is True
    assert _member(view, "c-ana")["missed_in_a_row"] == 0
    assert _member(view, "c-ana")["flag"] is False


def test_one_missed_meeting_is_no_flag() -> None:
    state = new_course()
    state.attendance[2]["c-bo"] = "present"
    bo = _member(course_view(state, instruments()), "c-bo")
    assert bo["missed_in_a_row"] == 1 and bo["flag"] is False


def test_missed_meetings_count_back_from_the_last_ended_one_and_stop_at_any_other_status() -> None:
    state = new_course()
    assert missed_in_a_row(state, "c-dee") == 3
    state.attendance[2]["c-dee"] = "late"
    assert missed_in_a_row(state, "c-dee") == 1
    state.meetings[4].ended_at = T0 + 4 * WEEK + 3600
    state.attendance[4] = {"c-dee": "present"}
    assert missed_in_a_row(state, "c-dee") == 0


def test_a_withdrawn_member_is_not_flagged() -> None:
    dee = _member(course_view(new_course(), instruments()), "c-dee")
    assert dee["missed_in_a_row"] == 3 and dee["flag"] is False


def test_view_gives_each_members_plan_and_notes() -> None:
    view = course_view(new_course(), instruments())
    ana = _member(view, "c-ana")
    assert ana["areas"] == ["transitions"]
    assert ana["goal"] == "Settle into the new job"
    assert ana["key_people"] == ["Sam"]
    assert ana["notes"] == [
        {"n": 1, "text": "Wants to talk about work", "by": "fac", "at": T0 + WEEK}
    ]
    bo = _member(view, "c-bo")
    assert (bo["areas"], bo["goal"], bo["key_people"], bo["notes"]) == ([], "", [], [])


def test_view_gives_the_last_step_and_whether_it_was_tried() -> None:
    view = course_view(new_course(), instruments())
    assert _member(view, "c-ana")["last_step"] == {"n": 2, "text": "Walk with Sam", "tried": None}
    assert _member(view, "c-evil")["last_step"] == {
        "n": 1,
        "text": "=cmd|' /C calc'!A0",
        "tried": "partly",
    }
    assert _member(view, "c-bo")["last_step"] is None
    assert [s["n"] for s in _member(view, "c-ana")["steps"]] == [1, 2]


def test_a_step_set_again_later_becomes_the_last_one() -> None:
    state = new_course()
    state.steps[3] = {"c-ana": Step(text="Ask Sam", at=T0 + 3 * WEEK, tried=None, reviewed_at=None)}
    ana = _member(course_view(state, instruments()), "c-ana")
    assert ana["last_step"] == {"n": 3, "text": "Ask Sam", "tried": None}


def test_view_gives_each_members_latest_score_per_measure() -> None:
    view = course_view(new_course(), instruments())
    assert _member(view, "c-ana")["latest"] == {
        PHQ9: {"score": 8, "band": "mild", "n": 3},
        WEEKLY: {"score": 7, "band": "", "n": 3},
    }
    assert _member(view, "c-bo")["latest"] == {
        PHQ9: {"score": 9, "band": "mild", "n": 1},
        WEEKLY: {"score": 6, "band": "", "n": 1},
    }
    assert _member(view, "c-dee")["latest"] == {}


def test_view_gives_each_members_scores_meeting_by_meeting_for_the_tables() -> None:
    view = course_view(new_course(), instruments())
    ana = _member(view, "c-ana")
    assert [p["n"] for p in ana["measures"][PHQ9]] == [1, 3]
    assert ana["measures"][PHQ9][-1] == {"n": 3, "score": 8, "band": "mild"}
    assert _member(view, "c-dee")["measures"] == {}


def test_view_names_the_measures_scored_instruments_by_title() -> None:
    view = course_view(new_course(), instruments())
    assert view["measures"] == [
        {"id": WEEKLY, "title": WEEKLY},
        {"id": PHQ9, "title": "Patient Health Questionnaire (PHQ-9)"},
    ]


def test_view_is_plain_json() -> None:
    view = course_view(new_course(), instruments())
    assert json.loads(json.dumps(view)) == view


def test_member_trend_is_each_measures_scores_oldest_first() -> None:
    state = new_course()
    trend = member_trend(state, "c-ana")
    assert trend[PHQ9] == [
        TrendPoint(1, 14, "moderate", T0 + WEEK + 3600),
        TrendPoint(3, 8, "mild", T0 + 3 * WEEK + 3600),
    ]
    assert [(p.n, p.score) for p in trend[WEEKLY]] == [(1, 4), (2, 5), (3, 7)]
    assert member_trend(state, "c-dee") == {}


def test_member_trend_of_an_unknown_member_raises_key_error() -> None:
    with pytest.raises(KeyError):
        member_trend(new_course(), "c-nobody")


def test_view_shows_no_poll_that_is_not_a_recorded_measure() -> None:
    """Every other poll and instrument on offer, anonymous ones above all, stays out."""
    state = new_course()
    text = json.dumps(course_view(state, instruments()), ensure_ascii=False)
    for word in not_measures(state):
        assert not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text), word
