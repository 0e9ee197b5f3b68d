"""The session service: append before broadcast, who hears what, several processes."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from facilitator.core import commands as c
from facilitator.core.state import SignalKind
from facilitator.errors import Refused
from facilitator.library.catalog import Catalog
from facilitator.service.audience import (
    display_room,
    facilitator_room,
    member_room,
    participants_room,
)
from facilitator.service.sessions import SessionService
from facilitator.service.tokens import Actor, Role
from facilitator.storage.sqlite import SQLiteStore

CATALOG = Catalog.load()


class Recorder:
    """Stands in for Socket.IO's emit: records (event, room) pairs."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, event: str, data: dict[str, Any], room: str) -> None:
        self.sent.append((event, room, data))

    def rooms(self) -> list[str]:
        return [room for _, room, _ in self.sent]


def _service(path: Path, recorder: Recorder | None = None, **kwargs: Any) -> SessionService:
    return SessionService(
        SQLiteStore(path), CATALOG, recorder or Recorder(), clock=lambda: 1e9, **kwargs
    )


def _started(service: SessionService, members: int = 3) -> tuple[str, Actor, list[Actor]]:
    state = service.create("amina", "group-ipt-8", 2)
    phones = [service.join(state.join_code, None, "10.0.0.1") for _ in range(members)]
    console = Actor(Role.FACILITATOR, state.id, user="amina")
    service.run(console, lambda st, at: c.Start(at))
    return state.id, console, phones


def test_an_answer_reaches_the_facilitator_the_member_and_a_count_the_display(
    tmp_path: Path,
) -> None:
    recorder = Recorder()
    service = _service(tmp_path / "s.db", recorder)
    sid, console, phones = _started(service)
    service.run(console, lambda st, at: c.OpenPoll(at, service.poll_spec(st, "mood10")))
    recorder.sent.clear()
    service.run(
        phones[0], lambda st, at: c.SubmitAnswer(at, phones[0].participant_id, "a1", "poll-1", 6)
    )
    assert sorted(recorder.rooms()) == sorted(
        [facilitator_room(sid), member_room(sid, phones[0].participant_id), display_room(sid)]
    )
    assert participants_room(sid) not in recorder.rooms()
    # The display gets how many answered, of how many here: no view, no answer.
    (to_display,) = [
        (event, data) for event, room, data in recorder.sent if room == display_room(sid)
    ]
    assert to_display == ("answer_count", {"poll_id": "poll-1", "count": 1, "of": 3})


def test_a_step_reaches_every_audience_once(tmp_path: Path) -> None:
    recorder = Recorder()
    service = _service(tmp_path / "s.db", recorder)
    sid, console, _ = _started(service)
    recorder.sent.clear()
    service.run(console, lambda st, at: c.Next(at))
    assert sorted(recorder.rooms()) == sorted(
        [facilitator_room(sid), display_room(sid), participants_room(sid)]
    )


def test_a_second_process_sees_the_first_ones_changes_and_ballots(tmp_path: Path) -> None:
    first = _service(tmp_path / "shared.db")
    second = _service(tmp_path / "shared.db")
    sid, console, phones = _started(first)
    assert second.current(sid).phase.value == "running"
    first.run(console, lambda st, at: c.OpenPoll(at, first.poll_spec(st, "mood10")))
    second.current(sid)  # cached now; the next changes come from the other process
    first.run(
        phones[0], lambda st, at: c.SubmitAnswer(at, phones[0].participant_id, "a", "poll-1", 2)
    )
    second.run(
        phones[1], lambda st, at: c.SubmitAnswer(at, phones[1].participant_id, "a", "poll-1", 9)
    )
    first.run(
        phones[2], lambda st, at: c.SubmitAnswer(at, phones[2].participant_id, "a", "poll-1", 5)
    )
    for service in (first, second):
        poll = service.current(sid).polls["poll-1"]
        assert poll.ballots == [2, 5, 9]
        assert len(poll.voters) == 3


def test_a_facilitator_command_against_an_old_version_is_refused(tmp_path: Path) -> None:
    first = _service(tmp_path / "shared.db")
    second = _service(tmp_path / "shared.db")
    sid, console, _ = _started(first)
    seen = second.current(sid).version
    first.run(console, lambda st, at: c.Next(at), expected_version=seen, command_id="next-a")
    with pytest.raises(Refused, match=f"after version {seen}"):
        second.run(console, lambda st, at: c.Next(at), expected_version=seen, command_id="next-b")
    assert first.current(sid).current_step == 1


def test_members_answering_after_the_console_rendered_do_not_make_its_command_stale(
    tmp_path: Path,
) -> None:
    service = _service(tmp_path / "s.db")
    sid, console, phones = _started(service, members=3)
    service.run(console, lambda st, at: c.Next(at), command_id="next-1")
    seen = service.current(sid).version
    for n, phone in enumerate(phones):
        service.run(
            phone,
            lambda st, at: c.SendSignal(at, phone.participant_id, f"s{n}", SignalKind.PASS),  # noqa: B023 (run calls it at once)
        )
    assert service.current(sid).version > seen
    service.run(console, lambda st, at: c.Next(at), expected_version=seen, command_id="next-2")
    assert service.current(sid).current_step == 2
    with pytest.raises(Refused, match=f"not {seen + 99}"):
        service.run(console, lambda st, at: c.Next(at), seen + 99, command_id="next-3")


def test_snapshots_are_saved_as_the_log_grows(tmp_path: Path) -> None:
    service = _service(tmp_path / "s.db", snapshot_every=5)
    sid, console, _ = _started(service, members=3)
    for n in range(6):
        text = f"note {n}"
        service.run(console, lambda st, at: c.AddNote(at, text))  # noqa: B023 (run calls it at once)
    snapshot = service.store.load_snapshot(sid)
    assert snapshot is not None
    assert snapshot.version % 5 in range(0, 2)
    fresh = _service(tmp_path / "s.db")
    assert [n.text for n in fresh.current(sid).notes] == [f"note {n}" for n in range(6)]


def test_a_removed_member_can_do_nothing_more(tmp_path: Path) -> None:
    service = _service(tmp_path / "s.db")
    _, console, phones = _started(service)
    gone = phones[0].participant_id
    service.run(console, lambda st, at: c.RemoveParticipant(at, gone))
    with pytest.raises(Refused, match="removed"):
        service.run(phones[0], lambda st, at: c.SendSignal(at, gone, "s1", SignalKind.BREAK))


def test_only_the_owner_runs_a_session(tmp_path: Path) -> None:
    service = _service(tmp_path / "s.db")
    sid, _, _ = _started(service)
    intruder = Actor(Role.FACILITATOR, sid, user="someone-else")
    with pytest.raises(Refused, match=r"You do not run this session\."):
        service.run(intruder, lambda st, at: c.Next(at))


class RacingStore:
    """A store whose next append first lets another process's command land."""

    def __init__(self, inner: SQLiteStore) -> None:
        self.inner = inner
        self.before_next_append: Any = None

    def append(self, session_id: str, expected_version: int, events: Any) -> int:
        race, self.before_next_append = self.before_next_append, None
        if race is not None:
            race()
        return self.inner.append(session_id, expected_version, events)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_command_that_loses_a_race_to_another_process_lands_on_the_caught_up_state(
    tmp_path: Path,
) -> None:
    first = _service(tmp_path / "shared.db")
    racing = RacingStore(SQLiteStore(tmp_path / "shared.db"))
    second = SessionService(racing, CATALOG, Recorder(), clock=lambda: 1e9)
    sid, console, _ = _started(first)
    second.current(sid)
    racing.before_next_append = lambda: first.run(console, lambda st, at: c.AddNote(at, "first"))
    second.run(console, lambda st, at: c.AddNote(at, "second"))
    fresh = _service(tmp_path / "shared.db").current(sid)
    assert [n.text for n in fresh.notes] == ["first", "second"]
    assert [n.text for n in second.current(sid).notes] == ["first", "second"]
    assert second.current(sid).version == fresh.version


def test_snapshots_grow_apart_with_the_log_so_their_cost_per_event_stays_flat(
    tmp_path: Path,
) -> None:
    service = _service(tmp_path / "s.db", snapshot_every=5)
    taken: list[int] = []
    save = service.store.save_snapshot

    def record(session_id: str, snapshot: Any) -> None:
        taken.append(snapshot.version)
        save(session_id, snapshot)

    service.store.save_snapshot = record  # type: ignore[method-assign]
    sid, console, _ = _started(service, members=3)
    for n in range(200):
        text = f"note {n}"
        service.run(console, lambda st, at: c.AddNote(at, text))  # noqa: B023 (run calls it at once)
    assert all(
        later - earlier >= max(5, later // 4) for earlier, later in itertools.pairwise(taken)
    )
    assert len(taken) < 205 // 5 // 2  # far fewer than one every 5 events
    fresh = _service(tmp_path / "s.db").current(sid)
    assert len(fresh.notes) == 200


def test_a_session_opened_without_a_title_shows_phones_no_clinical_title(
    tmp_path: Path,
) -> None:
    service = _service(tmp_path / "s.db")
    protocol = CATALOG.protocol("group-ipt-8")
    for number in (1, 3):
        state = service.create("amina", "group-ipt-8", number)
        meeting = next(s for s in protocol.sessions if s.n == number)
        assert state.title == f"Group meeting: {meeting.title}"
        assert "IPT" not in state.title and "depression" not in state.title
    named = service.create("amina", "group-ipt-8", 1, title="Tuesday group")
    assert named.title == "Tuesday group"
