"""A circuit breaker for the store: while it is unreachable, calls fail at once.

Without it every call to a dead Redis waited out the client's connection retries (150 to
300 ms) while holding its session's lock, so a room's commands queued up behind each
other and were refused seconds late, some after their senders had given up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Breaker:
    """Closed while calls reach the store; open for `cool_down` seconds after one did not.

    When the cool-down is over, the next call is let through as a probe: its success
    closes the breaker, its failure opens it again. Calls meanwhile fail at once. A probe
    that never reports (its caller died) is followed by another after one more cool-down.
    """

    def __init__(self, cool_down: float = 0.5, clock: Callable[[], float] = time.monotonic):
        self._cool_down = cool_down
        self._clock = clock
        self._guard = threading.Lock()
        self._open_until = 0.0  # 0.0 while closed

    @property
    def is_open(self) -> bool:
        return self._open_until != 0.0

    def admit(self) -> bool:
        """Return whether a call may go to the store now (as a probe, when open)."""
        if not self._open_until:
            return True
        with self._guard:
            now = self._clock()
            if not self._open_until:
                return True
            if now < self._open_until:
                return False
            self._open_until = now + self._cool_down
            return True

    def succeeded(self) -> None:
        """The store answered (even with an error of its own): close."""
        if self._open_until:
            with self._guard:
                self._open_until = 0.0

    def failed(self) -> None:
        """The store could not be reached: open for a cool-down."""
        with self._guard:
            self._open_until = self._clock() + self._cool_down
