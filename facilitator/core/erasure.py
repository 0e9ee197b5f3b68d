"""How a log is rewritten when a member's data is erased: what goes, what stays.

An erased member's name becomes ERASED_NAME in the event that brought them in; their
named answers, risk flags, plan, notes, weekly steps, scores and the risk alerts carried
into their course (with what was done about them) are replaced by an
`Erased` event, which holds nothing and keeps the log's versions where they were. What
carries only their random id stays (that they came, left, answered an anonymous poll,
signalled, attended), so that counts and anonymous results stay as they were.

Pure: the service reads the log, asks `replacements`, and has the store write them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from facilitator.core import course_events as ce
from facilitator.core import events as e
from facilitator.core.state import ERASED_NAME

# Events about one member that hold what they said or what was written about them.
_SESSION_CONTENT: tuple[type[e.Event], ...] = (
    e.NamedAnswerRecorded,
    e.RiskFlagged,
    e.DecisionRecorded,
    # The language a member reads may tell where they come from.
    e.MemberLanguageSet,
)
_COURSE_CONTENT: tuple[type[e.Event], ...] = (
    ce.PlanUpdated,
    ce.PlanNoteAdded,
    ce.StepSet,
    ce.StepReviewed,
    ce.MeasureRecorded,
    ce.RiskAlertCarried,
)


def erased(event: e.Event, member_id: str) -> e.Event | None:
    """Return what stands in the log for `event` once `member_id` is erased; None keeps it."""
    if isinstance(event, e.ParticipantJoined) and event.participant_id == member_id:
        return dataclasses.replace(event, display_name=ERASED_NAME, chose_name=False, language="")
    if isinstance(event, ce.MemberEnrolled) and event.member_id == member_id:
        return dataclasses.replace(event, display_name=ERASED_NAME, chose_name=False)
    if isinstance(event, _SESSION_CONTENT) and getattr(event, "participant_id", "") == member_id:
        return e.Erased()
    if isinstance(event, _COURSE_CONTENT) and getattr(event, "member_id", "") == member_id:
        return e.Erased()
    return None


def replacements(logged: Sequence[tuple[int, e.Event]], member_id: str) -> dict[int, e.Event]:
    """Return, by version, the events of a log to rewrite so that `member_id` is erased."""
    found: dict[int, e.Event] = {}
    # What was done about the member's risk alerts names no member, but is about them,
    # and its alert is gone: it goes too.
    alerts = {
        event.alert_id
        for _, event in logged
        if isinstance(event, (e.RiskFlagged, ce.RiskAlertCarried))
        and getattr(event, "participant_id", getattr(event, "member_id", "")) == member_id
    }
    acted = (e.RiskActionRecorded, ce.CourseRiskActionRecorded)
    for version, event in logged:
        if isinstance(event, acted) and event.alert_id in alerts:
            found[version] = e.Erased()
            continue
        instead = erased(event, member_id)
        if instead is not None and instead != event:
            found[version] = instead
    return found
