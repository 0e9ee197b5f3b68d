"""Polls: open, answer, close, reveal; anonymity, thresholds, risk items, retries."""

from __future__ import annotations

from dataclasses import replace

import pytest

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.engine import handle
from facilitator.core.errors import DomainError
from facilitator.core.spec import PollType
from facilitator.core.state import PollPhase, poll_answer_summary
from tests.factories import MOOD, NAMED, ORDER, PICK, RISKY, T0, WORDS, answer_all, new_session


def _with_poll(spec=MOOD, members=4):
    state = new_session(members, start=True)
    handle(state, c.OpenPoll(T0 + 150, spec))
    return state


def test_open_poll_numbers_polls_and_ties_them_to_the_step() -> None:
    state = _with_poll()
    poll = state.polls["poll-1"]
    assert (poll.phase, poll.step, state.open_poll) == (PollPhase.OPEN, 0, "poll-1")


def test_anonymous_answer_event_carries_no_participant_reference() -> None:
    state = _with_poll()
    events = handle(state, c.SubmitAnswer(T0 + 151, "p1", "act-1", "poll-1", 7))
    vote, ballot = events
    assert vote == e.AnonymousVoteCounted("poll-1", "p1", "act-1", T0 + 151)
    assert ballot == e.BallotCast("poll-1", 7)
    assert set(vars(ballot)) == {"poll_id", "value"}


def test_ballots_are_kept_in_value_order_not_arrival_order() -> None:
    state = _with_poll()
    answer_all(state, "poll-1", [9, 2, 5, 2])
    assert state.polls["poll-1"].ballots == [2, 2, 5, 9]
    assert state.polls["poll-1"].voters == ["p1", "p2", "p3", "p4"]


def test_named_answer_is_recorded_against_the_member() -> None:
    state = _with_poll(NAMED)
    events = answer_all(state, "poll-1", [0, 2])
    assert events == [
        e.NamedAnswerRecorded("poll-1", "p1", "a-poll-1-1", 0, T0 + 201),
        e.NamedAnswerRecorded("poll-1", "p2", "a-poll-1-2", 2, T0 + 202),
    ]
    assert state.polls["poll-1"].answers == {"p1": 0, "p2": 2}


def test_a_retried_answer_is_counted_once() -> None:
    state = _with_poll()
    first = handle(state, c.SubmitAnswer(T0, "p1", "act-1", "poll-1", 7))
    again = handle(state, c.SubmitAnswer(T0 + 1, "p1", "act-1", "poll-1", 7))
    assert len(first) == 2 and again == []
    assert state.polls["poll-1"].count == 1


def test_a_retry_after_the_poll_closed_is_still_a_no_op() -> None:
    state = _with_poll()
    handle(state, c.SubmitAnswer(T0, "p1", "act-1", "poll-1", 7))
    handle(state, c.ClosePoll(T0 + 1, "poll-1"))
    assert handle(state, c.SubmitAnswer(T0 + 2, "p1", "act-1", "poll-1", 7)) == []


def test_close_then_reveal_at_the_threshold() -> None:
    state = _with_poll()
    answer_all(state, "poll-1", [3, 4, 5])
    closed = handle(state, c.ClosePoll(T0 + 300, "poll-1"))
    assert closed == [e.PollClosed("poll-1", (3, 4, 5), T0 + 300)]
    handle(state, c.RevealPoll(T0 + 301, "poll-1"))
    poll = state.polls["poll-1"]
    assert poll.phase is PollPhase.REVEALED
    summary = poll_answer_summary(poll)
    assert summary["count"] == 3 and summary["mean"] == 4.0
    assert summary["counts"]["3"] == 1 and summary["counts"]["0"] == 0


def test_closing_below_the_threshold_drops_the_answers_and_keeps_the_count() -> None:
    state = _with_poll()
    answer_all(state, "poll-1", [9, 2])
    closed = handle(state, c.ClosePoll(T0 + 300, "poll-1"))
    # With two voters named in the log, two answers beside them would tell who gave which.
    assert closed == [e.PollClosed("poll-1", (), T0 + 300)]
    poll = state.polls["poll-1"]
    assert (poll.count, poll.ballots, poll.voters) == (2, [], ["p1", "p2"])


def test_ending_the_session_closes_an_open_poll_below_its_threshold_without_answers() -> None:
    state = _with_poll()
    answer_all(state, "poll-1", [9])
    events = handle(state, c.End(T0 + 300))
    assert e.PollClosed("poll-1", (), T0 + 300) in events
    assert state.polls["poll-1"].ballots == []


def test_reveal_threshold_is_never_below_two() -> None:
    state = _with_poll(replace(MOOD, reveal_threshold=1))
    answer_all(state, "poll-1", [3])
    handle(state, c.ClosePoll(T0 + 300, "poll-1"))
    with pytest.raises(DomainError, match=r"Needs 2 answers to show; 1 so far\."):
        handle(state, c.RevealPoll(T0 + 301, "poll-1"))


def test_summaries_of_each_poll_type() -> None:
    state = _with_poll(PICK)
    answer_all(state, "poll-1", [[0, 2], [2], [1, 2]])
    assert poll_answer_summary(state.polls["poll-1"])["counts"] == {
        "talking": 1,
        "listening": 1,
        "plan": 3,
    }
    state = _with_poll(WORDS)
    answer_all(state, "poll-1", ["tired", " hopeful ", "calm"])
    assert poll_answer_summary(state.polls["poll-1"])["texts"] == ["calm", "hopeful", "tired"]
    state = _with_poll(RISKY)
    answer_all(state, "poll-1", [[1, 0], [3, 2]])
    assert poll_answer_summary(state.polls["poll-1"])["totals"] == [1, 5]


def test_a_positive_risk_item_flags_the_member_privately() -> None:
    state = _with_poll(RISKY)
    events = handle(state, c.SubmitAnswer(T0, "p2", "act-1", "poll-1", [0, 1]))
    assert events[-1] == e.RiskFlagged("alert-1", "p2", "poll-1", "9", T0)
    assert [a.participant_id for a in state.risk_alerts] == ["p2"]
    handle(state, c.SubmitAnswer(T0, "p1", "act-2", "poll-1", [3, 0]))
    assert len(state.risk_alerts) == 1


def test_a_risk_instrument_cannot_be_asked_anonymously() -> None:
    state = new_session(3, start=True)
    with pytest.raises(DomainError, match="risk item and cannot be asked anonymously"):
        handle(state, c.OpenPoll(T0, replace(RISKY, anonymous=True)))
    assert state.polls == {}


BAD_ANSWERS = [
    (MOOD, 11, "whole number from 0 to 10"),
    (MOOD, -1, "whole number from 0 to 10"),
    (MOOD, 5.5, "whole number"),
    (MOOD, True, "whole number"),
    (MOOD, "7", "whole number"),
    (NAMED, 3, "option number from 0 to 2"),
    (NAMED, None, "option number"),
    (PICK, [], "non-empty list"),
    (PICK, [1, 1], "distinct"),
    (PICK, [5], "option numbers"),
    (PICK, 1, "list"),
    (WORDS, "   ", "Write an answer first."),
    (WORDS, "x" * 41, "at most 40 characters"),
    (WORDS, 12, "Write an answer first."),
    (RISKY, [0], "for each of the 2 items"),
    (RISKY, [0, 4], "0 to 3"),
    (RISKY, "0,0", "one option number"),
    (ORDER, [0, 1], "Put every option in order: the option numbers 0 to 2, each once"),
    (ORDER, [0, 1, 1], "Put every option in order"),
    (ORDER, [0, 1, 2, 0], "Put every option in order"),
    (ORDER, [0, 1, 3], "Put every option in order"),
    (ORDER, [0, 1, True], "Put every option in order"),
    (ORDER, [0.0, 1, 2], "Put every option in order"),
    (ORDER, 0, "Put every option in order"),
    (ORDER, "0,1,2", "Put every option in order"),
]


@pytest.mark.parametrize(("spec", "value", "message"), BAD_ANSWERS)
def test_bad_answer_is_refused_and_changes_nothing(spec, value, message) -> None:
    state = _with_poll(spec)
    before = repr(state)
    with pytest.raises(DomainError, match=message):
        handle(state, c.SubmitAnswer(T0, "p1", "act-1", "poll-1", value))
    assert repr(state) == before


def _closed():
    state = _with_poll()
    answer_all(state, "poll-1", [1, 2, 3])
    handle(state, c.ClosePoll(T0 + 300, "poll-1"))
    return state


def _revealed():
    state = _closed()
    handle(state, c.RevealPoll(T0 + 301, "poll-1"))
    return state


def _private_closed():
    state = _with_poll(RISKY)
    answer_all(state, "poll-1", [[0, 0], [1, 0], [2, 0]])
    handle(state, c.ClosePoll(T0 + 300, "poll-1"))
    return state


def _answered():
    state = _with_poll()
    answer_all(state, "poll-1", [4])
    return state


def _member_left():
    state = _with_poll()
    handle(state, c.Leave(T0 + 160, "p1"))
    return state


def _below_threshold():
    state = _with_poll()
    answer_all(state, "poll-1", [1, 2])
    handle(state, c.ClosePoll(T0 + 300, "poll-1"))
    return state


ILLEGAL = [
    (
        "open_in_lobby",
        lambda: new_session(3),
        c.OpenPoll(T0, MOOD),
        "Start the session first, then open a poll.",
    ),
    (
        "open_while_another_is_open",
        _with_poll,
        c.OpenPoll(T0, NAMED),
        "Close the open poll first.",
    ),
    (
        "open_choice_with_one_option",
        lambda: new_session(start=True),
        c.OpenPoll(T0, replace(NAMED, options=("yes",))),
        "at least two options",
    ),
    (
        "open_scale_with_min_at_max",
        lambda: new_session(start=True),
        c.OpenPoll(T0, replace(MOOD, min=5, max=5)),
        "min below max",
    ),
    (
        "open_instrument_without_items",
        lambda: new_session(start=True),
        c.OpenPoll(T0, replace(RISKY, items=())),
        "needs items",
    ),
    (
        "answer_unknown_poll",
        _with_poll,
        c.SubmitAnswer(T0, "p1", "x", "poll-9", 1),
        "There is no such poll in this session.",
    ),
    (
        "answer_closed_poll",
        _closed,
        c.SubmitAnswer(T0, "p4", "x", "poll-1", 1),
        "This poll is closed.",
    ),
    (
        "answer_twice",
        _answered,
        c.SubmitAnswer(T0, "p1", "other-action", "poll-1", 5),
        "You have answered this poll already.",
    ),
    (
        "answer_by_unknown_member",
        _with_poll,
        c.SubmitAnswer(T0, "p9", "x", "poll-1", 1),
        "This member is not in this session.",
    ),
    (
        "answer_after_leaving",
        _member_left,
        c.SubmitAnswer(T0, "p1", "x", "poll-1", 1),
        "Member 1 has left the session.",
    ),
    (
        "close_unknown",
        _with_poll,
        c.ClosePoll(T0, "poll-7"),
        "There is no such poll in this session.",
    ),
    ("close_twice", _closed, c.ClosePoll(T0, "poll-1"), "This poll is closed already."),
    ("reveal_open_poll", _answered, c.RevealPoll(T0, "poll-1"), "Close the poll first."),
    ("reveal_twice", _revealed, c.RevealPoll(T0, "poll-1"), "These results are revealed already."),
    (
        "reveal_below_threshold",
        _below_threshold,
        c.RevealPoll(T0, "poll-1"),
        "Needs 3 answers to show; 2 so far.",
    ),
    (
        "reveal_facilitator_only",
        _private_closed,
        c.RevealPoll(T0, "poll-1"),
        "Only for facilitators; never shown to the room.",
    ),
    (
        "reveal_unknown",
        _with_poll,
        c.RevealPoll(T0, "poll-3"),
        "There is no such poll in this session.",
    ),
]


@pytest.mark.parametrize(
    ("make", "command", "message"),
    [case[1:] for case in ILLEGAL],
    ids=[case[0] for case in ILLEGAL],
)
def test_illegal_poll_command_raises_and_changes_nothing(make, command, message) -> None:
    state = make()
    before = repr(state)
    with pytest.raises(DomainError, match=message):
        handle(state, command)
    assert repr(state) == before


def test_every_poll_type_is_covered() -> None:
    covered = {spec.type for spec, _, _ in BAD_ANSWERS}
    assert covered == set(PollType)
