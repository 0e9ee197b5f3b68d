"""Decide what is recorded about risk alerts: the action a facilitator took."""

from __future__ import annotations

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.deciding import Decider
from facilitator.core.errors import DomainError
from facilitator.core.state import RiskAction, SessionState


def _record(state: SessionState, cmd: c.RecordRiskAction) -> list[e.Event]:
    alert = next((a for a in state.risk_alerts if a.id == cmd.alert_id), None)
    if alert is None:
        raise DomainError("There is no such risk alert in this session.", "not_found")
    if not alert.open:
        raise DomainError(
            "What was done about this alert is recorded already.",
            "illegal_state",
        )
    note = cmd.note.strip()
    if cmd.action is RiskAction.OTHER and not note:
        raise DomainError("Say in the note what was done.", "invalid")
    # Recorded after the session ended too: an alert is followed up whenever it can be.
    return [e.RiskActionRecorded(alert.id, cmd.action, note, cmd.at, cmd.by)]


DECIDERS: dict[type[c.Command], Decider] = {
    c.RecordRiskAction: _record,
}
