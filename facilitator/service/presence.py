"""Who is connected: each process's live connections, published with a heartbeat.

Presence is never read from the session log. Each process counts its own open
connections per member and keeps a record of them in the store that lapses `KEEP_FOR`
seconds after its last heartbeat; a member is connected when some live process holds a
connection for them. So a crash (kill -9, a lost machine) or a store outage can leave a
member shown connected for a bounded time only:

- a process that dies stops renewing its record, which lapses within KEEP_FOR;
- a change that could not be written (the store was away) is written in full on the
  first heartbeat that reaches the store again, within HEARTBEAT of its return;
- a restarted process starts from its own connections (none), never from the past.

Each process watches the sessions whose console it serves, and sends those consoles a
fresh view only when the store's mark of the session's presence moved: nothing is
rendered for a heartbeat that changed nothing.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import Counter
from collections.abc import Callable

from facilitator.storage.base import Holding, PresenceStore, StorageError

log = logging.getLogger(__name__)

# Seconds between heartbeats: each renews this process's records and looks for changes.
HEARTBEAT = 1.0
# Seconds a record outlives its last heartbeat. Several heartbeats, so that a process
# busy for a moment is not taken for a dead one.
KEEP_FOR = 5.0
# After a connection opens or closes, the next heartbeat waits this long for the rest
# of a burst (a room's phones reconnecting) and then writes them all at once.
GATHER = 0.2


class Presence:
    """This process's connections, its records in the store, and the consoles it serves."""

    def __init__(
        self,
        store: PresenceStore,
        changed: Callable[[str], None],
        *,
        heartbeat: float = HEARTBEAT,
        keep_for: float = KEEP_FOR,
        gather: float = GATHER,
    ) -> None:
        self._store = store
        self._changed = changed
        self._heartbeat = heartbeat
        self._keep_for = keep_for
        self._gather = gather
        # A new holder per process start: nothing a former process held is taken as ours.
        self.holder = secrets.token_hex(8)
        self._open: dict[str, Counter[str]] = {}  # session -> member -> open connections
        # What the store holds for this process per session; None when unknown (a
        # write failed or was answered with another count), so the next one replaces it.
        self._held: dict[str, frozenset[str] | None] = {}
        self._watched: Counter[str] = Counter()  # session -> consoles served here
        self._marks: dict[str, str] = {}  # the mark each watched session's view showed
        # The members last read, under the mark they were read at, per session this
        # process serves (its consoles, or phones whose answers render the console's
        # view): reading thousands of ids for every render of a busy console costs more
        # than the render, while reading the mark costs one small reply.
        self._known: dict[str, tuple[str, frozenset[str]]] = {}
        self._guard = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()

    # -- what the transport reports ---------------------------------------------------

    def opened(self, session_id: str, member_id: str) -> None:
        """A member's connection opened on this process."""
        with self._guard:
            counts = self._open.setdefault(session_id, Counter())
            counts[member_id] += 1
            first = counts[member_id] == 1
        if first:
            self._wake.set()

    def closed(self, session_id: str, member_id: str) -> None:
        """A member's connection on this process closed."""
        with self._guard:
            counts = self._open.get(session_id, Counter())
            if not counts[member_id]:
                return  # never counted: nothing to take back
            counts[member_id] -= 1
            last = not counts[member_id]
            if last:
                del counts[member_id]
                if not counts:
                    self._open.pop(session_id, None)
                    self._forget_unless_served(session_id)
        if last:
            self._wake.set()

    def watch(self, session_id: str) -> None:
        """A console of the session connected here; call before sending it a view."""
        with self._guard:
            self._watched[session_id] += 1
            if self._watched[session_id] > 1:
                return
        try:
            mark = self._store.presence_marks([session_id])[session_id]
        except StorageError:
            return  # no mark: the first check that reaches the store sends a fresh view
        with self._guard:
            if self._watched[session_id]:
                self._marks.setdefault(session_id, mark)

    def unwatch(self, session_id: str) -> None:
        """A console of the session on this process closed."""
        with self._guard:
            self._watched[session_id] -= 1
            if self._watched[session_id] <= 0:
                del self._watched[session_id]
                self._marks.pop(session_id, None)
                self._forget_unless_served(session_id)

    # -- reading ----------------------------------------------------------------------

    def online(self, session_id: str) -> frozenset[str]:
        """Return the members some live process holds a connection for."""
        with self._guard:
            known = self._known.get(session_id)
        try:
            mark = self._store.presence_marks([session_id])[session_id]
            if known is not None and known[0] == mark:
                return known[1]
            # Read after the mark: a newer set under an older mark is read again next time.
            found = frozenset(self._store.present(session_id))
        except StorageError:
            # The store failed between a write and this read: the last known set, which
            # the first heartbeat after the store returns corrects.
            return known[1] if known is not None else frozenset()
        with self._guard:
            if session_id in self._watched or session_id in self._open:
                self._known[session_id] = (mark, found)
        return found

    def _forget_unless_served(self, session_id: str) -> None:
        if session_id not in self._watched and session_id not in self._open:
            self._known.pop(session_id, None)

    # -- the heartbeat ----------------------------------------------------------------

    def run(self) -> None:
        """Beat until `stop` is called: now, every heartbeat, and soon after a change."""
        while not self._stopped.is_set():
            try:
                self.beat()
            except Exception:
                # A background task has no one to report to; the next beat tries again.
                log.exception("a presence heartbeat failed")
            if self._wake.wait(self._heartbeat) and not self._stopped.is_set():
                self._stopped.wait(self._gather)
            self._wake.clear()

    def beat(self) -> None:
        """Write this process's changes and renew its records, then look for changes."""
        self.publish()
        self.check()

    def publish(self) -> None:
        """Bring this process's records in the store up to its open connections."""
        with self._guard:
            wanted = {sid: frozenset(counts) for sid, counts in self._open.items()}
            held = dict(self._held)
        holdings = []
        for sid in sorted(set(wanted) | set(held)):
            want, have = wanted.get(sid, frozenset()), held.get(sid)
            if have is None:
                holdings.append(Holding(sid, want, replace=True))
            else:
                holdings.append(Holding(sid, want - have, have - want))
        try:
            counts = self._store.hold(self.holder, holdings, self._keep_for)
        except StorageError:
            with self._guard:
                self._held = dict.fromkeys(set(held) | set(wanted))
            return
        with self._guard:
            for holding, count in zip(holdings, counts, strict=True):
                want = wanted.get(holding.session_id, frozenset())
                if count != len(want):
                    # The record lapsed meanwhile (a long pause), or the store lost it.
                    self._held[holding.session_id] = None
                    self._wake.set()
                elif want:
                    self._held[holding.session_id] = want
                else:
                    self._held.pop(holding.session_id, None)

    def check(self) -> None:
        """Send a fresh view to this process's consoles whose session's presence moved."""
        with self._guard:
            watched = sorted(self._watched)
        if not watched:
            return
        try:
            marks = self._store.presence_marks(watched)
        except StorageError:
            return  # the next beat looks again
        moved = []
        with self._guard:
            for sid, mark in marks.items():
                if sid in self._watched and self._marks.get(sid) != mark:
                    self._marks[sid] = mark
                    moved.append(sid)
        for sid in moved:
            try:
                self._changed(sid)
            except Exception:
                log.exception("a console could not be sent who is connected")
                with self._guard:
                    self._marks.pop(sid, None)  # so that the next beat sends it again

    def stop(self) -> None:
        """End `run` at its next wake."""
        self._stopped.set()
        self._wake.set()
