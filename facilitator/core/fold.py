"""Fold events into state. Events are facts: applied without checks."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from typing import Any

from facilitator.core import events as e
from facilitator.core.errors import DomainError
from facilitator.core.state import (
    ERASED_NAME,
    Decision,
    Fidelity,
    FidelityItem,
    Note,
    Participant,
    Poll,
    PollPhase,
    Prompt,
    RiskAlert,
    RolePlay,
    RolePlayPhase,
    SessionPhase,
    SessionState,
    Signal,
    ballot_key,
)


def fold(events: Iterable[e.Event]) -> SessionState:
    """Rebuild a session's state from its events, the first being SessionCreated."""
    iterator = iter(events)
    first = next(iterator, None)
    if not isinstance(first, e.SessionCreated):
        raise DomainError("A session log must begin with session_created.", "corrupt")
    state = SessionState(
        id=first.session_id,
        protocol_id=first.protocol_id,
        protocol_version=first.protocol_version,
        session_number=first.session_number,
        title=first.title,
        agenda=list(first.agenda),
        created_at=first.at,
        join_code=first.join_code,
        owner=first.owner,
        course_id=first.course_id,
        checklist=list(first.checklist),
        language=first.language,
        version=1,
        public_version=1,
        step_seconds=[0.0] * len(first.agenda),
    )
    for event in iterator:
        apply(state, event)
    return state


def apply(state: SessionState, event: e.Event) -> None:
    """Fold one event into `state`. Events are facts: no checks here."""
    _APPLIERS[type(event)](state, event)
    if not event.ballot:
        state.version += 1
    if event.public:
        state.public_version += 1
    # Not ballots: they are kept apart from the log, and come with a counted vote.
    if not event.ballot and not isinstance(event, _POLLS_UNTOUCHED):
        state.poll_changes += 1


# Events that change nothing of any poll, nor who is present, nor the session's phase.
_POLLS_UNTOUCHED = (
    e.PromptPushed,
    e.PromptCleared,
    e.NoteAdded,
    e.SignalSent,
    e.SignalAcknowledged,
    e.CommandRecorded,
    # Logged by older releases and folded as nothing (presence is not in the log now).
    e.ParticipantDisconnected,
    e.ParticipantConnected,
)


def _leave_step(state: SessionState, at: float) -> None:
    if state.current_step is not None and state.step_entered_at is not None:
        state.step_seconds[state.current_step] += max(0.0, at - state.step_entered_at)


def _record_action(state: SessionState, participant_id: str, action_id: str) -> None:
    state.actions.setdefault(participant_id, []).append(action_id)


def _apply_joined(state: SessionState, ev: e.ParticipantJoined) -> None:
    before = state.participants.get(ev.participant_id)
    member = state.participants[ev.participant_id] = Participant(
        ev.participant_id,
        ev.display_name,
        ev.chose_name,
        ev.at,
        consented_at=ev.consented_at,
        consent_version=ev.consent_version,
        no_phone=ev.no_phone,
        language=ev.language,
    )
    state.roster_joined(member, before)


def _apply_member_language(state: SessionState, ev: e.MemberLanguageSet) -> None:
    state.participants[ev.participant_id].language = ev.language


def _apply_erased(state: SessionState, ev: e.ParticipantErased) -> None:
    # The same as folding the rewritten log (core.erasure): a process that cached the
    # state before the erasure ends up where one that reads the log afresh starts.
    member = state.participants[ev.participant_id]
    member.name, member.chose_name, member.erased = ERASED_NAME, False, True
    state.roster_moved()
    member.language = ""
    for poll in state.polls.values():
        if ev.participant_id in poll.answers:
            del poll.answers[ev.participant_id]
            poll.voters = [v for v in poll.voters if v != ev.participant_id]
    state.risk_alerts = [a for a in state.risk_alerts if a.participant_id != ev.participant_id]
    state.decisions.pop(ev.participant_id, None)
    # Their phone's retry ids: nothing is retried by a member who is gone.
    state.actions.pop(ev.participant_id, None)


def _apply_left(state: SessionState, ev: e.ParticipantLeft) -> None:
    member = state.participants[ev.participant_id]
    was_present = member.present
    member.left_at, member.removed = ev.at, ev.removed
    state.roster_left(member, was_present=was_present)


def _apply_started(state: SessionState, ev: e.SessionStarted) -> None:
    state.phase, state.started_at = SessionPhase.RUNNING, ev.at


def _apply_step(state: SessionState, ev: e.StepEntered) -> None:
    _leave_step(state, ev.at)
    state.current_step, state.step_entered_at = ev.index, ev.at


def _apply_ended(state: SessionState, ev: e.SessionEnded) -> None:
    _leave_step(state, ev.at)
    state.phase, state.ended_at, state.step_entered_at = SessionPhase.ENDED, ev.at, None


def _apply_poll_opened(state: SessionState, ev: e.PollOpened) -> None:
    state.polls[ev.poll_id] = Poll(ev.poll_id, ev.spec, state.current_step, ev.at)
    state.open_poll = ev.poll_id


def _apply_named(state: SessionState, ev: e.NamedAnswerRecorded) -> None:
    poll = state.polls[ev.poll_id]
    poll.voters.append(ev.participant_id)
    poll.answers[ev.participant_id] = ev.value
    if ev.entered_by:
        poll.entered[ev.participant_id] = ev.entered_by
    _record_action(state, ev.participant_id, ev.action_id)


def _apply_vote(state: SessionState, ev: e.AnonymousVoteCounted) -> None:
    state.polls[ev.poll_id].voters.append(ev.participant_id)
    _record_action(state, ev.participant_id, ev.action_id)


def _apply_ballot(state: SessionState, ev: e.BallotCast) -> None:
    bisect.insort(state.polls[ev.poll_id].ballots, ev.value, key=ballot_key)


def _apply_risk(state: SessionState, ev: e.RiskFlagged) -> None:
    state.risk_alerts.append(
        RiskAlert(ev.alert_id, ev.participant_id, ev.poll_id, ev.item_id, ev.at)
    )


def _apply_risk_action(state: SessionState, ev: e.RiskActionRecorded) -> None:
    alert = next(a for a in state.risk_alerts if a.id == ev.alert_id)
    alert.action, alert.note, alert.acted_at, alert.acted_by = ev.action, ev.note, ev.at, ev.by


def _apply_poll_closed(state: SessionState, ev: e.PollClosed) -> None:
    poll = state.polls[ev.poll_id]
    poll.phase, poll.closed_at, poll.ballots = PollPhase.CLOSED, ev.at, list(ev.ballots)
    if state.open_poll == ev.poll_id:
        state.open_poll = None


def _apply_role_play(state: SessionState, ev: e.RolePlayPushed) -> None:
    state.role_plays[ev.role_play_id] = RolePlay(
        ev.role_play_id,
        ev.spec,
        dict(ev.assignments),
        state.current_step,
        ev.at,
        reverses=ev.reverses,
    )
    state.active_role_play = ev.role_play_id


def _apply_role_play_ended(state: SessionState, ev: e.RolePlayEnded) -> None:
    role_play = state.role_plays[ev.role_play_id]
    role_play.phase, role_play.ended_at = RolePlayPhase.ENDED, ev.at
    if state.active_role_play == ev.role_play_id:
        state.active_role_play = None


def _apply_prompt_cleared(state: SessionState, ev: e.PromptCleared) -> None:
    # From the newest: the prompt cleared is the last one, in a log of thousands.
    next(p for p in reversed(state.prompts) if p.id == ev.prompt_id).cleared_at = ev.at


def _apply_signal(state: SessionState, ev: e.SignalSent) -> None:
    state.signals.append(Signal(ev.signal_id, ev.participant_id, ev.kind, ev.at))
    _record_action(state, ev.participant_id, ev.action_id)


def _apply_acknowledged(state: SessionState, ev: e.SignalAcknowledged) -> None:
    signal = next(s for s in reversed(state.signals) if s.id == ev.signal_id)
    signal.acknowledged, signal.acknowledged_at = True, ev.at


def _set(attr: str, value: Any) -> Callable[[SessionState, Any], None]:
    return lambda state, _ev: setattr(state, attr, value)


def _ignore(state: SessionState, ev: e.Event) -> None:
    pass


def _apply_prompt(state: SessionState, ev: e.PromptPushed) -> None:
    if state.prompt is not None:
        state.prompt.cleared_at = ev.at
    state.prompts.append(Prompt(ev.prompt_id, ev.text, ev.at))


def _apply_note(state: SessionState, ev: e.NoteAdded) -> None:
    state.notes.append(Note(ev.note_id, ev.text, ev.at, state.current_step, ev.by))


def _apply_invited(state: SessionState, ev: e.CoFacilitatorInvited) -> None:
    state.co_facilitators[ev.user] = ev.may_export


def _apply_uninvited(state: SessionState, ev: e.CoFacilitatorRemoved) -> None:
    state.co_facilitators.pop(ev.user, None)


def _apply_revealed(state: SessionState, ev: e.PollRevealed) -> None:
    poll = state.polls[ev.poll_id]
    poll.phase, poll.seen_count = PollPhase.REVEALED, poll.count
    if ev.show:
        state.shown_results = ev.poll_id


def _apply_shown(state: SessionState, ev: e.ResultsShown) -> None:
    state.shown_results = ev.poll_id


def _apply_hidden(state: SessionState, ev: e.ResultsHidden) -> None:
    state.shown_results, state.results_pinned = None, False


def _apply_reopened(state: SessionState, ev: e.PollReopened) -> None:
    poll = state.polls[ev.poll_id]
    if poll.spec.anonymous and not ev.cleared and not poll.too_few_new:
        # Closed with its answers kept, its results could be exported: from here on they
        # count as seen (see Poll.too_few_new). Named results reach only the consoles,
        # which see named answers anyway, until they are revealed.
        poll.seen_count = poll.count
    # The kept ballots come back with the ballots cast beside this event, or, when the
    # state is rebuilt, from the ballot box, as every open poll's do.
    poll.phase, poll.closed_at, poll.ballots = PollPhase.OPEN, None, []
    poll.reopened = True
    if ev.cleared:
        poll.voters = []
    state.open_poll = ev.poll_id


def _apply_word(state: SessionState, ev: e.WordHidden) -> None:
    hidden = set(state.polls[ev.poll_id].hidden_words)
    hidden = hidden | {ev.word} if ev.hidden else hidden - {ev.word}
    state.polls[ev.poll_id].hidden_words = sorted(hidden)


def _apply_debrief(state: SessionState, ev: e.DebriefStarted) -> None:
    state.role_plays[ev.role_play_id].phase = RolePlayPhase.DEBRIEF


def _apply_command(state: SessionState, ev: e.CommandRecorded) -> None:
    # The last event of its append: the version it brings the log to is the command's.
    state.commands[ev.command_id] = state.version + 1
    state.command_version = state.version + 1


def _apply_round(state: SessionState, ev: e.MemberRoundMoved) -> None:
    state.round_index = ev.index


def _apply_fidelity(state: SessionState, ev: e.FidelityRecorded) -> None:
    items = [FidelityItem(text, done) for text, done in zip(ev.items, ev.done, strict=True)]
    state.fidelity = Fidelity(items, ev.reflection, ev.by, ev.at)


def _apply_decision(state: SessionState, ev: e.DecisionRecorded) -> None:
    state.decisions[ev.participant_id] = Decision(ev.decision, ev.note, ev.by, ev.at)


_APPLIERS: dict[type[e.Event], Callable[[SessionState, Any], None]] = {
    e.ParticipantJoined: _apply_joined,
    # Logged by older releases; who is connected is no longer read from the log.
    e.ParticipantConnected: _ignore,
    e.ParticipantDisconnected: _ignore,
    e.ParticipantLeft: _apply_left,
    e.JoiningLocked: _set("locked", True),
    e.JoiningUnlocked: _set("locked", False),
    e.SessionStarted: _apply_started,
    e.StepEntered: _apply_step,
    e.SessionEnded: _apply_ended,
    e.PollOpened: _apply_poll_opened,
    e.NamedAnswerRecorded: _apply_named,
    e.AnonymousVoteCounted: _apply_vote,
    e.BallotCast: _apply_ballot,
    e.RiskFlagged: _apply_risk,
    e.RiskActionRecorded: _apply_risk_action,
    e.PollClosed: _apply_poll_closed,
    e.PollRevealed: _apply_revealed,
    e.ResultsShown: _apply_shown,
    e.ResultsHidden: _apply_hidden,
    e.ResultsPinned: lambda state, ev: setattr(state, "results_pinned", ev.pinned),
    e.PollReopened: _apply_reopened,
    e.WordHidden: _apply_word,
    e.RolePlayPushed: _apply_role_play,
    e.DebriefStarted: _apply_debrief,
    e.RolePlayEnded: _apply_role_play_ended,
    e.PromptPushed: _apply_prompt,
    e.PromptCleared: _apply_prompt_cleared,
    e.SignalSent: _apply_signal,
    e.SignalAcknowledged: _apply_acknowledged,
    e.NoteAdded: _apply_note,
    e.CommandRecorded: _apply_command,
    e.CoFacilitatorInvited: _apply_invited,
    e.MemberRoundMoved: _apply_round,
    e.CoFacilitatorRemoved: _apply_uninvited,
    e.FidelityRecorded: _apply_fidelity,
    e.DecisionRecorded: _apply_decision,
    e.ParticipantErased: _apply_erased,
    e.Erased: _ignore,
    e.SessionLanguageSet: lambda state, ev: setattr(state, "language", ev.language),
    e.MemberLanguageSet: _apply_member_language,
}
