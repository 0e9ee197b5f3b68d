"""What every EventStore backend promises; run against each backend."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from facilitator.core import commands as c
from facilitator.core.codec import snapshot_to_dict, state_to_dict
from facilitator.core.engine import create, handle
from facilitator.core.errors import DomainError
from facilitator.core.events import (
    BallotCast,
    CoFacilitatorInvited,
    CoFacilitatorRemoved,
    Event,
    NoteAdded,
    SessionStarted,
)
from facilitator.service.loading import load_state
from facilitator.storage.base import (
    AuditEntry,
    EventStore,
    Holding,
    Snapshot,
    StorageError,
    Store,
    VersionConflict,
)
from facilitator.storage.redis import RedisStore
from facilitator.storage.sqlite import SQLiteStore
from tests.factories import AGENDA, MOOD, T0


def _created(store: EventStore, session_id: str = "s1", owner: str = "", at: float = T0) -> int:
    command = c.CreateSession(at, session_id, "group-ipt-8", 1, 2, "Session 2", AGENDA, owner=owner)
    _, events = create(command)
    return store.append(session_id, 0, events)


def test_append_returns_the_new_version_and_read_returns_events_in_order(store) -> None:
    assert _created(store) == 1
    version = store.append("s1", 1, [SessionStarted(T0 + 1), NoteAdded("note-1", "x", T0 + 2)])
    assert version == 3
    assert store.version("s1") == 3
    assert [v for v, _ in store.read("s1")] == [1, 2, 3]
    assert store.read("s1", since=2) == [(3, NoteAdded("note-1", "x", T0 + 2))]


def test_append_at_a_stale_version_is_refused_and_writes_nothing(store) -> None:
    _created(store)
    store.append("s1", 1, [SessionStarted(T0 + 1)])
    with pytest.raises(VersionConflict, match="at version 2, not 1"):
        store.append("s1", 1, [NoteAdded("note-1", "late", T0 + 2), BallotCast("poll-1", 3)])
    assert store.version("s1") == 2
    assert store.ballots("s1", "poll-1") == []


def test_a_log_must_begin_with_session_created(store) -> None:
    with pytest.raises(StorageError, match="must begin with session_created"):
        store.append("s9", 0, [SessionStarted(T0)])
    assert store.version("s9") == 0
    assert store.sessions() == []


def test_ballots_take_no_version_and_are_read_back_per_poll(store) -> None:
    _created(store)
    version = store.append("s1", 1, [BallotCast("poll-1", 4), BallotCast("poll-1", [1, 2])])
    store.append("s1", version, [BallotCast("poll-2", "calm")])
    assert version == 1
    assert sorted(map(str, store.ballots("s1", "poll-1"))) == ["4", "[1, 2]"]
    assert store.ballots("s1", "poll-2") == ["calm"]
    assert store.read("s1", since=1) == []


def test_snapshots_keep_the_newest(store) -> None:
    _created(store)
    store.save_snapshot("s1", Snapshot(5, {"v": 5}))
    store.save_snapshot("s1", Snapshot(3, {"v": 3}))
    assert store.load_snapshot("s1") == Snapshot(5, {"v": 5})
    assert store.load_snapshot("other") is None


def test_sessions_are_listed_and_deleted_for_real(store) -> None:
    _created(store, "s1")
    _created(store, "s2")
    store.append("s2", 1, [BallotCast("poll-1", 1)])
    store.save_snapshot("s2", Snapshot(1, {}))
    assert {(r.id, r.title, r.version) for r in store.sessions()} == {
        ("s1", "Session 2", 1),
        ("s2", "Session 2", 1),
    }
    store.delete("s2")
    assert [r.id for r in store.sessions()] == ["s1"]
    assert (store.read("s2"), store.ballots("s2", "poll-1"), store.load_snapshot("s2")) == (
        [],
        [],
        None,
    )


def test_state_rebuilt_from_snapshot_and_tail_equals_the_live_state(store) -> None:
    state, created = create(c.CreateSession(T0, "s1", "group-ipt-8", 1, 2, "Session 2", AGENDA))
    version = store.append("s1", 0, created)
    script = [
        *(c.Join(T0 + n, f"p{n}", None, f"Member {n}") for n in range(1, 5)),
        c.Start(T0 + 100),
        c.OpenPoll(T0 + 150, MOOD),
        c.SubmitAnswer(T0 + 151, "p1", "a1", "poll-1", 2),
        c.SubmitAnswer(T0 + 152, "p2", "a2", "poll-1", 8),
        c.SubmitAnswer(T0 + 153, "p3", "a3", "poll-1", 5),
    ]
    for n, command in enumerate(script):
        version = store.append("s1", version, handle(state, command))
        if n == 6:  # a snapshot taken mid-poll, with one ballot in it
            store.save_snapshot("s1", Snapshot(version, snapshot_to_dict(state)))
    rebuilt = load_state(store, "s1")
    assert state_to_dict(rebuilt) == state_to_dict(state)
    assert rebuilt.polls["poll-1"].ballots == [2, 5, 8]


def test_loading_an_unknown_session_is_a_clear_error(store) -> None:
    with pytest.raises(DomainError, match=r"There is no such session\."):
        load_state(store, "nope")


def test_audit_entries_are_kept_in_order_and_read_per_owner(store) -> None:
    first = AuditEntry(T0, "sign_in", "amina", "10.0.0.5", owner="amina")
    second = AuditEntry(T0 + 1, "export", "bo", "10.0.0.6", "bo", "s1", "log.jsonl")
    third = AuditEntry(T0 + 2, "session_deleted", "amina", "10.0.0.5", "amina", "s2")
    for entry in (first, second, third):
        store.add_audit(entry)
    assert store.audit_entries() == [first, second, third]
    assert store.audit_entries("amina") == [first, third]
    assert store.audit_entries("nobody") == []


def test_audit_entries_outlive_the_session_they_name(store) -> None:
    _created(store)
    entry = AuditEntry(T0, "session_deleted", "amina", "10.0.0.5", "amina", "s1")
    store.add_audit(entry)
    store.delete("s1")
    assert store.audit_entries("amina") == [entry]


def test_users_are_listed_and_removed(store) -> None:
    assert store.users() == []
    store.add_user("zoe", "hash-z")
    store.add_user("amina", "hash-a")
    assert store.users() == ["amina", "zoe"]
    assert store.remove_user("zoe") is True
    assert store.remove_user("zoe") is False
    assert store.users() == ["amina"]
    assert store.password_hash("zoe") is None
    assert store.password_hash("amina") == "hash-a"


def _held(*members: str) -> frozenset[str]:
    return frozenset(members)


def test_presence_is_the_union_of_what_every_process_holds(store: Store) -> None:
    assert store.hold("a", [Holding("s1", _held("p1", "p2"))], 5) == [2]
    assert store.hold("b", [Holding("s1", _held("p2", "p3")), Holding("s2", _held("p9"))], 5) == [
        2,
        1,
    ]
    assert store.present("s1") == {"p1", "p2", "p3"}
    assert store.present("s2") == {"p9"}
    assert store.present("nobody") == set()


def test_presence_changes_add_remove_and_replace_one_process_record(store: Store) -> None:
    store.hold("a", [Holding("s1", _held("p1", "p2"))], 5)
    assert store.hold("a", [Holding("s1", _held("p3"), _held("p1"))], 5) == [2]
    assert store.present("s1") == {"p2", "p3"}
    assert store.hold("a", [Holding("s1", _held("p7"), replace=True)], 5) == [1]
    assert store.present("s1") == {"p7"}
    assert store.hold("a", [Holding("s1", removed=_held("p7"))], 5) == [0]
    assert store.present("s1") == set()


def test_a_process_record_lapses_unless_it_is_kept_alive(store: Store) -> None:
    store.hold("a", [Holding("s1", _held("p1"))], 0.4)
    store.hold("b", [Holding("s1", _held("p2"))], 0.4)
    for _ in range(4):
        time.sleep(0.15)
        store.hold("b", [Holding("s1")], 0.4)  # b is alive; a has stopped
    assert store.present("s1") == {"p2"}
    # A change on top of a lapsed record starts from nothing; the count says so.
    assert store.hold("a", [Holding("s1", _held("p3"))], 0.4) == [1]
    assert store.present("s1") == {"p2", "p3"}


def test_the_presence_mark_moves_on_every_change_and_lapse_and_only_then(store: Store) -> None:
    def mark() -> str:
        return store.presence_marks(["s1"])["s1"]

    empty = mark()
    store.hold("a", [Holding("s1", _held("p1"))], 0.5)
    first = mark()
    assert first != empty
    store.hold("a", [Holding("s1")], 0.5)
    store.hold("b", [Holding("s2", _held("p1"))], 5)
    assert mark() == first  # kept alive, or another session changed: the same mark
    store.hold("a", [Holding("s1", removed=_held("p1"))], 0.5)
    emptied = mark()
    assert emptied != first
    store.hold("a", [Holding("s1", _held("p1"))], 0.5)
    again = mark()
    assert again not in (first, emptied)  # the same members again, yet a new mark
    time.sleep(0.7)
    assert mark() != again  # the record lapsed with its process
    assert store.presence_marks([]) == {}


# -- co-facilitators ------------------------------------------------------------------


def _invited(user: str, may_export: bool = False, at: float = T0 + 5) -> Event:
    return CoFacilitatorInvited(user, may_export, at)


def _ids(records: list[Any]) -> list[str]:
    return [record.id for record in records]


def test_sessions_of_an_account_include_those_it_co_facilitates(store: Store) -> None:
    _created(store, "s1", "asha", T0)
    _created(store, "s2", "ben", T0 + 1)
    _created(store, "s3", "asha", T0 + 2)
    store.append("s1", 1, [_invited("ben"), _invited("cleo", True)])
    store.append("s3", 1, [_invited("ben", True)])
    assert _ids(store.sessions_of("ben")) == ["s3", "s2", "s1"]  # newest first
    assert _ids(store.sessions_of("cleo")) == ["s1"]
    assert _ids(store.sessions_of("asha")) == ["s3", "s1"]
    assert _ids(store.sessions_of("dev")) == []
    by_id = {record.id: record for record in store.sessions()}
    assert by_id["s1"].co_facilitators == ("ben", "cleo")
    assert (by_id["s2"].co_facilitators, by_id["s3"].co_facilitators) == ((), ("ben",))
    assert store.sessions_of("ben")[2] == by_id["s1"]


def test_a_removed_co_facilitator_no_longer_finds_the_session(store: Store) -> None:
    _created(store, "s1", "asha")
    version = store.append("s1", 1, [_invited("ben"), _invited("cleo")])
    # A changed grant is a second invitation: still one entry.
    version = store.append("s1", version, [_invited("ben", True, T0 + 6)])
    version = store.append("s1", version, [CoFacilitatorRemoved("cleo", T0 + 7)])
    assert [r.co_facilitators for r in store.sessions()] == [("ben",)]
    assert store.sessions_of("cleo") == []
    # Invited and removed within one append: the order of the events decides.
    store.append("s1", version, [_invited("dev"), CoFacilitatorRemoved("dev", T0 + 8)])
    assert store.sessions_of("dev") == []
    assert _ids(store.sessions_of("ben")) == ["s1"]


def test_an_append_refused_as_stale_changes_no_co_facilitator(store: Store) -> None:
    _created(store, "s1", "asha")
    store.append("s1", 1, [SessionStarted(T0 + 1)])
    with pytest.raises(VersionConflict):
        store.append("s1", 1, [_invited("ben")])
    with pytest.raises(StorageError, match="must begin with session_created"):
        store.append("s9", 0, [_invited("ben")])
    assert store.sessions_of("ben") == []
    assert [r.co_facilitators for r in store.sessions()] == [()]


def test_of_two_racing_appends_only_the_winner_s_co_facilitator_is_kept(store: Store) -> None:
    _created(store, "s1", "asha")
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def invite(user: str) -> None:
        start.wait()
        try:
            store.append("s1", 1, [_invited(user)])
            outcomes[user] = "kept"
        except VersionConflict:
            outcomes[user] = "refused"

    threads = [threading.Thread(target=invite, args=(user,)) for user in ("ben", "cleo")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["kept", "refused"]
    (winner,) = [user for user, outcome in outcomes.items() if outcome == "kept"]
    assert [r.co_facilitators for r in store.sessions()] == [(winner,)]
    assert [user for user in ("ben", "cleo") if store.sessions_of(user)] == [winner]


def test_deleting_a_session_deletes_its_co_facilitators(store: Store) -> None:
    _created(store, "s1", "asha")
    _created(store, "s2", "asha")
    store.append("s1", 1, [_invited("ben")])
    store.append("s2", 1, [_invited("ben")])
    store.delete("s1")
    assert _ids(store.sessions_of("ben")) == ["s2"]
    # A new session under the same id starts with no one invited.
    _created(store, "s1", "asha")
    assert {r.id: r.co_facilitators for r in store.sessions()} == {"s1": (), "s2": ("ben",)}


def _plant_old_events(
    store: Store, session_id: str, version: int, old: list[dict[str, Any]]
) -> int:
    """Log events as a release before co-facilitators wrote them: without `by`."""
    rows = [
        (session_id, version + n, data["type"], json.dumps(data)) for n, data in enumerate(old, 1)
    ]
    version += len(old)
    if isinstance(store, SQLiteStore):

        def write(db: sqlite3.Connection) -> None:
            db.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", rows)
            db.execute("UPDATE sessions SET version = ? WHERE id = ?", (version, session_id))

        store._write(write)
    else:
        assert isinstance(store, RedisStore)
        for _, at_version, _, data in rows:
            store._redis.xadd(store._key("log", session_id), {"e": data}, id=f"{at_version}-0")
        store._redis.hset(store._key("session", session_id), "version", version)
    return version


def test_a_log_and_a_snapshot_written_before_co_facilitators_still_load(store: Store) -> None:
    state, created = create(
        c.CreateSession(T0, "s1", "group-ipt-8", 1, 2, "Session 2", AGENDA, owner="asha")
    )
    version = store.append("s1", 0, created)
    version = store.append("s1", version, handle(state, c.Start(T0 + 1)))
    old: list[dict[str, Any]] = [
        {"type": "note_added", "note_id": "note-1", "text": "Old note", "at": T0 + 2},
        {"type": "command_recorded", "command_id": "cmd-1"},
    ]
    version = _plant_old_events(store, "s1", version, old)
    loaded = load_state(store, "s1")
    assert [(n.id, n.text, n.by) for n in loaded.notes] == [("note-1", "Old note", "")]
    assert (loaded.commands, loaded.co_facilitators) == ({"cmd-1": version}, {})
    # A snapshot of an older release: no co_facilitators, notes without `by`.
    snapshot = snapshot_to_dict(loaded)
    del snapshot["co_facilitators"]
    for note in snapshot["notes"]:
        del note["by"]
    store.save_snapshot("s1", Snapshot(version, snapshot))
    assert state_to_dict(load_state(store, "s1")) == state_to_dict(loaded)
    # The old session takes co-facilitators like a new one.
    store.append("s1", version, [_invited("ben", True)])
    assert load_state(store, "s1").co_facilitators == {"ben": True}
    assert _ids(store.sessions_of("ben")) == ["s1"]


def test_a_database_of_an_older_release_gains_co_facilitators_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = SQLiteStore(path)
    _created(store, "s1", "asha")
    store.close()
    # Take the database back to the schema of the release before co-facilitators.
    db = sqlite3.connect(path)
    db.execute("DROP TABLE co_facilitators")
    assert "co_facilitators" not in str(db.execute("SELECT sql FROM sqlite_master").fetchall())
    db.close()
    store = SQLiteStore(path)
    try:
        assert [(r.id, r.co_facilitators) for r in store.sessions()] == [("s1", ())]
        store.append("s1", 1, [_invited("ben")])
        assert _ids(store.sessions_of("ben")) == ["s1"]
    finally:
        store.close()
