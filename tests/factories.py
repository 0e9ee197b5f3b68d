"""Build sessions, polls and role-plays for tests of the engine and the stores."""

from __future__ import annotations

from facilitator.core import commands as c
from facilitator.core.engine import create, handle
from facilitator.core.events import Event
from facilitator.core.spec import (
    ItemSpec,
    PollSpec,
    PollType,
    RolePlaySpec,
    RoleSpec,
    StepKind,
    StepSpec,
)
from facilitator.core.state import SessionState

AGENDA = (
    StepSpec(StepKind.CHECK_IN, "Check-in", 10, "Ask each member for a mood number.", "mood10"),
    StepSpec(StepKind.DISCUSSION, "Link mood and events", 20, "Invite two members to share."),
    StepSpec(StepKind.ROLE_PLAY, "Practise asking", 25, "Set up the scene.", None, "ask_help"),
    StepSpec(StepKind.CLOSING, "Homework", 10, "Each member names one step."),
)

MOOD = PollSpec("mood10", "How is your mood today, 0 to 10?", PollType.SCALE, anonymous=True)
NAMED = PollSpec(
    "tried_step",
    "Did you try your step this week?",
    PollType.SINGLE_CHOICE,
    anonymous=False,
    options=("yes", "partly", "no"),
)
WORDS = PollSpec(
    "one_word", "One word for today", PollType.SHORT_TEXT, anonymous=True, max_length=40
)
PICK = PollSpec(
    "helped", "What helped?", PollType.MULTIPLE_CHOICE, options=("talking", "listening", "plan")
)
ORDER = PollSpec(
    "priorities",
    "Put these in order, most important first",
    PollType.RANKING,
    options=("sleep", "friends", "work"),
)
RISKY = PollSpec(
    "phq9-lite",
    "Over the last 2 weeks, how often have you been bothered by the following?",
    PollType.INSTRUMENT,
    anonymous=False,
    facilitator_only=True,
    options=("Not at all", "Several days", "More than half the days", "Nearly every day"),
    scores=(0, 1, 2, 3),
    items=(ItemSpec("1", "Little interest"), ItemSpec("9", "Thoughts of harm", risk=True)),
)

ROLE_PLAY = RolePlaySpec(
    id="ask_help",
    title="Asking family for help",
    area="transitions",
    scenario="A new parent asks a sister to help one evening a week.",
    roles=(
        RoleSpec("protagonist", "New parent", "You ask your sister for one evening a week."),
        RoleSpec("other", "Sister", "You are busy but you care."),
        RoleSpec("observers", "Observers", "Notice what helps the request land.", observer=True),
    ),
    debrief=("How did it feel?", "What would you change?"),
)

T0 = 1_700_000_000.0


def new_session(members: int = 0, *, start: bool = False) -> SessionState:
    """Return a session in the lobby with `members` joined as p1..pN, started if asked."""
    command = c.CreateSession(T0, "s1", "group-ipt-8", 1, 2, "Session 2", AGENDA)
    state, _ = create(command)
    for n in range(1, members + 1):
        handle(state, c.Join(T0 + n, f"p{n}", None, f"Member {n}"))
    if start:
        handle(state, c.Start(T0 + 100))
    return state


def answer_all(state: SessionState, poll_id: str, values: list[object]) -> list[Event]:
    """Have p1..pN answer `poll_id` with `values`, in order; return the events."""
    events: list[Event] = []
    for n, value in enumerate(values, start=1):
        command = c.SubmitAnswer(T0 + 200 + n, f"p{n}", f"a-{poll_id}-{n}", poll_id, value)
        events += handle(state, command)
    return events
