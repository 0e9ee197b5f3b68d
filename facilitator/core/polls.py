"""Decide polls: open, answer, close, reveal, show, reopen; anonymity and thresholds hold here."""

from __future__ import annotations

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.answers import check_answer, check_spec, risk_items_touched
from facilitator.core.deciding import Decider
from facilitator.core.errors import DomainError
from facilitator.core.guards import find_poll, not_running, present_member, running
from facilitator.core.messages import N_
from facilitator.core.poll_kinds import normalize_word
from facilitator.core.spec import PollType
from facilitator.core.state import Answer, Poll, PollPhase, SessionPhase, SessionState


def _open_poll(state: SessionState, cmd: c.OpenPoll) -> list[e.Event]:
    running(state, N_("open a poll"))
    if state.open_poll is not None:
        raise DomainError("Close the open poll first.", "illegal_state")
    check_spec(cmd.spec)
    return [e.PollOpened(f"poll-{len(state.polls) + 1}", cmd.spec, cmd.at)]


def _answer(state: SessionState, cmd: c.SubmitAnswer) -> list[e.Event]:
    if state.seen(cmd.participant_id, cmd.action_id):
        return []  # a retry of an answer already counted
    member = present_member(state, cmd.participant_id)
    poll = find_poll(state, cmd.poll_id)
    if poll.phase is not PollPhase.OPEN:
        raise DomainError("This poll is closed.", "illegal_state")
    if member.id in poll.voters:
        raise DomainError("You have answered this poll already.", "conflict")
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
            "This poll is anonymous: an answer entered for a member would name them.",
            "invalid",
        )
    if poll.phase is not PollPhase.OPEN:
        raise DomainError("This poll is closed.", "illegal_state")
    if member.id in poll.voters:
        raise DomainError("{name} has answered this poll already.", "conflict", name=member.name)
    value = check_answer(poll.spec, cmd.value)
    # One entry per member and poll: the action id keeps a retry from counting twice.
    action_id = f"entered-{poll.id}"
    entered = e.NamedAnswerRecorded(poll.id, member.id, action_id, value, cmd.at, cmd.by or "?")
    return [entered, *_alerts(state, poll, member.id, value, cmd.at)]


def _close_poll(state: SessionState, cmd: c.ClosePoll) -> list[e.Event]:
    poll = find_poll(state, cmd.poll_id)
    if poll.phase is not PollPhase.OPEN:
        raise DomainError("This poll is closed already.", "illegal_state")
    return [closing(poll, cmd.at)]


def closing(poll: Poll, at: float) -> e.PollClosed:
    """Return the event that closes `poll`, carrying its results only when they may exist.

    Below the threshold the answers are dropped here, for good: with fewer than k voters
    named in the log, the ballots beside them would tell who answered what.
    """
    kept = tuple(poll.ballots) if poll.spec.anonymous and poll.count >= poll.threshold else ()
    return e.PollClosed(poll.id, kept, at)


def reveal_refusal(poll: Poll) -> DomainError | None:
    """Return why `poll` cannot be revealed now, or None when it can.

    The console shows the same reason beside its Reveal button before anyone clicks.
    """
    if poll.spec.facilitator_only:
        return DomainError("Only for facilitators; never shown to the room.", "forbidden")
    if poll.phase is PollPhase.OPEN:
        return DomainError("Close the poll first.", "illegal_state")
    if poll.phase is PollPhase.REVEALED:
        return DomainError("These results are revealed already.", "illegal_state")
    if poll.count < poll.threshold:
        return _below_threshold(poll)
    if poll.too_few_new:
        return DomainError(
            "Needs {threshold} new answers since it was reopened; {count} so far.",
            "below_threshold",
            threshold=poll.threshold,
            count=poll.new_answers,
        )
    return None


def _reveal(state: SessionState, cmd: c.RevealPoll) -> list[e.Event]:
    poll = find_poll(state, cmd.poll_id)
    refusal = reveal_refusal(poll)
    if refusal is not None:
        raise refusal
    return [e.PollRevealed(poll.id, cmd.at, cmd.show)]


def show_refusal(poll: Poll) -> DomainError | None:
    """Return why `poll`'s results cannot be put on the room display now, or None."""
    if poll.spec.facilitator_only:
        return DomainError("Only for facilitators; never shown to the room.", "forbidden")
    if poll.phase is not PollPhase.REVEALED:
        return DomainError("Reveal the results first.", "illegal_state")
    if poll.count < poll.threshold:
        # Fewer since the reveal: a member's named answers were erased.
        return _below_threshold(poll)
    return None


def _below_threshold(poll: Poll) -> DomainError:
    return DomainError(
        "Needs {threshold} answers to show; {count} so far.",
        "below_threshold",
        threshold=poll.threshold,
        count=poll.count,
    )


def _show(state: SessionState, cmd: c.ShowResults) -> list[e.Event]:
    poll = find_poll(state, cmd.poll_id)
    refusal = show_refusal(poll)
    if refusal is not None:
        raise refusal
    if state.shown_results == poll.id:
        return []  # shown already: a second click changes nothing
    return [e.ResultsShown(poll.id, cmd.at)]


def _hide(state: SessionState, cmd: c.HideResults) -> list[e.Event]:
    if state.shown_results is None:
        raise DomainError("No results are shown right now.", "illegal_state")
    return [e.ResultsHidden(cmd.at)]


def _pin(state: SessionState, cmd: c.PinResults) -> list[e.Event]:
    if state.shown_results is None:
        raise DomainError("Show results first, then pin them.", "illegal_state")
    if state.results_pinned == cmd.pinned:
        return []
    return [e.ResultsPinned(cmd.pinned, cmd.at)]


def leaving_step(state: SessionState, at: float) -> list[e.Event]:
    """Return what a step change clears: the prompt, and results unless they are pinned."""
    events: list[e.Event] = []
    if state.prompt is not None:
        events.append(e.PromptCleared(state.prompt.id, at))
    if state.shown_results is not None and not state.results_pinned:
        events.append(e.ResultsHidden(at))
    return events


def reopen_refusal(state: SessionState, poll: Poll) -> DomainError | None:
    """Return why `poll` cannot be reopened now, or None when it can."""
    if state.phase is not SessionPhase.RUNNING:
        return not_running(state, N_("reopen a poll"))
    if poll.phase is PollPhase.OPEN:
        return DomainError("This poll is open already.", "illegal_state")
    if state.open_poll is not None:
        return DomainError("Close the open poll first.", "illegal_state")
    return None


def _reopen(state: SessionState, cmd: c.ReopenPoll) -> list[e.Event]:
    poll = find_poll(state, cmd.poll_id)
    refusal = reopen_refusal(state, poll)
    if refusal is not None:
        raise refusal
    # Below its threshold an anonymous poll's answers were dropped for good at its close
    # (see `closing`): no one's answer is kept, so everyone may answer again.
    cleared = poll.spec.anonymous and poll.count < poll.threshold
    events: list[e.Event] = []
    if state.shown_results == poll.id:
        events.append(e.ResultsHidden(cmd.at))
    events.append(e.PollReopened(poll.id, cleared, cmd.at))
    if poll.spec.anonymous and not cleared:
        # Back into the ballot box, unordered: the poll's next close keeps them with the
        # new ones in one sorted whole, and the service drops them from this close's event.
        events += [e.BallotCast(poll.id, value) for value in poll.ballots]
    return events


def _hide_word(state: SessionState, cmd: c.HideWord) -> list[e.Event]:
    poll = find_poll(state, cmd.poll_id)
    if poll.spec.type is not PollType.SHORT_TEXT:
        raise DomainError("Only short-text polls have words to hide.", "invalid")
    if poll.spec.anonymous and poll.phase is not PollPhase.REVEALED:
        # Checked before the word: a refusal must not tell whether someone wrote it.
        raise DomainError("Reveal the results first, then hide words.", "illegal_state")
    word = normalize_word(cmd.word)
    if cmd.hidden and all(normalize_word(v) != word for v in _values(poll)):
        raise DomainError("No one answered with that word.", "not_found")
    if (word in poll.hidden_words) == cmd.hidden:
        return []
    return [e.WordHidden(poll.id, word, cmd.hidden, cmd.at)]


def _values(poll: Poll) -> list[Answer]:
    return list(poll.ballots) if poll.spec.anonymous else list(poll.answers.values())


DECIDERS: dict[type[c.Command], Decider] = {
    c.OpenPoll: _open_poll,
    c.SubmitAnswer: _answer,
    c.EnterAnswer: _enter,
    c.ClosePoll: _close_poll,
    c.RevealPoll: _reveal,
    c.ShowResults: _show,
    c.HideResults: _hide,
    c.PinResults: _pin,
    c.ReopenPoll: _reopen,
    c.HideWord: _hide_word,
}
