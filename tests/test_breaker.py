"""The store's circuit breaker: fail at once while Redis is away, probe, recover."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from facilitator.storage.base import StorageError
from facilitator.storage.breaker import Breaker
from facilitator.storage.redis import RedisStore
from tests.redis_server import RedisServer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_failure_opens_the_breaker_for_its_cool_down_then_one_probe_goes_through() -> None:
    clock = Clock()
    breaker = Breaker(cool_down=0.5, clock=clock)
    assert breaker.admit()
    breaker.failed()
    assert not breaker.admit()
    clock.now += 0.6
    assert breaker.admit()  # the probe
    assert not breaker.admit()  # everyone else, while the probe is out
    breaker.failed()
    clock.now += 0.4
    assert not breaker.admit()
    clock.now += 0.2
    assert breaker.admit()
    breaker.succeeded()
    assert breaker.admit() and breaker.admit() and not breaker.is_open


def test_a_probe_that_never_reports_is_followed_by_another() -> None:
    clock = Clock()
    breaker = Breaker(cool_down=0.5, clock=clock)
    breaker.failed()
    clock.now += 0.6
    assert breaker.admit()
    clock.now += 0.6
    assert breaker.admit()


def test_a_dead_redis_is_refused_at_once_after_the_first_failure_and_found_again(
    tmp_path: Path,
) -> None:
    server = RedisServer(tmp_path).start()
    store = RedisStore.from_url(server.url())
    try:
        assert store.version("s1") == 0
        server.kill()
        with pytest.raises(StorageError, match="nothing was saved"):
            store.version("s1")
        started = time.monotonic()
        for _ in range(20):
            with pytest.raises(StorageError, match="nothing was saved"):
                store.version("s1")
        assert time.monotonic() - started < 0.05
        server.start()
        time.sleep(0.6)  # the cool-down: the next call is the probe
        assert store.version("s1") == 0
    finally:
        store.close()
        server.stop()
