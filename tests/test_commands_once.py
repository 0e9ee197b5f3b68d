"""Facilitator commands with a command id apply once: retries, lost replies, restarts."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from facilitator.core import commands as c
from facilitator.core.events import Event
from facilitator.errors import Refused
from facilitator.library.catalog import Catalog
from facilitator.service.sessions import SessionService
from facilitator.service.tokens import Actor, Role
from facilitator.storage.base import StorageError, Store, VersionConflict

CATALOG = Catalog.load()


class LostReplyStore:
    """A store whose next append is written but answered with a failure, as when the
    reply of a store that applied a write is lost on the way back."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.lose_next: type[Exception] | None = None

    def append(self, session_id: str, expected_version: int, events: Sequence[Event]) -> int:
        version = self.inner.append(session_id, expected_version, events)
        lost, self.lose_next = self.lose_next, None
        if lost is VersionConflict:
            # What a client library's own retry of the applied write runs into.
            raise VersionConflict(session_id, expected_version, version)
        if lost is not None:
            raise lost("the reply was lost")
        return version

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _session(store: Store) -> tuple[SessionService, Actor]:
    service = SessionService(store, CATALOG, lambda *_: None, clock=lambda: 1e9)
    state = service.create("amina", "group-ipt-8", 2)
    console = Actor(Role.FACILITATOR, state.id, user="amina")
    service.run(console, lambda st, at: c.Start(at), command_id="start-1")
    return service, console


def _steps(service: SessionService, console: Actor) -> tuple[int | None, list[str]]:
    state = service.current(console.session_id)
    return state.current_step, [note.text for note in state.notes]


def test_a_retried_command_applies_once_and_gets_its_first_outcome(store: Store) -> None:
    service, console = _session(store)
    first = service.run(console, lambda st, at: c.Next(at), command_id="next-1")
    again = service.run(console, lambda st, at: c.Next(at), command_id="next-1")
    assert again.version == first.version and not again.events
    assert _steps(service, console)[0] == 1


def test_a_retry_with_the_version_it_was_sent_with_is_not_called_stale(store: Store) -> None:
    service, console = _session(store)
    version = service.current(console.session_id).version
    first = service.run(console, lambda st, at: c.Next(at), version, command_id="next-1")
    again = service.run(console, lambda st, at: c.Next(at), version, command_id="next-1")
    assert again.version == first.version
    with pytest.raises(Refused, match=f"after version {version}"):
        service.run(console, lambda st, at: c.Next(at), version, command_id="next-2")


@pytest.mark.parametrize("lost", [VersionConflict, StorageError])
def test_a_command_whose_store_reply_was_lost_is_recorded_once(
    store: Store, lost: type[Exception]
) -> None:
    flaky = LostReplyStore(store)
    service, console = _session(flaky)
    # Told "not saved" (or, after a conflict, nothing at all): the console retries.
    flaky.lose_next = lost
    with contextlib.suppress(StorageError):
        service.run(console, lambda st, at: c.AddNote(at, "one"), command_id="note-1")
    flaky.lose_next = lost
    with contextlib.suppress(StorageError):
        service.run(console, lambda st, at: c.Next(at), command_id="next-1")
    service.run(console, lambda st, at: c.AddNote(at, "one"), command_id="note-1")
    service.run(console, lambda st, at: c.Next(at), command_id="next-1")
    assert _steps(service, console) == (1, ["one"])


def test_command_ids_survive_a_restart_and_other_processes(tmp_path: Path, store: Store) -> None:
    service, console = _session(store)
    first = service.run(console, lambda st, at: c.Next(at), command_id="next-1")
    other = SessionService(store, CATALOG, lambda *_: None, clock=lambda: 1e9)
    again = other.run(console, lambda st, at: c.Next(at), command_id="next-1")
    assert again.version == first.version
    assert _steps(other, console)[0] == 1


class SlowStore:
    """A store whose reads take `delay` seconds, as a Redis that is slow to answer."""

    def __init__(self, inner: Store, delay: float) -> None:
        self.inner = inner
        self.delay = delay

    def version(self, session_id: str) -> int:
        time.sleep(self.delay)
        return self.inner.version(session_id)

    def read(self, session_id: str, since: int = 0) -> list[tuple[int, Event]]:
        time.sleep(self.delay)
        return self.inner.read(session_id, since)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_command_the_store_held_up_past_the_deadline_is_refused_not_recorded(
    store: Store,
) -> None:
    service, console = _session(store)
    slow = SlowStore(store, 0.3)
    late = SessionService(slow, CATALOG, lambda *_: None, clock=lambda: 1e9, deadline=0.2)
    with pytest.raises(Refused, match="Nothing was saved") as refused:
        late.run(console, lambda st, at: c.AddNote(at, "late"), command_id="note-1")
    assert refused.value.code == "busy"
    assert _steps(service, console) == (0, [])


def test_a_command_that_waited_past_the_deadline_for_its_session_is_refused(
    store: Store,
) -> None:
    service, console = _session(store)
    busy = SessionService(store, CATALOG, lambda *_: None, clock=lambda: 1e9, deadline=0.2)
    holding, release = threading.Event(), threading.Event()

    def slow_note(state: Any, at: float) -> c.Command:
        holding.set()
        release.wait(5)
        return c.AddNote(at, "first")

    outcomes: list[Exception] = []

    def first() -> None:
        try:
            busy.run(console, slow_note, None, "note-1")
        except Refused as error:
            outcomes.append(error)

    worker = threading.Thread(target=first)
    worker.start()
    try:
        assert holding.wait(5)
        started = time.monotonic()
        with pytest.raises(Refused) as refused:
            busy.run(console, lambda st, at: c.AddNote(at, "second"), command_id="note-2")
        assert refused.value.code == "busy"
        assert time.monotonic() - started < 1
    finally:
        release.set()
        worker.join(5)
    # The first was decided too late as well: refused, not written behind its sender's back.
    assert [error.code for error in outcomes if isinstance(error, Refused)] == ["busy"]
    assert _steps(service, console) == (0, [])
