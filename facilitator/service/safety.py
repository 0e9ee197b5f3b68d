"""What the console shows beside risk alerts: the protocol's safety steps, the deployment's
supervisor contact, and each alert in words with its instrument's title.

Added to the console's view only (see audience.Extras): phones and the room display never
see an alert, a score or a script.
"""

from __future__ import annotations

from typing import Any

from facilitator.core.poll_kinds import instrument_total
from facilitator.core.state import RiskAction, RiskAlert, SessionState
from facilitator.library.catalog import Catalog
from facilitator.service.audience import Extras
from facilitator.service.views import risk_alert

#: What a facilitator may record as done about an alert, as the payload names them.
RISK_ACTIONS = tuple(action.value for action in RiskAction)

# For a protocol without a safety section: the steps every protocol's should cover.
DEFAULT_SCRIPT = (
    "Speak with the member privately, at once.",
    "Ask directly whether they are thinking of ending their life or hurting themselves.",
    "Listen without judging. Thank them for telling you.",
    "If they are in danger now, do not leave them alone: call emergency services and your"
    " supervisor.",
    "Otherwise make a safety plan with them and tell your supervisor today.",
    "Record here what you did.",
)
DEFAULT_CONTACTS_NOTE = "Call your supervisor after every alert, the same day."


class SafetyExtras:
    """Add the safety steps and the alerts in words to the console; wrap other extras."""

    def __init__(self, inner: Extras, catalog: Catalog, supervisor_contact: str = "") -> None:
        self._inner = inner
        self._catalog = catalog
        self._supervisor = supervisor_contact

    def console(self, state: SessionState) -> dict[str, Any]:
        return {
            **self._inner.console(state),
            "risk_alerts": [self._alert(state, alert) for alert in state.risk_alerts],
            "safety": self.safety(state.protocol_id),
        }

    def _alert(self, state: SessionState, alert: RiskAlert) -> dict[str, Any]:
        poll = state.polls[alert.poll_id]
        try:
            instrument = self._catalog.instrument(poll.spec.id)
        except KeyError:
            return risk_alert(state, alert)  # a protocol's own poll: its id names it
        view = risk_alert(state, alert, instrument.title)
        answer = poll.answers.get(alert.participant_id)
        if answer is not None:
            total = instrument_total(poll.spec, answer)
            view["total"] = total
            view["band"] = next(
                (b.label for b in instrument.severity if b.min <= total <= b.max), ""
            )
        return view

    def personal(self, state: SessionState, participant_id: str) -> dict[str, Any]:
        return self._inner.personal(state, participant_id)

    def safety(self, protocol_id: str) -> dict[str, Any]:
        """Return the safety steps of a protocol, and who to call."""
        try:
            spec = self._catalog.protocol(protocol_id).safety
        except KeyError:
            spec = None
        return {
            "script": list(spec.script) if spec else list(DEFAULT_SCRIPT),
            "contacts_note": (spec.contacts_note if spec else "") or DEFAULT_CONTACTS_NOTE,
            "supervisor_contact": self._supervisor,
        }
