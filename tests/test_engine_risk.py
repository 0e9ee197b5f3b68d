"""Risk alerts: what a facilitator did about one is recorded once, and closes it."""

from __future__ import annotations

import pytest

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.engine import create, fold, handle
from facilitator.core.errors import DomainError
from facilitator.core.state import RiskAction, SignalKind
from tests.factories import AGENDA, RISKY, T0, new_session


def _alerted():
    state = new_session(3, start=True)
    handle(state, c.OpenPoll(T0 + 150, RISKY))
    handle(state, c.SubmitAnswer(T0 + 160, "p2", "act-1", "poll-1", [0, 2]))
    return state


def _recorded():
    state = _alerted()
    handle(state, c.RecordRiskAction(T0 + 200, "alert-1", RiskAction.SPOKE, "", by="ana"))
    return state


def test_recording_an_action_closes_the_alert_with_when_and_by_whom() -> None:
    state = _alerted()
    assert state.risk_alerts[0].open
    events = handle(
        state,
        c.RecordRiskAction(T0 + 200, "alert-1", RiskAction.SAFETY_PLAN, " made with her ", "ben"),
    )
    assert events == [
        e.RiskActionRecorded("alert-1", RiskAction.SAFETY_PLAN, "made with her", T0 + 200, "ben")
    ]
    alert = state.risk_alerts[0]
    assert not alert.open
    assert (alert.action, alert.note, alert.acted_at, alert.acted_by) == (
        RiskAction.SAFETY_PLAN,
        "made with her",
        T0 + 200,
        "ben",
    )


def test_an_action_may_be_recorded_after_the_session_ended() -> None:
    state = _alerted()
    handle(state, c.End(T0 + 300))
    handle(state, c.RecordRiskAction(T0 + 400, "alert-1", RiskAction.REFERRED, "", by="ana"))
    assert not state.risk_alerts[0].open


def test_the_recorded_action_is_private_and_replays() -> None:
    state = _alerted()
    before = state.public_version
    events = handle(state, c.RecordRiskAction(T0 + 200, "alert-1", RiskAction.OTHER, "called"))
    assert state.public_version == before
    assert not events[0].public


def test_an_acknowledged_signal_keeps_when_it_was_acknowledged() -> None:
    state = new_session(2, start=True)
    handle(state, c.SendSignal(T0 + 150, "p1", "sig-1", SignalKind.SUPPORT))
    before = (state.signals[0].acknowledged, state.signals[0].acknowledged_at)
    handle(state, c.AcknowledgeSignal(T0 + 170, "signal-1"))
    after = (state.signals[0].acknowledged, state.signals[0].acknowledged_at)
    assert (before, after) == ((False, None), (True, T0 + 170))


def test_folding_the_events_again_gives_the_same_alerts() -> None:
    state, log = create(c.CreateSession(T0, "s1", "group-ipt-8", 1, 2, "Session 2", AGENDA))
    for n in (1, 2, 3):
        log += handle(state, c.Join(T0 + n, f"p{n}", None, f"Member {n}"))
    log += handle(state, c.Start(T0 + 10))
    log += handle(state, c.OpenPoll(T0 + 150, RISKY))
    log += handle(state, c.SubmitAnswer(T0 + 160, "p2", "act-1", "poll-1", [0, 3]))
    log += handle(state, c.RecordRiskAction(T0 + 200, "alert-1", RiskAction.EMERGENCY, "", "ana"))
    assert fold(log).risk_alerts == state.risk_alerts


ILLEGAL = [
    (
        "unknown_alert",
        _alerted,
        c.RecordRiskAction(T0, "alert-9", RiskAction.SPOKE),
        "There is no such risk alert in this session.",
    ),
    (
        "recorded_twice",
        _recorded,
        c.RecordRiskAction(T0, "alert-1", RiskAction.REFERRED),
        "recorded already",
    ),
    (
        "other_without_a_note",
        _alerted,
        c.RecordRiskAction(T0, "alert-1", RiskAction.OTHER, "  "),
        "Say in the note what was done.",
    ),
]


@pytest.mark.parametrize(
    ("make", "command", "message"),
    [case[1:] for case in ILLEGAL],
    ids=[case[0] for case in ILLEGAL],
)
def test_illegal_risk_command_raises_and_changes_nothing(make, command, message) -> None:
    state = make()
    before = repr(state)
    with pytest.raises(DomainError, match=message):
        handle(state, command)
    assert repr(state) == before
