"""Data written by the first release is upgraded at start: no answer kept beyond the rules."""

from __future__ import annotations

import json
import os
from pathlib import Path

from facilitator.core import commands as c
from facilitator.core.codec import state_to_dict
from facilitator.core.engine import create, handle
from facilitator.core.events import Event, PollClosed
from facilitator.core.state import SessionState
from facilitator.service.loading import load_state
from facilitator.service.upgrades import DATA_VERSION, upgrade
from facilitator.storage.base import Snapshot, Store
from facilitator.storage.redis import RedisStore
from facilitator.storage.sqlite import SQLiteStore
from tests.factories import AGENDA, MOOD, T0


def _plant_ballot(store: Store, session_id: str, poll_id: str, value: object) -> None:
    """Put back a ballot the way the first release left it in a closed poll's box."""
    if isinstance(store, SQLiteStore):
        store._write(
            lambda db: db.execute(
                "INSERT INTO ballots VALUES (?, ?, ?, ?)",
                (session_id, poll_id, os.urandom(16), json.dumps(value)),
            )
        )
    else:
        assert isinstance(store, RedisStore)
        store._redis.zadd(store._key("ballots", session_id, poll_id), {f"x:{value}": 0.5})
        store._redis.sadd(store._key("polls", session_id), poll_id)


def _first_release_session(store: Store) -> SessionState:
    """Store a session as the first release did: every poll_closed carried its ballots."""
    state, events = create(c.CreateSession(T0, "s1", "group-ipt-8", 1, 2, "S", AGENDA))
    version = store.append("s1", 0, events)
    script: list[c.Command] = [
        *(c.Join(T0 + n, f"p{n}", None, f"Member {n}") for n in range(1, 5)),
        c.Start(T0 + 10),
        c.OpenPoll(T0 + 20, MOOD),
        c.SubmitAnswer(T0 + 21, "p1", "a1", "poll-1", 7),
    ]
    for command in script:
        version = store.append("s1", version, handle(state, command))
    # poll-1: one answer, closed below the threshold with its answer in the log.
    legacy: list[Event] = [PollClosed("poll-1", (7,), T0 + 30)]
    version = store.append("s1", version, legacy)
    handle(state, c.ClosePoll(T0 + 30, "poll-1"))
    _plant_ballot(store, "s1", "poll-1", 7)
    # poll-2: three answers, closed at the threshold; a snapshot taken while it was open.
    version = store.append("s1", version, handle(state, c.OpenPoll(T0 + 40, MOOD)))
    for n, value in zip(range(1, 4), (2, 5, 9), strict=True):
        answer = c.SubmitAnswer(T0 + 40 + n, f"p{n}", f"b{n}", "poll-2", value)
        version = store.append("s1", version, handle(state, answer))
    store.save_snapshot("s1", Snapshot(version, state_to_dict(state)))
    version = store.append("s1", version, handle(state, c.ClosePoll(T0 + 50, "poll-2")))
    _plant_ballot(store, "s1", "poll-2", 5)
    return state


def _closed_events(store: Store) -> dict[str, list[object]]:
    return {
        event.poll_id: list(event.ballots)
        for _, event in store.read("s1")
        if isinstance(event, PollClosed)
    }


def _raw_sqlite(store: Store) -> bytes:
    assert isinstance(store, SQLiteStore)
    (path,) = [row[2] for row in store._db.execute("PRAGMA database_list")]
    files = [path, f"{path}-wal"]
    return b"".join(Path(f).read_bytes() for f in files if os.path.exists(f))


def test_upgrade_drops_what_the_first_release_kept_beyond_the_rules(store: Store) -> None:
    _first_release_session(store)
    if isinstance(store, SQLiteStore):
        assert b'"ballots": [7]' in _raw_sqlite(store)
    assert _closed_events(store)["poll-1"] == [7]
    assert store.ballots("s1", "poll-1") == [7]
    assert store.load_snapshot("s1") is not None
    assert store.data_version() == 0

    upgrade(store)

    assert _closed_events(store) == {"poll-1": [], "poll-2": [2, 5, 9]}
    assert store.ballots("s1", "poll-1") == store.ballots("s1", "poll-2") == []
    assert store.load_snapshot("s1") is None
    assert store.data_version() == DATA_VERSION
    state = load_state(store, "s1")
    assert (state.polls["poll-1"].count, state.polls["poll-1"].ballots) == (1, [])
    assert state.polls["poll-2"].ballots == [2, 5, 9]
    # The log keeps its versions and every other event as it was.
    assert [v for v, _ in store.read("s1")] == list(range(1, state.version + 1))
    if isinstance(store, SQLiteStore):
        assert b'"ballots": [7]' not in _raw_sqlite(store)


def test_upgrade_runs_once(store: Store) -> None:
    upgrade(store)
    assert store.data_version() == DATA_VERSION
    _first_release_session(store)
    upgrade(store)  # already at this version: a later session is not read again
    assert _closed_events(store)["poll-1"] == [7]
