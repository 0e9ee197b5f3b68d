"""Shared fixtures: stores of every backend."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from facilitator.storage.base import Store
from facilitator.storage.redis import RedisStore
from facilitator.storage.sqlite import SQLiteStore
from tests.live import Client, Facilitator, Server, wait_until
from tests.redis_server import delete_prefix, shared_redis_url

BACKENDS = ["sqlite", "redis"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each backend; Redis under a key prefix of its own."""
    if request.param == "sqlite":
        backend: Store = SQLiteStore(tmp_path / "facilitator.db")
        yield backend
        backend.close()
        return
    url = shared_redis_url()
    prefix = f"facilitator-test:{secrets.token_hex(6)}:"
    backend = RedisStore.from_url(url, prefix=prefix)
    yield backend
    backend.close()
    delete_prefix(url, prefix)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server process (gevent, SQLite) for the tests of one module."""
    running = Server(tmp_path_factory.mktemp("server")).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def facilitator(server: Server) -> Facilitator:
    """A facilitator signed in to `server` with its one-time link."""
    wait_until(lambda: server.login_link, 5, "the one-time sign-in link")
    return Facilitator(server).sign_in_with_link(server.login_link)


@pytest.fixture
def clients() -> Iterator[list[Client]]:
    """A list to put Socket.IO clients in; all are closed after the test."""
    opened: list[Client] = []
    yield opened
    for client in opened:
        client.close()
