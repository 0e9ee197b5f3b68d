"""What a session is made of, as loaded from a protocol: steps, polls, role-plays.

These are frozen values. A session's log carries copies of them, so that a session
replays the same way after the protocol file has been edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: A result is never shown for fewer answers than this, whatever a protocol asks.
MIN_REVEAL_THRESHOLD = 2


class StepKind(StrEnum):
    CHECK_IN = "check_in"
    DISCUSSION = "discussion"
    PSYCHOEDUCATION = "psychoeducation"
    ROLE_PLAY = "role_play"
    HOMEWORK_REVIEW = "homework_review"
    BREAK = "break"
    CLOSING = "closing"
    MEMBER_ROUND = "member_round"


class PollType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    SCALE = "scale"
    MULTIPLE_CHOICE = "multiple_choice"
    SHORT_TEXT = "short_text"
    INSTRUMENT = "instrument"
    RANKING = "ranking"


@dataclass(frozen=True)
class StepSpec:
    kind: StepKind
    title: str
    minutes: int
    note: str = ""
    poll: str | None = None
    role_play: str | None = None


@dataclass(frozen=True)
class ItemSpec:
    """One item of an instrument, answered on the instrument's shared options."""

    id: str
    text: str
    risk: bool = False


@dataclass(frozen=True)
class PollSpec:
    id: str
    question: str
    type: PollType
    anonymous: bool = True
    options: tuple[str, ...] = ()
    min: int = 0
    max: int = 10
    reveal_threshold: int = 3
    max_length: int = 280
    # Instruments only: one score per option, the items, and a factor for the total
    # (WHO-5 multiplies its raw sum by 4).
    scores: tuple[int, ...] = ()
    items: tuple[ItemSpec, ...] = ()
    multiplier: int = 1
    # Results only the facilitator may see; never revealed to the room.
    facilitator_only: bool = False
    # Instruments only: the instrument file's id. A protocol may ask an instrument under a
    # poll id of its own (to ask it by name, say); "" in logs written before that.
    instrument: str = ""

    @property
    def has_risk_item(self) -> bool:
        return any(item.risk for item in self.items)

    @property
    def instrument_id(self) -> str | None:
        """Return the id of the instrument this poll asks, or None for a protocol's own poll."""
        if self.type is not PollType.INSTRUMENT:
            return None
        return self.instrument or self.id


@dataclass(frozen=True)
class RoleSpec:
    id: str
    name: str
    setup: str
    # The observers' card goes to every member without another role.
    observer: bool = False


@dataclass(frozen=True)
class RolePlaySpec:
    id: str
    title: str
    area: str
    scenario: str
    roles: tuple[RoleSpec, ...]
    debrief: tuple[str, ...]

    def role(self, role_id: str) -> RoleSpec | None:
        return next((role for role in self.roles if role.id == role_id), None)
