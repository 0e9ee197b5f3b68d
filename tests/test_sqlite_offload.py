"""SQLite writes can leave the event loop: each transaction runs whole on the offload."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from facilitator.app import write_offload
from facilitator.core import commands as c
from facilitator.core.engine import create
from facilitator.core.events import Event
from facilitator.storage.base import VersionConflict
from facilitator.storage.sqlite import SQLiteStore
from tests.factories import AGENDA

T = TypeVar("T")


def _created(session_id: str = "s1") -> list[Event]:
    _, events = create(c.CreateSession(1.0, session_id, "group-ipt-8", 1, 2, "Two", AGENDA))
    return list(events)


class ThreadOffload:
    """Runs each call on a fresh OS thread and records the thread it ran on."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def __call__(self, call: Callable[[], T]) -> T:
        box: list[T] = []
        errors: list[BaseException] = []

        def run() -> None:
            self.threads.append(threading.get_ident())
            try:
                box.append(call())
            except BaseException as error:
                errors.append(error)

        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
        if errors:
            raise errors[0]
        return box[0]


def test_appends_run_on_the_offload_thread_and_are_read_back(tmp_path: Path) -> None:
    offload = ThreadOffload()
    store = SQLiteStore(tmp_path / "s.db", offload=offload)
    assert store.append("s1", 0, _created()) == 1
    assert offload.threads and threading.get_ident() not in offload.threads
    assert [event.name for _, event in store.read("s1")] == ["session_created"]


def test_a_conflict_on_the_offload_thread_reaches_the_caller_and_writes_nothing(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(tmp_path / "s.db", offload=ThreadOffload())
    store.append("s1", 0, _created())
    with pytest.raises(VersionConflict):
        store.append("s1", 0, _created())
    assert store.version("s1") == 1
    assert len(store.read("s1")) == 1


def test_gevent_writes_on_another_thread() -> None:
    # eventlet's offload is taken by the live eventlet test: importing it here would
    # patch this test process.
    offload = write_offload("gevent")
    assert offload is not None
    assert offload(threading.get_ident) != threading.get_ident()


def test_threading_mode_writes_inline() -> None:
    assert write_offload("threading") is None


class HeldOffload:
    """Holds the first commit until `waiting` more writes have queued behind it."""

    def __init__(self, waiting: int) -> None:
        self.waiting = waiting
        self.store: SQLiteStore | None = None
        self.calls = 0

    def __call__(self, call: Callable[[], T]) -> T:
        self.calls += 1
        if self.calls == 1:
            assert self.store is not None
            queued = lambda: len(self.store._queue) >= self.waiting  # noqa: E731
            deadline = time.monotonic() + 10
            while not queued() and time.monotonic() < deadline:
                time.sleep(0.005)
        return call()


def test_writes_queued_behind_a_commit_share_the_next_one_and_a_conflict_fails_alone(
    tmp_path: Path,
) -> None:
    offload = HeldOffload(waiting=5)
    store = SQLiteStore(tmp_path / "s.db", offload=offload)
    offload.store = store
    outcomes: dict[str, object] = {}

    def create_session(key: str, session_id: str) -> None:
        try:
            outcomes[key] = store.append(session_id, 0, _created(session_id))
        except VersionConflict as error:
            outcomes[key] = error

    first = threading.Thread(target=create_session, args=("first", "s0"))
    first.start()
    while offload.calls == 0:
        time.sleep(0.001)
    others = [
        threading.Thread(target=create_session, args=(key, sid))
        for key, sid in [("a", "s1"), ("b", "s2"), ("again", "s0"), ("c", "s3"), ("d", "s4")]
    ]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join(timeout=10)
    assert offload.calls == 2  # one commit for the first write, one for the five behind it
    assert isinstance(outcomes.pop("again"), VersionConflict)
    assert outcomes == {"first": 1, "a": 1, "b": 1, "c": 1, "d": 1}
    assert [store.version(f"s{n}") for n in range(5)] == [1] * 5
    assert len(store.read("s0")) == 1
