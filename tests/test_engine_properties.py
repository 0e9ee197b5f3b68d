"""Random command sequences: each applies or is refused cleanly, and the log replays."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilitator.core import commands as c
from facilitator.core.codec import event_from_dict, event_to_dict, state_to_dict
from facilitator.core.engine import create, handle
from facilitator.core.errors import DomainError
from facilitator.core.state import SignalKind
from facilitator.service.loading import load_state
from facilitator.storage.sqlite import SQLiteStore
from tests.factories import AGENDA, MOOD, NAMED, PICK, RISKY, ROLE_PLAY, T0, WORDS

MEMBERS = st.sampled_from(["p1", "p2", "p3", "p4"])
ANSWERS = st.one_of(
    st.integers(0, 3),
    st.lists(st.integers(0, 3), min_size=1, max_size=2, unique=True),
    st.text(min_size=1, max_size=5),
    st.sampled_from([-1, 11, None, [], [9], True, 2.5]),
)
# "fresh" becomes a new id when the sequence is built; "a1" repeats, as a retry would.
ACTIONS = st.sampled_from(["fresh", "fresh", "fresh", "a1"])
# "latest" becomes the newest poll when the command runs.
POLL_IDS = st.sampled_from(["latest", "latest", "latest", "poll-1", "poll-9"])
# "asha" owns the session: inviting her is refused.
FACILITATORS = st.sampled_from(["ben", "cleo", "asha"])


def _commands(at: float) -> st.SearchStrategy[c.Command]:
    return st.one_of(
        st.builds(c.Join, st.just(at), MEMBERS, st.sampled_from([None, "Ana", "Bo"]), MEMBERS),
        st.builds(c.Leave, st.just(at), MEMBERS),
        st.builds(c.RemoveParticipant, st.just(at), MEMBERS),
        st.just(c.LockJoining(at)),
        st.just(c.UnlockJoining(at)),
        st.just(c.Start(at)),
        st.just(c.Next(at)),
        st.just(c.Previous(at)),
        st.builds(c.Jump, st.just(at), st.integers(-1, len(AGENDA))),
        st.builds(c.OpenPoll, st.just(at), st.sampled_from([MOOD, NAMED, PICK, WORDS, RISKY])),
        st.builds(c.SubmitAnswer, st.just(at), MEMBERS, ACTIONS, POLL_IDS, ANSWERS),
        st.builds(c.ClosePoll, st.just(at), POLL_IDS),
        st.builds(c.RevealPoll, st.just(at), POLL_IDS),
        st.builds(
            c.PushRolePlay,
            st.just(at),
            st.just(ROLE_PLAY),
            st.tuples(
                st.tuples(st.just("protagonist"), MEMBERS),
                st.tuples(st.just("other"), st.one_of(st.none(), MEMBERS)),
            ),
        ),
        st.builds(c.StartDebrief, st.just(at), st.sampled_from(["role-play-1", "role-play-2"])),
        st.builds(c.EndRolePlay, st.just(at), st.sampled_from(["role-play-1", "role-play-2"])),
        st.builds(c.PushPrompt, st.just(at), st.sampled_from(["Breathe", " ", "Who helps?"])),
        st.just(c.ClearPrompt(at)),
        st.builds(c.SendSignal, st.just(at), MEMBERS, ACTIONS, st.sampled_from(SignalKind)),
        st.builds(c.AcknowledgeSignal, st.just(at), st.sampled_from(["signal-1", "signal-2"])),
        st.builds(
            c.AddNote,
            st.just(at),
            st.sampled_from(["Quiet group", ""]),
            st.sampled_from(["", "ben"]),
        ),
        st.builds(c.InviteCoFacilitator, st.just(at), FACILITATORS, st.booleans()),
        st.builds(c.RemoveCoFacilitator, st.just(at), FACILITATORS),
    )


# Built once: times are set after drawing, ten seconds apart.
COMMAND = _commands(0.0)
ANSWER = st.builds(c.SubmitAnswer, st.just(0.0), MEMBERS, ACTIONS, POLL_IDS, ANSWERS)
WARM_START = [c.Join(0.0, f"p{n}", None, f"Member {n}") for n in range(1, 5)] + [c.Start(0.0)]


POLL_ROUND = st.tuples(
    st.builds(c.OpenPoll, st.just(0.0), st.sampled_from([MOOD, NAMED, PICK, WORDS, RISKY])),
    st.lists(ANSWER, max_size=8),
    st.lists(
        st.sampled_from([c.ClosePoll(0.0, "latest"), c.RevealPoll(0.0, "latest")]), max_size=3
    ),
).map(lambda parts: [parts[0], *parts[1], *parts[2]])


@st.composite
def command_sequences(draw: st.DrawFn) -> list[c.Command]:
    """Usually a started session with members, then anything, with whole poll rounds."""
    drawn: list[c.Command] = list(WARM_START) if draw(st.integers(0, 4)) else []
    for chunk in draw(st.lists(st.one_of(COMMAND.map(lambda x: [x]), POLL_ROUND), max_size=30)):
        drawn += chunk
    if draw(st.booleans()):
        drawn.append(c.End(0.0))
        drawn += draw(st.lists(COMMAND, max_size=5))
    timed = [replace(command, at=T0 + 10.0 * n) for n, command in enumerate(drawn, start=1)]
    return [
        replace(command, action_id=f"act-{n}")  # type: ignore[call-arg]
        if getattr(command, "action_id", None) == "fresh"
        else command
        for n, command in enumerate(timed)
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commands=command_sequences())
def test_random_commands_apply_or_refuse_and_the_stored_log_rebuilds_the_state(
    commands: list[c.Command],
) -> None:
    store = SQLiteStore(":memory:")
    state, created = create(
        c.CreateSession(T0, "s1", "group-ipt-8", 1, 2, "Session 2", AGENDA, owner="asha")
    )
    version = store.append("s1", 0, created)
    for command in commands:
        if getattr(command, "poll_id", None) == "latest":
            command = replace(command, poll_id=f"poll-{len(state.polls)}")  # type: ignore[call-arg]
        before = state_to_dict(state)
        try:
            events = handle(state, command)
        except DomainError:
            assert state_to_dict(state) == before, f"{command} changed state and raised"
            continue
        for event in events:
            assert event_from_dict(event_to_dict(event)) == event
        version = store.append("s1", version, events)
        assert version == state.version
    assert state_to_dict(load_state(store, "s1")) == state_to_dict(state)
    store.close()
