"""What the console shows beside risk alerts: the protocol's safety steps, the deployment's
supervisor contact, and each alert in words with its instrument's title.

Added to the console's view only (see audience.Extras): phones and the room display never
see an alert, a score or a script.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from facilitator.core.poll_kinds import instrument_total
from facilitator.core.state import Poll, PollPhase, RiskAction, RiskAlert, SessionState
from facilitator.library.catalog import Catalog
from facilitator.library.loader import Instrument
from facilitator.service import view_memo
from facilitator.service.audience import Extras
from facilitator.service.views import keyed_polls, risk_alert

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


#: A screening instrument, and the fuller one a score above its lowest band suggests.
FOLLOW_UPS = {"phq-2": "phq-9"}


def _revealed(poll: Poll) -> bool:
    return poll.phase is PollPhase.REVEALED and poll.count >= poll.threshold


def _band(instrument: Instrument, total: object) -> str:
    band = instrument.band(total) if isinstance(total, int) else None
    return band.label if band else ""


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
            "safety": self.safety(state.protocol_id, state.language),
            "polls": self.polls(state),
            "suggestions": self._suggestions(state),
        }

    def console_mark(self, state: SessionState) -> str:
        # What this adds comes from the session and the catalog alone.
        return self._inner.console_mark(state)

    def polls(self, state: SessionState) -> list[dict[str, Any]]:
        """Give the console's instrument polls their severity bands and attribution line,
        and each named total its band."""
        return view_memo.cached(
            state, "safety polls", state.poll_changes, partial(self._polls, state)
        )

    def _polls(self, state: SessionState) -> list[dict[str, Any]]:
        shown = []
        for key, poll in keyed_polls(state):
            instrument = self._catalog.instrument_of(state.polls[poll["poll_id"]].spec)
            if instrument is None:
                shown.append(poll)
                continue
            name = ("instrument poll", poll["poll_id"])
            render = partial(self._instrument_poll, poll, instrument)
            shown.append(view_memo.cached(state, name, key, render))
        return shown

    def _instrument_poll(self, poll: dict[str, Any], instrument: Instrument) -> dict[str, Any]:
        answers = [
            {**a, "band": _band(instrument, a.get("total"))} for a in poll.get("answers", [])
        ]
        return (
            poll
            | {
                "title": instrument.title,
                "attribution": instrument.attribution,
                "bands": [
                    {"min": b.min, "max": b.max, "label": b.label} for b in instrument.severity
                ],
            }
            | ({"answers": answers} if "answers" in poll else {})
        )

    def _suggestions(self, state: SessionState) -> list[dict[str, Any]]:
        """Return the follow-up instruments a member's named screen suggests, e.g. the
        PHQ-9 after a positive PHQ-2, until the member has answered the follow-up."""
        # Made from the polls and members' names alone (see SessionState.poll_changes).
        return view_memo.cached(
            state, "suggestions", state.poll_changes, partial(self._suggested, state)
        )

    def _suggested(self, state: SessionState) -> list[dict[str, Any]]:
        found = []
        for poll in state.polls.values():
            screen = self._catalog.instrument_of(poll.spec)
            follow_up = FOLLOW_UPS.get(screen.id) if screen else None
            after = self._instrument(follow_up) if follow_up else None
            if screen is None or after is None or not screen.severity or follow_up is None:
                continue
            lowest = min(screen.severity, key=lambda b: b.min)
            if poll.spec.anonymous:
                # No one is named: the hint counts what the revealed totals already show.
                totals = [instrument_total(poll.spec, ballot) for ballot in poll.ballots]
                positive = sum(1 for total in totals if total > lowest.max)
                if _revealed(poll) and positive:
                    found.append(
                        {
                            "participant_id": "",
                            "name": "",
                            "poll_id": poll.id,
                            "instrument": screen.title,
                            "positive": positive,
                            "of": len(totals),
                            "band": _band(screen, lowest.max + 1),
                            "suggest": follow_up,
                            "suggest_title": after.title,
                        }
                    )
                continue
            for pid, answer in poll.answers.items():
                total = instrument_total(poll.spec, answer)
                answered = any(
                    p.spec.instrument_id == follow_up and pid in p.voters
                    for p in state.polls.values()
                )
                if total > lowest.max and not answered:
                    found.append(
                        {
                            "participant_id": pid,
                            "name": state.participants[pid].name,
                            "poll_id": poll.id,
                            "instrument": screen.title,
                            "total": total,
                            "band": _band(screen, total),
                            "suggest": follow_up,
                            "suggest_title": after.title,
                        }
                    )
        return found

    def _instrument(self, spec_id: str) -> Instrument | None:
        try:
            return self._catalog.instrument(spec_id)
        except KeyError:
            return None  # a protocol's own poll

    def _alert(self, state: SessionState, alert: RiskAlert) -> dict[str, Any]:
        poll = state.polls[alert.poll_id]
        instrument = self._catalog.instrument_of(poll.spec)
        if instrument is None:
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

    def safety(self, protocol_id: str, language: str | None = None) -> dict[str, Any]:
        """Return the safety steps of a protocol, in the session's language, and who to call."""
        try:
            protocol = self._catalog.protocol(protocol_id)
            spec = protocol.in_language(language or protocol.language).safety
        except (KeyError, ValueError):
            spec = None
        return {
            "script": list(spec.script) if spec else list(DEFAULT_SCRIPT),
            "contacts_note": (spec.contacts_note if spec else "") or DEFAULT_CONTACTS_NOTE,
            "supervisor_contact": self._supervisor,
        }
