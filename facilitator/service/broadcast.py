"""Who hears what after a change: rooms per audience, and the views sent to each."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from facilitator.core import events as e
from facilitator.core.state import SessionState
from facilitator.service import view_patch
from facilitator.service.audience import (
    ANSWER_COUNT,
    NO_EXTRAS,
    VIEW_PATCH,
    Extras,
    console_view,
    display_answer_count,
    display_changed,
    display_room,
    facilitator_room,
    member_room,
    member_view,
    phone_rooms,
    room_view,
    screen_view,
)
from facilitator.service.wording import Wording

log = logging.getLogger(__name__)

# The console's view is sent at most once per window, and the window grows with the
# cost of rendering it, so that rendering a large roster takes at most about a fifth
# of the time. Phones never wait for it: their views go out first and are not held.
CONSOLE_MIN_WINDOW = 0.05
CONSOLE_COST_SHARE = 5


class Sender(Protocol):
    def __call__(self, event: str, data: dict[str, Any], room: str) -> None: ...


# Run a callable after a delay, off the caller's stack (a greenlet or thread).
Defer = Callable[[float, Callable[[], None]], None]
Render = Callable[[SessionState], Any]
# Call a renderer with the session as it stands now, under its lock; None once erased.
WithState = Callable[[str, Render], Any]
# Return the members of a session with a live connection now.
Online = Callable[[str], Collection[str]]


@dataclass
class _ConsoleFeed:
    sent_at: float = float("-inf")
    window: float = CONSOLE_MIN_WINDOW
    pending: bool = False
    # The view this process last sent the session's consoles (or, before it sent any,
    # gave one that connected): the base of the next patch. Touched under the session's
    # lock only, so that patches leave in the order of the views they lead to.
    basis: dict[str, Any] | None = None


class Broadcaster:
    """Send each audience its new view after a change, phones first.

    Without `defer` every change sends the console a fresh view at once. With it, a
    burst of changes (answers, joins, presence) sends the console one view at the
    start of the burst and one with the latest state at the end of each window,
    instead of re-rendering the whole roster per change: at a thousand members that
    render costs several milliseconds, and the burst would queue behind it.

    Consoles are sent what changed (`view_patch`, from the view last sent to the one
    now), not the whole view: a view carries a `revision` naming its content, and a
    console applies a patch only to the view of its base revision, asking `sync` for a
    whole view otherwise. Whole views go out on connect and sync, and the first time a
    process speaks to a session's consoles.
    """

    def __init__(
        self,
        send: Sender,
        defer: Defer | None = None,
        with_state: WithState | None = None,
        clock: Callable[[], float] = time.monotonic,
        *,
        online: Online | None = None,
        send_here: Sender | None = None,
        extras: Extras = NO_EXTRAS,
        wording: Wording | None = None,
    ) -> None:
        self._send = send
        self._extras = extras
        # Reads the protocol's texts in each screen's language; None: as the log has them.
        self._wording = wording
        # Sends to this process's clients only, not through the message queue.
        self._send_here = send_here or send
        self._online: Online = online or (lambda session_id: frozenset())
        self._defer = defer if with_state is not None else None
        self._with_state = with_state
        self._clock = clock
        self._feeds: dict[str, _ConsoleFeed] = {}
        self._guard = threading.Lock()

    def publish(
        self, state: SessionState, events: Sequence[e.Event], *, by_facilitator: bool = False
    ) -> None:
        """Send each audience its view, and each member touched their own part."""
        sid = state.id
        # Private events (answers above all) send nothing to the room or to other phones.
        public = any(event.public for event in events)
        if public:
            self.send_phones(state)
        # The display shows who is here and whether joining is open; members' views do not.
        if public or display_changed(events):
            self._send("view", screen_view(state, self._wording), display_room(sid))
        count = display_answer_count(state, events)
        if count is not None:
            self._send(ANSWER_COUNT, count, display_room(sid))
        for participant_id in sorted(_members_touched(state, events)):
            self._send(
                "personal",
                member_view(state, participant_id, self._extras, self._wording),
                member_room(sid, participant_id),
            )
        self._console(state, now=by_facilitator)

    def send_phones(self, state: SessionState) -> None:
        """Send every phone the shared view: built once per language phones read, and
        sent to that language's rooms, so that the cost grows with the languages in use."""
        for language, rooms in phone_rooms(state).items():
            view = room_view(state, language, self._wording)
            for room in rooms:
                self._send("view", view, room)

    def touch(self, state: SessionState, participant_ids: Sequence[str]) -> None:
        """Send these members their personal views, and the consoles theirs, again."""
        for participant_id in sorted(set(participant_ids)):
            if participant_id in state.participants:
                view = member_view(state, participant_id, self._extras, self._wording)
                self._send("personal", view, member_room(state.id, participant_id))
        self._console(state, now=True)

    def refresh_consoles_here(self, session_id: str) -> None:
        """Send this process's consoles of the session a fresh view, e.g. as presence moved.

        Each process refreshes the consoles it serves, after it saw the change itself:
        no process sends twice to one console, and none depends on the message queue,
        which may still be resubscribing after a Redis outage.
        """
        if self._with_state is None:
            return
        self._with_state(session_id, lambda state: self._send_console(state, here=True))

    def before_change(self, state: SessionState) -> None:
        """Under the session's lock, before this process applies a change to `state`.

        When another process moved the session since this process last spoke to its
        consoles, the base kept here is older than the view those consoles hold: that
        process sent them its own view of the session as it stands now. A patch from
        the old base would not fit, and every console would ask `sync` for the whole
        view after each change that alternates between processes. The view of the
        session as it stands now is rendered, from any process, under the revision the
        consoles hold, so it becomes the base; a console holding another one (a view
        still on its way) asks `sync`, as before.
        """
        with self._guard:
            feed = self._feeds.get(state.id)
            if feed is None or feed.basis is None or feed.pending:
                return  # nothing sent yet, or this process's own change is on its way
            if feed.basis["version"] == state.version:
                return  # no other process moved it
        try:
            view: dict[str, Any] | None = self._render(state)
        except Exception:
            # The change is written already and must still apply and go out; without a
            # base, the consoles are sent the whole view instead of a patch.
            log.exception("the console view of a session could not be rendered")
            view = None
        with self._guard:
            feed.basis = view

    def console_full(self, state: SessionState) -> dict[str, Any]:
        """Return the whole view for a console opening or asking `sync`, under the
        session's lock; the first one is the base of this process's next patch."""
        view = self._render(state)
        with self._guard:
            feed = self._feeds.setdefault(state.id, _ConsoleFeed())
            if feed.basis is None:
                feed.basis = view
        return view

    def console_resent(self, state: SessionState) -> dict[str, Any]:
        """Return the whole view this process's consoles are sent again after the message
        queue was away, under the session's lock: the base of the next patch."""
        view = self._render(state)
        with self._guard:
            self._feeds.setdefault(state.id, _ConsoleFeed()).basis = view
        return view

    def forget(self, session_id: str) -> None:
        """Drop what is kept about a session's console feed."""
        with self._guard:
            self._feeds.pop(session_id, None)

    def _console(self, state: SessionState, *, now: bool) -> None:
        # The facilitator's own commands are answered at once: a click must feel instant.
        with self._guard:
            feed = self._feeds.setdefault(state.id, _ConsoleFeed())
            wait = feed.sent_at + feed.window - self._clock()
            if self._defer is None or now or (wait <= 0 and not feed.pending):
                deferred = False
            elif feed.pending:
                return  # the view already scheduled will show this change too
            else:
                feed.pending = deferred = True
        if deferred:
            assert self._defer is not None
            self._defer(max(wait, 0.0), lambda: self._flush(state.id))
        else:
            self._send_console(state)

    def _flush(self, session_id: str) -> None:
        with self._guard:
            feed = self._feeds.get(session_id)
            if feed is None or not feed.pending:
                return
            feed.pending = False
        assert self._with_state is not None
        try:
            # Rendered and sent under the session's lock, like every console send.
            self._with_state(session_id, self._send_console)
        except Exception:
            # A background send has no one to report to; the next change sends again.
            log.exception("the console view of a session could not be sent")

    def _render(self, state: SessionState) -> dict[str, Any]:
        online = self._online(state.id)
        # Timed alone: waiting for the session's lock or the store is not rendering.
        started = self._clock()
        view = console_view(state, online, self._extras, self._wording)
        view["revision"] = revision(state, view, self._extras.console_mark(state))
        cost = self._clock() - started
        with self._guard:
            feed = self._feeds.setdefault(state.id, _ConsoleFeed())
            feed.window = max(CONSOLE_MIN_WINDOW, CONSOLE_COST_SHARE * cost)
        return view

    def _send_console(self, state: SessionState, *, here: bool = False) -> None:
        """Send the consoles what changed since the view last sent them (under the
        session's lock); `here`: to this process's consoles only."""
        view = self._render(state)
        with self._guard:
            feed = self._feeds.setdefault(state.id, _ConsoleFeed())
            feed.sent_at = self._clock()
            basis, feed.basis = feed.basis, view
        send = self._send_here if here else self._send
        room = facilitator_room(state.id)
        if basis is None:
            send("view", view, room)
            return
        patch = view_patch.diff(basis, view)
        if patch:
            body = {
                "base": basis["revision"],
                "revision": view["revision"],
                "version": view["version"],
                "patch": patch,
            }
            send(VIEW_PATCH, body, room)


def revision(state: SessionState, view: dict[str, Any], mark: str) -> str:
    """Name the content of a console's view: its session version, who is connected and
    what it shows from beyond the session. Any process renders the same view under it."""
    connected = "\n".join(m["id"] for m in view["participants"] if m["connected"])
    digest = hashlib.blake2b(f"{mark}\n{connected}".encode(), digest_size=6).hexdigest()
    return f"{state.version}.{digest}"


# In a meeting of a course a member's own part says whether this week's step may be
# chosen yet, which turns on the step the meeting is at.
_COURSE_MEETING_MOVES = (e.SessionStarted, e.StepEntered, e.SessionEnded)


def _members_touched(state: SessionState, events: Sequence[e.Event]) -> set[str]:
    touched: set[str] = set()
    for event in events:
        if isinstance(event, (e.RolePlayPushed, e.RolePlayEnded, e.SessionLanguageSet)) or (
            state.course_id and isinstance(event, _COURSE_MEETING_MOVES)
        ):
            touched |= {m.id for m in state.participants.values() if m.present}
        if isinstance(event, e.PollReopened) and event.cleared:
            # Its voters are forgotten: the phones that answered may answer again.
            touched |= {m.id for m in state.participants.values() if m.present}
        if isinstance(event, e.SignalAcknowledged):
            # The member's phone shows "seen" on the signal.
            touched |= {s.participant_id for s in state.signals if s.id == event.signal_id}
        member = getattr(event, "participant_id", None)
        if member is not None:
            touched.add(member)
    return touched
