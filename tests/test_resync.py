"""Resync after the message queue returns: what is sent, to whom, and when the store is slow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from facilitator.core import commands as c
from facilitator.library.catalog import Catalog
from facilitator.service.audience import (
    display_room,
    facilitator_room,
    language_room,
    member_room,
    participants_room,
)
from facilitator.service.resync import FIRST_PAUSE, Audience, Resync, audiences
from facilitator.service.sessions import SessionService
from facilitator.service.tokens import Actor, Role
from facilitator.storage.base import StorageError
from facilitator.storage.sqlite import SQLiteStore

CATALOG = Catalog.load()


class FlakyStore(SQLiteStore):
    """A real SQLite store that refuses its next `refusals` version reads, as Redis coming back."""

    refusals = 0

    def version(self, session_id: str) -> int:
        if self.refusals:
            self.refusals -= 1
            raise StorageError("the session store is unavailable")
        return super().version(session_id)


def _resync(
    service: SessionService, rooms: list[object], sent: list[tuple[str, str, dict[str, Any]]]
) -> tuple[Resync, list[float], list[Callable[[], None]]]:
    pauses: list[float] = []
    spawned: list[Callable[[], None]] = []
    resync = Resync(
        service,
        lambda: rooms,
        lambda event, data, room: sent.append((event, room, data)),
        spawned.append,
        pauses.append,
    )
    return resync, pauses, spawned


def _session(service: SessionService, members: int) -> tuple[str, list[Actor]]:
    state = service.create("amina", "group-ipt-8", 2)
    phones = [service.join(state.join_code, None, "10.0.0.1") for _ in range(members)]
    service.run(Actor(Role.FACILITATOR, state.id, user="amina"), lambda st, at: c.Start(at))
    return state.id, phones


def test_each_session_served_here_gets_its_views_once_and_each_member_here_its_own(
    tmp_path: Path,
) -> None:
    service = SessionService(SQLiteStore(tmp_path / "s.db"), CATALOG, lambda *args: None)
    served, phones = _session(service, 3)
    elsewhere, _ = _session(service, 1)
    here = phones[:2]  # the third member is connected to another process
    rooms: list[object] = [
        None,
        "a-connection-id",
        facilitator_room(served),
        participants_room(served),
        display_room(served),
        *(member_room(served, p.participant_id) for p in here),
    ]
    sent: list[tuple[str, str, dict[str, Any]]] = []
    resync, _, _ = _resync(service, rooms, sent)

    assert resync.once() == 1
    state = service.current(served)
    assert sorted((event, room) for event, room, _ in sent) == sorted(
        [
            ("view", facilitator_room(served)),
            ("view", participants_room(served)),
            ("view", display_room(served)),
            *(("personal", member_room(served, p.participant_id)) for p in here),
        ]
    )
    views = {room: data for _, room, data in sent}
    assert views[facilitator_room(served)]["version"] == state.version
    assert views[participants_room(served)]["version"] == state.public_version
    assert "join_code" in views[display_room(served)]
    for phone in here:
        assert views[member_room(served, phone.participant_id)]["id"] == phone.participant_id
    assert all(elsewhere not in room for room in views)


def test_sessions_the_store_refuses_are_tried_again_until_it_answers(tmp_path: Path) -> None:
    store = FlakyStore(tmp_path / "s.db")
    service = SessionService(store, CATALOG, lambda *args: None)
    sid, _ = _session(service, 1)
    sent: list[tuple[str, str, dict[str, Any]]] = []
    resync, pauses, _ = _resync(service, [participants_room(sid)], sent)
    store.refusals = 3

    assert resync.once() == 1
    assert [room for _, room, _ in sent] == [participants_room(sid)]
    assert [p for p in pauses if p] == [FIRST_PAUSE, 2 * FIRST_PAUSE, 4 * FIRST_PAUSE]


def test_an_erased_session_is_passed_over(tmp_path: Path) -> None:
    service = SessionService(SQLiteStore(tmp_path / "s.db"), CATALOG, lambda *args: None)
    sent: list[tuple[str, str, dict[str, Any]]] = []
    resync, _, _ = _resync(service, [participants_room("gone")], sent)
    assert resync.once() == 0
    assert sent == []


def test_asked_again_while_it_runs_it_runs_once_more_then_stops(tmp_path: Path) -> None:
    service = SessionService(SQLiteStore(tmp_path / "s.db"), CATALOG, lambda *args: None)
    sid, _ = _session(service, 1)
    sent: list[tuple[str, str, dict[str, Any]]] = []
    spawned: list[Callable[[], None]] = []
    passes: list[int] = []

    def rooms() -> list[object]:
        passes.append(1)
        if len(passes) == 1:
            resync.request()  # the queue dropped and returned again during the first pass
        return [participants_room(sid)]

    resync = Resync(
        service, rooms, lambda e, d, r: sent.append((e, r, d)), spawned.append, lambda s: None
    )
    resync.request()
    resync.request()  # before the task began: its one pass reads after both
    assert len(spawned) == 1
    spawned[0]()
    assert len(passes) == len(sent) == 2
    resync.request()
    assert len(spawned) == 2


def test_a_language_room_counts_as_the_phones_of_its_session() -> None:
    rooms: list[object] = [language_room("s1", "fr"), member_room("s1", "m-a")]
    assert audiences(rooms) == {"s1": Audience(participants=True, members={"m-a"})}
