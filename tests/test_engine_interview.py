"""Answers a facilitator enters by interview: the member's, marked, and alerting alike."""

from __future__ import annotations

import pytest

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.engine import create, fold, handle
from facilitator.core.errors import DomainError
from tests.factories import AGENDA, MOOD, NAMED, RISKY, T0, new_session


def _risky_open():
    state = new_session(3, start=True)
    handle(state, c.OpenPoll(T0 + 150, RISKY))
    return state


def test_an_entered_answer_is_the_members_marked_with_who_entered_it() -> None:
    state = _risky_open()
    events = handle(state, c.EnterAnswer(T0 + 160, "poll-1", "p2", [0, 0], by="ana"))
    assert events == [
        e.NamedAnswerRecorded("poll-1", "p2", "entered-poll-1", [0, 0], T0 + 160, "ana")
    ]
    poll = state.polls["poll-1"]
    assert (poll.answers, poll.entered, poll.voters) == ({"p2": [0, 0]}, {"p2": "ana"}, ["p2"])
    assert not events[0].public


def test_an_entered_answer_on_a_risk_item_raises_the_alert() -> None:
    state = _risky_open()
    events = handle(state, c.EnterAnswer(T0 + 160, "poll-1", "p2", [0, 2], by="ana"))
    assert events[1:] == [e.RiskFlagged("alert-1", "p2", "poll-1", RISKY.items[1].id, T0 + 160)]
    assert state.risk_alerts[0].participant_id == "p2"


def test_a_phone_answer_is_not_marked_entered() -> None:
    state = _risky_open()
    handle(state, c.SubmitAnswer(T0 + 160, "p1", "act-1", "poll-1", [0, 0]))
    assert state.polls["poll-1"].entered == {}


def test_an_answer_cannot_be_entered_for_an_anonymous_poll() -> None:
    state = new_session(3, start=True)
    handle(state, c.OpenPoll(T0 + 150, MOOD))
    with pytest.raises(DomainError) as err:
        handle(state, c.EnterAnswer(T0 + 160, "poll-1", "p1", 5, by="ana"))
    assert err.value.code == "invalid"
    assert "anonymous" in str(err.value)


def test_an_answer_cannot_be_entered_for_a_closed_poll() -> None:
    state = _risky_open()
    handle(state, c.ClosePoll(T0 + 155, "poll-1"))
    with pytest.raises(DomainError) as err:
        handle(state, c.EnterAnswer(T0 + 160, "poll-1", "p1", [0, 0], by="ana"))
    assert err.value.code == "illegal_state"


def test_an_answer_cannot_be_entered_twice_or_over_the_members_own() -> None:
    state = _risky_open()
    handle(state, c.SubmitAnswer(T0 + 155, "p1", "act-1", "poll-1", [0, 0]))
    with pytest.raises(DomainError) as err:
        handle(state, c.EnterAnswer(T0 + 160, "poll-1", "p1", [1, 0], by="ana"))
    assert err.value.code == "conflict"


def test_the_member_cannot_answer_after_an_entered_answer() -> None:
    state = _risky_open()
    handle(state, c.EnterAnswer(T0 + 155, "poll-1", "p1", [0, 0], by="ana"))
    with pytest.raises(DomainError) as err:
        handle(state, c.SubmitAnswer(T0 + 160, "p1", "act-1", "poll-1", [1, 0]))
    assert err.value.code == "conflict"


def test_an_answer_cannot_be_entered_for_a_member_who_left() -> None:
    state = _risky_open()
    handle(state, c.Leave(T0 + 155, "p1"))
    with pytest.raises(DomainError) as err:
        handle(state, c.EnterAnswer(T0 + 160, "poll-1", "p1", [0, 0], by="ana"))
    assert err.value.code == "illegal_state"


@pytest.mark.parametrize(("poll_id", "member"), [("poll-9", "p1"), ("poll-1", "p9")])
def test_an_answer_cannot_be_entered_for_an_unknown_poll_or_member(poll_id, member) -> None:
    state = _risky_open()
    with pytest.raises(DomainError) as err:
        handle(state, c.EnterAnswer(T0 + 160, poll_id, member, [0, 0], by="ana"))
    assert err.value.code == "not_found"


def test_an_entered_answer_that_does_not_fit_the_poll_is_refused() -> None:
    state = _risky_open()
    with pytest.raises(DomainError) as err:
        handle(state, c.EnterAnswer(T0 + 160, "poll-1", "p1", [0], by="ana"))
    assert err.value.code == "invalid"


def test_entered_answers_replay() -> None:
    state, log = create(c.CreateSession(T0, "s1", "group-ipt-8", 1, 2, "Session 2", AGENDA))
    for n in (1, 2):
        log += handle(state, c.Join(T0 + n, f"p{n}", None, f"Member {n}"))
    log += handle(state, c.Start(T0 + 10))
    log += handle(state, c.OpenPoll(T0 + 150, NAMED))
    log += handle(state, c.EnterAnswer(T0 + 160, "poll-1", "p2", 1, by="ben"))
    assert fold(log).polls == state.polls
