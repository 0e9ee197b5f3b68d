"""Everything that can happen in a session, as typed events.

Each event has a `name` used in the log. Events are facts: they are applied without
checks (engine.apply); every check happens before, when a command is decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from facilitator.core.spec import PollSpec, RolePlaySpec, StepSpec
from facilitator.core.state import Answer, RiskAction, SignalKind


@dataclass(frozen=True)
class Event:
    name: ClassVar[str]
    # A ballot is stored apart from the ordered log (see BallotCast).
    ballot: ClassVar[bool] = False
    # Whether the room may learn that this happened. Private events (answers, signals,
    # joins, notes) do not move the version members and the display see, so that
    # not even a counter tells them someone answered or asked for support.
    public: ClassVar[bool] = True


@dataclass(frozen=True)
class SessionCreated(Event):
    name = "session_created"
    session_id: str
    protocol_id: str
    protocol_version: int
    session_number: int
    title: str
    agenda: tuple[StepSpec, ...]
    at: float
    join_code: str = ""
    owner: str = ""
    # The course this session is a meeting of; "" for a one-off session (and in logs
    # from before courses).
    course_id: str = ""
    # The protocol session's fidelity checklist, copied so that the record reads the
    # same after the protocol file changes; empty in logs from before checklists.
    checklist: tuple[str, ...] = ()
    # The language the session's screens read the protocol in; English in older logs.
    language: str = "en"


@dataclass(frozen=True)
class ParticipantJoined(Event):
    name = "participant_joined"
    public = False
    participant_id: str
    display_name: str
    chose_name: bool
    at: float
    # When the member agreed to the consent text and its version; None and "" in logs
    # of older releases, which asked for no consent.
    consented_at: float | None = None
    consent_version: str = ""
    # Added by a facilitator (this account) for a member without a phone, who takes
    # part by interview; False and "" for a member who joined on their phone.
    no_phone: bool = False
    added_by: str = ""
    # The language the member's phone chose; "" follows the session's.
    language: str = ""


@dataclass(frozen=True)
class ParticipantConnected(Event):
    name = "participant_connected"
    public = False
    participant_id: str
    at: float


@dataclass(frozen=True)
class ParticipantDisconnected(Event):
    name = "participant_disconnected"
    public = False
    participant_id: str
    at: float


@dataclass(frozen=True)
class ParticipantLeft(Event):
    name = "participant_left"
    public = False
    participant_id: str
    removed: bool
    at: float


@dataclass(frozen=True)
class JoiningLocked(Event):
    name = "joining_locked"
    public = False
    at: float


@dataclass(frozen=True)
class JoiningUnlocked(Event):
    name = "joining_unlocked"
    public = False
    at: float


@dataclass(frozen=True)
class SessionStarted(Event):
    name = "session_started"
    at: float


@dataclass(frozen=True)
class StepEntered(Event):
    name = "step_entered"
    index: int
    at: float


@dataclass(frozen=True)
class SessionEnded(Event):
    name = "session_ended"
    at: float


@dataclass(frozen=True)
class PollOpened(Event):
    name = "poll_opened"
    poll_id: str
    spec: PollSpec
    at: float


@dataclass(frozen=True)
class NamedAnswerRecorded(Event):
    name = "named_answer_recorded"
    public = False
    poll_id: str
    participant_id: str
    action_id: str
    value: Answer
    at: float
    # The facilitator who entered the answer for the member, by interview; "" when the
    # member answered on their phone.
    entered_by: str = ""


@dataclass(frozen=True)
class AnonymousVoteCounted(Event):
    """A member answered an anonymous poll; what they answered is in a BallotCast."""

    name = "anonymous_vote_counted"
    public = False
    poll_id: str
    participant_id: str
    action_id: str
    at: float


@dataclass(frozen=True)
class BallotCast(Event):
    """An anonymous answer: no participant, no time, no position in the log."""

    name = "ballot_cast"
    public = False
    ballot = True
    poll_id: str
    value: Answer


@dataclass(frozen=True)
class RiskFlagged(Event):
    name = "risk_flagged"
    public = False
    alert_id: str
    participant_id: str
    poll_id: str
    item_id: str
    at: float


@dataclass(frozen=True)
class RiskActionRecorded(Event):
    """A facilitator recorded what was done about a risk alert; the alert is then closed."""

    name = "risk_action_recorded"
    public = False
    alert_id: str
    action: RiskAction
    note: str
    at: float
    by: str = ""


@dataclass(frozen=True)
class PollClosed(Event):
    name = "poll_closed"
    poll_id: str
    # The anonymous answers, sorted, so that the log alone holds the results; empty when
    # fewer than the poll's threshold answered, so that they are never kept at all.
    ballots: tuple[Answer, ...]
    at: float


@dataclass(frozen=True)
class PollRevealed(Event):
    name = "poll_revealed"
    poll_id: str
    at: float
    # Shown to the room at once; False: revealed to the facilitators only. True in logs
    # of older releases, where a revealed poll was always shown.
    show: bool = True


@dataclass(frozen=True)
class ResultsShown(Event):
    """A revealed poll's results are on the room display and the phones, replacing any."""

    name = "results_shown"
    poll_id: str
    at: float


@dataclass(frozen=True)
class ResultsHidden(Event):
    """No results are shown to the room any more (and none are pinned)."""

    name = "results_hidden"
    at: float


@dataclass(frozen=True)
class ResultsPinned(Event):
    name = "results_pinned"
    pinned: bool
    at: float


@dataclass(frozen=True)
class PollReopened(Event):
    """A closed poll is open again. An anonymous poll's kept answers go back into its
    ballot box (as ballots cast with this event), so that its next close holds them all
    in one sorted whole; `cleared`: its answers were dropped at a close below its
    threshold, so its voters are forgotten and everyone may answer again."""

    name = "poll_reopened"
    poll_id: str
    cleared: bool
    at: float


@dataclass(frozen=True)
class WordHidden(Event):
    """A short-text poll's word (normalised) is kept off the room, or let back."""

    name = "word_hidden"
    poll_id: str
    word: str
    hidden: bool
    at: float


@dataclass(frozen=True)
class RolePlayPushed(Event):
    name = "role_play_pushed"
    role_play_id: str
    spec: RolePlaySpec
    assignments: tuple[tuple[str, str | None], ...]
    at: float
    # The role-play this one plays again with the main roles swapped; "" for a first play.
    reverses: str = ""


@dataclass(frozen=True)
class DebriefStarted(Event):
    name = "debrief_started"
    role_play_id: str
    at: float


@dataclass(frozen=True)
class RolePlayEnded(Event):
    name = "role_play_ended"
    role_play_id: str
    at: float


@dataclass(frozen=True)
class PromptPushed(Event):
    name = "prompt_pushed"
    prompt_id: str
    text: str
    at: float


@dataclass(frozen=True)
class PromptCleared(Event):
    name = "prompt_cleared"
    prompt_id: str
    at: float


@dataclass(frozen=True)
class SignalSent(Event):
    name = "signal_sent"
    public = False
    signal_id: str
    participant_id: str
    action_id: str
    kind: SignalKind
    at: float


@dataclass(frozen=True)
class SignalAcknowledged(Event):
    name = "signal_acknowledged"
    public = False
    signal_id: str
    at: float


@dataclass(frozen=True)
class NoteAdded(Event):
    name = "note_added"
    public = False
    note_id: str
    text: str
    at: float
    # The facilitator account that wrote it; "" in logs of older releases.
    by: str = ""


@dataclass(frozen=True)
class CoFacilitatorInvited(Event):
    """Another facilitator account may run the session, or had its export grant changed."""

    name = "co_facilitator_invited"
    public = False
    user: str
    may_export: bool
    at: float


@dataclass(frozen=True)
class CoFacilitatorRemoved(Event):
    name = "co_facilitator_removed"
    public = False
    user: str
    at: float


@dataclass(frozen=True)
class MemberRoundMoved(Event):
    """The member round of a meeting shows the member at `index` of the course's list."""

    name = "member_round_moved"
    public = False
    index: int
    at: float


@dataclass(frozen=True)
class CommandRecorded(Event):
    """A facilitator command with a client-chosen id was applied; it ends that command's
    events in one append, so that a retry with the same id is known and applied once."""

    name = "command_recorded"
    public = False
    command_id: str
    # The facilitator account whose command it was; "" in logs of older releases.
    by: str = ""


@dataclass(frozen=True)
class FidelityRecorded(Event):
    """The fidelity checklist as the facilitator ticked it; a later record replaces it."""

    name = "fidelity_recorded"
    public = False
    items: tuple[str, ...]
    done: tuple[bool, ...]
    reflection: str
    by: str
    at: float


@dataclass(frozen=True)
class DecisionRecorded(Event):
    """A member's pre-group decision: "join" the group, or "refer" elsewhere."""

    name = "pre_group_decision_recorded"
    public = False
    participant_id: str
    decision: str
    note: str
    by: str
    at: float


@dataclass(frozen=True)
class SessionLanguageSet(Event):
    """A facilitator chose the language the session's screens read the protocol in."""

    name = "session_language_set"
    language: str
    at: float


@dataclass(frozen=True)
class MemberLanguageSet(Event):
    """A member's phone chose its own language: no one else's screen changes."""

    name = "member_language_set"
    public = False
    participant_id: str
    language: str
    at: float


@dataclass(frozen=True)
class ParticipantErased(Event):
    """A member's name and named answers were removed from the session, at their request
    or a facilitator's. It says who (an id) and when, nothing of what was removed."""

    name = "participant_erased"
    public = False
    participant_id: str
    at: float


@dataclass(frozen=True)
class Erased(Event):
    """Stands in the log where an erased member's event was: the versions stay."""

    name = "erased"
    public = False


EVENT_TYPES: dict[str, type[Event]] = {
    cls.name: cls
    for cls in (
        SessionCreated,
        ParticipantJoined,
        ParticipantConnected,
        ParticipantDisconnected,
        ParticipantLeft,
        JoiningLocked,
        JoiningUnlocked,
        SessionStarted,
        StepEntered,
        SessionEnded,
        PollOpened,
        NamedAnswerRecorded,
        AnonymousVoteCounted,
        BallotCast,
        RiskFlagged,
        RiskActionRecorded,
        PollClosed,
        PollRevealed,
        ResultsShown,
        ResultsHidden,
        ResultsPinned,
        PollReopened,
        WordHidden,
        RolePlayPushed,
        DebriefStarted,
        RolePlayEnded,
        PromptPushed,
        PromptCleared,
        SignalSent,
        SignalAcknowledged,
        NoteAdded,
        CommandRecorded,
        CoFacilitatorInvited,
        CoFacilitatorRemoved,
        MemberRoundMoved,
        FidelityRecorded,
        DecisionRecorded,
        ParticipantErased,
        Erased,
        SessionLanguageSet,
        MemberLanguageSet,
    )
}
