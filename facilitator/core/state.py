"""The state of one live session, rebuilt by folding its events (see engine.apply)."""

from __future__ import annotations

import json
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# Answer is re-exported: commands and events name it from here.
from facilitator.core.poll_kinds import Answer as Answer
from facilitator.core.poll_kinds import poll_kind
from facilitator.core.spec import (
    MIN_REVEAL_THRESHOLD,
    PollSpec,
    RolePlaySpec,
    StepSpec,
)


class SessionPhase(StrEnum):
    LOBBY = "lobby"
    RUNNING = "running"
    ENDED = "ended"


class PollPhase(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    REVEALED = "revealed"


class RolePlayPhase(StrEnum):
    PLAYING = "playing"
    DEBRIEF = "debrief"
    ENDED = "ended"


class SignalKind(StrEnum):
    PASS = "pass"  # noqa: S105 (a signal, not a password)
    BREAK = "break"
    SUPPORT = "support"


class RiskAction(StrEnum):
    """What a facilitator did after a risk alert, as they record it."""

    SPOKE = "spoke_with_them"
    SAFETY_PLAN = "safety_plan"
    REFERRED = "referred"
    EMERGENCY = "emergency_services"
    OTHER = "other"


# What an erased member is called from then on, everywhere their name was.
ERASED_NAME = "Erased member"


@dataclass
class Participant:
    id: str
    name: str
    # True when the member typed a name; False for a generated pseudonym.
    chose_name: bool
    joined_at: float
    left_at: float | None = None
    removed: bool = False
    # When they agreed to the consent text, and its version (None, "": not asked).
    consented_at: float | None = None
    consent_version: str = ""
    # Their name and named answers were erased; `name` is ERASED_NAME from then on.
    erased: bool = False
    # Added by a facilitator, without a phone: their answers are entered by interview.
    no_phone: bool = False
    # The language their phone chose for the protocol's texts; "" follows the session's.
    language: str = ""

    @property
    def present(self) -> bool:
        return self.left_at is None


@dataclass
class Poll:
    id: str
    spec: PollSpec
    step: int | None
    opened_at: float
    phase: PollPhase = PollPhase.OPEN
    closed_at: float | None = None
    # Who has answered, for one answer per person. For an anonymous poll this is
    # the only trace of the member: the answers themselves sit in `ballots`.
    voters: list[str] = field(default_factory=list)
    # Anonymous answers, kept sorted so that no order links an answer to a voter.
    ballots: list[Answer] = field(default_factory=list)
    # Named answers by participant id.
    answers: dict[str, Answer] = field(default_factory=dict)
    # Answers a facilitator entered by interview: participant id -> who entered it.
    entered: dict[str, str] = field(default_factory=dict)
    # Short-text words (normalised, see poll_kinds.normalize_word) kept off the room.
    hidden_words: list[str] = field(default_factory=list)
    # How many had answered when its results were last there to be seen: revealed, or
    # (anonymous) closed with them kept, as any export of a closed poll shows them; 0
    # while never. See `too_few_new`.
    seen_count: int = 0
    # Reopened after a close at least once: its earlier close's results are dropped from
    # the log before it closes again (service/sessions.py says why).
    reopened: bool = False

    @property
    def count(self) -> int:
        return len(self.voters)

    @property
    def threshold(self) -> int:
        return max(MIN_REVEAL_THRESHOLD, self.spec.reveal_threshold)

    @property
    def new_answers(self) -> int:
        """Return how many answered since its results were last there to be seen."""
        return self.count - self.seen_count

    @property
    def too_few_new(self) -> bool:
        """Tell whether its results, seen before a reopen, moved by fewer than k answers.

        Whoever saw both (the room, a console, an export) would learn by the difference
        what the members who answered in between gave, and the console's roster and the
        log name them. No new answer, or at least k, tell no one's.
        """
        return self.seen_count > 0 and 0 < self.new_answers < self.threshold


@dataclass
class RolePlay:
    id: str
    spec: RolePlaySpec
    # role id -> participant id; None when the facilitator plays that role.
    assignments: dict[str, str | None]
    step: int | None
    started_at: float
    phase: RolePlayPhase = RolePlayPhase.PLAYING
    ended_at: float | None = None
    # The role-play this one replays with the main roles swapped; "" for a first play.
    reverses: str = ""


@dataclass
class Prompt:
    id: str
    text: str
    at: float
    cleared_at: float | None = None


@dataclass
class Signal:
    id: str
    participant_id: str
    kind: SignalKind
    at: float
    acknowledged: bool = False
    acknowledged_at: float | None = None


@dataclass
class Note:
    id: str
    text: str
    at: float
    step: int | None
    # The facilitator account that wrote it; "" for notes logged by older releases.
    by: str = ""


@dataclass
class RiskAlert:
    id: str
    participant_id: str
    poll_id: str
    item_id: str
    at: float
    # What a facilitator did about it, when and who: None while the alert is open.
    action: RiskAction | None = None
    note: str = ""
    acted_at: float | None = None
    acted_by: str = ""

    @property
    def open(self) -> bool:
        return self.action is None


@dataclass
class FidelityItem:
    text: str
    done: bool


@dataclass
class Fidelity:
    """The facilitator's fidelity checklist for the meeting, as last recorded."""

    items: list[FidelityItem]
    reflection: str
    by: str
    at: float


#: What can be decided for a member at the meeting before the group.
DECISIONS = ("join", "refer")


@dataclass
class Decision:
    decision: str
    note: str
    by: str
    at: float


@dataclass
class SessionState:
    id: str
    protocol_id: str
    protocol_version: int
    session_number: int
    title: str
    agenda: list[StepSpec]
    created_at: float
    join_code: str = ""
    owner: str = ""
    # Other facilitator accounts that may run the session: user -> may export it too.
    co_facilitators: dict[str, bool] = field(default_factory=dict)
    # The course this session is a meeting of; "" for a one-off session.
    course_id: str = ""
    # The protocol session's fidelity checklist, and how it was last ticked.
    checklist: list[str] = field(default_factory=list)
    # The language the consoles and the room display read the protocol's texts in, and
    # phones that chose none. The agenda and specs above stay in the protocol's own
    # language, as the log keeps them; views read them in this one (service/wording.py).
    language: str = "en"
    # Where the member round stands: an index into the course's members, or None.
    round_index: int | None = None
    version: int = 0
    # The version counting only public events: what members and the display are shown.
    public_version: int = 0
    phase: SessionPhase = SessionPhase.LOBBY
    started_at: float | None = None
    ended_at: float | None = None
    current_step: int | None = None
    step_entered_at: float | None = None
    # Seconds spent on each agenda step so far, not counting the current visit.
    step_seconds: list[float] = field(default_factory=list)
    locked: bool = False
    participants: dict[str, Participant] = field(default_factory=dict)
    polls: dict[str, Poll] = field(default_factory=dict)
    open_poll: str | None = None
    # The poll whose results the room display and the phones show, and whether they stay
    # shown across step changes.
    shown_results: str | None = None
    results_pinned: bool = False
    role_plays: dict[str, RolePlay] = field(default_factory=dict)
    active_role_play: str | None = None
    prompts: list[Prompt] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    risk_alerts: list[RiskAlert] = field(default_factory=list)
    fidelity: Fidelity | None = None
    # At the meeting before the group: participant id -> whether they join (see DECISIONS).
    decisions: dict[str, Decision] = field(default_factory=dict)
    # Client action ids already applied, per participant: a retry is a no-op.
    actions: dict[str, list[str]] = field(default_factory=dict)
    # Facilitator command ids already applied, with the version their append reached: a
    # retry, or the same command decided again after a lost store reply, gets that back.
    commands: dict[str, int] = field(default_factory=dict)
    # The version the last facilitator command brought the log to. A console's `version`
    # is stale only when it is older than this: members' answers and presence move the
    # session's version all the time, and must not refuse the facilitator's next click.
    command_version: int = 0
    # Counts the events that may have changed a poll, or what is shown of every poll (who
    # is present, the session's phase): views keep what they made of the polls while it
    # stays. Events that never touch a poll (prompts, notes, signals) leave it. Not part
    # of what the session is, so not compared.
    poll_changes: int = field(default=0, compare=False)

    @property
    def prompt(self) -> Prompt | None:
        if self.prompts and self.prompts[-1].cleared_at is None:
            return self.prompts[-1]
        return None

    @property
    def members_present(self) -> int:
        """Return how many members are in the session now (joined, not left)."""
        return self._presence()[0]

    def may_answer(self, poll: Poll) -> int:
        """Return how many members present can answer `poll`: an anonymous poll is answered
        on a phone only (an answer entered by a facilitator would name its member)."""
        return self.may_answer_on_phones() if poll.spec.anonymous else self.members_present

    def may_answer_on_phones(self) -> int:
        """Return how many members present have a phone to answer with."""
        present, without_phone = self._presence()
        return present - without_phone

    def _presence(self) -> tuple[int, int]:
        """Return (members present, of them added without a phone).

        Counting walks every member, and the room's "N of M answered" asks after every
        answer: a vote of a thousand walked a million members. So the counts are kept,
        and the fold moves them as members join and leave (`roster_joined`,
        `roster_left`). Kept outside the dataclass's fields, so no snapshot or comparison
        sees them."""
        kept: tuple[int, int] | None = self.__dict__.get("_presence_kept")
        if kept is None:
            present = [m for m in self.participants.values() if m.present]
            kept = (len(present), sum(1 for m in present if m.no_phone))
            self.__dict__["_presence_kept"] = kept
        return kept

    def names_present(self) -> AbstractSet[str]:
        """Return the names of the members present, case folded: a joining member's name
        must differ from all of them. Kept and moved like the counts above, so that a
        join into a crowd does not walk the crowd."""
        kept: set[str] | None = self.__dict__.get("_names_kept")
        if kept is None:
            kept = {m.name.casefold() for m in self.participants.values() if m.present}
            self.__dict__["_names_kept"] = kept
        return kept

    def roster_joined(self, member: Participant, before: Participant | None) -> None:
        """Move what is kept about the members present: `member` joined (again, when
        `before` is their earlier entry)."""
        counts: tuple[int, int] | None = self.__dict__.get("_presence_kept")
        names: set[str] | None = self.__dict__.get("_names_kept")
        if before is not None:
            self.roster_moved()
            return
        if counts is not None:
            self.__dict__["_presence_kept"] = (counts[0] + 1, counts[1] + int(member.no_phone))
        if names is not None:
            names.add(member.name.casefold())

    def roster_left(self, member: Participant, *, was_present: bool) -> None:
        """Move what is kept about the members present: `member` left or was removed."""
        counts: tuple[int, int] | None = self.__dict__.get("_presence_kept")
        names: set[str] | None = self.__dict__.get("_names_kept")
        if not was_present or member.erased:
            # Erased members share one name: the set cannot tell whether another keeps it.
            self.roster_moved()
            return
        if counts is not None:
            self.__dict__["_presence_kept"] = (counts[0] - 1, counts[1] - int(member.no_phone))
        if names is not None:
            names.discard(member.name.casefold())

    def roster_moved(self) -> None:
        """Forget what is kept about the members present, to count it afresh."""
        self.__dict__.pop("_presence_kept", None)
        self.__dict__.pop("_names_kept", None)

    def language_of(self, participant_id: str) -> str:
        """Return the language a member's phone reads: its own choice, else the session's."""
        member = self.participants.get(participant_id)
        return (member.language if member else "") or self.language

    def step_elapsed(self, index: int, now: float) -> float:
        """Return the seconds spent on step `index`, including a visit under way."""
        spent = self.step_seconds[index]
        if index == self.current_step and self.step_entered_at is not None:
            spent += max(0.0, now - self.step_entered_at)
        return spent

    def seen(self, participant_id: str, action_id: str) -> bool:
        return action_id in self.actions.get(participant_id, ())


def poll_answer_summary(poll: Poll) -> dict[str, Any]:
    """Return a poll's results as counts; the caller decides who may see them."""
    spec = poll.spec
    values = list(poll.ballots) if spec.anonymous else list(poll.answers.values())
    return summarize(spec, values)


def summarize(spec: PollSpec, values: list[Answer]) -> dict[str, Any]:
    """Aggregate answers without any reference to who gave them."""
    return {"count": len(values), **poll_kind(spec.type).tally(spec, values)}


def ballot_key(value: Answer) -> str:
    """Return the sort key that orders ballots by content, never by arrival."""
    return json.dumps(value, sort_keys=True)
