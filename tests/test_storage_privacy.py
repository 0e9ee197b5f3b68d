"""Rule 1 of DESIGN.md, read off the raw SQLite file: anonymous answers name no one."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from facilitator.core import commands as c
from facilitator.core.engine import create, handle
from facilitator.storage.sqlite import SQLiteStore
from tests.factories import AGENDA, MOOD, NAMED, T0

VALUES = {"p1": 7, "p2": 3, "p3": 9, "p4": 5}


def _run_polls(path: Path) -> None:
    store = SQLiteStore(path)
    state, events = create(c.CreateSession(T0, "s1", "group-ipt-8", 1, 2, "S", AGENDA))
    version = store.append("s1", 0, events)
    script: list[c.Command] = [
        *(c.Join(T0 + n, pid, None, f"Member {pid}") for n, pid in enumerate(VALUES, 1)),
        c.Start(T0 + 100),
        c.OpenPoll(T0 + 110, MOOD),
        *(
            c.SubmitAnswer(T0 + 111 + n, pid, f"act-{pid}", "poll-1", v)
            for n, (pid, v) in enumerate(VALUES.items())
        ),
        c.ClosePoll(T0 + 200, "poll-1"),
        c.OpenPoll(T0 + 210, NAMED),
        c.SubmitAnswer(T0 + 211, "p1", "named-1", "poll-2", 1),
    ]
    for command in script:
        version = store.append("s1", version, handle(state, command))
    store.close()


def test_raw_rows_of_an_anonymous_poll_hold_no_participant_reference(tmp_path: Path) -> None:
    path = tmp_path / "raw.db"
    _run_polls(path)
    db = sqlite3.connect(path)
    ballot_columns = [row[1] for row in db.execute("PRAGMA table_info(ballots)")]
    assert ballot_columns == ["session_id", "poll_id", "id", "value"]
    # The closed poll's ballot box is gone: its results are in its poll_closed event.
    assert db.execute("SELECT * FROM ballots WHERE poll_id = 'poll-1'").fetchall() == []

    events = [json.loads(d) for (d,) in db.execute("SELECT data FROM events ORDER BY version")]
    poll_1 = [ev for ev in events if ev.get("poll_id") == "poll-1"]
    votes = [ev for ev in poll_1 if ev["type"] == "anonymous_vote_counted"]
    # The voter set names members but never what they answered.
    assert [ev["participant_id"] for ev in votes] == list(VALUES)
    assert all("value" not in ev for ev in votes)
    # Results reach the log only as a sorted whole when the poll closes.
    (closed,) = [ev for ev in poll_1 if ev["type"] == "poll_closed"]
    assert closed["ballots"] == sorted(VALUES.values())
    assert not [ev for ev in poll_1 if "value" in ev]


def test_named_answers_are_stored_against_the_member(tmp_path: Path) -> None:
    path = tmp_path / "raw.db"
    _run_polls(path)
    rows = sqlite3.connect(path).execute(
        "SELECT data FROM events WHERE type = 'named_answer_recorded'"
    )
    (answer,) = [json.loads(d) for (d,) in rows]
    assert (answer["participant_id"], answer["value"]) == ("p1", 1)


def test_ballot_rows_do_not_sit_in_arrival_order(tmp_path: Path) -> None:
    # With random keys, 40 ballots 0..39 cast in order come back in key order, which
    # matches arrival order with a chance of 1 in 40!.
    store = SQLiteStore(tmp_path / "order.db")
    state, events = create(c.CreateSession(T0, "s1", "g", 1, 1, "S", AGENDA))
    version = store.append("s1", 0, events)
    from dataclasses import replace

    wide = replace(MOOD, max=50)
    version = store.append("s1", version, handle(state, c.Start(T0)))
    version = store.append("s1", version, handle(state, c.OpenPoll(T0, wide)))
    for n in range(40):
        version = store.append("s1", version, handle(state, c.Join(T0, f"m{n}", None, f"M{n}")))
        version = store.append(
            "s1", version, handle(state, c.SubmitAnswer(T0, f"m{n}", "a", "poll-1", n))
        )
    store.close()
    raw = [
        json.loads(v)
        for (v,) in sqlite3.connect(tmp_path / "order.db").execute("SELECT value FROM ballots")
    ]
    assert sorted(raw) == list(range(40))
    assert raw != list(range(40))
