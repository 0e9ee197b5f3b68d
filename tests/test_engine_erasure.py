"""Consent recorded at joining, and erasing a member: the commands, and the log rewritten."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from facilitator.core import commands as c
from facilitator.core import course_commands as cc
from facilitator.core import course_events as ce
from facilitator.core import events as e
from facilitator.core.codec import (
    course_state_to_dict,
    event_from_dict,
    event_to_dict,
    state_to_dict,
)
from facilitator.core.course import fold as course_fold
from facilitator.core.course import handle as course_handle
from facilitator.core.engine import create, fold, handle
from facilitator.core.erasure import replacements
from facilitator.core.errors import DomainError
from facilitator.core.spec import PollSpec
from facilitator.core.state import ERASED_NAME, RiskAction, SessionState
from tests.course_factories import enrolled, held
from tests.factories import AGENDA, MOOD, RISKY, T0, WORDS, answer_all, new_session

NAMED_WORDS = replace(WORDS, id="named_word", anonymous=False)

# -- consent ----------------------------------------------------------------------------


def test_a_join_records_when_the_member_agreed_and_to_which_text() -> None:
    state = new_session()
    events = handle(state, c.Join(T0 + 1, "p1", "Amina", "x", T0 + 1, "v-1"))
    assert events == [e.ParticipantJoined("p1", "Amina", True, T0 + 1, T0 + 1, "v-1")]
    member = state.participants["p1"]
    assert (member.consented_at, member.consent_version) == (T0 + 1, "v-1")


def test_a_join_logged_by_an_older_release_reads_as_not_asked() -> None:
    older = {"type": "participant_joined", "participant_id": "p1", "display_name": "Sam"}
    event = event_from_dict({**older, "chose_name": True, "at": T0})
    assert isinstance(event, e.ParticipantJoined)
    assert (event.consented_at, event.consent_version) == (None, "")


def test_an_enrolment_records_when_the_member_agreed_and_to_which_text() -> None:
    state, _ = enrolled()
    events = course_handle(state, cc.Enroll(T0 + 1, "c-1", "Ana", "x", T0 + 1, "v-1"))
    assert events == [ce.MemberEnrolled("c-1", "Ana", True, T0 + 1, T0 + 1, "v-1")]
    assert state.members["c-1"].consented_at == T0 + 1


# -- erasing a member of a session ------------------------------------------------------


def _answered() -> tuple[SessionState, list[e.Event]]:
    """Three members: a named poll, an anonymous poll and a risk item answered; a log."""
    state = new_session()
    log: list[e.Event] = list(fold_log(state))
    for n in (1, 2, 3):
        log += handle(state, c.Join(T0 + n, f"p{n}", f"Name {n}", "x", T0 + n, "v"))
    log += handle(state, c.Start(T0 + 100))
    polls: list[tuple[PollSpec, list[object]]] = [
        (NAMED_WORDS, ["pear-1", "pear-2", "pear-3"]),
        (MOOD, [3, 4, 5]),
    ]
    for spec, values in polls:
        log += handle(state, c.OpenPoll(T0 + 150, spec))
        poll_id = state.open_poll or ""
        log += answer_all(state, poll_id, values)
        log += handle(state, c.ClosePoll(T0 + 300, poll_id))
    log += handle(state, c.OpenPoll(T0 + 400, RISKY))
    log += handle(state, c.SubmitAnswer(T0 + 401, "p1", "a-r", "poll-3", [1, 2]))
    return state, log


def fold_log(state: SessionState) -> list[e.Event]:
    # The session_created event new_session folded, rebuilt from the state.
    return [
        e.SessionCreated(
            state.id,
            state.protocol_id,
            state.protocol_version,
            state.session_number,
            state.title,
            tuple(state.agenda),
            state.created_at,
        )
    ]


def test_erasing_a_member_here_removes_them_and_their_named_answers_and_keeps_the_rest() -> None:
    state, _ = _answered()
    assert state.risk_alerts
    events = handle(state, c.EraseParticipant(T0 + 500, "p1"))
    assert events == [e.ParticipantLeft("p1", True, T0 + 500), e.ParticipantErased("p1", T0 + 500)]
    member = state.participants["p1"]
    assert (member.name, member.erased, member.present) == (ERASED_NAME, True, False)
    named, mood, risky = state.polls["poll-1"], state.polls["poll-2"], state.polls["poll-3"]
    assert named.answers == {"p2": "pear-2", "p3": "pear-3"}
    assert "p1" not in risky.answers and not state.risk_alerts
    # The anonymous poll is as it was: its count and its answers, no one's.
    assert (mood.count, sorted(mood.ballots)) == (3, [3, 4, 5])


def test_a_member_who_left_is_erased_without_leaving_again() -> None:
    state = new_session(2)
    handle(state, c.Leave(T0 + 5, "p1"))
    assert handle(state, c.EraseParticipant(T0 + 6, "p1")) == [e.ParticipantErased("p1", T0 + 6)]


def test_erasing_a_member_the_session_never_had_is_refused() -> None:
    state = new_session(1)
    with pytest.raises(DomainError, match=r"This member is not in this session\.") as refused:
        handle(state, c.EraseParticipant(T0 + 5, "p9"))
    assert refused.value.code == "not_found"


def test_erasing_a_member_twice_is_refused() -> None:
    state = new_session(1)
    handle(state, c.EraseParticipant(T0 + 5, "p1"))
    with pytest.raises(DomainError, match="erased already") as refused:
        handle(state, c.EraseParticipant(T0 + 6, "p1"))
    assert refused.value.code == "illegal_state"


def test_an_erased_member_cannot_answer_or_signal() -> None:
    state, _ = _answered()
    handle(state, c.EraseParticipant(T0 + 500, "p1"))
    with pytest.raises(DomainError, match="has left"):
        handle(state, c.SubmitAnswer(T0 + 501, "p1", "a-again", "poll-3", [0, 0]))


def test_the_rewritten_log_holds_nothing_of_the_erased_member_and_folds_to_the_same_state() -> None:
    state, log = _answered()
    log += handle(state, c.EraseParticipant(T0 + 500, "p1"))
    logged = list(enumerate(log, start=1))
    rewritten = dict(logged) | replacements(logged, "p1")
    text = json.dumps([event_to_dict(ev) for ev in rewritten.values()])
    assert "Name 1" not in text and "pear-1" not in text and "risk_flagged" not in text
    assert "Name 2" in text and "pear-2" in text  # the others' stay
    # Versions stay where they were, and a fresh fold meets the cached state.
    assert sorted(rewritten) == [v for v, _ in logged]
    assert state_to_dict(fold(rewritten[v] for v in sorted(rewritten))) == state_to_dict(state)


def test_what_was_done_about_an_erased_members_risk_alert_goes_with_the_alert() -> None:
    state, log = _answered()
    (alert,) = state.risk_alerts
    note = "Called her sister, who came to collect her"
    log += handle(state, c.RecordRiskAction(T0 + 450, alert.id, RiskAction.OTHER, note, "asha"))
    log += handle(state, c.EraseParticipant(T0 + 500, "p1"))
    logged = list(enumerate(log, start=1))
    rewritten = dict(logged) | replacements(logged, "p1")
    assert note not in json.dumps([event_to_dict(ev) for ev in rewritten.values()])
    # The rewritten log folds (no action left pointing at an alert that is gone).
    assert state_to_dict(fold(rewritten[v] for v in sorted(rewritten))) == state_to_dict(state)


def test_an_erased_members_pre_group_decision_and_its_note_go() -> None:
    command = c.CreateSession(T0, "s0", "group-ipt-8", 1, 0, "Before the group", AGENDA)
    state, log = create(command)
    log = list(log)
    log += handle(state, c.Join(T0 + 1, "p1", "Name 1", "x", T0 + 1, "v"))
    note = "Referred to the trauma clinic on Elm Street"
    log += handle(state, c.RecordDecision(T0 + 2, "p1", "refer", note, "asha"))
    log += handle(state, c.EraseParticipant(T0 + 3, "p1"))
    assert state.decisions == {}
    logged = list(enumerate(log, start=1))
    rewritten = dict(logged) | replacements(logged, "p1")
    assert note not in json.dumps([event_to_dict(ev) for ev in rewritten.values()])
    assert state_to_dict(fold(rewritten[v] for v in sorted(rewritten))) == state_to_dict(state)


# -- erasing a member of a course -------------------------------------------------------


def test_erasing_a_course_member_withdraws_them_and_removes_plan_notes_steps_and_scores() -> None:
    state, log = enrolled("Ana", "Bo")
    log += course_handle(state, cc.UpdatePlan(T0 + 5, "c-1", ("grief",), "goal", ("mum",), "x"))
    log += course_handle(state, cc.AddPlanNote(T0 + 6, "c-1", 0, "a note", "asha"))
    log += held(state, 0, {"c-1": "present", "c-2": "present"}, T0 + 10)
    log += course_handle(state, cc.SetStep(T0 + 7000, "c-1", 0, "call my sister"))
    log += course_handle(state, cc.RecordMeasure(T0 + 7001, "c-1", 0, "phq-9", 14, "moderate"))
    log += course_handle(state, cc.RecordMeasure(T0 + 7002, "c-2", 0, "phq-9", 5, "mild"))
    events = course_handle(state, cc.EraseMember(T0 + 8000, "c-1"))
    log += events
    assert events == [ce.MemberWithdrawn("c-1", T0 + 8000), ce.MemberErased("c-1", T0 + 8000)]
    member = state.members["c-1"]
    assert (member.name, member.erased, member.withdrawn) == (ERASED_NAME, True, True)
    assert "c-1" not in state.plans and "c-1" not in state.measures
    assert "c-1" not in state.steps.get(0, {})
    assert state.attendance[0]["c-1"] == "present"  # the count of who came stays
    assert state.measures["c-2"][0]["phq-9"].score == 5

    logged = list(enumerate(log, start=1))
    rewritten = dict(logged) | replacements(logged, "c-1")
    text = json.dumps([event_to_dict(ev) for ev in rewritten.values()])
    for secret in ("Ana", "goal", "mum", "a note", "call my sister", "moderate"):
        assert secret not in text
    again = course_fold(rewritten[v] for v in sorted(rewritten))
    assert course_state_to_dict(again) == course_state_to_dict(state)


def test_erasing_a_withdrawn_member_withdraws_them_no_more() -> None:
    state, _ = enrolled("Ana")
    course_handle(state, cc.Withdraw(T0 + 5, "c-1"))
    assert course_handle(state, cc.EraseMember(T0 + 6, "c-1")) == [ce.MemberErased("c-1", T0 + 6)]


def test_erasing_a_member_the_course_never_had_is_refused() -> None:
    state, _ = enrolled("Ana")
    with pytest.raises(DomainError, match=r"This member is not in this course\.") as refused:
        course_handle(state, cc.EraseMember(T0 + 5, "c-9"))
    assert refused.value.code == "not_found"


def test_erasing_a_course_member_twice_is_refused() -> None:
    state, _ = enrolled("Ana")
    course_handle(state, cc.EraseMember(T0 + 5, "c-1"))
    with pytest.raises(DomainError, match="erased already") as refused:
        course_handle(state, cc.EraseMember(T0 + 6, "c-1"))
    assert refused.value.code == "illegal_state"


def test_an_erased_course_member_sets_no_step_and_gets_no_relink_code() -> None:
    state, _ = enrolled("Ana")
    course_handle(state, cc.EraseMember(T0 + 5, "c-1"))
    with pytest.raises(DomainError, match="has left the course") as refused:
        course_handle(state, cc.SetStep(T0 + 6, "c-1", 0, "a step"))
    assert refused.value.code == "illegal_state"
    with pytest.raises(DomainError, match="has left the course"):
        course_handle(state, cc.OfferRelink(T0 + 7, "c-1", "digest", T0 + 900))


def test_an_erased_course_members_carried_alerts_and_what_was_done_go() -> None:
    state, log = enrolled("Ana", "Bo")
    log += course_handle(state, cc.OpenMeeting(T0 + 10, 1, "s-1"))
    carried = [
        cc.AlertToCarry(pid, aid, "PHQ-9", "item 9: Thoughts", 2, 3, "More than half", T0)
        for pid, aid in (("c-1", "alert-1"), ("c-2", "alert-2"))
    ]
    log += course_handle(state, cc.CloseMeeting(T0 + 20, 1, (), (), tuple(carried)))
    note = "Drove her to the clinic on Elm Street"
    log += course_handle(
        state, cc.RecordCourseRiskAction(T0 + 30, "m1-alert-1", RiskAction.OTHER, note, "asha")
    )
    log += course_handle(state, cc.EraseMember(T0 + 40, "c-1"))
    assert [a.member_id for a in state.risk_alerts] == ["c-2"]
    logged = list(enumerate(log, start=1))
    rewritten = dict(logged) | replacements(logged, "c-1")
    text = json.dumps([event_to_dict(ev) for ev in rewritten.values()])
    assert note not in text
    kept = [ev for ev in rewritten.values() if isinstance(ev, ce.RiskAlertCarried)]
    assert [ev.member_id for ev in kept] == ["c-2"]
    again = course_fold(rewritten[v] for v in sorted(rewritten))
    assert course_state_to_dict(again) == course_state_to_dict(state)


def test_an_erased_members_language_goes_and_the_rewritten_log_folds_the_same() -> None:
    state = new_session()
    log: list[e.Event] = list(fold_log(state))
    log += handle(state, c.Join(T0 + 1, "p1", "Name 1", "x", T0 + 1, "v", "fr"))
    log += handle(state, c.Join(T0 + 2, "p2", "Name 2", "y", T0 + 2, "v", "fr"))
    log += handle(state, c.SetMemberLanguage(T0 + 3, "p1", "es", ("en", "es", "fr")))
    log += handle(state, c.EraseParticipant(T0 + 4, "p1"))
    assert state.participants["p1"].language == ""
    logged = list(enumerate(log, start=1))
    rewritten = dict(logged) | replacements(logged, "p1")
    kept = [event_to_dict(ev) for ev in rewritten.values()]
    assert not any(ev["type"] == "member_language_set" for ev in kept)
    assert [ev.get("language") for ev in kept if ev["type"] == "participant_joined"] == ["", "fr"]
    assert state_to_dict(fold(rewritten[v] for v in sorted(rewritten))) == state_to_dict(state)
