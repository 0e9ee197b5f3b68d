"""Shared fixtures: stores of every backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from facilitator.storage.base import EventStore
from facilitator.storage.sqlite import SQLiteStore
from tests.live import Client, Facilitator, Server, wait_until

BACKENDS = ["sqlite"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventStore]:
    """An empty store of each backend."""
    backend = SQLiteStore(tmp_path / "facilitator.db")
    yield backend
    backend.close()


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
