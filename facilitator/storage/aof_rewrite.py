"""Have Redis rewrite its append-only file, so that it keeps no history of anonymous answers.

Redis's AOF is a log of every write in order: an answer's ballot sits next to its
voter's event there, and an erased session stays in it, until Redis rewrites the file
from what it holds now. A rewrite keeps the data and drops the history. One is asked for
as soon as a poll closes or a session is erased, and at most every `interval` seconds
while ballots are being cast, which bounds how long the file can pair a voter with an
answer while a poll is open.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import redis
from redis.exceptions import RedisError, ResponseError

log = logging.getLogger(__name__)


class AofRewriter:
    """Ask one Redis for AOF rewrites in the background, coalescing requests."""

    def __init__(
        self,
        client: redis.Redis,
        interval: float = 30.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        retry_every: float = 0.5,
    ) -> None:
        self._redis = client
        self._interval = interval
        self._clock = clock
        self._retry_every = retry_every
        self._wake = threading.Condition()
        self._due: float | None = None  # when the next rewrite should start, if one is wanted
        self._last = float("-inf")
        self._closed = False
        self._thread: threading.Thread | None = None
        self._warned = False

    def request(self, *, urgent: bool) -> None:
        """Ask for a rewrite: now when `urgent`, else within the interval of the last one."""
        with self._wake:
            due = self._clock() if urgent else max(self._clock(), self._last + self._interval)
            self._due = due if self._due is None else min(self._due, due)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="aof-rewrite", daemon=True)
                self._thread.start()
            self._wake.notify()

    def close(self) -> None:
        """Stop the background task before the client closes; a rewrite under way goes on."""
        with self._wake:
            self._closed = True
            self._wake.notify()
            thread = self._thread
        if thread is not None:
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
            if not self._rewrite():
                # Not started (one is running, or Redis is away): try again shortly, so
                # that the rewrite that counts begins after the change that asked for it.
                with self._wake:
                    retry = self._clock() + self._retry_every
                    self._due = retry if self._due is None else min(self._due, retry)

    def _rewrite(self) -> bool:
        """Start a rewrite; return False when it must be tried again later."""
        try:
            if not self._redis.info("persistence").get("aof_enabled"):
                return True  # no append-only file: nothing on disk keeps history
            self._redis.bgrewriteaof()
        except ResponseError as error:
            if "already in progress" in str(error):
                return False
            self._warn(error)
            return True
        except (RedisError, OSError) as error:
            log.info("could not ask Redis to rewrite its append-only file yet: %s", error)
            return False
        return True

    def _warn(self, error: Exception) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "Redis refused BGREWRITEAOF (%s): its append-only file keeps the order of "
                "anonymous answers until it is rewritten; see docs/deploy.md",
                error,
            )
