"""Presence records kept in one process's memory, for the store that one process serves.

SQLite serves one process, so who is connected needs no disk: kept here, it ends with
the process, and a restarted server begins with every member away until their phone
connects again. Records lapse as they do in Redis, so that both stores behave alike.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from facilitator.storage.base import Holding


@dataclass
class _Record:
    members: set[str]
    until: float
    mark: int


class MemoryPresence:
    """The presence part of a Store, in memory; safe for threads and greenlets."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._records: dict[str, dict[str, _Record]] = {}  # session -> holder -> record
        # Marks never repeat, so that a record gone and made again is never taken for
        # the one a reader saw before.
        self._marks = itertools.count(1)
        self._guard = threading.Lock()

    def hold(self, holder: str, holdings: Sequence[Holding], keep_for: float) -> list[int]:
        held: list[int] = []
        with self._guard:
            now = self._clock()
            for holding in holdings:
                records = self._records.setdefault(holding.session_id, {})
                record = records.get(holder)
                if record is not None and record.until <= now:
                    record = None
                members = set() if record is None or holding.replace else set(record.members)
                members |= holding.added
                members -= holding.removed
                changed = holding.replace or bool(holding.added or holding.removed)
                if not members:
                    records.pop(holder, None)  # as Redis drops an empty set
                elif record is None or changed:
                    records[holder] = _Record(members, now + keep_for, next(self._marks))
                else:
                    record.until = now + keep_for
                if not records:
                    del self._records[holding.session_id]
                held.append(len(members))
        return held

    def presence_marks(self, session_ids: Sequence[str]) -> dict[str, str]:
        with self._guard:
            return {
                session_id: " ".join(
                    f"{holder}={record.mark}"
                    for holder, record in sorted(self._live(session_id).items())
                )
                for session_id in session_ids
            }

    def present(self, session_id: str) -> set[str]:
        with self._guard:
            return {m for record in self._live(session_id).values() for m in record.members}

    def _live(self, session_id: str) -> dict[str, _Record]:
        now = self._clock()
        records = self._records.get(session_id, {})
        for holder in [h for h, record in records.items() if record.until <= now]:
            del records[holder]
        return records
