"""Decide commands into events, and fold events into state.

`decide` checks a command against the state and returns the events it causes, or
raises DomainError; it never changes the state. `apply` folds one event into the
state without checks. `handle` does both, which is what the service calls.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.answers import check_answer, check_spec, risk_items_touched
from facilitator.core.errors import DomainError
from facilitator.core.state import (
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

C = TypeVar("C", bound=c.Command)
Decider = Callable[[SessionState, Any], list[e.Event]]
_DECIDERS: dict[type[c.Command], Decider] = {}


def create(command: c.CreateSession) -> tuple[SessionState, list[e.Event]]:
    """Start a new session's log from a protocol session's agenda."""
    if not command.agenda:
        raise DomainError("a session needs at least one agenda step", "invalid")
    event = e.SessionCreated(
        session_id=command.session_id,
        protocol_id=command.protocol_id,
        protocol_version=command.protocol_version,
        session_number=command.session_number,
        title=command.title,
        agenda=command.agenda,
        at=command.at,
        join_code=command.join_code,
        owner=command.owner,
    )
    return fold([event]), [event]


def handle(state: SessionState, command: c.Command) -> list[e.Event]:
    """Decide `command` and apply its events to `state`; return the events."""
    events = decide(state, command)
    for event in events:
        apply(state, event)
    return events


def decide(state: SessionState, command: c.Command) -> list[e.Event]:
    """Return the events `command` causes, or raise DomainError. `state` is not changed."""
    decider = _DECIDERS.get(type(command))
    if decider is None:
        raise DomainError(f"unknown command {type(command).__name__}", "invalid")
    return decider(state, command)


def _decides(kind: type[C]) -> Callable[[Callable[[SessionState, C], list[e.Event]]], Any]:
    def register(fn: Callable[[SessionState, C], list[e.Event]]) -> Any:
        _DECIDERS[kind] = fn
        return fn

    return register


# -- guards ---------------------------------------------------------------------------


def _not_ended(state: SessionState, doing: str) -> None:
    if state.phase is SessionPhase.ENDED:
        raise DomainError(f"cannot {doing}: the session has ended", "illegal_state")


def _running(state: SessionState, doing: str) -> None:
    if state.phase is not SessionPhase.RUNNING:
        raise DomainError(f"cannot {doing} while the session is {state.phase}", "illegal_state")


def _member(state: SessionState, participant_id: str) -> Participant:
    member = state.participants.get(participant_id)
    if member is None:
        raise DomainError(f"no participant {participant_id!r} in this session", "not_found")
    if not member.present:
        raise DomainError(f"participant {participant_id!r} has left the session", "illegal_state")
    return member


def _poll(state: SessionState, poll_id: str) -> Poll:
    poll = state.polls.get(poll_id)
    if poll is None:
        raise DomainError(f"no poll {poll_id!r} in this session", "not_found")
    return poll


def _role_play(state: SessionState, role_play_id: str) -> RolePlay:
    role_play = state.role_plays.get(role_play_id)
    if role_play is None:
        raise DomainError(f"no role-play {role_play_id!r} in this session", "not_found")
    return role_play


def _text(text: str, what: str) -> str:
    text = text.strip()
    if not text:
        raise DomainError(f"{what} must not be empty", "invalid")
    return text


# -- participants ---------------------------------------------------------------------


@_decides(c.Join)
def _join(state: SessionState, cmd: c.Join) -> list[e.Event]:
    _not_ended(state, "join")
    if state.locked:
        raise DomainError("the session is locked: no one new can join", "locked")
    if cmd.participant_id in state.participants:
        raise DomainError(f"participant {cmd.participant_id!r} has already joined", "conflict")
    typed = (cmd.display_name or "").strip()
    name = typed or _text(cmd.pseudonym, "a pseudonym")
    taken = {m.name.casefold() for m in state.participants.values() if m.present}
    if name.casefold() in taken:
        raise DomainError(f"the name {name!r} is taken in this session", "conflict")
    return [e.ParticipantJoined(cmd.participant_id, name, bool(typed), cmd.at)]


@_decides(c.Connect)
def _connect(state: SessionState, cmd: c.Connect) -> list[e.Event]:
    member = _member(state, cmd.participant_id)
    return [] if member.connected else [e.ParticipantConnected(member.id, cmd.at)]


@_decides(c.Disconnect)
def _disconnect(state: SessionState, cmd: c.Disconnect) -> list[e.Event]:
    member = _member(state, cmd.participant_id)
    return [e.ParticipantDisconnected(member.id, cmd.at)] if member.connected else []


@_decides(c.Leave)
def _leave(state: SessionState, cmd: c.Leave) -> list[e.Event]:
    member = _member(state, cmd.participant_id)
    return [e.ParticipantLeft(member.id, False, cmd.at)]


@_decides(c.RemoveParticipant)
def _remove(state: SessionState, cmd: c.RemoveParticipant) -> list[e.Event]:
    member = _member(state, cmd.participant_id)
    return [e.ParticipantLeft(member.id, True, cmd.at)]


@_decides(c.LockJoining)
def _lock(state: SessionState, cmd: c.LockJoining) -> list[e.Event]:
    _not_ended(state, "lock joining")
    if state.locked:
        raise DomainError("joining is already locked", "illegal_state")
    return [e.JoiningLocked(cmd.at)]


@_decides(c.UnlockJoining)
def _unlock(state: SessionState, cmd: c.UnlockJoining) -> list[e.Event]:
    _not_ended(state, "unlock joining")
    if not state.locked:
        raise DomainError("joining is not locked", "illegal_state")
    return [e.JoiningUnlocked(cmd.at)]


# -- agenda ---------------------------------------------------------------------------


@_decides(c.Start)
def _start(state: SessionState, cmd: c.Start) -> list[e.Event]:
    if state.phase is not SessionPhase.LOBBY:
        raise DomainError(f"cannot start a session that is {state.phase}", "illegal_state")
    return [e.SessionStarted(cmd.at), e.StepEntered(0, cmd.at)]


@_decides(c.Next)
def _next(state: SessionState, cmd: c.Next) -> list[e.Event]:
    _running(state, "go to the next step")
    assert state.current_step is not None
    if state.current_step + 1 >= len(state.agenda):
        raise DomainError("already at the last step", "illegal_state")
    return [e.StepEntered(state.current_step + 1, cmd.at)]


@_decides(c.Previous)
def _previous(state: SessionState, cmd: c.Previous) -> list[e.Event]:
    _running(state, "go to the previous step")
    assert state.current_step is not None
    if state.current_step == 0:
        raise DomainError("already at the first step", "illegal_state")
    return [e.StepEntered(state.current_step - 1, cmd.at)]


@_decides(c.Jump)
def _jump(state: SessionState, cmd: c.Jump) -> list[e.Event]:
    _running(state, "jump to a step")
    if not 0 <= cmd.index < len(state.agenda):
        raise DomainError(
            f"no step {cmd.index}: the agenda has steps 0 to {len(state.agenda) - 1}", "invalid"
        )
    if cmd.index == state.current_step:
        raise DomainError(f"already at step {cmd.index}", "illegal_state")
    return [e.StepEntered(cmd.index, cmd.at)]


@_decides(c.End)
def _end(state: SessionState, cmd: c.End) -> list[e.Event]:
    _not_ended(state, "end the session")
    # Ending wraps up whatever is under way so that the log closes cleanly.
    events: list[e.Event] = []
    if state.open_poll is not None:
        events.append(_closing(state.polls[state.open_poll], cmd.at))
    if state.active_role_play is not None:
        events.append(e.RolePlayEnded(state.active_role_play, cmd.at))
    if state.prompt is not None:
        events.append(e.PromptCleared(state.prompt.id, cmd.at))
    events.append(e.SessionEnded(cmd.at))
    return events


# -- polls ----------------------------------------------------------------------------


@_decides(c.OpenPoll)
def _open_poll(state: SessionState, cmd: c.OpenPoll) -> list[e.Event]:
    _running(state, "open a poll")
    if state.open_poll is not None:
        raise DomainError("cannot open a poll while another is open", "illegal_state")
    check_spec(cmd.spec)
    return [e.PollOpened(f"poll-{len(state.polls) + 1}", cmd.spec, cmd.at)]


@_decides(c.SubmitAnswer)
def _answer(state: SessionState, cmd: c.SubmitAnswer) -> list[e.Event]:
    if state.seen(cmd.participant_id, cmd.action_id):
        return []  # a retry of an answer already counted
    member = _member(state, cmd.participant_id)
    poll = _poll(state, cmd.poll_id)
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
    for n, item in enumerate(risk_items_touched(poll.spec, value)):
        alert_id = f"alert-{len(state.risk_alerts) + n + 1}"
        events.append(e.RiskFlagged(alert_id, member.id, poll.id, item.id, cmd.at))
    return events


@_decides(c.ClosePoll)
def _close_poll(state: SessionState, cmd: c.ClosePoll) -> list[e.Event]:
    poll = _poll(state, cmd.poll_id)
    if poll.phase is not PollPhase.OPEN:
        raise DomainError(f"poll {poll.id!r} is already {poll.phase}", "illegal_state")
    return [_closing(poll, cmd.at)]


def _closing(poll: Poll, at: float) -> e.PollClosed:
    return e.PollClosed(poll.id, tuple(poll.ballots), at)


@_decides(c.RevealPoll)
def _reveal(state: SessionState, cmd: c.RevealPoll) -> list[e.Event]:
    poll = _poll(state, cmd.poll_id)
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


# -- role-plays and prompts -----------------------------------------------------------


@_decides(c.PushRolePlay)
def _push_role_play(state: SessionState, cmd: c.PushRolePlay) -> list[e.Event]:
    _running(state, "push a role-play")
    if state.active_role_play is not None:
        raise DomainError("cannot push a role-play while another is under way", "illegal_state")
    spec = cmd.spec
    cast = {role.id for role in spec.roles if not role.observer}
    assigned: dict[str, str | None] = {}
    for role_id, participant_id in cmd.assignments:
        role = spec.role(role_id)
        if role is None:
            raise DomainError(f"role-play {spec.id!r} has no role {role_id!r}", "invalid")
        if role.observer:
            raise DomainError(f"role {role_id!r} is for everyone not cast", "invalid")
        if role_id in assigned:
            raise DomainError(f"role {role_id!r} is assigned twice", "invalid")
        if participant_id is not None:
            _member(state, participant_id)
            if participant_id in assigned.values():
                raise DomainError(f"participant {participant_id!r} has two roles", "invalid")
        assigned[role_id] = participant_id
    missing = sorted(cast - assigned.keys())
    if missing:
        raise DomainError(f"roles not assigned: {', '.join(missing)}", "invalid")
    role_play_id = f"role-play-{len(state.role_plays) + 1}"
    return [e.RolePlayPushed(role_play_id, spec, tuple(assigned.items()), cmd.at)]


@_decides(c.StartDebrief)
def _start_debrief(state: SessionState, cmd: c.StartDebrief) -> list[e.Event]:
    role_play = _role_play(state, cmd.role_play_id)
    if role_play.phase is not RolePlayPhase.PLAYING:
        raise DomainError(f"cannot debrief a role-play that is {role_play.phase}", "illegal_state")
    return [e.DebriefStarted(role_play.id, cmd.at)]


@_decides(c.EndRolePlay)
def _end_role_play(state: SessionState, cmd: c.EndRolePlay) -> list[e.Event]:
    role_play = _role_play(state, cmd.role_play_id)
    if role_play.phase is RolePlayPhase.ENDED:
        raise DomainError(f"role-play {role_play.id!r} has already ended", "illegal_state")
    return [e.RolePlayEnded(role_play.id, cmd.at)]


@_decides(c.PushPrompt)
def _push_prompt(state: SessionState, cmd: c.PushPrompt) -> list[e.Event]:
    _running(state, "push a prompt")
    text = _text(cmd.text, "a prompt")
    return [e.PromptPushed(f"prompt-{len(state.prompts) + 1}", text, cmd.at)]


@_decides(c.ClearPrompt)
def _clear_prompt(state: SessionState, cmd: c.ClearPrompt) -> list[e.Event]:
    if state.prompt is None:
        raise DomainError("there is no prompt to clear", "illegal_state")
    return [e.PromptCleared(state.prompt.id, cmd.at)]


# -- signals and notes ----------------------------------------------------------------


@_decides(c.SendSignal)
def _signal(state: SessionState, cmd: c.SendSignal) -> list[e.Event]:
    if state.seen(cmd.participant_id, cmd.action_id):
        return []
    member = _member(state, cmd.participant_id)
    _not_ended(state, "send a signal")
    signal_id = f"signal-{len(state.signals) + 1}"
    return [e.SignalSent(signal_id, member.id, cmd.action_id, cmd.kind, cmd.at)]


@_decides(c.AcknowledgeSignal)
def _acknowledge(state: SessionState, cmd: c.AcknowledgeSignal) -> list[e.Event]:
    signal = next((s for s in state.signals if s.id == cmd.signal_id), None)
    if signal is None:
        raise DomainError(f"no signal {cmd.signal_id!r} in this session", "not_found")
    if signal.acknowledged:
        raise DomainError(f"signal {signal.id!r} is already acknowledged", "illegal_state")
    return [e.SignalAcknowledged(signal.id, cmd.at)]


@_decides(c.AddNote)
def _note(state: SessionState, cmd: c.AddNote) -> list[e.Event]:
    text = _text(cmd.text, "a note")
    return [e.NoteAdded(f"note-{len(state.notes) + 1}", text, cmd.at)]


# -- folding --------------------------------------------------------------------------


def fold(events: Iterable[e.Event]) -> SessionState:
    """Rebuild a session's state from its events, the first being SessionCreated."""
    iterator = iter(events)
    first = next(iterator, None)
    if not isinstance(first, e.SessionCreated):
        raise DomainError("a session log must begin with session_created", "corrupt")
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


def _leave_step(state: SessionState, at: float) -> None:
    if state.current_step is not None and state.step_entered_at is not None:
        state.step_seconds[state.current_step] += max(0.0, at - state.step_entered_at)


def _record_action(state: SessionState, participant_id: str, action_id: str) -> None:
    state.actions.setdefault(participant_id, []).append(action_id)


def _apply_joined(state: SessionState, ev: e.ParticipantJoined) -> None:
    state.participants[ev.participant_id] = Participant(
        ev.participant_id, ev.display_name, ev.chose_name, ev.at
    )


def _apply_left(state: SessionState, ev: e.ParticipantLeft) -> None:
    member = state.participants[ev.participant_id]
    member.left_at, member.removed, member.connected = ev.at, ev.removed, False


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


def _apply_poll_closed(state: SessionState, ev: e.PollClosed) -> None:
    poll = state.polls[ev.poll_id]
    poll.phase, poll.closed_at, poll.ballots = PollPhase.CLOSED, ev.at, list(ev.ballots)
    if state.open_poll == ev.poll_id:
        state.open_poll = None


def _apply_role_play(state: SessionState, ev: e.RolePlayPushed) -> None:
    state.role_plays[ev.role_play_id] = RolePlay(
        ev.role_play_id, ev.spec, dict(ev.assignments), state.current_step, ev.at
    )
    state.active_role_play = ev.role_play_id


def _apply_role_play_ended(state: SessionState, ev: e.RolePlayEnded) -> None:
    role_play = state.role_plays[ev.role_play_id]
    role_play.phase, role_play.ended_at = RolePlayPhase.ENDED, ev.at
    if state.active_role_play == ev.role_play_id:
        state.active_role_play = None


def _apply_prompt_cleared(state: SessionState, ev: e.PromptCleared) -> None:
    next(p for p in state.prompts if p.id == ev.prompt_id).cleared_at = ev.at


def _apply_signal(state: SessionState, ev: e.SignalSent) -> None:
    state.signals.append(Signal(ev.signal_id, ev.participant_id, ev.kind, ev.at))
    _record_action(state, ev.participant_id, ev.action_id)


def _apply_acknowledged(state: SessionState, ev: e.SignalAcknowledged) -> None:
    next(s for s in state.signals if s.id == ev.signal_id).acknowledged = True


def _set(attr: str, value: Any) -> Callable[[SessionState, Any], None]:
    return lambda state, _ev: setattr(state, attr, value)


def _set_member(attr: str, value: Any) -> Callable[[SessionState, Any], None]:
    return lambda state, ev: setattr(state.participants[ev.participant_id], attr, value)


def _apply_prompt(state: SessionState, ev: e.PromptPushed) -> None:
    if state.prompt is not None:
        state.prompt.cleared_at = ev.at
    state.prompts.append(Prompt(ev.prompt_id, ev.text, ev.at))


def _apply_note(state: SessionState, ev: e.NoteAdded) -> None:
    state.notes.append(Note(ev.note_id, ev.text, ev.at, state.current_step))


def _apply_revealed(state: SessionState, ev: e.PollRevealed) -> None:
    state.polls[ev.poll_id].phase = PollPhase.REVEALED


def _apply_debrief(state: SessionState, ev: e.DebriefStarted) -> None:
    state.role_plays[ev.role_play_id].phase = RolePlayPhase.DEBRIEF


_APPLIERS: dict[type[e.Event], Callable[[SessionState, Any], None]] = {
    e.ParticipantJoined: _apply_joined,
    e.ParticipantConnected: _set_member("connected", True),
    e.ParticipantDisconnected: _set_member("connected", False),
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
    e.PollClosed: _apply_poll_closed,
    e.PollRevealed: _apply_revealed,
    e.RolePlayPushed: _apply_role_play,
    e.DebriefStarted: _apply_debrief,
    e.RolePlayEnded: _apply_role_play_ended,
    e.PromptPushed: _apply_prompt,
    e.PromptCleared: _apply_prompt_cleared,
    e.SignalSent: _apply_signal,
    e.SignalAcknowledged: _apply_acknowledged,
    e.NoteAdded: _apply_note,
}
