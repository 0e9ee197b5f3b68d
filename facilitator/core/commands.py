"""What facilitators and participants ask of a session.

Every command carries `at`, the time it was received: the engine reads no clock.
Participant commands that a phone may retry carry the phone's own `action_id`.
"""

from __future__ import annotations

from dataclasses import dataclass

from facilitator.core.spec import PollSpec, RolePlaySpec, StepSpec
from facilitator.core.state import Answer, RiskAction, SignalKind


@dataclass(frozen=True)
class Command:
    at: float


@dataclass(frozen=True)
class CreateSession(Command):
    session_id: str
    protocol_id: str
    protocol_version: int
    session_number: int
    title: str
    agenda: tuple[StepSpec, ...]
    # The code members type to join, and the facilitator account that runs it.
    join_code: str = ""
    owner: str = ""
    # The course this session is a meeting of; "" for a one-off session.
    course_id: str = ""
    # The protocol session's fidelity checklist, ticked at the end of the meeting.
    checklist: tuple[str, ...] = ()
    # The language its screens read the protocol in.
    language: str = "en"


@dataclass(frozen=True)
class Join(Command):
    participant_id: str
    # The name the member typed, or None to use the generated pseudonym.
    display_name: str | None
    pseudonym: str
    # When the member agreed to the consent text, and which text (its version): no
    # member joins without it (the service refuses first; see service/consent.py).
    consented_at: float | None = None
    consent_version: str = ""
    # The language the phone chose; "" follows the session's.
    language: str = ""


@dataclass(frozen=True)
class AddMember(Command):
    """A facilitator adds a member who has no phone: they take part by interview (the
    facilitator enters their answers), and are in the session as any member is."""

    participant_id: str
    # The name the facilitator typed, or None to use the generated pseudonym.
    display_name: str | None
    pseudonym: str
    by: str = ""


@dataclass(frozen=True)
class Leave(Command):
    participant_id: str


@dataclass(frozen=True)
class RemoveParticipant(Command):
    participant_id: str


@dataclass(frozen=True)
class LockJoining(Command):
    pass


@dataclass(frozen=True)
class UnlockJoining(Command):
    pass


@dataclass(frozen=True)
class Start(Command):
    pass


@dataclass(frozen=True)
class Next(Command):
    pass


@dataclass(frozen=True)
class Previous(Command):
    pass


@dataclass(frozen=True)
class Jump(Command):
    index: int


@dataclass(frozen=True)
class End(Command):
    pass


@dataclass(frozen=True)
class OpenPoll(Command):
    spec: PollSpec


@dataclass(frozen=True)
class SubmitAnswer(Command):
    participant_id: str
    action_id: str
    poll_id: str
    value: Answer


@dataclass(frozen=True)
class EnterAnswer(Command):
    """A facilitator enters a member's answer, asked by interview (no phone, or reading
    is hard): recorded as the member's, marked as entered."""

    poll_id: str
    participant_id: str
    value: Answer
    by: str = ""


@dataclass(frozen=True)
class ClosePoll(Command):
    poll_id: str


@dataclass(frozen=True)
class RevealPoll(Command):
    poll_id: str
    # False: the results are revealed to the facilitators only, to be reviewed (and
    # words hidden) before they are shown to the room with ShowResults.
    show: bool = True


@dataclass(frozen=True)
class ShowResults(Command):
    """Put a revealed poll's results on the room display and the phones."""

    poll_id: str


@dataclass(frozen=True)
class HideResults(Command):
    """Take the shown results off the room display and the phones."""


@dataclass(frozen=True)
class PinResults(Command):
    """Keep the shown results up across step changes (pinned), or let a step clear them."""

    pinned: bool


@dataclass(frozen=True)
class ReopenPoll(Command):
    """Open a closed poll again, for those who have not answered (or for everyone, when
    its answers were dropped at a close below its threshold)."""

    poll_id: str


@dataclass(frozen=True)
class HideWord(Command):
    """Keep one word of a short-text poll off the room (moderation), or let it back."""

    poll_id: str
    word: str
    hidden: bool


@dataclass(frozen=True)
class PushRolePlay(Command):
    spec: RolePlaySpec
    # role id -> participant id, or None when the facilitator plays the role.
    assignments: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class StartDebrief(Command):
    role_play_id: str


@dataclass(frozen=True)
class EndRolePlay(Command):
    role_play_id: str


@dataclass(frozen=True)
class PushPrompt(Command):
    text: str


@dataclass(frozen=True)
class ClearPrompt(Command):
    pass


@dataclass(frozen=True)
class SendSignal(Command):
    participant_id: str
    action_id: str
    kind: SignalKind


@dataclass(frozen=True)
class AcknowledgeSignal(Command):
    signal_id: str


@dataclass(frozen=True)
class RecordRiskAction(Command):
    """Record what was done about a risk alert: it leaves the open alerts."""

    alert_id: str
    action: RiskAction
    # Required for RiskAction.OTHER: what was done, in words.
    note: str = ""
    by: str = ""


@dataclass(frozen=True)
class AddNote(Command):
    text: str
    # The facilitator account that wrote the note: the owner or a co-facilitator.
    by: str = ""


@dataclass(frozen=True)
class InviteCoFacilitator(Command):
    """Let another facilitator account run the session's console; only the owner may."""

    user: str
    # Whether they may also export the session, which is otherwise the owner's alone.
    may_export: bool


@dataclass(frozen=True)
class RemoveCoFacilitator(Command):
    user: str


@dataclass(frozen=True)
class MoveRound(Command):
    """Move the member round on by `delta` places among `count` members (the service
    knows the course's members; the session does not)."""

    delta: int
    count: int


@dataclass(frozen=True)
class RecordFidelity(Command):
    """The facilitator's fidelity checklist for the meeting, ticked at its end: `done`
    holds the indices of the session's checklist items ticked."""

    done: tuple[int, ...]
    reflection: str
    by: str = ""


@dataclass(frozen=True)
class ReverseRolePlay(Command):
    """Play a role-play again with the two main roles' cards swapped between their players."""

    role_play_id: str


@dataclass(frozen=True)
class RecordDecision(Command):
    """At the meeting before the group: whether a member joins the group or is referred
    elsewhere, with a note of why or where."""

    participant_id: str
    decision: str
    note: str
    by: str = ""


@dataclass(frozen=True)
class EraseParticipant(Command):
    """Remove what the session keeps of one member: their name and named answers.

    The log's earlier events are rewritten by the service (core.erasure says how);
    this command's event scrubs the state every process holds.
    """

    participant_id: str


@dataclass(frozen=True)
class SetSessionLanguage(Command):
    """A facilitator sets the language the session's screens read the protocol in."""

    language: str
    # The languages the session's protocol is offered in: no other may be chosen.
    offered: tuple[str, ...]


@dataclass(frozen=True)
class SetMemberLanguage(Command):
    """A member's phone chooses the language it reads the protocol in."""

    participant_id: str
    language: str
    offered: tuple[str, ...]
