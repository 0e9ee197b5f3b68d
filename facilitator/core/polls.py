"""Decide polls: open, answer, close, reveal; anonymity and thresholds hold here."""

from __future__ import annotations

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.answers import check_answer, check_spec, risk_items_touched
from facilitator.core.deciding import Decider
from facilitator.core.errors import DomainError
from facilitator.core.guards import find_poll, present_member, running
from facilitator.core.state import Answer, Poll, PollPhase, SessionState


def _open_poll(state: SessionState, cmd: c.OpenPoll) -> list[e.Event]:
    running(state, "open a poll")
    if state.open_poll is not None:
        raise DomainError("cannot open a poll while another is open", "illegal_state")
    check_spec(cmd.spec)
    return [e.PollOpened(f"poll-{len(state.polls) + 1}", cmd.spec, cmd.at)]


def _answer(state: SessionState, cmd: c.SubmitAnswer) -> list[e.Event]:
    if state.seen(cmd.participant_id, cmd.action_id):
        return []  # a retry of an answer already counted
    member = present_member(state, cmd.participant_id)
    poll = find_poll(state, cmd.poll_id)
    if poll.phase is not PollPhase.OPEN:
        raise DomainError("this poll is closed", "illegal_state")
    if member.id in poll.voters:
        raise DomainError("you have already answered this poll", "conflict")
    value = check_answer(poll.spec, cmd.value)
    events: list[e.Event]
    if poll.spec.anonymous:
        events = [
            e.AnonymousVoteCounted(poll.id, member.id, cmd.action_id, cmd.at),
            e.BallotCast(poll.id, value),
        ]
    else:
        events = [e.NamedAnswerRecorded(poll.id, member.id, cmd.action_id, value, cmd.at)]
    return events + _alerts(state, poll, member.id, value, cmd.at)


def _alerts(
    state: SessionState, poll: Poll, member_id: str, value: Answer, at: float
) -> list[e.Event]:
    return [
        e.RiskFlagged(f"alert-{len(state.risk_alerts) + n + 1}", member_id, poll.id, item.id, at)
        for n, item in enumerate(risk_items_touched(poll.spec, value))
    ]


def _enter(state: SessionState, cmd: c.EnterAnswer) -> list[e.Event]:
    member = present_member(state, cmd.participant_id)
    poll = find_poll(state, cmd.poll_id)
    if poll.spec.anonymous:
        # The facilitator would know, and the log would hold, who answered what.
        raise DomainError(
            f"poll {poll.id!r} is anonymous: an answer entered for a member would name them",
            "invalid",
        )
    if poll.phase is not PollPhase.OPEN:
        raise DomainError("this poll is closed", "illegal_state")
    if member.id in poll.voters:
        raise DomainError(f"{member.name} has already answered this poll", "conflict")
    value = check_answer(poll.spec, cmd.value)
    # One entry per member and poll: the action id keeps a retry from counting twice.
    action_id = f"entered-{poll.id}"
    entered = e.NamedAnswerRecorded(poll.id, member.id, action_id, value, cmd.at, cmd.by or "?")
    return [entered, *_alerts(state, poll, member.id, value, cmd.at)]


def _close_poll(state: SessionState, cmd: c.ClosePoll) -> list[e.Event]:
    poll = find_poll(state, cmd.poll_id)
    if poll.phase is not PollPhase.OPEN:
        raise DomainError(f"poll {poll.id!r} is already {poll.phase}", "illegal_state")
    return [closing(poll, cmd.at)]


def closing(poll: Poll, at: float) -> e.PollClosed:
    """Return the event that closes `poll`, carrying its results only when they may exist.

    Below the threshold the answers are dropped here, for good: with fewer than k voters
    named in the log, the ballots beside them would tell who answered what.
    """
    kept = tuple(poll.ballots) if poll.spec.anonymous and poll.count >= poll.threshold else ()
    return e.PollClosed(poll.id, kept, at)


def _reveal(state: SessionState, cmd: c.RevealPoll) -> list[e.Event]:
    poll = find_poll(state, cmd.poll_id)
    if poll.phase is not PollPhase.CLOSED:
        doing = "close it first" if poll.phase is PollPhase.OPEN else "it is already revealed"
        raise DomainError(f"cannot reveal poll {poll.id!r}: {doing}", "illegal_state")
    if poll.spec.facilitator_only:
        raise DomainError(f"poll {poll.id!r} is for the facilitator only", "forbidden")
    if poll.count < poll.threshold:
        raise DomainError(
            f"cannot reveal poll {poll.id!r}: {poll.count} answers, "
            f"fewer than its threshold of {poll.threshold}",
            "below_threshold",
        )
    return [e.PollRevealed(poll.id, cmd.at)]


DECIDERS: dict[type[c.Command], Decider] = {
    c.OpenPoll: _open_poll,
    c.SubmitAnswer: _answer,
    c.EnterAnswer: _enter,
    c.ClosePoll: _close_poll,
    c.RevealPoll: _reveal,
}
