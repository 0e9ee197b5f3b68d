"""Shared fixtures: stores of every backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from facilitator.storage.base import EventStore
from facilitator.storage.sqlite import SQLiteStore

BACKENDS = ["sqlite"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventStore]:
    """An empty store of each backend."""
    backend = SQLiteStore(tmp_path / "facilitator.db")
    yield backend
    backend.close()
