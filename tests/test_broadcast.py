"""Who hears what, in which order, and how the console's view is throttled in bursts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from facilitator.core import commands as c
from facilitator.core.engine import handle
from facilitator.core.events import Event
from facilitator.core.state import SessionState
from facilitator.service import audience, broadcast, view_patch
from facilitator.service.audience import facilitator_room, member_room, participants_room
from facilitator.service.broadcast import CONSOLE_MIN_WINDOW, Broadcaster
from facilitator.service.views import facilitator_view
from tests.factories import MOOD, T0, new_session


class Room:
    """Records what was sent where, a clock the test moves, and the deferred calls."""

    def __init__(self, state: SessionState) -> None:
        self.state = state
        self.now = 100.0
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.deferred: list[tuple[float, Callable[[], None]]] = []
        self.erased = False

    def send(self, event: str, data: dict[str, Any], room: str) -> None:
        self.sent.append((room, data))

    def defer(self, delay: float, call: Callable[[], None]) -> None:
        self.deferred.append((delay, call))

    def with_state(
        self, session_id: str, render: Callable[[SessionState], dict[str, Any]]
    ) -> dict[str, Any] | None:
        return None if self.erased else render(self.state)

    def run_deferred(self) -> None:
        calls, self.deferred = self.deferred, []
        for _, call in calls:
            call()

    def console_views(self) -> list[dict[str, Any]]:
        """Return each view the consoles held in turn: the first whole, then patched."""
        views: list[dict[str, Any]] = []
        for room, data in self.sent:
            if room != facilitator_room(self.state.id):
                continue
            if "patch" in data:
                assert data["base"] == views[-1]["revision"]
                views.append(view_patch.apply(views[-1], data["patch"]))
            else:
                views.append(data)
        return views

    def broadcaster(self) -> Broadcaster:
        return Broadcaster(self.send, self.defer, self.with_state, clock=lambda: self.now)


def _answer(state: SessionState, n: int) -> list[Event]:
    return handle(state, c.SubmitAnswer(T0 + 300 + n, f"p{n}", f"a{n}", "poll-1", n))


def _open_poll(members: int) -> SessionState:
    state = new_session(members, start=True)
    handle(state, c.OpenPoll(T0 + 200, MOOD))
    return state


def _count(view: dict[str, Any]) -> int:
    return int(view["polls"][0]["count"])


def test_a_burst_of_answers_sends_the_console_the_first_and_the_final_count() -> None:
    room = Room(_open_poll(6))
    broadcaster = room.broadcaster()
    for n in range(1, 7):
        broadcaster.publish(room.state, _answer(room.state, n))
        room.now += 0.001
    assert [_count(v) for v in room.console_views()] == [1]
    assert len(room.deferred) == 1
    assert 0 < room.deferred[0][0] <= CONSOLE_MIN_WINDOW
    room.run_deferred()
    assert [_count(v) for v in room.console_views()] == [1, 6]


def test_every_member_still_gets_their_own_part_at_once_during_a_burst() -> None:
    room = Room(_open_poll(3))
    broadcaster = room.broadcaster()
    for n in range(1, 4):
        broadcaster.publish(room.state, _answer(room.state, n))
    personal = [room_ for room_, _ in room.sent if ":member:" in room_]
    assert personal == [member_room("s1", f"p{n}") for n in range(1, 4)]


def test_a_change_after_a_quiet_window_reaches_the_console_at_once() -> None:
    room = Room(_open_poll(2))
    broadcaster = room.broadcaster()
    broadcaster.publish(room.state, _answer(room.state, 1))
    room.now += CONSOLE_MIN_WINDOW
    broadcaster.publish(room.state, _answer(room.state, 2))
    assert [_count(v) for v in room.console_views()] == [1, 2]
    assert room.deferred == []


def test_the_facilitators_own_command_is_never_held_back() -> None:
    room = Room(_open_poll(2))
    broadcaster = room.broadcaster()
    broadcaster.publish(room.state, _answer(room.state, 1))
    events = handle(room.state, c.Next(T0 + 400))
    broadcaster.publish(room.state, events, by_facilitator=True)
    assert [v["step"]["index"] for v in room.console_views()] == [0, 1]


def test_changes_alternating_between_processes_reach_the_console_as_patches_that_fit() -> None:
    # Two processes of one session, each with its own feed, both heard by one console
    # (through the message queue). Each takes the view the other sent as its base
    # before its own change, so every patch applies to the view the console holds.
    room = Room(_open_poll(6))
    processes = [room.broadcaster(), room.broadcaster()]
    for n in range(1, 7):
        process = processes[n % 2]
        process.before_change(room.state)
        process.publish(room.state, _answer(room.state, n))
        room.now += CONSOLE_MIN_WINDOW
    assert [_count(v) for v in room.console_views()] == [1, 2, 3, 4, 5, 6]
    assert room.console_views()[-1] == processes[0].console_full(room.state)


def test_a_base_that_cannot_be_rendered_before_a_change_leaves_the_change_to_go_out_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    room = Room(_open_poll(3))
    broadcaster = room.broadcaster()
    broadcaster.publish(room.state, _answer(room.state, 1))
    _answer(room.state, 2)  # another process's change: this one sent nothing for it
    room.now += CONSOLE_MIN_WINDOW
    with monkeypatch.context() as patched:
        patched.setattr(broadcast, "console_view", _fail)
        broadcaster.before_change(room.state)  # the change is written: it must not raise
    broadcaster.publish(room.state, _answer(room.state, 3))
    last = [data for room_, data in room.sent if room_ == facilitator_room("s1")][-1]
    assert "patch" not in last and _count(last) == 3


def _fail(*args: Any, **kwargs: Any) -> dict[str, Any]:
    raise RuntimeError("rendering failed")


def test_phones_get_a_step_before_the_console_does() -> None:
    room = Room(new_session(2, start=True))
    room.broadcaster().publish(room.state, handle(room.state, c.Next(T0 + 400)))
    rooms = [room_ for room_, _ in room.sent]
    assert rooms.index(participants_room("s1")) < rooms.index(facilitator_room("s1"))


def test_in_a_meeting_of_a_course_each_member_gets_their_part_again_at_each_step() -> None:
    # Their part says whether this week's step may be chosen yet, which turns on the step.
    plain = Room(new_session(2, start=True))
    plain.broadcaster().publish(plain.state, handle(plain.state, c.Next(T0 + 400)))
    assert [r for r, _ in plain.sent if ":member:" in r] == []
    room = Room(new_session(2, start=True))
    room.state.course_id = "course-1"
    room.broadcaster().publish(room.state, handle(room.state, c.Next(T0 + 400)))
    personal = [r for r, _ in room.sent if ":member:" in r]
    assert personal == [member_room("s1", "p1"), member_room("s1", "p2")]


def test_a_session_erased_before_its_deferred_view_sends_nothing() -> None:
    room = Room(_open_poll(2))
    broadcaster = room.broadcaster()
    broadcaster.publish(room.state, _answer(room.state, 1))
    broadcaster.publish(room.state, _answer(room.state, 2))
    room.erased = True
    room.run_deferred()
    assert [_count(v) for v in room.console_views()] == [1]


def test_the_window_grows_with_the_cost_of_rendering_a_large_roster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    room = Room(_open_poll(2))

    def slow_view(
        state: SessionState, online: frozenset[str], extras: Any, wording: Any
    ) -> dict[str, Any]:
        room.now += 0.1  # as if the roster took 100 ms to render
        return facilitator_view(state, online)

    monkeypatch.setattr(broadcast, "console_view", slow_view)
    broadcaster = room.broadcaster()
    broadcaster.publish(room.state, _answer(room.state, 1))
    broadcaster.publish(room.state, _answer(room.state, 2))
    assert room.deferred[0][0] > 0.1


def test_waiting_for_the_session_is_not_counted_as_rendering() -> None:
    room = Room(_open_poll(3))
    plain = room.with_state

    def slow_lock(session_id: str, render: Callable[[SessionState], dict[str, Any]]) -> Any:
        room.now += 0.5  # as if another command held the session's lock
        return plain(session_id, render)

    broadcaster = Broadcaster(room.send, room.defer, slow_lock, clock=lambda: room.now)
    broadcaster.publish(room.state, _answer(room.state, 1))
    broadcaster.publish(room.state, _answer(room.state, 2))
    room.run_deferred()
    broadcaster.publish(room.state, _answer(room.state, 3))
    assert room.deferred[0][0] <= CONSOLE_MIN_WINDOW


def test_without_deferral_every_change_sends_the_console_a_view() -> None:
    room = Room(_open_poll(3))
    broadcaster = Broadcaster(room.send)
    for n in range(1, 4):
        broadcaster.publish(room.state, _answer(room.state, n))
    assert [_count(v) for v in room.console_views()] == [1, 2, 3]


def test_the_phones_view_is_built_once_per_language_in_use_not_per_phone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = new_session(30, start=True)
    offered = ("en", "es", "fr")
    for n in range(1, 31):
        language = ("", "es", "fr")[n % 3]
        if language:
            handle(state, c.SetMemberLanguage(T0 + 200 + n, f"p{n}", language, offered))
    built: list[str] = []
    build = audience.room_view

    def counted(state: SessionState, language: str | None = None, wording: Any = None) -> Any:
        built.append(language or "")
        return build(state, language, wording)

    monkeypatch.setattr(broadcast, "room_view", counted)
    room = Room(state)
    room.broadcaster().publish(state, handle(state, c.Next(T0 + 400)))
    assert sorted(built) == ["en", "es", "fr"]
    to_phones = sorted(r for r, _ in room.sent if r.startswith("s1:participants"))
    assert to_phones == ["s1:participants", "s1:participants:es", "s1:participants:fr"]
