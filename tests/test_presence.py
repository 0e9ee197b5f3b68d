"""Presence from live connections: counting, heartbeats, lapses and outages, per process."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest

from facilitator.service.presence import Presence
from facilitator.storage.base import Holding, StorageError
from facilitator.storage.memory_presence import MemoryPresence


class Outage(MemoryPresence):
    """The in-memory records, with a switch that makes every call fail as a dead Redis."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.holds: list[list[Holding]] = []
        self.reads = 0

    def hold(self, holder: str, holdings: Sequence[Holding], keep_for: float) -> list[int]:
        self._fail()
        self.holds.append(list(holdings))
        return super().hold(holder, holdings, keep_for)

    def presence_marks(self, session_ids: Sequence[str]) -> dict[str, str]:
        self._fail()
        return super().presence_marks(session_ids)

    def present(self, session_id: str) -> set[str]:
        self._fail()
        self.reads += 1
        return super().present(session_id)

    def _fail(self) -> None:
        if self.down:
            raise StorageError("the session store is unavailable")


@pytest.fixture
def store() -> Outage:
    return Outage()


def _process(store: Outage, changed: list[str], keep_for: float = 5.0) -> Presence:
    return Presence(store, changed.append, keep_for=keep_for)


def test_a_member_with_two_connections_is_online_until_both_close(store: Outage) -> None:
    process = _process(store, [])
    process.opened("s1", "p1")
    process.opened("s1", "p1")
    process.beat()
    process.closed("s1", "p1")
    process.beat()
    assert process.online("s1") == {"p1"}
    process.closed("s1", "p1")
    process.closed("s1", "p1")  # one close too many takes nothing from anyone
    process.beat()
    assert process.online("s1") == frozenset()


def test_heartbeats_that_change_nothing_send_no_view_and_write_no_members(
    store: Outage,
) -> None:
    changed: list[str] = []
    process = _process(store, changed)
    process.watch("s1")
    process.opened("s1", "p1")
    process.beat()
    assert changed == ["s1"]
    for _ in range(3):
        process.beat()
    assert changed == ["s1"]
    # Each later heartbeat only keeps the record alive: no member is written again.
    assert all(not (h.added or h.removed or h.replace) for beat in store.holds[1:] for h in beat)


def test_only_sessions_with_a_console_here_are_watched(store: Outage) -> None:
    changed: list[str] = []
    process = _process(store, changed)
    process.watch("s1")
    process.opened("s1", "p1")
    process.opened("s2", "p2")
    process.beat()
    process.unwatch("s1")
    process.opened("s1", "p3")
    process.beat()
    assert changed == ["s1"]


def test_a_console_on_another_process_sees_a_dead_process_members_go_away(
    store: Outage,
) -> None:
    changed: list[str] = []
    dead, alive = _process(store, [], keep_for=0.3), _process(store, changed, keep_for=0.3)
    dead.opened("s1", "p1")
    alive.opened("s1", "p2")
    dead.beat()
    alive.watch("s1")
    alive.beat()
    assert alive.online("s1") == {"p1", "p2"}
    changed.clear()
    # `dead` beats no more, as after a kill -9; `alive` goes on beating.
    for _ in range(5):
        time.sleep(0.1)
        alive.beat()
    assert changed == ["s1"]
    assert alive.online("s1") == {"p2"}


def test_a_disconnect_during_an_outage_is_written_when_the_store_returns(
    store: Outage,
) -> None:
    changed: list[str] = []
    process = _process(store, changed)
    process.opened("s1", "p1")
    process.opened("s1", "p2")
    process.watch("s1")
    process.beat()
    assert process.online("s1") == {"p1", "p2"}  # as the console's view was rendered
    store.down = True
    process.closed("s1", "p1")
    process.beat()
    assert process.online("s1") == frozenset({"p1", "p2"})  # the last known, meanwhile
    store.down = False
    changed.clear()
    process.beat()
    assert process.online("s1") == {"p2"}
    assert changed == ["s1"]
    assert store.holds[-1] == [Holding("s1", frozenset({"p2"}), replace=True)]


def test_a_record_that_lapsed_during_a_pause_is_written_again_in_full(store: Outage) -> None:
    process = _process(store, [], keep_for=0.1)
    process.opened("s1", "p1")
    process.opened("s1", "p2")
    process.beat()
    time.sleep(0.2)  # longer than the record lasts: as if the process had stalled
    process.opened("s1", "p3")
    process.beat()  # adds p3 to a record that is gone, and learns so from the count
    process.beat()
    assert process.online("s1") == {"p1", "p2", "p3"}


def test_a_console_connecting_during_an_outage_gets_a_view_once_the_store_returns(
    store: Outage,
) -> None:
    changed: list[str] = []
    process = _process(store, changed)
    store.down = True
    process.watch("s1")
    process.beat()
    store.down = False
    process.beat()
    assert changed == ["s1"]


def test_the_members_are_read_again_only_once_presence_moved(store: Outage) -> None:
    process = _process(store, [])
    process.watch("s1")
    for n in range(1000):
        process.opened("s1", f"p{n}")
    process.beat()
    for _ in range(5):  # a burst of answers: the console's view is rendered again and again
        assert len(process.online("s1")) == 1000
    assert store.reads == 1
    process.closed("s1", "p7")
    process.beat()
    assert "p7" not in process.online("s1")
    assert store.reads == 2


def test_what_was_read_is_forgotten_once_the_process_serves_the_session_no_more(
    store: Outage,
) -> None:
    process = _process(store, [])
    process.opened("s1", "p1")
    process.beat()
    assert process.online("s1") == {"p1"}
    process.online("s1")
    assert store.reads == 1  # a phone of the session is served here: kept
    process.closed("s1", "p1")
    process.online("s1")
    process.online("s1")
    assert store.reads == 3  # served no more: read each time, nothing kept
