"""Erase a store's write history in the background: at once when asked, else at most so often.

A store that logs its writes in order (SQLite's write-ahead log, Redis's append-only
file) holds an anonymous ballot next to its voter's entry until that log is emptied or
rewritten. Erasing it after every ballot would cost a disk flush or a fork per answer;
erasing it at most every `interval` seconds while ballots arrive bounds how long the
history can pair a voter with an answer, at a cost that does not grow with the answers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class HistoryEraser:
    """Run `erase` on a thread of its own, coalescing requests.

    `erase` returns False when it could not do its work yet (the store is busy or away);
    it is then tried again `retry_every` seconds later, so that the erasure that counts
    begins after the change that asked for it.
    """

    def __init__(
        self,
        erase: Callable[[], bool],
        interval: float,
        *,
        name: str,
        clock: Callable[[], float] = time.monotonic,
        retry_every: float = 0.5,
    ) -> None:
        self._erase = erase
        self._interval = interval
        self._name = name
        self._clock = clock
        self._retry_every = retry_every
        self._wake = threading.Condition()
        self._due: float | None = None  # when the next erasure should start, if one is wanted
        self._last = float("-inf")
        self._closed = False
        self._thread: threading.Thread | None = None

    def request(self, *, urgent: bool = False) -> None:
        """Ask for an erasure: now when `urgent`, else within the interval of the last one."""
        with self._wake:
            if self._closed:
                return
            now = self._clock()
            due = now if urgent else max(now, self._last + self._interval)
            self._due = due if self._due is None else min(self._due, due)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._wake.notify()

    def close(self) -> None:
        """Stop the background thread, waiting for an erasure under way to end."""
        with self._wake:
            self._closed = True
            self._wake.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._closed and (self._due is None or self._due > self._clock()):
                    timeout = None if self._due is None else self._due - self._clock()
                    self._wake.wait(timeout)
                if self._closed:
                    return
                self._due = None
                self._last = self._clock()
            try:
                done = self._erase()
            except Exception:
                # A background task must outlive one failure; the next request tries again.
                log.exception("erasing the write history failed")
                done = False
            if not done:
                with self._wake:
                    retry = self._clock() + self._retry_every
                    self._due = retry if self._due is None else min(self._due, retry)
