"""Bring this process's own clients up to date after its message queue was away.

While a process is cut off from the message queue, the broadcasts of the other
processes never reach its clients, and those stay connected, so they never ask for a
sync. When the queue returns, every session this process serves is sent again to the
clients of this process only: each shared view rendered once per session, and each
personal view once per member connected here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from facilitator.core.state import SessionState
from facilitator.service.audience import (
    NO_EXTRAS,
    Extras,
    console_view,
    display_room,
    facilitator_room,
    member_room,
    member_view,
    phone_rooms,
    room_view,
    screen_view,
)
from facilitator.service.sessions import SessionService
from facilitator.service.wording import Wording
from facilitator.storage.base import StorageError

log = logging.getLogger(__name__)

# Send `event` with `data` to `room`, to this process's clients in it only.
SendHere = Callable[[str, dict[str, Any], str], None]
Send = tuple[str, dict[str, Any], str]
# The store may answer a moment after the queue does: sessions it refused are tried
# again, with pauses growing to half a second, for this long.
RETRY_FOR = 30.0
FIRST_PAUSE = 0.05
LAST_PAUSE = 0.5


@dataclass
class Audience:
    """Who of one session this process serves."""

    facilitator: bool = False
    participants: bool = False
    display: bool = False
    members: set[str] = field(default_factory=set)


def audiences(rooms: Iterable[object]) -> dict[str, Audience]:
    """Return, per session, who is in this process's rooms (see service.broadcast)."""
    found: dict[str, Audience] = {}
    for room in rooms:
        if not isinstance(room, str):
            continue  # the room of everyone, which Socket.IO names None
        parts = room.split(":")
        if len(parts) == 2 and parts[1] in ("facilitator", "participants", "display"):
            setattr(found.setdefault(parts[0], Audience()), parts[1], True)
        elif len(parts) == 3 and parts[1] == "participants":
            # The phones of one language: every language's view is sent again.
            found.setdefault(parts[0], Audience()).participants = True
        elif len(parts) == 3 and parts[1] == "member":
            found.setdefault(parts[0], Audience()).members.add(parts[2])
    return found


def sends_for(
    state: SessionState,
    audience: Audience,
    online: Collection[str],
    extras: Extras = NO_EXTRAS,
    console: dict[str, Any] | None = None,
    wording: Wording | None = None,
) -> list[Send]:
    """Return each view `audience` should hold now, with the room it goes to.

    `online` holds the members with a live connection (service/presence.py), for the
    console's roster; `console`, the console's view when it is rendered already.
    """
    sid = state.id
    sends: list[Send] = []
    if audience.facilitator:
        view = console if console is not None else console_view(state, online, extras, wording)
        sends.append(("view", view, facilitator_room(sid)))
    if audience.participants:
        # Per language phones read, to that language's rooms (see broadcast.send_phones).
        for language, rooms in phone_rooms(state).items():
            view = room_view(state, language, wording)
            sends.extend(("view", view, room) for room in rooms)
    if audience.display:
        sends.append(("view", screen_view(state, wording), display_room(sid)))
    for participant_id in sorted(audience.members):
        if participant_id in state.participants:
            personal = member_view(state, participant_id, extras, wording)
            sends.append(("personal", personal, member_room(sid, participant_id)))
    return sends


class Resync:
    """Send every session this process serves its views again, on a task of its own."""

    def __init__(
        self,
        service: SessionService,
        rooms: Callable[[], Iterable[object]],
        send_here: SendHere,
        spawn: Callable[[Callable[[], None]], object],
        sleep: Callable[[float], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._service = service
        self._rooms = rooms
        self._send_here = send_here
        self._spawn = spawn
        self._sleep = sleep
        self._clock = clock
        self._guard = threading.Lock()
        self._running = False
        self._again = False

    def request(self) -> None:
        """Start a resync; asked again while one runs, it runs once more after it."""
        with self._guard:
            if self._running:
                self._again = True
                return
            self._running = True
        self._spawn(self._run)

    def _run(self) -> None:
        try:
            while True:
                with self._guard:
                    self._again = False
                self.once()
                with self._guard:
                    if not self._again:
                        self._running = False
                        return
        except BaseException:
            with self._guard:
                self._running = False
            raise

    def _send(self, state: SessionState, audience: Audience) -> bool:
        # Under the session's lock, as the broadcasts of its commands are: a view of
        # this version never goes out after the view of a command that follows it.
        online = self._service.online(state.id) if audience.facilitator else frozenset()
        # The consoles here hold this view next: the base of this process's next patch.
        console = self._service.console_resent(state) if audience.facilitator else None
        service = self._service
        for event, data, room in sends_for(
            state, audience, online, service.extras, console, service.wording
        ):
            self._send_here(event, data, room)
        return True

    def once(self) -> int:
        """Send every session served here its views; return how many sessions were sent."""
        pending = audiences(self._rooms())
        deadline = self._clock() + RETRY_FOR
        pause = FIRST_PAUSE
        sent = 0
        while pending:
            for session_id, audience in list(pending.items()):
                try:
                    done = self._service.rendered(
                        session_id, partial(self._send, audience=audience)
                    )
                except StorageError:
                    continue  # the store is not back yet: this session again shortly
                except Exception:
                    log.exception("a session could not be resynced")
                    done = None
                del pending[session_id]
                sent += done is not None
                self._sleep(0)  # serve the connections between one session and the next
            if not pending or self._clock() > deadline:
                break
            self._sleep(pause)
            pause = min(pause * 2, LAST_PAUSE)
        if pending:
            log.warning(
                "%d sessions were not resynced: the store did not answer for %.0f s",
                len(pending),
                RETRY_FOR,
            )
        return sent
