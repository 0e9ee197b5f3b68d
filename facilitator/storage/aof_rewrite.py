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

import redis
from redis.exceptions import RedisError, ResponseError

from facilitator.storage.history import HistoryEraser

log = logging.getLogger(__name__)


class AofRewriter:
    """Ask one Redis for AOF rewrites in the background, coalescing requests."""

    def __init__(self, client: redis.Redis, interval: float = 30.0) -> None:
        self._redis = client
        self._warned = False
        self._eraser = HistoryEraser(self._rewrite, interval, name="aof-rewrite")

    def request(self, *, urgent: bool) -> None:
        """Ask for a rewrite: now when `urgent`, else within the interval of the last one."""
        self._eraser.request(urgent=urgent)

    def close(self) -> None:
        """Stop the background task before the client closes; a rewrite under way goes on."""
        self._eraser.close()

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
