"""The poll-kind registry: every kind has one entry, and the ranking kind end to end in the core."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from facilitator.core import commands as c
from facilitator.core import events as e
from facilitator.core.answers import check_spec
from facilitator.core.engine import handle
from facilitator.core.errors import DomainError
from facilitator.core.poll_kinds import KINDS, poll_kind, protocol_types
from facilitator.core.spec import PollType
from facilitator.core.state import poll_answer_summary
from tests.factories import ORDER, T0, answer_all, new_session


def test_every_poll_type_has_one_registry_entry() -> None:
    assert set(KINDS) == set(PollType)
    assert all(entry.type is kind for kind, entry in KINDS.items())


CLIENT = Path(__file__).parent.parent / "client" / "js"


@pytest.mark.parametrize(
    ("module", "table"), [("results.js", "KINDS"), ("participant.js", "INPUTS")]
)
def test_every_poll_type_has_a_client_entry(module: str, table: str) -> None:
    text = (CLIENT / module).read_text(encoding="utf-8")
    body = text[text.index(f"const {table} = {{") :]
    body = body[: body.index("\n};")]
    keys = set(re.findall(r"^  ([a-z_]+): ", body, re.M))
    assert keys == {t.value for t in PollType}


def test_an_unregistered_poll_type_is_refused_not_treated_as_another_kind() -> None:
    with pytest.raises(DomainError, match="Unknown poll type 'ordering'"):
        poll_kind("ordering")


def test_protocols_may_use_every_kind_but_instruments() -> None:
    assert set(protocol_types()) == {t.value for t in PollType} - {"instrument"}


def test_a_ranking_needs_two_options() -> None:
    with pytest.raises(DomainError, match="'priorities' needs at least two options"):
        check_spec(replace(ORDER, options=("sleep",)))


def _ranked(values: list[object], *, spec=ORDER):
    state = new_session(len(values), start=True)
    handle(state, c.OpenPoll(T0 + 150, spec))
    events = answer_all(state, "poll-1", values)
    return state, events


def test_an_anonymous_ranking_stores_the_order_as_a_ballot_without_the_member() -> None:
    _, events = _ranked([[2, 0, 1]])
    assert events[1] == e.BallotCast("poll-1", [2, 0, 1])


def test_a_ranking_is_tallied_as_borda_points_and_mean_rank_per_option() -> None:
    state, _ = _ranked([[0, 1, 2], [0, 2, 1], [2, 0, 1]])
    summary = poll_answer_summary(state.polls["poll-1"])
    # sleep: 2 + 2 + 1; friends: 1 + 0 + 0; work: 0 + 1 + 2.
    assert summary == {
        "count": 3,
        "points": {"sleep": 5, "friends": 1, "work": 3},
        "mean_ranks": {"sleep": 1.33, "friends": 2.67, "work": 2.0},
    }


def test_a_ranking_with_no_answers_has_no_mean_rank() -> None:
    state, _ = _ranked([])
    assert poll_answer_summary(state.polls["poll-1"])["mean_ranks"] == {
        "sleep": None,
        "friends": None,
        "work": None,
    }


def test_a_named_ranking_is_recorded_against_the_member() -> None:
    state, _ = _ranked([[1, 2, 0]], spec=replace(ORDER, anonymous=False))
    assert state.polls["poll-1"].answers == {"p1": [1, 2, 0]}
