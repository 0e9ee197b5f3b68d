"""The course engine: creating a course, what it refuses, folding and the derived answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilitator.core import course_commands as cc
from facilitator.core import course_events as ce
from facilitator.core import events as e
from facilitator.core.codec import (
    course_state_from_dict,
    course_state_to_dict,
    event_from_dict,
    event_to_dict,
)
from facilitator.core.course import (
    applied,
    apply,
    create_course,
    decide,
    fold,
    handle,
    last_step,
    missed_in_a_row,
)
from facilitator.core.course_state import CourseState, Meeting, Step
from facilitator.core.errors import DomainError
from facilitator.core.state import RiskAction
from tests.course_factories import MEETINGS, create_command, enrolled, held, new_course
from tests.factories import T0

WEEK = 7 * 86400


def _carry(member_id: str, alert_id: str = "alert-1") -> cc.AlertToCarry:
    return cc.AlertToCarry(
        member_id, alert_id, "PHQ-9", "item 9: Thoughts", 2, 3, "More than half the days", T0
    )


def _full_course() -> tuple[CourseState, list[e.Event]]:
    """A course two meetings in, with something of every kind of event in its log."""
    state, log = enrolled("Ana", "Bo", "Cy")
    steps: list[tuple[cc.CourseCommand, ...]] = [
        (cc.PlanMeeting(T0 + 5, 3, T0 + 21 * 86400),),
        (cc.InviteCourseCoFacilitator(T0 + 6, "ben", True),),
        (cc.GrantSupervisor(T0 + 7, "sue"),),
        (cc.SetCourseLanguage(T0 + 7.5, "es", ("en", "es", "fr"), "asha"),),
        (cc.SetCourseSettings(T0 + 7.6, "MX", "America/Mexico_City", "asha"),),
        (cc.UpdatePlan(T0 + 8, "c-1", ("grief",), "Talk about mum", ("sister",), "asha"),),
        (cc.AddPlanNote(T0 + 9, "c-1", 0, "Lost her mother in spring", "asha"),),
    ]
    for commands in steps:
        for command in commands:
            log += handle(state, command)
    log += held(state, 0, {"c-1": "present", "c-2": "late", "c-3": "absent"}, T0 + 100)
    log += handle(state, cc.SetStep(T0 + 4000, "c-1", 0, "Call my sister on Sunday"))
    log += handle(state, cc.RecordMeasure(T0 + 4001, "c-1", 0, "phq-9", 14, "moderate"))
    log += handle(state, cc.OfferRelink(T0 + 4002, "c-2", "digest-1", T0 + 4900))
    log += handle(state, cc.Relink(T0 + 4003, "digest-1"))
    log += handle(state, cc.OpenMeeting(T0 + WEEK, 1, "s-1"))
    log += handle(state, cc.CloseMeeting(T0 + WEEK + 50, 1, (), (), (_carry("c-1"),)))
    log += handle(
        state, cc.RecordCourseRiskAction(T0 + WEEK + 55, "m1-alert-1", RiskAction.SPOKE, "", "ben")
    )
    log += handle(state, cc.ReviewStep(T0 + WEEK + 60, "c-1", 0, "partly"))
    log += handle(state, cc.Withdraw(T0 + WEEK + 90, "c-3"))
    log += handle(state, cc.RecordAttendance(T0 + WEEK + 99, 0, "c-3", "present", True, "ben"))
    log += handle(state, cc.RemoveCourseCoFacilitator(T0 + WEEK + 100, "ben"))
    log += handle(state, cc.RevokeSupervisor(T0 + WEEK + 101, "sue"))
    log += handle(state, cc.EraseMember(T0 + WEEK + 102, "c-2"))
    log.append(ce.CourseCommandRecorded("cmd-1", "asha"))
    apply(state, log[-1])
    return state, log


# -- creating ---------------------------------------------------------------------------


def test_a_new_course_has_its_meetings_and_no_members() -> None:
    state, log = new_course()
    assert [type(ev) for ev in log] == [ce.CourseCreated]
    assert (state.id, state.title, state.clinical_title, state.owner) == (
        "course-1",
        "Tuesday group",
        "Group IPT for depression",
        "asha",
    )
    assert [m.n for m in state.meetings] == [0, 1, 2, 3]
    assert (state.version, state.members, state.join_code) == (1, {}, "CCCCCDDDDD")


def test_folding_a_course_does_not_change_its_logged_meetings() -> None:
    state, log = new_course()
    handle(state, cc.OpenMeeting(T0, 1, "s-1"))
    assert isinstance(log[0], ce.CourseCreated)
    assert log[0].meetings == MEETINGS
    assert MEETINGS[1].session_id is None


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (replace(create_command(), meetings=()), "at least one meeting"),
        (replace(create_command(), meetings=(MEETINGS[0], MEETINGS[0])), "distinct numbers"),
        (replace(create_command(), title="  "), "title cannot be empty"),
        (
            replace(create_command(), meetings=(replace(MEETINGS[0], session_id="s-0"),)),
            "cannot have been held",
        ),
    ],
    ids=["no meetings", "repeated meeting", "blank title", "meeting held already"],
)
def test_a_course_that_cannot_be_is_refused(command: cc.CreateCourse, message: str) -> None:
    with pytest.raises(DomainError, match=message) as refused:
        create_course(command)
    assert refused.value.code == "invalid"


# -- refusals: one per illegal transition ------------------------------------------------


def _ana_bo() -> CourseState:
    return enrolled("Ana", "Bo")[0]


def _bo_withdrawn() -> CourseState:
    state = _ana_bo()
    handle(state, cc.Withdraw(T0 + 10, "c-2"))
    return state


def _meeting_1_open() -> CourseState:
    state = _ana_bo()
    handle(state, cc.OpenMeeting(T0 + 10, 1, "s-1"))
    return state


def _code_offered() -> CourseState:
    state = _ana_bo()
    handle(state, cc.OfferRelink(T0 + 10, "c-1", "digest-1", T0 + 900))
    return state


def _code_used() -> CourseState:
    state = _code_offered()
    handle(state, cc.Relink(T0 + 20, "digest-1"))
    return state


def _code_replaced() -> CourseState:
    state = _code_offered()
    handle(state, cc.OfferRelink(T0 + 30, "c-1", "digest-2", T0 + 900))
    return state


def _step_set() -> CourseState:
    state = _ana_bo()
    handle(state, cc.SetStep(T0 + 10, "c-1", 0, "Call my sister"))
    return state


def _alert_carried() -> CourseState:
    state = _meeting_1_open()
    handle(state, cc.CloseMeeting(T0 + 50, 1, (), (), (_carry("c-1"),)))
    return state


def _alert_acted() -> CourseState:
    state = _alert_carried()
    handle(state, cc.RecordCourseRiskAction(T0 + 60, "m1-alert-1", RiskAction.SPOKE, "", "ben"))
    return state


ILLEGAL: list[tuple[str, Callable[[], CourseState], cc.CourseCommand, str]] = [
    ("plan an unknown meeting", _ana_bo, cc.PlanMeeting(T0, 9, T0), "not_found"),
    ("open an unknown meeting", _ana_bo, cc.OpenMeeting(T0, 9, "s-9"), "not_found"),
    ("open a meeting twice", _meeting_1_open, cc.OpenMeeting(T0, 1, "s-x"), "conflict"),
    ("open with no session", _ana_bo, cc.OpenMeeting(T0, 1, " "), "invalid"),
    ("end an unknown meeting", _ana_bo, cc.EndMeeting(T0, 9), "not_found"),
    ("end a meeting never opened", _ana_bo, cc.EndMeeting(T0, 1), "illegal_state"),
    ("enroll a member id twice", _ana_bo, cc.Enroll(T0, "c-1", "Di", "Calm Fern"), "conflict"),
    ("enroll with a taken pseudonym", _ana_bo, cc.Enroll(T0, "c-9", None, "ana"), "conflict"),
    ("enroll with no name at all", _ana_bo, cc.Enroll(T0, "c-9", None, " "), "invalid"),
    ("withdraw an unknown member", _ana_bo, cc.Withdraw(T0, "c-9"), "not_found"),
    ("withdraw twice", _bo_withdrawn, cc.Withdraw(T0, "c-2"), "illegal_state"),
    ("offer a code to nobody", _ana_bo, cc.OfferRelink(T0, "c-9", "d", T0 + 9), "not_found"),
    (
        "offer a code to a withdrawn member",
        _bo_withdrawn,
        cc.OfferRelink(T0, "c-2", "d", T0 + 9),
        "illegal_state",
    ),
    ("offer an expired code", _ana_bo, cc.OfferRelink(T0, "c-1", "d", T0), "invalid"),
    (
        "offer a code in use",
        _code_offered,
        cc.OfferRelink(T0, "c-2", "digest-1", T0 + 9),
        "conflict",
    ),
    ("relink with an unknown code", _code_offered, cc.Relink(T0 + 20, "digest-9"), "not_found"),
    ("relink with an expired code", _code_offered, cc.Relink(T0 + 900, "digest-1"), "not_found"),
    ("relink with a used code", _code_used, cc.Relink(T0 + 30, "digest-1"), "not_found"),
    ("relink with a replaced code", _code_replaced, cc.Relink(T0 + 40, "digest-1"), "not_found"),
    (
        "attendance of an unknown meeting",
        _ana_bo,
        cc.RecordAttendance(T0, 9, "c-1", "present", True, "asha"),
        "not_found",
    ),
    (
        "attendance of an unknown member",
        _ana_bo,
        cc.RecordAttendance(T0, 1, "c-9", "present", True, "asha"),
        "not_found",
    ),
    (
        "attendance with a bad status",
        _ana_bo,
        cc.RecordAttendance(T0, 1, "c-1", "sick", True, "asha"),
        "invalid",
    ),
    (
        "a plan with a bad area",
        _ana_bo,
        cc.UpdatePlan(T0, "c-1", ("grief", "money"), "", (), "asha"),
        "invalid",
    ),
    ("a plan of nobody", _ana_bo, cc.UpdatePlan(T0, "c-9", (), "", (), "asha"), "not_found"),
    ("an empty plan note", _ana_bo, cc.AddPlanNote(T0, "c-1", 1, "  ", "asha"), "invalid"),
    ("a note at no meeting", _ana_bo, cc.AddPlanNote(T0, "c-1", 9, "x", "asha"), "not_found"),
    ("a note on nobody", _ana_bo, cc.AddPlanNote(T0, "c-9", 1, "x", "asha"), "not_found"),
    ("an empty step", _ana_bo, cc.SetStep(T0, "c-1", 1, " \n "), "invalid"),
    ("a step too long", _ana_bo, cc.SetStep(T0, "c-1", 1, "x" * 501), "invalid"),
    ("a step at no meeting", _ana_bo, cc.SetStep(T0, "c-1", 9, "Walk"), "not_found"),
    ("a step of nobody", _ana_bo, cc.SetStep(T0, "c-9", 1, "Walk"), "not_found"),
    ("a step after withdrawing", _bo_withdrawn, cc.SetStep(T0, "c-2", 1, "Walk"), "illegal_state"),
    ("review a step never set", _step_set, cc.ReviewStep(T0, "c-2", 0, "yes"), "not_found"),
    ("review at another meeting", _step_set, cc.ReviewStep(T0, "c-1", 1, "yes"), "not_found"),
    ("review with a bad answer", _step_set, cc.ReviewStep(T0, "c-1", 0, "maybe"), "invalid"),
    (
        "a measure of nobody",
        _ana_bo,
        cc.RecordMeasure(T0, "c-9", 1, "phq-9", 3, "minimal"),
        "not_found",
    ),
    (
        "a measure at no meeting",
        _ana_bo,
        cc.RecordMeasure(T0, "c-1", 9, "phq-9", 3, "minimal"),
        "not_found",
    ),
    (
        "a measure that is no number",
        _ana_bo,
        cc.RecordMeasure(T0, "c-1", 1, "phq-9", "3", "minimal"),  # type: ignore[arg-type]
        "invalid",
    ),
    ("invite the owner", _ana_bo, cc.InviteCourseCoFacilitator(T0, "asha", True), "invalid"),
    ("remove a stranger", _ana_bo, cc.RemoveCourseCoFacilitator(T0, "ben"), "not_found"),
    ("grant the owner", _ana_bo, cc.GrantSupervisor(T0, "asha"), "invalid"),
    ("grant nobody", _ana_bo, cc.GrantSupervisor(T0, " "), "invalid"),
    ("revoke a stranger", _ana_bo, cc.RevokeSupervisor(T0, "sue"), "not_found"),
    ("a command of no kind", _ana_bo, cc.CourseCommand(T0), "invalid"),
    (
        "act on an unknown alert",
        _alert_carried,
        cc.RecordCourseRiskAction(T0, "m1-alert-9", RiskAction.SPOKE),
        "not_found",
    ),
    (
        "act on an alert twice",
        _alert_acted,
        cc.RecordCourseRiskAction(T0, "m1-alert-1", RiskAction.REFERRED),
        "illegal_state",
    ),
    (
        "act 'other' with no note",
        _alert_carried,
        cc.RecordCourseRiskAction(T0, "m1-alert-1", RiskAction.OTHER, "  "),
        "invalid",
    ),
]


@pytest.mark.parametrize(
    ("build", "command", "code"),
    [case[1:] for case in ILLEGAL],
    ids=[case[0] for case in ILLEGAL],
)
def test_an_illegal_command_is_refused_and_changes_nothing(
    build: Callable[[], CourseState], command: cc.CourseCommand, code: str
) -> None:
    state = build()
    before = course_state_to_dict(state)
    with pytest.raises(DomainError) as refused:
        decide(state, command)
    assert refused.value.code == code
    assert course_state_to_dict(state) == before


# -- what is allowed, and what it records -----------------------------------------------


def test_a_taken_name_enrolls_under_the_pseudonym() -> None:
    state = _ana_bo()
    events = handle(state, cc.Enroll(T0 + 10, "c-3", " ANA ", "Calm Heron"))
    assert events == [ce.MemberEnrolled("c-3", "Calm Heron", False, T0 + 10)]
    assert state.members["c-3"].chose_name is False


def test_a_withdrawn_member_s_name_is_free_again() -> None:
    state = _bo_withdrawn()
    handle(state, cc.Enroll(T0 + 20, "c-3", "Bo", "Calm Heron"))
    assert (state.members["c-3"].name, state.members["c-3"].chose_name) == ("Bo", True)


def test_relinking_raises_the_generation_and_uses_the_code_up() -> None:
    state = _code_offered()
    assert state.members["c-1"].generation == 0
    events = handle(state, cc.Relink(T0 + 20, "digest-1"))
    assert events == [ce.MemberRelinked("c-1", 1, T0 + 20)]
    assert (state.members["c-1"].generation, state.relink) == (1, {})
    handle(state, cc.OfferRelink(T0 + 30, "c-1", "digest-2", T0 + 900))
    handle(state, cc.Relink(T0 + 40, "digest-2"))
    assert state.members["c-1"].generation == 2


def test_withdrawing_voids_the_member_s_relink_code() -> None:
    state = _code_offered()
    handle(state, cc.Withdraw(T0 + 20, "c-1"))
    assert state.relink == {}


def test_ending_a_meeting_twice_changes_nothing() -> None:
    state = _meeting_1_open()
    handle(state, cc.EndMeeting(T0 + 20, 1))
    assert decide(state, cc.EndMeeting(T0 + 30, 1)) == []
    assert state.meetings[1].ended_at == T0 + 20


def test_a_correction_stands_over_the_recording_at_the_meeting_s_end() -> None:
    state = _meeting_1_open()
    handle(state, cc.RecordAttendance(T0 + 20, 1, "c-1", "late", True, "asha"))
    assert decide(state, cc.RecordAttendance(T0 + 30, 1, "c-1", "absent", False, "")) == []
    handle(state, cc.RecordAttendance(T0 + 40, 1, "c-1", "present", True, "ben"))
    assert (state.attendance[1], state.attendance_corrected[1]) == (
        {"c-1": "present"},
        {"c-1": True},
    )


def test_a_second_step_at_one_meeting_replaces_the_first() -> None:
    state = _step_set()
    handle(state, cc.ReviewStep(T0 + 20, "c-1", 0, "yes"))
    handle(state, cc.SetStep(T0 + 30, "c-1", 0, "Walk with Bo"))
    assert state.steps[0]["c-1"] == Step("Walk with Bo", T0 + 30)


def test_a_step_of_exactly_the_longest_length_is_kept() -> None:
    state = _ana_bo()
    handle(state, cc.SetStep(T0, "c-1", 1, "x" * 500))
    assert state.steps[1]["c-1"].text == "x" * 500


def test_a_plan_keeps_its_notes_when_it_changes() -> None:
    state = _ana_bo()
    handle(state, cc.AddPlanNote(T0, "c-1", 0, "First note", "asha"))
    events = handle(
        state,
        cc.UpdatePlan(T0 + 1, "c-1", ("grief", "grief", "isolation"), " Goal ", (" mum ", ""), "b"),
    )
    assert events == [ce.PlanUpdated("c-1", ("grief", "isolation"), "Goal", ("mum",), "b", T0 + 1)]
    plan = state.plans["c-1"]
    assert (plan.areas, plan.goal, plan.key_people, len(plan.notes)) == (
        ["grief", "isolation"],
        "Goal",
        ["mum"],
        1,
    )


def test_access_grants_repeat_without_new_events() -> None:
    state = _ana_bo()
    handle(state, cc.InviteCourseCoFacilitator(T0, "ben", False))
    handle(state, cc.GrantSupervisor(T0, "sue"))
    assert decide(state, cc.InviteCourseCoFacilitator(T0, "ben", False)) == []
    assert decide(state, cc.GrantSupervisor(T0, "sue")) == []
    handle(state, cc.InviteCourseCoFacilitator(T0, "ben", True))
    assert (state.co_facilitators, state.supervisors) == ({"ben": True}, ["sue"])


def test_a_recorded_command_is_known_with_the_version_its_append_reached() -> None:
    state = _ana_bo()
    events = [*decide(state, cc.Withdraw(T0, "c-2")), ce.CourseCommandRecorded("cmd-1", "asha")]
    for event in events:
        apply(state, event)
    assert applied(state, "cmd-1") == state.version
    assert applied(state, "cmd-2") is None


# -- events in the log ----------------------------------------------------------------


def test_course_events_are_private_and_named_apart_from_session_events() -> None:
    assert not set(ce.COURSE_EVENT_TYPES) & set(e.EVENT_TYPES)
    for name, kind in ce.COURSE_EVENT_TYPES.items():
        assert name.startswith("course_")
        assert kind.public is False and kind.ballot is False


def test_every_event_round_trips_through_json_and_the_log_folds_again() -> None:
    state, log = _full_course()
    assert {type(ev) for ev in log} == set(ce.COURSE_EVENT_TYPES.values())
    stored = [event_from_dict(json.loads(json.dumps(event_to_dict(ev)))) for ev in log]
    assert stored == log
    assert course_state_to_dict(fold(stored)) == course_state_to_dict(state)


def test_a_snapshot_round_trips_and_goes_on_like_the_live_state() -> None:
    state, _ = _full_course()
    restored = course_state_from_dict(json.loads(json.dumps(course_state_to_dict(state))))
    assert restored == state
    assert list(restored.attendance) == [0]  # meeting numbers come back as numbers
    for copy in (state, restored):
        handle(copy, cc.ReviewStep(T0 + WEEK + 200, "c-1", 0, "yes"))
        handle(copy, cc.RecordMeasure(T0 + WEEK + 201, "c-1", 1, "mood", 6, ""))
    assert restored == state


def test_a_course_log_must_begin_with_course_created() -> None:
    with pytest.raises(DomainError, match="must begin with course_created") as refused:
        fold([ce.MeetingEnded(1, T0)])
    assert refused.value.code == "corrupt"


# -- derived ---------------------------------------------------------------------------


def _attended(*statuses: str) -> CourseState:
    """A course whose member "c-1" had `statuses` at its first meetings, in order."""
    state, _ = enrolled("Ana")
    for n, status in enumerate(statuses):
        held(state, n, {"c-1": status}, T0 + n * WEEK)
    return state


@pytest.mark.parametrize(
    ("statuses", "missed"),
    [
        ((), 0),
        (("absent",), 1),
        (("present", "absent", "absent"), 2),
        (("absent", "absent", "late"), 0),
        (("absent", "late", "absent"), 1),
        (("absent", "absent", "absent"), 3),
        (("present", "left_early", "absent"), 1),
        (("absent", "absent", "left_early", "absent"), 1),
    ],
)
def test_missed_in_a_row_counts_absences_back_from_the_last_ended_meeting(
    statuses: tuple[str, ...], missed: int
) -> None:
    assert missed_in_a_row(_attended(*statuses), "c-1") == missed


def test_missed_in_a_row_skips_a_meeting_under_way_and_stops_before_enrolment() -> None:
    state = _attended("absent", "absent")
    handle(state, cc.OpenMeeting(T0 + 3 * WEEK, 2, "s-2"))  # open, not ended: not counted
    assert missed_in_a_row(state, "c-1") == 2
    handle(state, cc.Enroll(T0 + 3 * WEEK, "c-2", "Bo", "Calm Fern"))
    assert missed_in_a_row(state, "c-2") == 0  # no record of the meetings before joining
    assert missed_in_a_row(state, "c-9") == 0


def test_last_step_is_the_newest_set_before_the_meeting() -> None:
    state = _ana_bo()
    assert last_step(state, "c-1", 3) is None
    handle(state, cc.SetStep(T0 + 1, "c-1", 0, "Call my sister"))
    handle(state, cc.SetStep(T0 + 2, "c-1", 2, "Walk with Bo"))
    assert last_step(state, "c-1", 0) is None
    assert last_step(state, "c-1", 1) == (0, Step("Call my sister", T0 + 1))
    assert last_step(state, "c-1", 2) == (0, Step("Call my sister", T0 + 1))
    assert last_step(state, "c-1", 3) == (2, Step("Walk with Bo", T0 + 2))
    assert last_step(state, "c-2", 3) is None


def test_meeting_lookup() -> None:
    state, _ = new_course()
    assert state.meeting(2) == Meeting(2, 2, "middle", "Working on your area", T0 + 14 * 86400)
    assert state.meeting(7) is None


# -- random sequences --------------------------------------------------------------------

MEMBER_IDS = st.sampled_from(["c-1", "c-2", "c-3"])
NUMBERS = st.integers(-1, 4)
USERS = st.sampled_from(["asha", "ben", "sue"])


def _strategies() -> st.SearchStrategy[cc.CourseCommand]:
    # Every command is drawn at 0 and timed when the sequence is run.
    at = st.just(0.0)
    return st.one_of(
        st.builds(cc.PlanMeeting, at, NUMBERS, st.one_of(st.none(), st.just(T0))),
        st.builds(cc.OpenMeeting, at, NUMBERS, st.sampled_from(["s-a", "s-b", ""])),
        st.builds(cc.EndMeeting, at, NUMBERS),
        st.builds(
            cc.Enroll,
            at,
            MEMBER_IDS,
            st.sampled_from([None, "Ana", "ana", " "]),
            st.sampled_from(["Calm Heron", "Bright Fern"]),
        ),
        st.builds(cc.Withdraw, at, MEMBER_IDS),
        st.builds(
            cc.OfferRelink,
            at,
            MEMBER_IDS,
            st.sampled_from(["d-1", "d-2"]),
            st.sampled_from([T0 - 1, T0 + 50, T0 + 500]),
        ),
        st.builds(cc.Relink, at, st.sampled_from(["d-1", "d-2", "d-9"])),
        st.builds(
            cc.RecordAttendance,
            at,
            NUMBERS,
            MEMBER_IDS,
            st.sampled_from(["present", "late", "left_early", "absent", "gone"]),
            st.booleans(),
            USERS,
        ),
        st.builds(
            cc.UpdatePlan,
            at,
            MEMBER_IDS,
            st.lists(st.sampled_from(["grief", "disputes", "money"]), max_size=3).map(tuple),
            st.text(max_size=5),
            st.lists(st.text(max_size=3), max_size=2).map(tuple),
            USERS,
        ),
        st.builds(cc.AddPlanNote, at, MEMBER_IDS, NUMBERS, st.text(max_size=5), USERS),
        st.builds(cc.SetStep, at, MEMBER_IDS, NUMBERS, st.text(max_size=5)),
        st.builds(cc.ReviewStep, at, MEMBER_IDS, NUMBERS, st.sampled_from(["yes", "no", "?"])),
        st.builds(
            cc.RecordMeasure,
            at,
            MEMBER_IDS,
            NUMBERS,
            st.sampled_from(["phq-9", "mood", ""]),
            st.integers(0, 27),
            st.just("band"),
        ),
        st.builds(cc.InviteCourseCoFacilitator, at, USERS, st.booleans()),
        st.builds(cc.RemoveCourseCoFacilitator, at, USERS),
        st.builds(cc.GrantSupervisor, at, USERS),
        st.builds(cc.RevokeSupervisor, at, USERS),
    )


COURSE_COMMANDS = st.lists(_strategies(), min_size=10, max_size=40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commands=COURSE_COMMANDS)
def test_random_commands_apply_or_are_refused_cleanly_and_the_log_replays(
    commands: list[cc.CourseCommand],
) -> None:
    state, log = enrolled("Ana", "Bo")
    for n, command in enumerate(commands, start=1):
        command = replace(command, at=T0 + 10.0 * n)
        before = course_state_to_dict(state)
        try:
            events = decide(state, command)
        except DomainError:
            assert course_state_to_dict(state) == before, f"{command} changed state and raised"
            continue
        for event in events:
            assert isinstance(event, ce.CourseEvent)
            apply(state, event)
        log += events
        assert state.version == len(log)
    stored = [event_from_dict(json.loads(json.dumps(event_to_dict(ev)))) for ev in log]
    assert fold(stored) == state
    assert course_state_from_dict(json.loads(json.dumps(course_state_to_dict(state)))) == state


# -- risk alerts carried across meetings ------------------------------------------------


def test_an_open_alert_is_carried_when_its_meeting_closes_and_stays_open() -> None:
    state = _meeting_1_open()
    events = handle(state, cc.CloseMeeting(T0 + 50, 1, (), (), (_carry("c-1"),)))
    carried = [ev for ev in events if isinstance(ev, ce.RiskAlertCarried)]
    assert carried == [
        ce.RiskAlertCarried(
            "m1-alert-1",
            "c-1",
            1,
            "alert-1",
            "PHQ-9",
            "item 9: Thoughts",
            2,
            3,
            "More than half the days",
            T0,
            T0 + 50,
        )
    ]
    (alert,) = state.risk_alerts
    assert (alert.id, alert.member_id, alert.n, alert.open) == ("m1-alert-1", "c-1", 1, True)


def test_a_closing_heard_again_carries_nothing_twice_and_a_guests_alert_stays_behind() -> None:
    state = _alert_carried()
    again = cc.CloseMeeting(T0 + 70, 1, (), (), (_carry("c-1"), _carry("g-guest", "alert-2")))
    assert not [ev for ev in handle(state, again) if isinstance(ev, ce.RiskAlertCarried)]
    assert [a.id for a in state.risk_alerts] == ["m1-alert-1"]


def test_recording_what_was_done_closes_the_carried_alert() -> None:
    state = _alert_carried()
    events = handle(
        state,
        cc.RecordCourseRiskAction(T0 + 60, "m1-alert-1", RiskAction.OTHER, " called ", "ben"),
    )
    assert events == [
        ce.CourseRiskActionRecorded("m1-alert-1", RiskAction.OTHER, "called", T0 + 60, "ben")
    ]
    (alert,) = state.risk_alerts
    assert (alert.open, alert.action, alert.note, alert.acted_by) == (
        False,
        RiskAction.OTHER,
        "called",
        "ben",
    )


def test_an_action_is_recorded_for_a_member_who_withdrew() -> None:
    state = _alert_carried()
    handle(state, cc.Withdraw(T0 + 55, "c-1"))
    handle(state, cc.RecordCourseRiskAction(T0 + 60, "m1-alert-1", RiskAction.REFERRED, "", "b"))
    assert not state.risk_alerts[0].open


def test_erasing_a_member_takes_their_carried_alerts() -> None:
    state = _alert_acted()
    handle(state, cc.EraseMember(T0 + 70, "c-1"))
    assert state.risk_alerts == []


def test_a_course_language_not_offered_is_refused_and_one_offered_is_kept() -> None:
    state, _ = new_course()
    with pytest.raises(DomainError) as refused:
        handle(state, cc.SetCourseLanguage(T0 + 1, "de", ("en", "es"), "asha"))
    assert refused.value.code == "invalid"
    assert str(refused.value) == "This protocol is not offered in de; choose one of en, es."
    assert handle(state, cc.SetCourseLanguage(T0 + 2, "es", ("en", "es"), "asha"))
    assert state.language == "es"
    assert handle(state, cc.SetCourseLanguage(T0 + 3, "es", ("en", "es"), "asha")) == []
